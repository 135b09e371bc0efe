"""Artifact files under TABRL_HOME/artifacts/<run>/<job>/attempt-<n>/, and their rows.

A row keeps the path relative to TABRL_HOME plus size and sha256, so a missing or changed file is
reported (`check_artifact`) instead of breaking whoever reads it. A checkpoint is a directory;
its digest covers every file's relative name and bytes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from tabrl_core.paths import data_dir

_CHUNK = 1 << 20


def job_dir(run_id: str, job_id: str, attempt: int) -> Path:
    """The directory one attempt of one job writes its checkpoint and media into."""
    return data_dir() / "artifacts" / run_id / job_id / f"attempt-{attempt}"


def digest(path: Path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a file, or of every file under a directory."""
    sha = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    size = 0
    for file in files:
        if path.is_dir():
            sha.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as f:
            while chunk := f.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
    return size, sha.hexdigest()


def record_artifact(conn: sqlite3.Connection, job_id: str, attempt: int, kind: str,
                    path: Path) -> None:
    """Insert an artifact row for an existing file or directory (in the caller's transaction)."""
    path = Path(path).resolve()
    size, sha = digest(path)
    try:
        stored = path.relative_to(data_dir()).as_posix()
    except ValueError:
        stored = str(path)  # outside TABRL_HOME: keep it absolute
    conn.execute(
        "INSERT INTO artifacts (job, attempt, kind, path, size, sha256, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (job_id, attempt, kind, stored, size, sha, time.time()))


def artifact_path(stored: str) -> Path:
    """The absolute path of an artifact row's `path`."""
    path = Path(stored)
    return path if path.is_absolute() else data_dir() / path


def check_artifact(row: sqlite3.Row | dict, *, verify: bool = False) -> str | None:
    """What is wrong with an artifact's file, or None: missing, size changed, or (verify) sha256."""
    path = artifact_path(row["path"])
    if not path.exists():
        return f"missing: {path}"
    if path.is_file() and path.stat().st_size != row["size"]:
        return f"corrupt: {path} is {path.stat().st_size} bytes, recorded {row['size']}"
    if verify:
        size, sha = digest(path)
        if (size, sha) != (row["size"], row["sha256"]):
            return f"corrupt: {path} does not match its recorded sha256"
    return None
