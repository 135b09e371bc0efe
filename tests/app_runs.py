"""Runs in the store as the app meets them, made without training: this test process registers
as the local worker (so `start_batch` queues without starting one), claims the jobs and ends
them the way a worker would, with real H.264 clips made from synthetic frames."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tabrl_core.files import write_png
from tabrl_core.jobs import start_batch
from tabrl_core.jobs.queue import claim_next_group, register_worker
from tabrl_core.jobs.records import JobOutcome, finish_job, write_progress
from tabrl_core.media import encode_gif, encode_mp4
from tabrl_core.providers import Approach
from tabrl_core.robots import get_robot
from tabrl_core.robots.model import home_data, load_model
from tabrl_core.store import job_dir, opened

CODE = ("def reward(s, a, prev_a):\n"
        "    forward = s.base_lin_vel[0]\n"
        "    return forward, {'forward': forward}\n")


def approaches(provider: str = "builtin", n: int = 3) -> list[Approach]:
    return [Approach(provider, f"Approach {i + 1}", f"Reward number {i + 1}.", CODE,
                     components=("forward",)) for i in range(n)]


def act_as_worker() -> None:
    """Register this process as a live local worker, so that no real one is started."""
    with opened() as conn:
        register_worker(conn, os.getpid())


def queued_run(behavior: str = "Walk forward steadily", owner: str = "local",
               providers: tuple[str, ...] = ("builtin",)) -> str:
    """A run of three approaches per provider whose jobs are queued."""
    act_as_worker()
    made = [a for p in providers for a in approaches(p)]
    return start_batch("go1", made, 10_000, behavior=behavior, owner=owner).id


def clip(path: Path, shift: int, seconds: float = 4.0) -> Path:
    """A real H.264 clip of a bar moving across a coloured frame."""
    frames = np.zeros((round(seconds * 30), 240, 320, 3), np.uint8)
    frames[..., shift % 3] = 90
    for i, frame in enumerate(frames):
        x = (i * 2 + shift * 40) % 300
        frame[100:140, x:x + 20] = 255
    return encode_mp4(frames, path)


def finished_run(outcomes: tuple[str, ...] = ("succeeded",) * 3, **run) -> str:
    """A run whose jobs trained (a short curve each) and ended as `outcomes` says; succeeded
    jobs have a video, a GIF, a thumbnail and clip stats. Workers claim the oldest queued run
    first, so make finished runs before queued ones."""
    run_id = queued_run(**run)
    with opened() as conn:
        group = claim_next_group(conn, os.getpid())
        for index, (job, outcome) in enumerate(zip(group.jobs, outcomes)):
            for step in (2_000, 6_000, 10_000):
                write_progress(conn, job, steps_done=step, total_steps=10_000, eta_s=1.0,
                               mean_return=step / 1_000 + index, components={"forward": step / 2e4},
                               env_steps_per_s=5_000.0, elapsed_s=step / 5_000)
            if outcome != "succeeded":
                finish_job(conn, job, JobOutcome(outcome, "reward was NaN at step 4,096"))
                continue
            media = job_dir(run_id, job.id, job.attempt) / "media"
            media.mkdir(parents=True)
            video = clip(media / "clip.mp4", index)
            finish_job(conn, job, JobOutcome(
                "succeeded", metrics={"mean_return": 10.0 + index},
                stats={"episode_return": 12.5 + index, "displacement": 0.8 * index,
                       "upright_fraction": 0.9},
                artifacts={"video": video,
                           "gif": encode_gif(np.zeros((4, 240, 320, 3), np.uint8),
                                             media / "clip.gif"),
                           "thumbnail": write_png(np.zeros((240, 320, 3), np.uint8),
                                                       media / "clip.png")}))
    return run_id


def finish_queued_group(shift: int = 5) -> str:
    """End the oldest queued group as a worker would, each job succeeded with a real clip
    (coloured by `shift`); the group's run id."""
    with opened() as conn:
        group = claim_next_group(conn, os.getpid())
        for index, job in enumerate(group.jobs):
            media = job_dir(group.run_id, job.id, job.attempt) / "media"
            media.mkdir(parents=True)
            finish_job(conn, job, JobOutcome(
                "succeeded", stats={"episode_return": 3.0, "displacement": 0.6,
                                    "upright_fraction": 1.0},
                artifacts={"video": clip(media / "clip.mp4", index + shift)}))
    return group.run_id


def base_sliding(path: Path, vx: float, seconds: float = 5.0, fps: int = 30) -> Path:
    """A Go1 trajectory file (qpos, qvel; no per-frame states, so the judge derives them): the
    robot in its home pose, its base sliding along x at `vx` m/s."""
    robot = get_robot("go1")
    model = load_model(robot)
    home = home_data(model, robot.keyframe)
    time_s = np.arange(round(seconds * fps)) / fps
    qpos = np.repeat(home.qpos[None], len(time_s), axis=0)
    qpos[:, 0] += vx * time_s
    qvel = np.zeros((len(time_s), model.nv))
    qvel[:, 0] = vx
    np.savez(path, qpos=qpos, qvel=qvel, time=time_s, reward=np.zeros(len(time_s)),
             robot_id=np.array("go1"), fps=np.array(fps), fell=np.array(False),
             unstable=np.array(False))
    return path


def sliding_run(speeds: tuple[float, ...] = (-0.4, 0.5, 0.0), behavior: str = "walk backwards",
                providers: tuple[str, ...] = ("builtin",)) -> str:
    """A run whose jobs have just finished, sliding at `speeds` (m/s along x, per provider in
    turn), and are not judged yet."""
    run_id = queued_run(behavior, providers=providers)
    with opened() as conn:
        group = claim_next_group(conn, os.getpid())
        for index, job in enumerate(group.jobs):
            media = job_dir(run_id, job.id, job.attempt) / "media"
            media.mkdir(parents=True)
            vx = speeds[index % len(speeds)]
            finish_job(conn, job, JobOutcome(
                "succeeded", metrics={"mean_return": 10.0 + index},
                stats={"episode_return": 12.5 + index, "displacement": vx * 5.0,
                       "upright_fraction": 1.0},
                artifacts={"video": clip(media / "clip.mp4", index),
                           "trajectory": base_sliding(media / "trajectory.npz", vx)}))
    return run_id


def judged_run(*args, **kwargs) -> str:
    """A `sliding_run` judged by the built-in judge, the way a worker judges a run after its
    last job."""
    from tabrl_core.judging import judge_run

    run_id = sliding_run(*args, **kwargs)
    judge_run(run_id, "builtin")
    return run_id
