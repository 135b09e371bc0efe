"""The database schema as ordered migrations: MIGRATIONS[i] takes user_version i to i + 1.

Never edit a released migration; append a new one. Times are Unix seconds (REAL); JSON columns
hold text. Nothing here stores an API key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
ARTIFACT_KINDS = ("video", "gif", "thumbnail", "trajectory", "checkpoint", "grid")


def _initial(conn: sqlite3.Connection) -> None:
    states = ", ".join(f"'{s}'" for s in JOB_STATES)
    kinds = ", ".join(f"'{k}'" for k in ARTIFACT_KINDS)
    _execute_all(conn, f"""
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            robot TEXT NOT NULL,
            behavior TEXT NOT NULL DEFAULT '',
            steps INTEGER NOT NULL,
            backend TEXT NOT NULL,
            seed INTEGER NOT NULL DEFAULT 0,
            owner TEXT NOT NULL DEFAULT 'local',   -- browser session id, or "local"
            options TEXT NOT NULL DEFAULT '{{}}',  -- JSON: backend and trainer options
            created REAL NOT NULL
        );
        CREATE INDEX runs_owner ON runs(owner, created);

        CREATE TABLE approaches (
            id INTEGER PRIMARY KEY,
            run TEXT NOT NULL REFERENCES runs(id),
            position INTEGER NOT NULL,
            provider TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            code TEXT NOT NULL,
            valid INTEGER NOT NULL,
            validation_error TEXT,
            components TEXT NOT NULL DEFAULT '[]'  -- JSON list of component names
        );
        CREATE INDEX approaches_run ON approaches(run, position);

        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            run TEXT NOT NULL REFERENCES runs(id),
            approach INTEGER NOT NULL UNIQUE REFERENCES approaches(id),
            backend TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({states})),
            attempt INTEGER NOT NULL DEFAULT 1,
            progress REAL NOT NULL DEFAULT 0,      -- 0..1
            steps_done INTEGER NOT NULL DEFAULT 0,
            total_steps INTEGER NOT NULL,
            error TEXT,
            external_id TEXT,                      -- Modal function call id
            worker_pid INTEGER,                    -- local worker training it
            created REAL NOT NULL,
            started REAL,
            finished REAL,
            heartbeat REAL,
            polled REAL,                           -- last time a client polled Modal for it
            eta_s REAL,
            stats TEXT NOT NULL DEFAULT '{{}}'     -- JSON: rollout stats, final metrics
        );
        CREATE INDEX jobs_state ON jobs(state, created);
        CREATE INDEX jobs_run ON jobs(run);

        CREATE TABLE metrics (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL REFERENCES jobs(id),
            attempt INTEGER NOT NULL,
            step INTEGER NOT NULL,
            mean_return REAL,
            components TEXT NOT NULL DEFAULT '{{}}',
            env_steps_per_s REAL,
            elapsed REAL,
            created REAL NOT NULL
        );
        CREATE INDEX metrics_job ON metrics(job, attempt, step);

        CREATE TABLE artifacts (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL REFERENCES jobs(id),
            attempt INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ({kinds})),
            path TEXT NOT NULL,                    -- relative to TABRL_HOME
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created REAL NOT NULL
        );
        CREATE INDEX artifacts_job ON artifacts(job, attempt);

        CREATE TABLE workers (
            pid INTEGER PRIMARY KEY,
            proc_started REAL NOT NULL,            -- the process's start time, against pid reuse
            started REAL NOT NULL,
            heartbeat REAL NOT NULL
        );

        CREATE TABLE calibrations (                -- measured by finished training groups
            id INTEGER PRIMARY KEY,
            robot TEXT NOT NULL,
            backend TEXT NOT NULL,
            n_approaches INTEGER NOT NULL,
            env_steps INTEGER NOT NULL,            -- all approaches together
            wall_s REAL NOT NULL,                  -- claim to last render
            env_steps_per_s REAL NOT NULL,
            created REAL NOT NULL
        );
        CREATE INDEX calibrations_robot ON calibrations(robot, backend, created);
    """)


def _execute_all(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript: it commits first, and a migration must stay inside its transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _judge_verdicts(conn: sqlite3.Connection) -> None:
    """Each job's verdict (JSON, tabrl_core/judging/verdict.py) and each run's judge program:
    who wrote it, its code, whether it passed the checks, and why not."""
    _execute_all(conn, """
        ALTER TABLE jobs ADD COLUMN judge TEXT;
        ALTER TABLE runs ADD COLUMN judge_provider TEXT;
        ALTER TABLE runs ADD COLUMN judge_code TEXT;
        ALTER TABLE runs ADD COLUMN judge_valid INTEGER;
        ALTER TABLE runs ADD COLUMN judge_error TEXT
    """)


def _lineage(conn: sqlite3.Connection) -> None:
    """Refinement: a refined approach names its parent job, and its run the parent's run."""
    _execute_all(conn, """
        ALTER TABLE runs ADD COLUMN parent_run TEXT REFERENCES runs(id);
        ALTER TABLE approaches ADD COLUMN parent_job TEXT REFERENCES jobs(id);
        ALTER TABLE approaches ADD COLUMN round INTEGER NOT NULL DEFAULT 0;  -- 0: a first design
        ALTER TABLE approaches ADD COLUMN comment TEXT;        -- the user's words, if any
        ALTER TABLE approaches ADD COLUMN diff TEXT;           -- unified diff from the parent code
        ALTER TABLE approaches ADD COLUMN change_reason TEXT;  -- what the provider changed, why
        ALTER TABLE approaches ADD COLUMN judge_before TEXT;   -- JSON: the parent's verdict
        ALTER TABLE approaches ADD COLUMN init_from TEXT;      -- base, scratch or a checkpoint
        ALTER TABLE approaches ADD COLUMN design TEXT;         -- JSON: the built-in's parameters
        CREATE INDEX approaches_parent ON approaches(parent_job);
    """)


def _job_recoveries(conn: sqlite3.Connection) -> None:
    """How many times in a row a worker died while training a job (it resumes each time, up to
    a limit: jobs/queue.py MAX_RECOVERIES)."""
    conn.execute("ALTER TABLE jobs ADD COLUMN recoveries INTEGER NOT NULL DEFAULT 0")


def _job_start_command(conn: sqlite3.Connection) -> None:
    """The command a running job's fine-tuning started from (JSON: SkillChoice.to_dict(), as
    its progress reports it), so progress can say so before the job's final stats exist."""
    conn.execute("ALTER TABLE jobs ADD COLUMN start_command TEXT")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _initial, _judge_verdicts, _lineage, _job_recoveries, _job_start_command)
