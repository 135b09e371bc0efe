"""Reading a run and its jobs out of the store as plain dicts (what `get_status` returns)."""

from __future__ import annotations

import json
import sqlite3

from tabrl_core.judging.verdict import judged_by, ranking, scoreboard
from tabrl_core.store import artifact_path, check_artifact

_TERMINAL = ("succeeded", "failed", "cancelled")


def job_rows(conn: sqlite3.Connection, run_id: str, only: str | None = None) -> list[sqlite3.Row]:
    """The jobs of a run (or just job `only`), in approach order, with their approach's fields."""
    return conn.execute(f"""
        SELECT j.*, a.position, a.provider, a.name, a.description, a.round, a.parent_job
        FROM jobs j JOIN approaches a ON j.approach = a.id
        WHERE j.run = ? {"AND j.id = ?" if only else ""} ORDER BY a.position""",
                        (run_id, only) if only else (run_id,)).fetchall()


def _job(conn: sqlite3.Connection, row: sqlite3.Row, verify: bool) -> dict:
    curve = [{"step": m["step"], "mean_return": m["mean_return"],
              "components": json.loads(m["components"])}
             for m in conn.execute("SELECT step, mean_return, components FROM metrics"
                                   " WHERE job = ? AND attempt = ? ORDER BY step, id",
                                   (row["id"], row["attempt"]))]
    artifacts, problems = {}, []
    for a in conn.execute("SELECT * FROM artifacts WHERE job = ? AND attempt = ? ORDER BY id",
                          (row["id"], row["attempt"])):
        artifacts[a["kind"]] = str(artifact_path(a["path"]))
        if problem := check_artifact(a, verify=verify):
            problems.append(f"{a['kind']} {problem}")
    latest = curve[-1] if curve else {}
    stats = json.loads(row["stats"])
    keys = ("id", "state", "attempt", "progress", "steps_done", "total_steps", "eta_s", "error",
            "backend", "external_id", "created", "started", "finished", "position", "provider",
            "name", "description", "round", "parent_job")
    return {**{k: row[k] for k in keys}, "mean_return": latest.get("mean_return"),
            "components": latest.get("components", {}), "curve": curve,
            "artifacts": artifacts, "artifact_problems": problems,
            "stats": stats, "start_command": _start_command(row, stats),
            "judge": json.loads(row["judge"]) if row["judge"] else None}


def _start_command(row: sqlite3.Row, stats: dict) -> dict | None:
    """The command the job's fine-tuning started from (SkillChoice.to_dict()): what its progress
    reported, else what its final metrics say, else None (pretraining, or not known yet)."""
    if row["start_command"]:
        return json.loads(row["start_command"])
    return stats.get("final", {}).get("start_command")


def _summary(jobs: list[dict]) -> dict:
    counts = {s: sum(j["state"] == s for j in jobs)
              for s in ("queued", "running", *_TERMINAL)}
    state = ("running" if counts["running"] else "queued" if counts["queued"] else "finished")
    etas = [j["eta_s"] for j in jobs if j["eta_s"] is not None and j["state"] == "running"]
    return {"state": state, "counts": counts,
            "progress": sum(j["progress"] for j in jobs) / len(jobs) if jobs else 1.0,
            "eta_s": max(etas) if etas else None}


def run_status(conn: sqlite3.Connection, run_id: str, only: str | None = None, *,
               verify: bool = False) -> dict:
    """A run's fields, its approaches, its jobs (or just `only`), a summary across them, and
    the judge's view: `judge_program` (provider, by, code, valid, error), `ranking` (judged
    approaches best first) and `providers` (per provider: approaches, judged, passes,
    mean_score, best_score)."""
    run = dict(conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())
    run["options"] = json.loads(run["options"])
    program = {key: run.pop(f"judge_{key}") for key in ("provider", "code", "valid", "error")}
    program["valid"] = None if program["valid"] is None else bool(program["valid"])
    program["by"] = judged_by(program["provider"]) if program["provider"] else None
    approaches = [{**dict(a), "valid": bool(a["valid"]), "components": json.loads(a["components"]),
                   **{k: json.loads(a[k]) if a[k] else None for k in ("judge_before", "design")}}
                  for a in conn.execute("SELECT a.*, j.id AS job_id FROM approaches a"
                                        " LEFT JOIN jobs j ON j.approach = a.id"
                                        " WHERE a.run = ? ORDER BY a.position", (run_id,))]
    jobs = [_job(conn, row, verify) for row in job_rows(conn, run_id, only)]
    return {"run": run, "approaches": approaches, "jobs": jobs, **_summary(jobs),
            "judge_program": program, "ranking": ranking(jobs), "providers": scoreboard(jobs)}
