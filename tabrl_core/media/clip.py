"""A trajectory becomes a clip: MP4, GIF, thumbnail, trajectory .npz and stats, several at once.

Rendering and encoding run in RENDER_PROCESSES spawned processes when there are several clips
(each process keeps one renderer for all its clips); with one clip, in this process. Measured in
bench/render.py.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tabrl_core.media.encode import encode_gif, encode_mp4, save_thumbnail
from tabrl_core.media.frames import iter_frames
from tabrl_core.media.gl import choose_gl_backend
from tabrl_core.media.trajectory import finite_frames, save_trajectory, trajectory_stats

if TYPE_CHECKING:
    from tabrl_core.training import Trajectory

RENDER_PROCESSES = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class RenderResult:
    """The files of one clip and its stats (trajectory_stats)."""

    video: Path
    gif: Path
    thumbnail: Path
    trajectory: Path
    stats: dict


@dataclass(frozen=True)
class ClipJob:
    """One clip to make: a trajectory, the folder its files go to, their name, the frame size."""

    trajectory: Trajectory
    out_dir: Path
    name: str = "clip"
    width: int = 480
    height: int = 360

    def path(self, suffix: str) -> Path:
        return Path(self.out_dir) / f"{self.name}{suffix}"


def render_clip(traj: Trajectory, out_dir: Path | str, name: str = "clip", width: int = 480,
                height: int = 360) -> RenderResult:
    """Write `name`.mp4/.gif/.png/.npz under `out_dir` and return them with the stats.

    An unstable trajectory gives a clip of its finite frames and stats saying unstable.
    """
    return render_many([ClipJob(traj, Path(out_dir), name, width, height)])[0]


def render_many(jobs: Sequence[ClipJob], processes: int | None = None,
                return_exceptions: bool = False) -> list[RenderResult | Exception]:
    """Make every job's clip, in up to `processes` (default RENDER_PROCESSES) processes.

    Results follow the jobs' order. A job that fails raises its error once all have finished,
    or, with return_exceptions, leaves the error in its place.
    """
    processes = min(len(jobs), processes or RENDER_PROCESSES)
    tasks = [_media_task(job) for job in jobs]
    if processes <= 1:
        outcomes = [_run(_write_media, *task) for task in tasks]
    else:
        choose_gl_backend()  # the render processes inherit MUJOCO_GL
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = [pool.submit(_write_media, *task) for task in tasks]
            outcomes = [future.exception() or future.result() for future in futures]
    results: list[RenderResult | Exception] = []
    for job, outcome in zip(jobs, outcomes):
        if isinstance(outcome, Exception):
            outcome.add_note(f"while making the clip {job.name!r} in {job.out_dir}")
            if not return_exceptions:
                raise outcome
            results.append(outcome)
        else:
            trajectory = save_trajectory(job.trajectory, job.path(".npz"))
            results.append(RenderResult(*outcome, trajectory, trajectory_stats(job.trajectory)))
    return results


def render_checkpoint(checkpoint_dir: Path | str, out_dir: Path | str, name: str = "clip", *,
                      reward=None, seconds: float = 5.0, fps: int = 30, seed: int = 0,
                      width: int = 480, height: int = 360) -> RenderResult:
    """Roll out the checkpoint's policy (training.rollout_policy, with `reward`, a CompiledReward,
    for the reward columns) and make its clip. A missing or corrupt checkpoint raises the
    training module's CheckpointError, which names the path."""
    from tabrl_core.training import rollout_policy  # imports JAX

    try:
        traj = rollout_policy(Path(checkpoint_dir), seconds=seconds, fps=fps, seed=seed,
                              reward=reward)
    except Exception as exc:
        exc.add_note(f"while rendering the clip {name!r} from {checkpoint_dir}")
        raise
    return render_clip(traj, out_dir, name, width, height)


def _media_task(job: ClipJob) -> tuple:
    # Plain values only: a render process never imports the training package (JAX).
    traj = job.trajectory
    qpos = np.asarray(traj.qpos[:finite_frames(traj)])
    return (traj.robot_id, qpos, traj.fps, job.width, job.height,
            job.path(".mp4"), job.path(".gif"), job.path(".png"))


def _run(function, *args):
    try:
        return function(*args)
    except Exception as exc:  # reported per job by render_many
        return exc


def _write_media(robot_id: str, qpos: np.ndarray, fps: int, width: int, height: int,
                 video: Path, gif: Path, thumbnail: Path) -> tuple[Path, Path, Path]:
    """Render the frames once, streaming them into the MP4 encoder; then the GIF and thumbnail."""
    frames = []

    def rendered():
        for frame in iter_frames(robot_id, qpos, width, height):
            frames.append(frame)
            yield frame

    encode_mp4(rendered(), video, fps)
    encode_gif(frames, gif, source_fps=fps)
    save_thumbnail(frames[len(frames) // 2], thumbnail)
    return video, gif, thumbnail
