"""Population PPO at tiny budgets: shapes, progress, determinism, cancel, checkpoints, NaN
isolation, and that the reward steers what is learned."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from tabrl_core.rewards import CompiledReward, compile_rewards, contract_for, runtime
from tabrl_core.rewards.contract import FRAME_FIELDS
from tabrl_core.rewards.validator import validate
from tabrl_core.training import (CheckpointError, TrainConfig, load_checkpoint, rollout_policy,
                                 train_population)
from tabrl_core.training.resume import RESUME_FILE, resume_steps
from tabrl_core.training.rollout import frame_states

TINY = TrainConfig(num_envs=4, unroll_length=8, num_minibatches=2, num_epochs=2)
STEPS = 3 * 4 * 8  # three iterations

UPRIGHT = """
def reward(s, a, prev_a):
    up = s.upright
    still = jnp.exp(-jnp.sum(jnp.square(s.base_lin_vel)))
    return up + still, {"upright": up, "still": still}
"""
FORWARD = """
def reward(s, a, prev_a):
    v = s.base_lin_vel[0]
    return v, {"velocity": v}
"""
BACKWARD = FORWARD.replace("v = s.base_lin_vel[0]", "v = -s.base_lin_vel[0]")
# NaN once a joint moves faster than 6 rad/s: the sandbox rejects it (its realistic states move
# faster), so the tests of the trainer's own NaN guard build it without the sandbox's checks.
NAN_WHEN_MOVING = """
def reward(s, a, prev_a):
    bad = jnp.log(6.0 - jnp.max(jnp.abs(s.joint_vel)))
    return bad, {"bad": bad}
"""


def unchecked_reward(code: str, robot: str) -> CompiledReward:
    """`code` exported as the sandbox would, but without its finiteness check."""
    validated = validate(code)
    program = bytes(runtime.export_program(validated, contract_for(robot)).serialize())
    return CompiledReward(code, robot, hashlib.sha256(code.encode()).hexdigest(),
                          validated.components, runtime.load_program(program,
                                                                     validated.components),
                          program)


@pytest.fixture(scope="module")
def go1_rewards():
    checked = compile_rewards([UPRIGHT, FORWARD, NAN_WHEN_MOVING], "go1")
    assert "is NaN on" in str(checked[2])  # what the sandbox says; the trainer must cope too
    return checked[:2] + [unchecked_reward(NAN_WHEN_MOVING, "go1")]


def _train(rewards, tmp_path, name, **kwargs):
    dirs = [tmp_path / name / str(i) for i in range(len(rewards))]
    kwargs.setdefault("config", TINY)
    return train_population("go1", rewards, kwargs.pop("steps", STEPS), out_dirs=dirs, **kwargs)


def test_progress_shapes_and_checkpoints(go1_rewards, tmp_path):
    reports = []
    results = _train(go1_rewards[:2], tmp_path, "a", progress=reports.append)
    assert [p.iteration for p in reports] == [1, 2, 3]
    assert [p.steps_done for p in reports] == [[32, 32], [64, 64], [96, 96]]
    assert reports[-1].eta_s == 0 and reports[-1].env_steps_per_s > 0
    assert set(reports[-1].components[0]) == {"upright", "still"}
    assert set(reports[-1].components[1]) == {"velocity"}
    for result, reward in zip(results, go1_rewards[:2]):
        assert result.status == "succeeded" and result.error is None
        assert len(result.history) == 3
        ckpt = load_checkpoint(result.checkpoint)
        assert ckpt.robot_id == "go1" and ckpt.action_size == 12
        assert ckpt.meta["reward_sha256"] == reward.sha256
        assert ckpt.meta["steps_done"] == STEPS and ckpt.meta["seed"] == 0
        assert {"jax", "mujoco", "brax"} <= set(ckpt.meta["versions"])


def test_same_seed_same_result(go1_rewards, tmp_path):
    first = _train(go1_rewards[:1], tmp_path, "s1", seed=3)
    second = _train(go1_rewards[:1], tmp_path, "s2", seed=3)
    third = _train(go1_rewards[:1], tmp_path, "s3", seed=4)
    digest = lambda r: load_checkpoint(r[0].checkpoint).meta["weights_sha256"]  # noqa: E731
    assert digest(first) == digest(second)
    assert digest(first) != digest(third)


def test_cancel_stops_within_one_iteration(go1_rewards, tmp_path):
    reports = []
    results = _train(go1_rewards[:2], tmp_path, "c", steps=10 * 32, progress=reports.append,
                     should_cancel=lambda: len(reports) >= 1)
    assert len(reports) == 1
    assert [r.status for r in results] == ["cancelled", "cancelled"]
    assert all(r.checkpoint is None for r in results)


def test_a_stopped_population_resumes_and_trains_its_full_budget(go1_rewards, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("TABRL_CHECKPOINT_EVERY_S", "0")
    reports = []
    stopped = _train(go1_rewards[:2], tmp_path, "p", steps=4 * 32, progress=reports.append,
                     should_cancel=lambda: len(reports) >= 1)
    assert [r.status for r in stopped] == ["cancelled", "cancelled"]
    dirs = [tmp_path / "p" / str(i) for i in range(2)]
    assert [resume_steps(d) for d in dirs] == [32, 32]
    (dirs[1] / RESUME_FILE).unlink()  # the second approach starts afresh, the first resumes
    reports.clear()
    results = _train(go1_rewards[:2], tmp_path, "p", steps=4 * 32, progress=reports.append)
    assert [p.steps_done for p in reports] == [[64, 32], [96, 64], [128, 96], [128, 128]]
    assert [r.status for r in results] == ["succeeded", "succeeded"]
    assert [r.resumed_from for r in results] == [32, None]
    assert [[h["steps"] for h in r.history] for r in results] == [[32, 64, 96, 128]] * 2
    assert [load_checkpoint(r.checkpoint).meta["steps_done"] for r in results] == [128, 128]


def test_a_resume_point_for_other_code_or_budget_is_ignored(go1_rewards, tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_CHECKPOINT_EVERY_S", "0")
    _train(go1_rewards[:1], tmp_path, "o", steps=2 * 32)
    assert resume_steps(tmp_path / "o" / "0") == 64
    other_budget = _train(go1_rewards[:1], tmp_path, "o", steps=3 * 32)[0]
    assert other_budget.resumed_from is None and len(other_budget.history) == 3
    other_code = _train(go1_rewards[1:2], tmp_path, "o", steps=3 * 32)[0]
    assert other_code.resumed_from is None and len(other_code.history) == 3


def test_nan_reward_fails_only_its_approach(go1_rewards, tmp_path):
    results = _train([go1_rewards[0], go1_rewards[2]], tmp_path, "n")
    assert results[0].status == "succeeded"
    assert results[1].status == "failed"
    assert "NaN or infinity" in results[1].error and "bad" in results[1].error
    assert results[1].checkpoint is None


def test_checkpoint_errors_name_the_path(go1_rewards, tmp_path):
    result = _train(go1_rewards[:1], tmp_path, "k")[0]
    weights = result.checkpoint / "weights.msgpack"
    weights.write_bytes(weights.read_bytes()[:-7] + b"garbage")
    with pytest.raises(CheckpointError, match="corrupt") as err:
        load_checkpoint(result.checkpoint)
    assert str(result.checkpoint) in str(err.value)
    with pytest.raises(CheckpointError, match="missing checkpoint.json"):
        load_checkpoint(tmp_path / "nowhere")


def test_rollout_of_a_checkpoint(go1_rewards, tmp_path):
    result = _train(go1_rewards[:1], tmp_path, "r")[0]
    traj = rollout_policy(result.checkpoint, seconds=1.0, fps=30, reward=go1_rewards[0])
    assert traj.qpos.shape == (30, 19) and traj.qvel.shape == (30, 18)
    np.testing.assert_allclose(np.diff(traj.time), 1 / 30)
    assert set(traj.components) == {"upright", "still"}
    assert np.all(np.isfinite(traj.reward)) and np.ptp(traj.qpos[:, 7:]) > 0
    again = rollout_policy(result.checkpoint, seconds=1.0, fps=30)
    np.testing.assert_array_equal(traj.qpos, again.qpos)
    meta = json.loads((result.checkpoint / "checkpoint.json").read_text())
    assert meta["reward_code"] == go1_rewards[0].code
    assert set(traj.states) == set(FRAME_FIELDS)
    assert traj.states["joint_pos"].shape == (30, 12)
    assert traj.states["foot_contact"].shape == (30, 4)
    # The judge re-derives these from the poses of older files: both ways must agree on the
    # frames that fall on a control step (every 3rd: 0.1 s is 5 control steps of 0.02 s), up
    # to the one physics substep the environment's sensor readings lag the state by.
    derived = frame_states("go1", traj.qpos, traj.qvel)
    for name, atol in (("base_pos", 0.02), ("base_height", 0.02), ("base_rpy", 0.02),
                       ("upright", 0.02), ("joint_pos", 0.1)):  # joints move fast: rad in 5 ms
        np.testing.assert_allclose(derived[name][::3], traj.states[name][::3], atol=atol,
                                   err_msg=name)


@pytest.mark.slow
def test_reward_steers_learning(tmp_path):
    """+x and -x velocity rewards on the planar cheetah end with opposite mean velocities."""
    rewards = compile_rewards([FORWARD, BACKWARD], "half_cheetah")
    config = TrainConfig(num_envs=16, unroll_length=16)
    dirs = [tmp_path / "fwd", tmp_path / "back"]
    results = train_population("half_cheetah", rewards, 8192, out_dirs=dirs, config=config,
                               init="scratch")
    travelled = []
    for result in results:
        traj = rollout_policy(result.checkpoint, seconds=3.0)
        travelled.append(traj.qpos[-1, 0] - traj.qpos[0, 0])
    assert travelled[0] > 0 > travelled[1] and travelled[0] - travelled[1] > 0.5, travelled


def test_fine_tune_from_a_checkpoint(go1_rewards, tmp_path):
    first = _train(go1_rewards[:1], tmp_path, "f1", init="scratch")[0]
    assert load_checkpoint(first.checkpoint).meta["init"] == "scratch"
    tuned = _train(go1_rewards[1:2], tmp_path, "f2", init=first.checkpoint)[0]
    assert tuned.status == "succeeded"
    assert load_checkpoint(tuned.checkpoint).meta["init"] == str(first.checkpoint)
    cheetah = compile_rewards([FORWARD], "half_cheetah")
    with pytest.raises(CheckpointError, match="cannot fine-tune"):
        train_population("half_cheetah", cheetah, STEPS, out_dirs=[tmp_path / "x"],
                         config=TINY, init=first.checkpoint)


def test_default_config_per_platform():
    from tabrl_core.training.config import config_for, iterations_for

    assert config_for("cpu", 10_000) == TrainConfig()
    for steps in (10_000, 100_000, 5_000_000):
        gpu = config_for("gpu", steps)
        assert gpu.physics == "mjx" and gpu.num_envs % gpu.num_minibatches == 0
        assert iterations_for(steps, gpu) >= 19
    assert config_for("gpu", 5_000_000).num_envs == 2048 > config_for("gpu", 100_000).num_envs


def test_a_population_whose_approaches_all_failed_stops_early(go1_rewards, tmp_path):
    reports = []
    [result] = _train([go1_rewards[2]], tmp_path, "all-nan", steps=10 * 32,
                      progress=reports.append)
    assert result.status == "failed" and "NaN" in result.error
    assert len(reports) < 10 and reports[-1].status == ["failed"]
