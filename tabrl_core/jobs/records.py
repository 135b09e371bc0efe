"""Rows of runs, approaches, jobs and metrics: creating them, and ending a job with its outcome.

Every write that changes a running job names its attempt and requires state 'running', so a job
that was cancelled or retried meanwhile is never overwritten by a late writer.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tabrl_core.store import job_dir, record_artifact, transaction
from tabrl_core.training.resume import RESUME_FILE, resume_steps


@dataclass(frozen=True)
class JobRef:
    """One attempt of one job, as a worker or a Modal client holds it."""

    id: str
    attempt: int


@dataclass
class JobOutcome:
    """How one job of a trained group ended; `artifacts` maps an artifact kind to its path."""

    status: str  # succeeded, failed or cancelled
    error: str | None = None
    metrics: dict = field(default_factory=dict)  # final mean_return and components
    stats: dict = field(default_factory=dict)  # rollout stats of the rendered policy
    artifacts: dict[str, Path] = field(default_factory=dict)


def new_id(prefix: str) -> str:
    """A short unique id such as 'run-3f2a9c1b7d0e'."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


LINEAGE_FIELDS = ("parent_job", "round", "comment", "diff", "change_reason", "judge_before",
                  "init_from", "design")
"""An approach's refinement columns; a first design leaves them empty (round 0)."""
_JSON_FIELDS = ("judge_before", "design")


def _lineage_values(approach: dict) -> list:
    values = [approach.get(name) for name in LINEAGE_FIELDS]
    values[1] = values[1] or 0
    return [json.dumps(v) if name in _JSON_FIELDS and v is not None else v
            for name, v in zip(LINEAGE_FIELDS, values)]


def insert_run(conn: sqlite3.Connection, *, robot: str, behavior: str, steps: int, backend: str,
               seed: int, owner: str, options: dict, approaches: list[dict],
               run_id: str | None = None, parent_run: str | None = None
               ) -> tuple[str, list[str]]:
    """Insert a run, its approaches (with their LINEAGE_FIELDS when refined) and one queued job
    per valid approach: (run id, job ids)."""
    run_id = run_id or new_id("run")
    now = time.time()
    job_ids = []
    lineage_marks = ", ".join("?" * len(LINEAGE_FIELDS))
    with transaction(conn):
        conn.execute(
            "INSERT INTO runs (id, robot, behavior, steps, backend, seed, owner, options, created,"
            " parent_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, robot, behavior, steps, backend, seed, owner, json.dumps(options), now,
             parent_run))
        for position, a in enumerate(approaches):
            cursor = conn.execute(
                "INSERT INTO approaches (run, position, provider, name, description, code, valid,"
                f" validation_error, components, {', '.join(LINEAGE_FIELDS)})"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {lineage_marks})",
                (run_id, position, a["provider"], a["name"], a.get("description", ""), a["code"],
                 int(a["valid"]), a.get("error"), json.dumps(list(a.get("components", ()))),
                 *_lineage_values(a)))
            if a["valid"]:
                job_id = new_id("job")
                conn.execute(
                    "INSERT INTO jobs (id, run, approach, backend, state, total_steps, created)"
                    " VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                    (job_id, run_id, cursor.lastrowid, backend, steps, now))
                job_ids.append(job_id)
    return run_id, job_ids


def write_progress(conn: sqlite3.Connection, job: JobRef, *, steps_done: int, total_steps: int,
                   eta_s: float | None, mean_return: float | None, components: dict,
                   env_steps_per_s: float | None, elapsed_s: float | None,
                   start_command: dict | None = None) -> bool:
    """Record one progress point (job row + metrics row); False if the job is no longer running.

    `start_command` (SkillChoice.to_dict()), when given, is kept on the job row: the command its
    fine-tuning started from. Without it the row keeps what an earlier point recorded."""
    now = time.time()
    with transaction(conn):
        updated = conn.execute(
            "UPDATE jobs SET steps_done = ?, progress = ?, eta_s = ?, heartbeat = ?,"
            " start_command = COALESCE(?, start_command)"
            " WHERE id = ? AND attempt = ? AND state = 'running'",
            (steps_done, min(1.0, steps_done / max(1, total_steps)), eta_s, now,
             json.dumps(start_command, default=float) if start_command is not None else None,
             job.id, job.attempt)).rowcount
        if updated and mean_return is not None:
            conn.execute(
                "INSERT INTO metrics (job, attempt, step, mean_return, components,"
                " env_steps_per_s, elapsed, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job.id, job.attempt, steps_done, mean_return, json.dumps(components),
                 env_steps_per_s, elapsed_s, now))
    return bool(updated)


def finish_job(conn: sqlite3.Connection, job: JobRef, outcome: JobOutcome) -> bool:
    """End a running job with its outcome and record its artifacts; False if it was not running."""
    stats = {"final": outcome.metrics, **outcome.stats}
    with transaction(conn):
        updated = conn.execute(
            "UPDATE jobs SET state = ?, error = ?, stats = ?, finished = ?, eta_s = NULL,"
            " progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END,"
            " steps_done = CASE WHEN ? = 'succeeded' THEN total_steps ELSE steps_done END"
            " WHERE id = ? AND attempt = ? AND state = 'running'",
            (outcome.status, outcome.error, json.dumps(stats, default=float), time.time(),
             outcome.status, outcome.status, job.id, job.attempt)).rowcount
        if updated:
            for kind, path in outcome.artifacts.items():
                record_artifact(conn, job.id, job.attempt, kind, Path(path))
    return bool(updated)


def end_jobs(conn: sqlite3.Connection, where: str, params: tuple, *, state: str,
             error: str | None = None) -> list[str]:
    """Set matching queued/running jobs to a final state (SQL `where` on jobs); their ids."""
    with transaction(conn):
        ids = [r["id"] for r in conn.execute(
            f"SELECT id FROM jobs WHERE state IN ('queued', 'running') AND ({where})", params)]
        conn.executemany(
            "UPDATE jobs SET state = ?, error = ?, finished = ?, eta_s = NULL WHERE id = ?",
            [(state, error, time.time(), i) for i in ids])
    return ids


def requeue_job(conn: sqlite3.Connection, job_id: str, *, states: tuple[str, ...],
                resume: bool = False, recovered: bool = False) -> bool:
    """Queue a job in one of `states` again as a new attempt; False if it is in none of them.

    Without `resume` it starts from zero. With `resume` its resume point (if it has one) moves
    to the new attempt's folder and its curve up to that point is kept, so training continues
    from there. `recovered` counts the requeue as one more recovery from a dead worker.
    """
    row = conn.execute("SELECT run, attempt FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        return False
    marks = ", ".join("?" * len(states))
    old_dir, new_dir = (job_dir(row["run"], job_id, row["attempt"]),
                        job_dir(row["run"], job_id, row["attempt"] + 1))
    with transaction(conn):
        if not conn.execute(
                "UPDATE jobs SET state = 'queued', attempt = attempt + 1, progress = 0,"
                " steps_done = 0, error = NULL, worker_pid = NULL, external_id = NULL,"
                " started = NULL, finished = NULL, heartbeat = NULL, polled = NULL, eta_s = NULL,"
                " stats = '{}', judge = NULL, start_command = NULL,"
                " recoveries = CASE WHEN ? THEN recoveries + 1 ELSE 0 END"
                f" WHERE id = ? AND attempt = ? AND state IN ({marks})",
                (recovered, job_id, row["attempt"], *states)).rowcount:
            return False
        if resume and (old_dir / RESUME_FILE).is_file():
            new_dir.mkdir(parents=True, exist_ok=True)
            os.replace(old_dir / RESUME_FILE, new_dir / RESUME_FILE)
            _keep_curve(conn, job_id, row["attempt"], resume_steps(new_dir) or 0)
    return True


def _keep_curve(conn: sqlite3.Connection, job_id: str, attempt: int, steps: int) -> None:
    """Copy attempt `attempt`'s curve up to `steps` to the next attempt, which resumes there."""
    conn.execute(
        "INSERT INTO metrics (job, attempt, step, mean_return, components, env_steps_per_s,"
        " elapsed, created) SELECT job, attempt + 1, step, mean_return, components,"
        " env_steps_per_s, elapsed, created FROM metrics WHERE job = ? AND attempt = ?"
        " AND step <= ? ORDER BY step, id", (job_id, attempt, steps))
    conn.execute("UPDATE jobs SET steps_done = ?, progress = MIN(1.0, ? * 1.0 / total_steps)"
                 " WHERE id = ?", (steps, steps, job_id))
