"""Lineage: which job a refinement came from, the chain of versions, and the code diff."""

from __future__ import annotations

import difflib
import sqlite3

from tabrl_core.jobs.status import run_status
from tabrl_core.store import opened


def code_diff(parent_code: str, child_code: str, parent_label: str, child_label: str) -> str:
    """The unified diff from the parent's reward code to the child's."""
    return "".join(difflib.unified_diff(
        parent_code.splitlines(keepends=True), child_code.splitlines(keepends=True),
        fromfile=parent_label, tofile=child_label))


def _parent_of(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT a.parent_job FROM jobs j JOIN approaches a ON j.approach = a.id"
                       " WHERE j.id = ?", (job_id,)).fetchone()
    return row["parent_job"] if row else None


def _newest_child(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT j.id FROM approaches a JOIN jobs j ON j.approach = a.id"
                       " WHERE a.parent_job = ? ORDER BY j.created DESC, a.id DESC LIMIT 1",
                       (job_id,)).fetchone()
    return row["id"] if row else None


def _version(conn: sqlite3.Connection, job_id: str) -> dict:
    run = conn.execute("SELECT run FROM jobs WHERE id = ?", (job_id,)).fetchone()["run"]
    status = run_status(conn, run, job_id)
    job = status["jobs"][0]
    approach = next(a for a in status["approaches"] if a["job_id"] == job_id)
    judge = job.get("judge")
    return {
        "job_id": job_id, "run_id": run, "round": approach["round"],
        "version": approach["round"] + 1, "parent_job": approach["parent_job"],
        "provider": approach["provider"], "name": approach["name"],
        "description": approach["description"], "code": approach["code"],
        "comment": approach["comment"], "diff": approach["diff"],
        "change_reason": approach["change_reason"], "init_from": approach["init_from"],
        "state": job["state"], "error": job["error"], "stats": job["stats"],
        "video": job["artifacts"].get("video"), "judge": judge,
        "judge_before": approach["judge_before"],
        "judge_after": judge if approach["parent_job"] else None,
        "score": judge.get("score") if judge else None,
    }


def lineage(job_id: str) -> list[dict]:
    """The chain of versions through `job_id`, oldest first: its ancestors (each refinement's
    parent job), the job, then its newest refinements after it. Each version has its job and
    run ids, round (0 for a first design) and version (round + 1), provider, name, code, the
    comment, diff and change reason that made it, its state, stats, video, its judge verdict
    and score, and, for a refinement, the parent's verdict before (`judge_before`) and its own
    after (`judge_after`). KeyError for an unknown job."""
    with opened() as conn:
        if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
            raise KeyError(f"no job with id {job_id!r}")
        chain = [job_id]
        while (parent := _parent_of(conn, chain[0])) and parent not in chain:
            chain.insert(0, parent)
        while (child := _newest_child(conn, chain[-1])) and child not in chain:
            chain.append(child)
        return [_version(conn, j) for j in chain]


def refinements_of(run_id: str) -> dict[str, list[str]]:
    """For each job of a run, the newest chain of jobs refined from it (children first)."""
    with opened() as conn:
        roots = [r["id"] for r in conn.execute("SELECT id FROM jobs WHERE run = ?", (run_id,))]
        chains = {}
        for root in roots:
            chain = [root]
            while (child := _newest_child(conn, chain[-1])) and child not in chain:
                chain.append(child)
            chains[root] = chain[1:]
        return chains

