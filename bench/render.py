"""Benchmark: clips of open-loop robot motion rendered and encoded, as the worker makes them.

Prints one JSON object: for the bundled Go1, `clips` clips of `seconds` at `fps` (default 9 x 5 s
at 30 fps = 1,350 frames), each made into MP4 + GIF + thumbnail + .npz + stats by
tabrl_core.media.render_many; `wall_s` and `fps` cover all of that (render processes' start-up
included), `sim_s` the MuJoCo simulation that made the trajectories (not included). `menagerie`
holds the same for a Menagerie robot with meshes when its files are on this machine, else why it
was skipped. `--sweep` adds runs with one setting changed at a time.

    python bench/render.py [--clips 9] [--seconds 5] [--sweep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from tabrl_core.media import ClipJob, render_many
from tabrl_core.media import clip, encode, frames
from tabrl_core.robots import RobotNotDownloadedError, get_robot, load_model

with contextlib.redirect_stdout(sys.stderr):  # mujoco.mjx prints failed optional imports
    from tabrl_core.media.motion import sinusoid_trajectory

MENAGERIE_ROBOT = "unitree_go1"


def bench(robot_id: str, args: argparse.Namespace, processes: int | None = None) -> dict:
    """Simulate, then render and encode, `args.clips` clips of `robot_id`; timings and sizes."""
    start = time.perf_counter()
    trajectories = [sinusoid_trajectory(robot_id, pattern, args.seconds, args.fps)
                    for pattern in range(args.clips)]
    sim_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        jobs = [ClipJob(traj, Path(out), f"clip{k}", args.width, args.height)
                for k, traj in enumerate(trajectories)]
        start = time.perf_counter()
        results = render_many(jobs, processes)
        wall_s = time.perf_counter() - start
        sizes = {kind: sum(getattr(r, kind).stat().st_size for r in results) // len(results)
                 for kind in ("video", "gif", "thumbnail")}
    n_frames = sum(r.stats["frames"] for r in results)
    return {"robot": robot_id, "clips": len(results), "frames": n_frames,
            "wall_s": round(wall_s, 2), "fps": round(n_frames / wall_s, 1),
            "width": args.width, "height": args.height, "sim_s": round(sim_s, 2),
            "processes": min(len(jobs), processes or clip.RENDER_PROCESSES),
            "mean_bytes": sizes}


def settings() -> dict:
    """What the run used: render processes, GL, render and encoder settings."""
    return {
        "render_processes": clip.RENDER_PROCESSES,
        "mujoco_gl": os.environ.get("MUJOCO_GL"),
        "gl_renderer": _gl_renderer(),
        "lp_num_threads": os.environ.get("LP_NUM_THREADS", "default (one per core)"),
        "offscreen_samples": frames.OFFSCREEN_SAMPLES,
        "render_floor": frames.RENDER_FLOOR,
        "x264": {"preset": encode.PRESET, "crf": encode.CRF, "keyint": encode.KEYFRAME_INTERVAL},
        "gif": {"fps": 15, "width": 240, "colors": encode.GIF_COLORS},
        "load_average_before": os.getloadavg(),
    }


SWEEP = (  # (what changes, processes, module constant to set or environment variable, value)
    ("1 process", 1, None, None),
    ("1 process, 4x multisampling", 1, (frames, "OFFSCREEN_SAMPLES"), 4),
    ("1 process, infinite floor", 1, (frames, "RENDER_FLOOR"), (0.0, 0.0, 0.05)),
    ("1 process, x264 medium", 1, (encode, "PRESET"), "medium"),
    ("2 processes, LP_NUM_THREADS=1", 2, "LP_NUM_THREADS", "1"),
    ("3 processes", 3, None, None),
)


def sweep(args: argparse.Namespace) -> list[dict]:
    """Go1 runs with one setting changed; module constants apply in this process only, so
    those runs use one process."""
    runs = []
    for label, processes, target, value in SWEEP:
        if isinstance(target, tuple):
            saved = getattr(*target)
            setattr(*target, value)
        elif target:
            os.environ[target] = value
        frames.close_renderer()
        try:
            run = bench("go1", args, processes)
        finally:
            if isinstance(target, tuple):
                setattr(*target, saved)
            elif target:
                del os.environ[target]
        runs.append({"run": label, "wall_s": run["wall_s"], "fps": run["fps"],
                     "mean_bytes": run["mean_bytes"], "load_average": os.getloadavg()[0]})
    frames.close_renderer()
    return runs


def menagerie(args: argparse.Namespace) -> dict:
    """The bench for the Menagerie robot, or why it was skipped."""
    try:
        robot = get_robot(MENAGERIE_ROBOT)
    except RobotNotDownloadedError as exc:
        return {"robot": MENAGERIE_ROBOT, "skipped": str(exc)}
    return bench(MENAGERIE_ROBOT, args) | {"mesh_faces": int(load_model(robot).nmeshface)}


def _gl_renderer() -> str:
    from OpenGL import GL

    frames.frame_renderer("go1", 16, 16).render(load_model(get_robot("go1")).qpos0)
    name = GL.glGetString(GL.GL_RENDERER).decode()
    frames.close_renderer()
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--sweep", action="store_true", help="also time each setting changed")
    args = parser.parse_args()
    result = {"settings": settings()}
    result = bench("go1", args) | result
    if args.sweep:
        result["sweep"] = sweep(args)
    result["menagerie"] = menagerie(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
