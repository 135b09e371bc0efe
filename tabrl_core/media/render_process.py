"""A render process: the MP4, GIF and thumbnail of several clips, with one renderer for all.

`python -m tabrl_core.media.render_process TASKS RESULTS` reads a pickled list of MediaTask from
the file TASKS and writes to RESULTS the pickled list of outcomes: each clip's paths, or the
exception that stopped it. A plain subprocess rather than multiprocessing, so nothing of the
caller's `__main__` is re-imported (no JAX in render processes started by the worker, no
`if __name__ == "__main__"` guard needed in a user's script).
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tabrl_core.files import atomic_path, write_png
from tabrl_core.media.encode import encode_gif, encode_mp4
from tabrl_core.media.frames import close_renderer, iter_frames


@dataclass(frozen=True)
class MediaTask:
    """What one clip's media need: the poses to render and where the files go."""

    robot_id: str
    qpos: np.ndarray  # [F, nq], finite
    fps: int
    width: int
    height: int
    video: Path
    gif: Path
    thumbnail: Path


def write_media(task: MediaTask) -> tuple[Path, Path, Path]:
    """Render the frames once, streaming them into the MP4 encoder; then the GIF and thumbnail."""
    frames = []

    def rendered():
        for frame in iter_frames(task.robot_id, task.qpos, task.width, task.height):
            frames.append(frame)
            yield frame

    encode_mp4(rendered(), task.video, task.fps)
    encode_gif(frames, task.gif, source_fps=task.fps)
    write_png(frames[len(frames) // 2], task.thumbnail)
    return task.video, task.gif, task.thumbnail


def attempt(task: MediaTask) -> tuple[Path, Path, Path] | Exception:
    """write_media's paths, or the exception it raised."""
    try:
        return write_media(task)
    except Exception as exc:  # reported per clip by the caller
        return exc


def main(tasks_file: str, results_file: str) -> None:
    tasks = pickle.loads(Path(tasks_file).read_bytes())
    outcomes = [_picklable(attempt(task)) for task in tasks]
    close_renderer()
    with atomic_path(results_file) as tmp:
        tmp.write_bytes(pickle.dumps(outcomes))


def _picklable(outcome):
    try:
        pickle.dumps(outcome)
        return outcome
    except Exception:  # an exception type that cannot cross processes
        return RuntimeError(f"{type(outcome).__name__}: {outcome}")


if __name__ == "__main__":
    main(*sys.argv[1:])
