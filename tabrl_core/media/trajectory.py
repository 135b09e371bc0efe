"""A trajectory's file (.npz) and the numbers that explain its video.

A trajectory is `tabrl_core.training.Trajectory`: robot_id, fps, qpos [F, nq], qvel [F, nv],
time [F], reward [F] and components {name: [F]} (each frame carries the reward of the control
step it falls in), fell, unstable, and states {contract field: [F, ...]} (the judge reads them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tabrl_core.files import atomic_path
from tabrl_core.robots import get_robot
from tabrl_core.robots.model import base_poses, load_model

if TYPE_CHECKING:
    from tabrl_core.training import Trajectory

UPRIGHT_MIN_Z = 0.7  # upright: the base's up axis within about 45 degrees of vertical


def finite_frames(traj: Trajectory) -> int:
    """How many leading frames have a finite pose (all unless the physics blew up); at least 1."""
    finite = np.all(np.isfinite(traj.qpos), axis=1)
    count = len(finite) if finite.all() else int(np.argmin(finite))
    if count == 0:
        raise ValueError(f"the {traj.robot_id} trajectory has no frame with a finite pose")
    return count


def save_trajectory(traj: Trajectory, path: Path | str) -> Path:
    """Write qpos, qvel, time, reward, `reward/<name>` per component, `state/<field>` per
    contract-state field, robot_id, fps, fell and unstable to an .npz file."""
    arrays = {"qpos": traj.qpos, "qvel": traj.qvel, "time": traj.time, "reward": traj.reward}
    arrays |= {f"reward/{name}": values for name, values in traj.components.items()}
    arrays |= {f"state/{name}": values for name, values in traj.states.items()}
    arrays |= {"robot_id": np.array(traj.robot_id), "fps": np.array(traj.fps),
               "fell": np.array(traj.fell), "unstable": np.array(traj.unstable)}
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, **arrays)
    return path


def trajectory_stats(traj: Trajectory) -> dict:
    """The clip's numbers, over its finite frames, as plain JSON types.

    episode_return and components (name -> sum) are the control-step sums the training reports,
    estimated from the per-frame rewards (sum over frames x control steps per frame).
    distance_travelled is the base's path length in xy (m), displacement the straight line from
    the first to the last frame (m), mean_forward_speed the progress along the base's heading per
    second (m/s), yaw_turned the unwrapped change of heading (rad), mean_height the base's mean
    height above the world origin (m), upright_fraction the share of frames whose base up axis
    has a world z of at least UPRIGHT_MIN_Z.
    """
    robot = get_robot(traj.robot_id)
    n = finite_frames(traj)
    position, rotation = base_poses(load_model(robot), robot.base_body, traj.qpos[:n])
    steps_per_frame = 1.0 / (traj.fps * robot.ctrl_dt)
    step = np.diff(position[:, :2], axis=0)
    yaw = np.unwrap(np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0]))
    heading = np.stack([np.cos(yaw[:-1]), np.sin(yaw[:-1])], axis=1)
    span = float(traj.time[n - 1] - traj.time[0]) if n > 1 else 0.0
    return {
        "episode_return": float(np.sum(traj.reward[:n]) * steps_per_frame),
        "components": {name: float(np.sum(values[:n]) * steps_per_frame)
                       for name, values in traj.components.items()},
        "distance_travelled": float(np.sum(np.linalg.norm(step, axis=1))),
        "displacement": float(np.linalg.norm(position[-1, :2] - position[0, :2])),
        "mean_forward_speed": float(np.sum(step * heading) / span) if span > 0 else 0.0,
        "yaw_turned": float(yaw[-1] - yaw[0]),
        "mean_height": float(np.mean(position[:, 2])),
        "upright_fraction": float(np.mean(rotation[:, 2, 2] >= UPRIGHT_MIN_Z)),
        "fell": bool(traj.fell),
        "unstable": bool(traj.unstable or n < len(traj.qpos)),
        "frames": n,
        "seconds": n / traj.fps,
    }
