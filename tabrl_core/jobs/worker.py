"""The local worker process: claims queued groups, trains them, writes progress, renders, and
judges each run once its last job has ended.

Run it in the foreground with `tabrl worker`, or let `start_batch` start one in the background
(`python -m tabrl_core.jobs.worker --idle-exit 300`). A heartbeat thread keeps its row fresh even
while JAX compiles; on start and between groups it queues again the jobs a dead worker left
'running'.
SIGTERM or Ctrl-C stops it cleanly: an interrupted group is queued again and resumes from where
it stopped; a killed worker's jobs resume from their latest resume point (at most 30 s old).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

from tabrl_core.jobs.estimate import record_calibration
from tabrl_core.jobs.group import GroupProgress, train_group
from tabrl_core.jobs.queue import (HEARTBEAT_S, Group, beat, claim_next_group, recover_orphans,
                                   register_worker, unregister_worker)
from tabrl_core.jobs.records import JobOutcome, finish_job, requeue_job, write_progress
from tabrl_core.judging.run import judge_finished_run
from tabrl_core.paths import enable_jax_compilation_cache
from tabrl_core.store import artifact_path, connect, job_dir, opened, transaction
from tabrl_core.training.config import configured
from tabrl_core.training.resume import resume_steps

log = logging.getLogger("tabrl.worker")

WRITE_EVERY_S = 1.0
"""Least time between two progress writes of a group (the page polls every 2 s)."""
CANCEL_CHECK_EVERY_S = 1.0
"""Least time between two reads of the cancel state."""


class _GroupRecorder:
    """Writes a group's progress (throttled) and answers `should_cancel` from the store."""

    def __init__(self, conn, group: Group, pid: int, stop: threading.Event):
        self.conn, self.group, self.pid, self.stop = conn, group, pid, stop
        self.last_write = self.last_check = 0.0
        self.cancelled = False
        self.last: GroupProgress | None = None

    def on_progress(self, progress: GroupProgress) -> None:
        self.last = progress
        now = time.monotonic()
        if now - self.last_write < WRITE_EVERY_S:
            return
        self.last_write = now
        for index, p in progress.jobs.items():
            write_progress(self.conn, self.group.jobs[index], steps_done=p.steps_done,
                           total_steps=p.total_steps, eta_s=p.eta_s, mean_return=p.mean_return,
                           components=p.components, env_steps_per_s=progress.env_steps_per_s,
                           elapsed_s=progress.elapsed_s, start_command=p.start_command)

    def should_cancel(self) -> bool:
        """True once the worker is stopping or every job of the group was cancelled."""
        if self.stop.is_set() or self.cancelled:
            return True
        if time.monotonic() - self.last_check < CANCEL_CHECK_EVERY_S:
            return False
        self.last_check = time.monotonic()
        marks = ", ".join("?" * len(self.group.jobs))
        running = self.conn.execute(
            f"SELECT COUNT(*) FROM jobs WHERE state = 'running' AND worker_pid = ?"
            f" AND id IN ({marks})", (self.pid, *(j.id for j in self.group.jobs))).fetchone()[0]
        self.cancelled = running == 0
        return self.cancelled


def _train(conn, group: Group, pid: int, stop: threading.Event) -> None:
    run = conn.execute("SELECT * FROM runs WHERE id = ?", (group.run_id,)).fetchone()
    marks = ", ".join("?" * len(group.jobs))
    rows = {r["id"]: r for r in conn.execute(
        f"SELECT j.id, a.code, a.init_from FROM jobs j JOIN approaches a ON j.approach = a.id"
        f" WHERE j.id IN ({marks})", [j.id for j in group.jobs])}
    options = json.loads(run["options"])
    config = configured("cpu", run["steps"], options.get("train_config"))
    recorder = _GroupRecorder(conn, group, pid, stop)
    log.info("run %s: training %d jobs for %d steps", run["id"], len(group.jobs), run["steps"])
    for job in group.jobs:
        if (steps := resume_steps(job_dir(run["id"], job.id, job.attempt))) is not None:
            log.info("job %s: resuming from step %d of %d", job.id, steps, run["steps"])
    started = time.monotonic()
    try:
        outcomes = train_group(
            run["robot"], [rows[j.id]["code"] for j in group.jobs], run["steps"],
            [job_dir(run["id"], j.id, j.attempt) for j in group.jobs], seed=run["seed"],
            config=config, inits=[start_of(rows[j.id]["init_from"]) for j in group.jobs],
            on_progress=recorder.on_progress, should_cancel=recorder.should_cancel)
    except Exception as exc:  # the group fails; the worker goes on with the next one
        log.exception("run %s: training failed", run["id"])
        outcomes = [JobOutcome("failed", f"training failed: {type(exc).__name__}: {exc}")
                    for _ in group.jobs]
    for job, outcome in zip(group.jobs, outcomes):
        if stop.is_set() and outcome.status == "cancelled":  # interrupted by the worker stopping
            requeue_job(conn, job.id, states=("running",), resume=True)
            log.info("job %s: queued again to resume (the worker is stopping)", job.id)
        else:
            finish_job(conn, job, outcome)
            log.info("job %s: %s %s", job.id, outcome.status, outcome.error or "")
    if recorder.last and not any(o.status == "cancelled" for o in outcomes):
        with transaction(conn):
            record_calibration(
                conn, robot=run["robot"], backend="local", n_approaches=recorder.last.population,
                env_steps=recorder.last.population * run["steps"],
                wall_s=time.monotonic() - started, env_steps_per_s=recorder.last.env_steps_per_s)
    if not stop.is_set():
        judge_finished_run(run["id"])


def start_of(init_from: str | None) -> str | Path:
    """Where a job's training starts: "base" (the default), "scratch", or the checkpoint folder
    its approach row names (relative to the data dir)."""
    if init_from in (None, "base", "scratch"):
        return init_from or "base"
    return artifact_path(init_from)


def _beat_until(pid: int, stop: threading.Event) -> None:
    with opened() as conn:
        while not stop.wait(HEARTBEAT_S):
            beat(conn, pid)


def run_worker(*, idle_exit_s: float | None = None, poll_s: float = 1.0,
               stop: threading.Event | None = None) -> None:
    """Serve the local queue until `stop` is set (or, with `idle_exit_s`, after that long idle)."""
    pid, stop = os.getpid(), stop or threading.Event()
    enable_jax_compilation_cache()
    conn = connect()
    register_worker(conn, pid)
    heart = threading.Thread(target=_beat_until, args=(pid, stop), daemon=True)
    heart.start()
    log.info("worker %d started", pid)
    try:
        idle_since = time.monotonic()
        while not stop.is_set():
            if orphans := recover_orphans(conn):
                log.info("queued the jobs of a dead worker again to resume: %s", orphans)
            if group := claim_next_group(conn, pid):
                _train(conn, group, pid, stop)
                idle_since = time.monotonic()
            elif idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s:
                break
            else:
                stop.wait(poll_s)
    finally:
        stop.set()
        heart.join()
        unregister_worker(conn, pid)
        conn.close()
        log.info("worker %d stopped", pid)


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m tabrl_core.jobs.worker`."""
    parser = argparse.ArgumentParser(prog="tabrl-worker", description=__doc__.splitlines()[0])
    parser.add_argument("--idle-exit", type=float, default=None, metavar="S",
                        help="exit after S seconds with nothing queued (default: never)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_worker(idle_exit_s=args.idle_exit, stop=stop)


if __name__ == "__main__":
    main()
