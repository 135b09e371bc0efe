"""The SQLite store: migrations, WAL, transactions, artifact checks, and surviving a kill."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tabrl_core import store
from tabrl_core.store import db as store_db

from jobs_support import wait_for


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_connect_creates_a_migrated_wal_database_under_tabrl_home(home):
    with store.opened() as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"runs", "approaches", "jobs", "metrics", "artifacts", "workers",
                "calibrations"} <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.schema_version(conn) == len(store.MIGRATIONS)
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert store.db_path() == home / "tabrl.db" and store.db_path().exists()


def test_tabrl_home_is_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path / "elsewhere"))
    assert store.db_path() == tmp_path / "elsewhere" / "tabrl.db"


def test_migrations_apply_once_and_in_order(monkeypatch):
    store.connect().close()
    applied = []

    def add_notes(conn):
        applied.append("notes")
        conn.execute("ALTER TABLE runs ADD COLUMN notes TEXT")

    monkeypatch.setattr(store_db, "MIGRATIONS", (*store.MIGRATIONS, add_notes))
    for _ in range(2):
        with store.opened() as conn:
            assert store.schema_version(conn) == len(store.MIGRATIONS) + 1
            columns = {r["name"] for r in conn.execute("PRAGMA table_info(runs)")}
            assert "notes" in columns
    assert applied == ["notes"]


def test_the_start_command_migration_upgrades_a_database_of_the_previous_version(monkeypatch):
    monkeypatch.setattr(store_db, "MIGRATIONS", store.MIGRATIONS[:-1])
    with store.opened() as conn:  # a database as the release before made it, with a job
        conn.execute("INSERT INTO runs (id, robot, steps, backend, created)"
                     " VALUES ('r1', 'go1', 10000, 'local', 0)")
        conn.execute("INSERT INTO approaches (run, position, provider, name, code, valid)"
                     " VALUES ('r1', 0, 'builtin', 'a', 'code', 1)")
        conn.execute("INSERT INTO jobs (id, run, approach, backend, state, total_steps, created)"
                     " VALUES ('j1', 'r1', 1, 'local', 'running', 10000, 0)")
        assert "start_command" not in {r["name"] for r in conn.execute("PRAGMA table_info(jobs)")}
    monkeypatch.setattr(store_db, "MIGRATIONS", store.MIGRATIONS)
    with store.opened() as conn:
        assert store.schema_version(conn) == len(store.MIGRATIONS)
        job = conn.execute("SELECT * FROM jobs WHERE id = 'j1'").fetchone()
        assert (job["state"], job["start_command"]) == ("running", None)
        conn.execute("UPDATE jobs SET start_command = '{\"label\": \"stand still\"}'")
        assert conn.execute("SELECT start_command FROM jobs").fetchone()[0] == (
            '{"label": "stand still"}')


def test_a_failed_transaction_leaves_nothing_behind():
    with store.opened() as conn:
        with pytest.raises(sqlite3.IntegrityError):
            with store.transaction(conn):
                conn.execute("INSERT INTO runs (id, robot, steps, backend, created)"
                             " VALUES ('r1', 'go1', 10000, 'local', 0)")
                conn.execute("INSERT INTO runs (id, robot, steps, backend, created)"
                             " VALUES ('r1', 'go1', 10000, 'local', 0)")
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_job_states_and_artifact_kinds_are_enforced():
    with store.opened() as conn:
        conn.execute("INSERT INTO runs (id, robot, steps, backend, created)"
                     " VALUES ('r1', 'go1', 10000, 'local', 0)")
        conn.execute("INSERT INTO approaches (run, position, provider, name, code, valid)"
                     " VALUES ('r1', 0, 'builtin', 'a', 'code', 1)")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO jobs (id, run, approach, backend, state, total_steps,"
                         " created) VALUES ('j1', 'r1', 1, 'local', 'exploded', 10000, 0)")


def _artifact(conn, path, kind="video"):
    store.record_artifact(conn, "j1", 1, kind, path)
    return conn.execute("SELECT * FROM artifacts ORDER BY id DESC LIMIT 1").fetchone()


def test_artifacts_are_recorded_relative_with_size_and_sha256_and_checked(home):
    folder = store.job_dir("r1", "j1", 1)
    folder.mkdir(parents=True)
    (folder / "video.mp4").write_bytes(b"\x00" * 1000)
    (folder / "checkpoint").mkdir()
    (folder / "checkpoint" / "weights.msgpack").write_bytes(b"weights")
    with store.opened() as conn:
        conn.execute("PRAGMA foreign_keys = OFF")  # artifact rows without their job, for brevity
        video = _artifact(conn, folder / "video.mp4")
        checkpoint = _artifact(conn, folder / "checkpoint", "checkpoint")
    assert video["path"] == "artifacts/r1/j1/attempt-1/video.mp4" and video["size"] == 1000
    assert store.artifact_path(video["path"]) == home / video["path"]
    assert checkpoint["size"] == len(b"weights")
    assert store.check_artifact(video, verify=True) is None
    assert store.check_artifact(checkpoint, verify=True) is None

    (folder / "video.mp4").write_bytes(b"\x01" * 1000)  # same size, other bytes
    assert store.check_artifact(video) is None
    assert "sha256" in store.check_artifact(video, verify=True)
    (folder / "video.mp4").write_bytes(b"\x00" * 10)
    assert store.check_artifact(video).startswith("corrupt")
    (folder / "checkpoint" / "weights.msgpack").write_bytes(b"other!!")
    assert "sha256" in store.check_artifact(checkpoint, verify=True)
    (folder / "video.mp4").unlink()
    assert store.check_artifact(video).startswith("missing")


WRITER = """
import sys, time
from tabrl_core import store
conn = store.connect()
i = 0
while True:
    with store.transaction(conn):
        conn.execute("INSERT INTO runs (id, robot, steps, backend, behavior, created)"
                     " VALUES (?, 'go1', 10000, 'local', ?, ?)", (f"r{i}", "x" * 2000, time.time()))
        conn.execute("UPDATE runs SET behavior = ? WHERE id = ?", ("y" * 3000, f"r{i // 2}"))
    i += 1
"""


def test_the_database_survives_a_kill_during_writes():
    store.connect().close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER], env=os.environ.copy())
    try:
        def rows():
            with store.opened() as conn:
                return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 300
        wait_for(rows, what="the writer to commit 300 rows")
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    with store.opened() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        assert count >= 300
        ids = {r[0] for r in conn.execute("SELECT id FROM runs")}
        assert ids == {f"r{i}" for i in range(count)}  # every committed transaction, whole
