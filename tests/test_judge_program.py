"""Judge programs in the sandbox child: hostile code at run time, and the built-in judge on
synthetic trajectories."""

from pathlib import Path

import numpy as np
import pytest

from tabrl_core.judging.builtin import builtin_judge_code
from tabrl_core.rewards.judge_contract import EXAMPLE_JUDGE, FPS, JudgeTrajectory
from tabrl_core.judging.program import (JudgeValidationError, check_judge, run_judge,
                                        sample_trajectories)
from tabrl_core.rewards.contract import contract_for

RUNTIME = sorted((Path(__file__).parent / "judge_corpus" / "runtime").glob("*.py"))
GO1 = contract_for("go1")


def synthetic(vx: float = 0.0, yaw_rate: float = 0.0, height: float = 0.28, fell: bool = False,
              roll_amplitude: float = 0.0, frames: int = 150) -> JudgeTrajectory:
    """A Go1-shaped trajectory whose base moves at `vx` (m/s, heading frame) and turns."""
    time = np.arange(frames) / FPS
    yaw = yaw_rate * time
    roll = roll_amplitude * np.sin(2 * np.pi * 2.0 * time)
    x = np.cumsum(vx * np.cos(yaw)) / FPS
    y = np.cumsum(vx * np.sin(yaw)) / FPS
    heights = np.full(frames, height)
    feet = 0.02 + 0.04 * np.clip(np.sin(2 * np.pi * 2 * time[:, None] + [0, np.pi, np.pi, 0]),
                                 0, None)
    return JudgeTrajectory(
        base_pos=np.column_stack([x, y, heights]), base_height=heights,
        base_lin_vel=np.column_stack([np.full(frames, vx), np.zeros(frames), np.zeros(frames)]),
        base_ang_vel=np.column_stack([np.zeros((frames, 2)), np.full(frames, yaw_rate)]),
        base_rpy=np.column_stack([roll, np.zeros(frames), yaw]),
        upright=np.cos(roll), joint_pos=np.zeros((frames, 12)), joint_vel=np.zeros((frames, 12)),
        foot_contact=(feet < 0.025).astype(float), foot_height=feet, time=time, dt=1 / FPS,
        fell=float(fell))


def passes(code: str, trajectories: list[JudgeTrajectory]) -> list[bool]:
    results = run_judge(code, trajectories)
    assert not any(isinstance(r, Exception) for r in results), results
    return [all(c.scored()[0] for c in checks) for checks in results]


def test_backward_walker_passes_walk_backwards_and_fails_walk_forward():
    backward, forward = synthetic(vx=-0.4), synthetic(vx=0.5)
    fallen = synthetic(vx=-0.4, fell=True)
    assert passes(builtin_judge_code("go1", "walk backwards"), [backward, forward, fallen]) == \
        [True, False, False]
    assert passes(builtin_judge_code("go1", "walk forward"), [backward, forward, fallen]) == \
        [False, True, False]


def test_checks_carry_measured_values_and_targets():
    [checks] = run_judge(builtin_judge_code("go1", "walk backwards"), [synthetic(vx=0.5)])
    moved = next(c for c in checks if c.name == "backward_distance_m")
    assert moved.value == pytest.approx(0.5 * 5.0)  # 5 s at 0.5 m/s
    assert moved.op == "at_most" and moved.target == "<= -1"
    assert moved.scored()[0] is False


def test_builtin_judges_tell_behaviours_apart():
    turning, still = synthetic(yaw_rate=1.0), synthetic()
    shaking = synthetic(roll_amplitude=0.2)
    assert passes(builtin_judge_code("go1", "turn left"), [turning, still]) == [True, False]
    assert passes(builtin_judge_code("go1", "turn right"), [turning]) == [False]
    assert passes(builtin_judge_code("go1", "stand still"), [still, synthetic(vx=0.5)]) == \
        [True, False]
    assert passes(builtin_judge_code("go1", "wiggle"), [shaking, still]) == [True, False]
    assert passes(builtin_judge_code("go1", "crouch"), [synthetic(height=0.21), still]) == \
        [True, False]


def test_example_and_builtin_judges_pass_their_sample_check():
    check_judge(EXAMPLE_JUDGE, GO1)
    check_judge(builtin_judge_code("go1", "shake your hips"), GO1)


@pytest.mark.parametrize("path", RUNTIME, ids=[p.stem for p in RUNTIME])
def test_judge_that_breaks_at_run_time_is_rejected_by_the_sample_check(path):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(JudgeValidationError) as caught:
        check_judge(path.read_text(), GO1)
    assert expected in str(caught.value)


def test_one_bad_trajectory_does_not_take_the_others_down():
    code = "def judge(t):\n    return {'x': at_least(t.base_pos[200, 0], 0.0)}\n"
    long, short = synthetic(frames=250), synthetic(frames=100)
    results = run_judge(code, [long, short, long])
    assert isinstance(results[0], list) and isinstance(results[2], list)
    assert isinstance(results[1], JudgeValidationError)
    assert results[1].line == 2 and "IndexError while judging" in results[1].reason


def test_invalid_code_is_an_error_for_every_trajectory():
    results = run_judge("import os\n", sample_trajectories(GO1))
    assert len(results) == 3
    assert all(isinstance(r, JudgeValidationError) and r.line == 1 for r in results)


def test_a_hostile_judge_leaves_no_trace():
    escape = Path("/tmp/tabrl_judge_escape.txt")
    escape.unlink(missing_ok=True)
    code = ("def judge(t):\n    f = open('/tmp/tabrl_judge_escape.txt', 'w')\n"
            "    return {'x': at_least(1.0, 0.0)}\n")
    assert isinstance(run_judge(code, [synthetic()])[0], JudgeValidationError)
    assert not escape.exists()
