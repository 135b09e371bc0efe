"""Trajectory files (.npz) as the judge's input: the per-frame contract fields over the rollout.

Files hold them as `state/<field>` arrays. A file written before trajectories kept them is
re-derived from its qpos and qvel with MuJoCo (which imports JAX and the robot's model), or, if
that is impossible, is not judged with the reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tabrl_core.rewards.judge_contract import JudgeTrajectory
from tabrl_core.rewards.contract import FRAME_FIELDS


class NotJudgeableError(ValueError):
    """A trajectory the judge cannot read; the message says why."""


def load_judge_trajectory(path: Path | str) -> JudgeTrajectory:
    """The judge's view of a trajectory file, over its frames with a finite pose."""
    try:
        with np.load(path) as saved:
            arrays = {k: saved[k] for k in saved.files}
    except (OSError, ValueError) as err:
        raise NotJudgeableError(f"the trajectory file cannot be read: {err}") from None
    qpos = arrays["qpos"]
    finite = np.all(np.isfinite(qpos), axis=1)
    n = len(finite) if finite.all() else int(np.argmin(finite))
    if n == 0:
        raise NotJudgeableError("the trajectory has no frame with a finite pose")
    states = {f: arrays[f"state/{f}"][:n] for f in FRAME_FIELDS if f"state/{f}" in arrays}
    if len(states) < len(FRAME_FIELDS):
        states = _derived(str(arrays["robot_id"]), qpos[:n], arrays["qvel"][:n])
    return judge_trajectory(states, arrays["time"][:n], int(arrays["fps"]),
                            bool(arrays["fell"]))


def judge_trajectory(states: dict[str, np.ndarray], time: np.ndarray, fps: int,
                     fell: bool) -> JudgeTrajectory:
    """A JudgeTrajectory from per-frame contract fields (FRAME_FIELDS) and the frame times."""
    fields = {f: np.asarray(states[f], np.float64) for f in FRAME_FIELDS}
    fields["base_rpy"] = fields["base_rpy"].copy()
    fields["base_rpy"][:, 2] = np.unwrap(fields["base_rpy"][:, 2])
    return JudgeTrajectory(**fields, time=np.asarray(time, np.float64), dt=1.0 / fps,
                           fell=float(fell))


def _derived(robot_id: str, qpos: np.ndarray, qvel: np.ndarray) -> dict[str, np.ndarray]:
    try:
        from tabrl_core.training.rollout import frame_states

        return frame_states(robot_id, qpos, qvel)
    except Exception as err:  # noqa: BLE001 -- an unknown robot, a model that changed shape
        raise NotJudgeableError(
            "the trajectory predates per-frame states and they cannot be re-derived from its "
            f"poses: {type(err).__name__}: {err}") from None
