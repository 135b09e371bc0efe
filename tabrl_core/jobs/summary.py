"""summary.json, as `tabrl train` and `tabrl refine` write it: a run's approaches with their
outcome, metrics, verdict and (for refinements) lineage, and their media copied beside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MEDIA = (("video", ".mp4"), ("trajectory", ".npz"), ("gif", ".gif"))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "approach"


def approach_rows(status: dict, out: Path, first: int = 1) -> list[dict]:
    """Every approach of the run `status` (get_status) as a summary row, its media copied
    into `out` as NN-provider-name.ext, numbered from `first`."""
    jobs = {j["id"]: j for j in status["jobs"]}
    rows = []
    for number, approach in enumerate(status["approaches"], first):
        job = jobs.get(approach["job_id"]) or {}
        row = {"job_id": approach["job_id"], "provider": approach["provider"],
               "name": approach["name"], "description": approach["description"],
               "code": approach["code"], "status": job.get("state", "invalid"),
               "error": job["error"] if job else approach["validation_error"],
               "metrics": {"mean_return": job.get("mean_return"),
                           "components": job.get("components", {})},
               "stats": job.get("stats", {}), "judge": job.get("judge"),
               "video": None, "trajectory": None}
        if approach["parent_job"]:
            row |= {"parent": {"job_id": approach["parent_job"],
                               "run_id": status["run"]["parent_run"]},
                    "round": approach["round"], "comment": approach["comment"],
                    "diff": approach["diff"], "change_reason": approach["change_reason"],
                    "judge_before": approach["judge_before"], "judge_after": job.get("judge")}
        for kind, suffix in MEDIA:
            source = job.get("artifacts", {}).get(kind)
            if source and Path(source).exists():
                stem = f"{number:02d}-{approach['provider']}-{_slug(approach['name'])}"
                target = out / f"{stem}{suffix}"
                shutil.copyfile(source, target)
                row[kind] = str(target)
        rows.append(row)
    return rows


def run_summary(status: dict, out: Path) -> dict:
    """The summary of one run: robot, behaviour, budget, ids, approaches, judge and ranking."""
    run = status["run"]
    return {"robot": run["robot"], "behavior": run["behavior"], "steps": run["steps"],
            "run_id": status["id"], "parent_run": run["parent_run"],
            "approaches": approach_rows(status, out), "judge_program": status["judge_program"],
            "ranking": status["ranking"], "providers": status["providers"]}


def write_summary(summary: dict, out: Path) -> Path:
    """Write `summary` as out/summary.json; its path."""
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=1, default=str))
    return path
