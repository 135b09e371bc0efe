"""export_run: one run as a table, one row per approach, in Parquet or CSV.

Columns: the run's fields (run_id, robot, behavior, steps, backend, seed, created), the design
`prompt` (system and user turns as this TabRL writes them for the run's robot and behaviour),
the approach (provider, name, description, code, valid, validation error), its job (job_id,
state, error, mean_return), the judge's verdict (judge_score, passed, verdict, judge_by,
judge_checks), the run's judge program (judge_program_by, judge_program), the training curve
(curve_step, curve_return: lists; curve_components: JSON) and the trajectory stats (stats:
JSON, plus the STAT_COLUMNS as numbers). In CSV, lists are JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from tabrl_core.research.results import STAT_COLUMNS

FORMATS = ("parquet", "csv")


def _prompt(robot: str, behavior: str) -> str | None:
    from tabrl_core.providers.prompt import build_prompt

    try:
        prompt = build_prompt(robot, behavior)
    except Exception:  # e.g. a Menagerie robot no longer downloaded: the rest still exports
        return None
    return f"{prompt.system}\n\n{prompt.user}"


def run_rows(run_id: str) -> list[dict]:
    """The export's rows for run `run_id` (KeyError when there is no such run)."""
    from tabrl_core.jobs import get_status

    status = get_status(run_id)
    if status["kind"] != "run":
        raise KeyError(f"{run_id!r} is a job; export its run {status['run']['id']!r}")
    run = status["run"]
    jobs = {j["id"]: j for j in status["jobs"]}
    prompt = _prompt(run["robot"], run["behavior"]) if run["behavior"] else None
    program = status["judge_program"]
    rows = []
    for approach in status["approaches"]:
        job = jobs.get(approach["job_id"]) or {}
        judge = job.get("judge") or {}
        stats = job.get("stats") or {}
        curve = job.get("curve") or []
        rows.append({
            "run_id": run["id"], "robot": run["robot"], "behavior": run["behavior"],
            "steps": run["steps"], "backend": run["backend"], "seed": run["seed"],
            "created": run["created"], "prompt": prompt,
            "provider": approach["provider"], "approach": approach["name"],
            "description": approach["description"], "code": approach["code"],
            "valid": approach["valid"], "validation_error": approach["validation_error"],
            "job_id": job.get("id"), "state": job.get("state"), "error": job.get("error"),
            "mean_return": (stats.get("final") or {}).get("mean_return"),
            "judge_score": judge.get("score"), "passed": judge.get("passed"),
            "verdict": judge.get("verdict"), "judge_by": judge.get("by"),
            "judge_checks": json.dumps(judge.get("checks") or []),
            "judge_program_by": program["by"], "judge_program": program["code"],
            "curve_step": [int(p["step"]) for p in curve],
            "curve_return": [p["mean_return"] for p in curve],
            "curve_components": json.dumps([p["components"] for p in curve]),
            "stats": json.dumps(stats),
            **{name: stats.get(name) for name in STAT_COLUMNS}})
    return rows


def export_run(run_id: str, path: Path | str, format: str = "parquet") -> Path:
    """Write run `run_id` (one row per approach; see the module doc) to `path` as "parquet" or
    "csv"; returns the path. KeyError for an unknown run, ValueError for an unknown format."""
    import pandas as pd

    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    frame = pd.DataFrame(run_rows(run_id))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if format == "parquet":
        frame.to_parquet(partial, engine="pyarrow", index=False)
    else:
        for column in ("curve_step", "curve_return"):
            frame[column] = frame[column].map(json.dumps)
        frame.to_csv(partial, index=False)
    partial.replace(path)
    return path
