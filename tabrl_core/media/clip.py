"""A trajectory becomes a clip: MP4, GIF, thumbnail, trajectory .npz and stats, several at once.

Several clips render in RENDER_PROCESSES render processes (render_process.py), each keeping one
renderer for all its clips, while ffmpeg encodes in processes of its own; one clip renders in
this process. Measured on 2 cores (9 Go1 clips of 150 frames at 480x360, bench/render.py):
1 process 127-129 fps, 2 threads 151 fps (MuJoCo releases the GIL, but two GL contexts in one
process overlap less well), 2 processes 159-161 fps, 3 processes 163 fps.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tabrl_core.gl import choose_gl_backend
from tabrl_core.media.render_process import MediaTask, attempt
from tabrl_core.media.trajectory import finite_frames, save_trajectory, trajectory_stats

if TYPE_CHECKING:
    from tabrl_core.training import Trajectory

RENDER_PROCESSES = min(2, os.cpu_count() or 1)
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding tabrl_core


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

    def media_task(self) -> MediaTask:
        traj = self.trajectory
        return MediaTask(traj.robot_id, traj.qpos[:finite_frames(traj)], traj.fps, self.width,
                         self.height, self.path(".mp4"), self.path(".gif"), self.path(".png"))


def render_clip(traj: Trajectory, out_dir: Path | str, name: str = "clip", width: int = 480,
                height: int = 360) -> RenderResult:
    """Write `name`.mp4/.gif/.png/.npz under `out_dir` and return them with the stats.

    An unstable trajectory gives a clip of its finite frames and stats saying unstable.
    """
    return render_many([ClipJob(traj, Path(out_dir), name, width, height)])[0]


def render_many(jobs: Sequence[ClipJob], processes: int | None = None,
                return_exceptions: bool = False) -> list[RenderResult | Exception]:
    """Make every job's clip, in up to `processes` (default RENDER_PROCESSES) render processes;
    with one, in this process.

    Results follow the jobs' order. A job that fails raises its error once all have finished,
    or, with return_exceptions, leaves the error in its place.
    """
    tasks = [job.media_task() for job in jobs]
    count = min(len(jobs), processes or RENDER_PROCESSES)
    media = _in_processes(tasks, count) if count > 1 else [attempt(task) for task in tasks]
    results: list[RenderResult | Exception] = []
    for job, outcome in zip(jobs, media):
        if isinstance(outcome, Exception):
            outcome.add_note(f"while making the clip {job.name!r} in {job.out_dir}")
            if not return_exceptions:
                raise outcome
        else:
            outcome = RenderResult(*outcome, save_trajectory(job.trajectory, job.path(".npz")),
                                   trajectory_stats(job.trajectory))
        results.append(outcome)
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


def _in_processes(tasks: list[MediaTask], count: int) -> list:
    """Each task's paths or exception, from `count` render processes sharing the tasks."""
    choose_gl_backend()  # the render processes inherit MUJOCO_GL
    env = os.environ | {"PYTHONPATH": os.pathsep.join(
        filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
    groups = [range(k, len(tasks), count) for k in range(count)]
    outcomes: list = [None] * len(tasks)
    with tempfile.TemporaryDirectory(prefix="tabrl-render-") as tmp:
        runs = []
        for k, group in enumerate(groups):
            files = [Path(tmp, f"{kind}{k}") for kind in ("tasks", "results", "stderr")]
            files[0].write_bytes(pickle.dumps([tasks[i] for i in group]))
            with files[2].open("wb") as stderr:  # a file: a full pipe would block the process
                command = [sys.executable, "-m", "tabrl_core.media.render_process",
                           str(files[0]), str(files[1])]
                runs.append((group, files, subprocess.Popen(command, env=env, stderr=stderr)))
        for group, (_, results, stderr), process in runs:
            if process.wait() == 0:
                group_outcomes = pickle.loads(results.read_bytes())
            else:
                error = stderr.read_text(errors="replace")[-2000:]
                group_outcomes = [RuntimeError(f"render process exited with {process.returncode}:"
                                               f" {error}") for _ in group]
            for index, outcome in zip(group, group_outcomes):
                outcomes[index] = outcome
    return outcomes
