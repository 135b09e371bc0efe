"""What a refinement starts from: the parent job's reward, its training numbers, its rollout, its
verdict, and the user's comment checked."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from tabrl_core.jobs.status import run_status
from tabrl_core.providers.prompt import MAX_COMMENT_CHARS

LAST_ITERATIONS = 10
"""Component statistics cover this many of the last recorded training iterations."""

# A comment that tries to rewrite the rules rather than describe the behaviour.
_RULE_CHANGE = re.compile(
    r"\b(ignore|disregard|forget|override|bypass|break)\b[^.!?\n]{0,40}"
    r"\b(rules?|contract|instructions?|prompt|validator|validation|sandbox|whitelist)\b"
    r"|\bimport\s+[a-z_]|\bfrom\s+[a-z_.]+\s+import\b|__\w+__|\b(exec|eval|compile)\s*\("
    r"|\bsubprocess\b|\bos\.(system|popen|environ)", re.IGNORECASE)


class RefineError(ValueError):
    """A refinement that cannot start; the message says why. The parent is never touched."""


def check_comment(comment: str | None) -> str | None:
    """The comment stripped (None when not given); RefineError when it is empty, too long, or
    tries to change the rules instead of describing the behaviour."""
    if comment is None:
        return None
    text = str(comment).strip()
    if not text:
        raise RefineError("the comment is empty: say what to change (for example \"turn "
                          "faster\" or \"land softer\"), or leave the comment out")
    if len(text) > MAX_COMMENT_CHARS:
        raise RefineError(f"the comment has {len(text):,} characters; at most "
                          f"{MAX_COMMENT_CHARS:,} are allowed")
    if match := _RULE_CHANGE.search(text):
        raise RefineError(f"the comment tries to change the rules ({match.group(0)!r}): a "
                          "comment can only describe the behaviour you want; the reward "
                          "contract, the validator and the sandbox stay as they are")
    return text


@dataclass(frozen=True)
class Parent:
    """The job a refinement revises, with everything the revision reads."""

    job_id: str
    run: dict  # the run row: robot, behavior, steps, backend, seed, owner, options
    approach: dict  # the approach row, lineage columns included
    job: dict  # the job as get_status reports it (state, stats, artifacts, judge, ...)
    checkpoint: str | None  # the checkpoint's path relative to the data dir
    components: dict[str, dict[str, float]]  # name -> {mean, min, max}

    @property
    def judge(self) -> dict | None:
        return self.job.get("judge")

    @property
    def round(self) -> int:
        return self.approach["round"] or 0


def component_stats(conn: sqlite3.Connection, job_id: str, attempt: int,
                    last: int = LAST_ITERATIONS) -> dict[str, dict[str, float]]:
    """{component: {mean, min, max}} of its per-iteration means over the `last` recorded
    training iterations of one attempt (as Eureka's reward reflection feeds back)."""
    rows = conn.execute("SELECT components FROM metrics WHERE job = ? AND attempt = ?"
                        " ORDER BY step DESC, id DESC LIMIT ?", (job_id, attempt, last)).fetchall()
    series: dict[str, list[float]] = {}
    for row in reversed(rows):
        for name, value in json.loads(row["components"]).items():
            if isinstance(value, (int, float)):
                series.setdefault(name, []).append(float(value))
    return {name: {"mean": sum(v) / len(v), "min": min(v), "max": max(v)}
            for name, v in series.items()}


def load_parent(conn: sqlite3.Connection, job_id: str) -> Parent:
    """The parent job, ready to refine; KeyError for an unknown job, RefineError for one that
    has no trained policy (queued, running, failed or cancelled)."""
    row = conn.execute("SELECT run FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise KeyError(f"no job with id {job_id!r}")
    status = run_status(conn, row["run"], job_id)
    job = status["jobs"][0]
    if job["state"] != "succeeded":
        raise RefineError(_not_refinable(job))
    approach = next(a for a in status["approaches"] if a["job_id"] == job_id)
    checkpoint = conn.execute(
        "SELECT path FROM artifacts WHERE job = ? AND attempt = ? AND kind = 'checkpoint'"
        " ORDER BY id DESC LIMIT 1", (job_id, job["attempt"])).fetchone()
    return Parent(job_id, status["run"], approach, job,
                  checkpoint["path"] if checkpoint else None,
                  component_stats(conn, job_id, job["attempt"]))


def _not_refinable(job: dict) -> str:
    name = f"job {job['id']} ({job['name']})"
    if job["state"] in ("queued", "running"):
        return (f"{name} is still {job['state']}: refine it once it has finished training, or "
                "cancel it")
    if job["state"] == "failed":
        return (f"{name} failed ({job['error']}), so it has no trained policy to refine; retry "
                "it, or refine another approach")
    return f"{name} was cancelled before it finished; retry it to refine it later"
