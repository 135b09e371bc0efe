"""The local queue: which workers are alive, which group of jobs runs next, orphaned jobs.

A worker is alive when its process exists (same pid and start time, not a zombie) and its
heartbeat row is fresh; the jobs of a dead one are queued again to resume. Groups are claimed
atomically (BEGIN IMMEDIATE), one run's queued jobs at a time, taking turns between owners: the
owner served least recently goes first, and within an owner the oldest run.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass

import psutil

from tabrl_core.jobs.records import JobRef, end_jobs, requeue_job
from tabrl_core.store import transaction

HEARTBEAT_S = 2.0
"""How often a worker touches its heartbeat row."""
STALE_S = 60.0
"""A worker whose heartbeat is older than this is treated as dead even if its pid exists."""
MAX_RECOVERIES = 3
"""A job is resumed after this many dead workers in a row; the next death fails it."""

log = logging.getLogger("tabrl.jobs")


@dataclass(frozen=True)
class Group:
    """The queued jobs of one run that a worker claimed, to train together."""

    run_id: str
    jobs: tuple[JobRef, ...]


def _process_start(pid: int) -> float | None:
    """The start time of a live (not zombie) process, or None."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except psutil.Error:
        return None


def register_worker(conn: sqlite3.Connection, pid: int) -> None:
    """Record a starting worker process."""
    now = time.time()
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO workers (pid, proc_started, started, heartbeat)"
            " VALUES (?, ?, ?, ?)", (pid, _process_start(pid) or now, now, now))


def beat(conn: sqlite3.Connection, pid: int) -> None:
    """Refresh a worker's heartbeat."""
    with transaction(conn):
        conn.execute("UPDATE workers SET heartbeat = ? WHERE pid = ?", (time.time(), pid))


def unregister_worker(conn: sqlite3.Connection, pid: int) -> None:
    """Remove a worker that is exiting."""
    with transaction(conn):
        conn.execute("DELETE FROM workers WHERE pid = ?", (pid,))


def worker_alive(conn: sqlite3.Connection, pid: int) -> bool:
    """Whether worker `pid` is registered, running and beating."""
    row = conn.execute("SELECT proc_started, heartbeat FROM workers WHERE pid = ?",
                       (pid,)).fetchone()
    if row is None or time.time() - row["heartbeat"] > STALE_S:
        return False
    started = _process_start(pid)
    return started is not None and abs(started - row["proc_started"]) < 1.0


def live_workers(conn: sqlite3.Connection) -> list[int]:
    """Pids of the workers that are alive now."""
    pids = [r["pid"] for r in conn.execute("SELECT pid FROM workers")]
    return [pid for pid in pids if worker_alive(conn, pid)]


def claim_next_group(conn: sqlite3.Connection, pid: int) -> Group | None:
    """Atomically move the next run's queued local jobs to 'running' for worker `pid`."""
    with transaction(conn):
        run = conn.execute("""
            SELECT r.id FROM runs r
            WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.run = r.id AND j.state = 'queued'
                          AND j.backend = 'local')
            ORDER BY (SELECT COALESCE(MAX(j.started), 0) FROM jobs j JOIN runs o ON j.run = o.id
                      WHERE o.owner = r.owner), r.created, r.id
            LIMIT 1""").fetchone()
        if run is None:
            return None
        rows = conn.execute("""
            SELECT j.id, j.attempt FROM jobs j JOIN approaches a ON j.approach = a.id
            WHERE j.run = ? AND j.state = 'queued' AND j.backend = 'local'
            ORDER BY a.position""", (run["id"],)).fetchall()
        now = time.time()
        conn.executemany(
            "UPDATE jobs SET state = 'running', worker_pid = ?, started = ?, heartbeat = ?"
            " WHERE id = ? AND state = 'queued'", [(pid, now, now, r["id"]) for r in rows])
    return Group(run["id"], tuple(JobRef(r["id"], r["attempt"]) for r in rows))


def recover_orphans(conn: sqlite3.Connection) -> list[str]:
    """Queue again the jobs a dead local worker left 'running'; their ids.

    Each continues from its latest resume point (written at least every 30 s of training), so
    the next worker loses at most that much. A job whose worker died MAX_RECOVERIES times in a
    row fails instead, with the reason (something in it may be killing workers).
    """
    pids = [r["worker_pid"] for r in conn.execute(
        "SELECT DISTINCT worker_pid FROM jobs WHERE state = 'running' AND backend = 'local'")]
    recovered = []
    for pid in pids:
        if pid is not None and worker_alive(conn, pid):
            continue
        for row in conn.execute("SELECT id, recoveries FROM jobs WHERE backend = 'local' AND"
                                " state = 'running' AND worker_pid IS ?", (pid,)).fetchall():
            if row["recoveries"] >= MAX_RECOVERIES:
                recovered += end_jobs(
                    conn, "id = ? AND state = 'running'", (row["id"],), state="failed",
                    error=f"worker {pid} died during training, the {MAX_RECOVERIES + 1}th worker "
                          "in a row to die on this job; press Retry to start it again")
            elif requeue_job(conn, row["id"], states=("running",), resume=True, recovered=True):
                log.info("job %s: worker %s died; queued again to resume", row["id"], pid)
                recovered.append(row["id"])
    return recovered
