"""The body of the Modal function: train one batch on the GPU, render it, report through a Dict.

It is a plain function (modal_train.py only wires it to Modal), so it runs the same anywhere:
`progress` is any mapping (the modal.Dict `tabrl-progress`; a dict in tests) and `volume_root`
any directory (the mounted Volume `tabrl-artifacts`). Artifacts are written under
`volume_root/<run>/<job>/attempt-<n>/`, the same layout as the local store, and the result lists
them relative to `volume_root` so the client can download them.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from pathlib import Path

import jax

from tabrl_core.jobs.group import GroupProgress, train_group
from tabrl_core.paths import enable_jax_compilation_cache
from tabrl_core.training.config import configured

PROGRESS_EVERY_S = 1.0
"""Least time between two progress snapshots written to the Dict."""


def attempt_dir(root: Path, run_id: str, job: dict) -> Path:
    """Where one job attempt's files go under an artifacts root."""
    return root / run_id / job["id"] / f"attempt-{job['attempt']}"


def _progress_writer(progress: MutableMapping, key: str, job_ids: list[str]):
    last = [0.0]

    def write(p: GroupProgress) -> None:
        if time.monotonic() - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = time.monotonic()
        progress[key] = {
            "jobs": {job_ids[i]: {"steps_done": j.steps_done, "total_steps": j.total_steps,
                                  "eta_s": j.eta_s, "mean_return": j.mean_return,
                                  "components": j.components,
                                  "start_command": j.start_command}
                     for i, j in p.jobs.items()},
            "env_steps_per_s": p.env_steps_per_s, "elapsed_s": p.elapsed_s,
        }
    return write


def run_remote_batch(config: dict, *, volume_root: Path, progress: MutableMapping | None = None,
                     key: str | None = None, on_resume_point=None) -> dict:
    """Train and render `config`'s jobs; returns per job its status, error, metrics, stats,
    artifact paths and every file written (relative to `volume_root`), plus the throughput of
    the `population` approaches that trained together.

    `config`: run_id, robot, steps, seed, train_config (TrainConfig fields or None) and jobs, a
    list of {id, attempt, code}. Progress goes to `progress[key]` about once a second.

    Resume points are written into the jobs' folders under `volume_root` (at least every 30 s;
    `on_resume_point()` runs after each write, e.g. to commit the Volume), so a call that Modal
    restarts (preemption, a retry) continues each job from its latest one.
    """
    enable_jax_compilation_cache()
    jobs, run_id = config["jobs"], config["run_id"]
    out_dirs = [attempt_dir(volume_root, run_id, job) for job in jobs]
    last: list[GroupProgress] = []
    write = (_progress_writer(progress, key, [j["id"] for j in jobs])
             if progress is not None and key else None)

    def on_progress(p: GroupProgress) -> None:
        last[:] = [p]
        if write:
            write(p)

    train_config = config.get("train_config")
    outcomes = train_group(
        config["robot"], [j["code"] for j in jobs], config["steps"], out_dirs,
        seed=config.get("seed", 0),
        config=configured(jax.default_backend(), config["steps"], train_config),
        on_progress=on_progress, on_resume_point=on_resume_point)
    result = {"population": last[0].population if last else 0,
              "env_steps_per_s": last[0].env_steps_per_s if last else None, "jobs": {}}
    for job, outcome, out_dir in zip(jobs, outcomes, out_dirs):
        files = sorted(p for p in out_dir.rglob("*") if p.is_file()) if out_dir.exists() else []
        result["jobs"][job["id"]] = {
            "status": outcome.status, "error": outcome.error, "metrics": outcome.metrics,
            "stats": outcome.stats,
            "artifacts": {kind: Path(p).relative_to(volume_root).as_posix()
                          for kind, p in outcome.artifacts.items()},
            "files": [p.relative_to(volume_root).as_posix() for p in files],
        }
    return result
