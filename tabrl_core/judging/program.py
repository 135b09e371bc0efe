"""Judge code in, checks out: validate it like reward code, run it in the sandbox child.

`validate_judge` is the rewards validator with the judge contract's grammar. `run_judge` sends
one program and all the run's trajectories to one sandbox child (the rewards sandbox's process
harness: memory cap, a time limit per trajectory, a child that dies blames the trajectory it was
on), which answers each trajectory's checks or the error the code raised there. `check_judge`
runs a program on sample trajectories first, so a program that breaks is rejected (and can be
repaired) before it grades anything.
"""

from __future__ import annotations

import json
import math
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from tabrl_core.rewards.judge_contract import (CHECKS, FIELD_NAMES, FPS, GRAMMAR, LIMITS, SECONDS,
                                         JudgeTrajectory, score_check, target_text)
from tabrl_core.rewards import sandbox
from tabrl_core.rewards.contract import RobotContract
from tabrl_core.rewards.validator import RewardValidationError, ValidatedReward, validate

CHILD_ARGS = ("-c", "from tabrl_core.judging.program import main; main()")


class JudgeValidationError(RewardValidationError):
    """Judge code that breaks the judge contract; `line` (or None) and `reason` say where and
    why."""


@dataclass(frozen=True)
class CheckResult:
    """One named check measured on one trajectory."""

    name: str
    op: str  # at_least, at_most or between
    value: float
    targets: tuple[float, ...]

    @property
    def target(self) -> str:
        return target_text(self.op, self.targets)

    def scored(self) -> tuple[bool, float]:
        return score_check(self.op, self.value, self.targets)


def validate_judge(code: str) -> ValidatedReward:
    """Check judge code against the judge contract's whitelist; raises JudgeValidationError."""
    try:
        return validate(code, GRAMMAR)
    except RewardValidationError as e:
        raise JudgeValidationError(e.line, e.reason) from None


def run_judge(code: str, trajectories: list[JudgeTrajectory], timeout_s: float | None = None
              ) -> list[list[CheckResult] | JudgeValidationError]:
    """Each trajectory's checks, in order, or the JudgeValidationError the code raised on it
    (every entry is that error when the code does not validate)."""
    try:
        validate_judge(code)
    except JudgeValidationError as e:
        return [e] * len(trajectories)
    timeout_s = LIMITS.trace_timeout_s if timeout_s is None else timeout_s
    results: list = []
    while len(results) < len(trajectories):
        rest = trajectories[len(results):]
        request = {"code": code, "trajectories": [_as_lists(t) for t in rest]}
        answers = sandbox.run_in_child(CHILD_ARGS, request, len(rest), timeout_s, label="judge",
                                       what="judging", memory_mb=LIMITS.trace_memory_mb)
        results += [_from_json(a) for a in answers]
    return results


def check_judge(code: str, contract: RobotContract) -> None:
    """Raise JudgeValidationError unless `code` validates and yields finite checks on sample
    trajectories of `contract`'s robot (standing, walking and fallen)."""
    for result in run_judge(code, sample_trajectories(contract)):
        if isinstance(result, JudgeValidationError):
            raise result


def _as_lists(t: JudgeTrajectory) -> dict:
    return {name: np.asarray(getattr(t, name), float).tolist() for name in FIELD_NAMES}


def _from_json(answer: dict) -> list[CheckResult] | JudgeValidationError:
    if not answer["ok"]:
        return JudgeValidationError(answer["line"], answer["reason"])
    return [CheckResult(name, op, value, tuple(targets))
            for name, op, value, targets in answer["checks"]]


def sample_trajectories(contract: RobotContract, seed: int = 0) -> list[JudgeTrajectory]:
    """Plausible trajectories of `contract`'s robot: standing still, walking forward at
    0.5 m/s while turning, and falling over halfway."""
    rng = np.random.default_rng(seed)
    n = int(FPS * SECONDS)
    time = np.arange(n) / FPS
    stand = contract.stand_height or 0.3
    nj, nf = contract.n_joints, contract.n_feet
    samples = []
    for vx, yaw_rate, falls in ((0.0, 0.0, False), (0.5, 0.3, False), (0.2, 0.0, True)):
        yaw = yaw_rate * time
        height = np.full(n, stand) + rng.normal(0, 0.005, n)
        roll = rng.normal(0, 0.03, n)
        if falls:
            height[n // 2:] = 0.5 * contract.min_base_height or 0.05
            roll[n // 2:] = 1.5
        pos = np.column_stack([np.cumsum(vx * np.cos(yaw)) / FPS,
                               np.cumsum(vx * np.sin(yaw)) / FPS, height])
        rpy = np.column_stack([roll, rng.normal(0, 0.03, n), yaw])
        phase = 2 * np.pi * 2.0 * time[:, None] + np.pi * (np.arange(max(nf, 1)) % 2)
        feet = np.maximum(0.02, 0.02 + 0.05 * np.sin(phase))[:, :nf]
        samples.append(JudgeTrajectory(
            base_pos=pos, base_height=height,
            base_lin_vel=np.column_stack([np.full(n, vx), rng.normal(0, 0.05, (n, 2))]),
            base_ang_vel=np.column_stack([rng.normal(0, 0.1, (n, 2)), np.full(n, yaw_rate)]),
            base_rpy=rpy, upright=np.cos(rpy[:, 0]) * np.cos(rpy[:, 1]),
            joint_pos=rng.normal(0, 0.3, (n, nj)), joint_vel=rng.normal(0, 2.0, (n, nj)),
            foot_contact=(feet <= 0.021).astype(float), foot_height=feet, time=time,
            dt=1.0 / FPS, fell=float(falls)))
    return samples


# Child side.

def main() -> None:
    """Read {"code", "trajectories"} from stdin; write "ready", then one answer per trajectory."""
    out = sandbox.child_output(LIMITS.trace_memory_mb)
    request = json.load(sys.stdin)
    sandbox.write_answer(out, {"ready": True})
    try:
        fn = _define(request["code"])
    except RewardValidationError as e:
        fn = e
    for raw in request["trajectories"]:
        sandbox.write_answer(out, _answer(fn, raw))


def _define(code: str):
    from tabrl_core.rewards.runtime import define

    helpers = {name: _check_helper(name) for name in CHECKS}
    return define(validate(code, GRAMMAR), "numpy", helpers)


def _check_helper(op: str):
    def check(value, *targets):
        return (op, value, targets)

    check.__name__ = op
    return check


def _answer(fn, raw: dict) -> dict:
    if isinstance(fn, RewardValidationError):
        return {"ok": False, "line": fn.line, "reason": fn.reason}
    t = JudgeTrajectory(**{k: np.asarray(raw[k], np.float64) for k in FIELD_NAMES})
    try:
        with np.errstate(all="ignore"):
            checks = fn(t)
        return {"ok": True, "checks": [_check_json(name, check) for name, check in checks.items()]}
    except RewardValidationError as e:
        return {"ok": False, "line": e.line, "reason": e.reason}
    except MemoryError:
        return {"ok": False, "line": None,
                "reason": f"the judge needs more than {LIMITS.trace_memory_mb} MB of memory"}
    except Exception as e:  # noqa: BLE001 -- any failure of untrusted code is its verdict
        return {"ok": False, "line": _judge_line(e), "reason": _describe(e)}


def _check_json(name: str, check: tuple) -> list:
    op, value, targets = check
    numbers = [_scalar(value, f"the value of check {name!r}")]
    numbers += [_scalar(x, f"a target of check {name!r}") for x in targets]
    return [name, op, numbers[0], numbers[1:]]


def _scalar(x, what: str) -> float:
    array = np.asarray(x, dtype=np.float64)
    if array.shape != ():
        raise RewardValidationError(None, f"{what} has shape {array.shape}; it must be a scalar "
                                          "(reduce it, e.g. with jnp.mean or jnp.max)")
    value = float(array)
    if not math.isfinite(value):
        raise RewardValidationError(None, f"{what} is {value} on a trajectory; guard divisions "
                                          "and empty selections")
    return value


def _judge_line(error: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<judge>"]
    return frames[-1].lineno if frames else None


def _describe(error: BaseException) -> str:
    message = (str(error).strip().splitlines() or [""])[0][:300]
    kind = type(error).__name__
    return f"{kind} while judging: {message}" if message else f"{kind} while judging"
