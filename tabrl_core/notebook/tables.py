"""A run as pandas DataFrames: one row per approach (`results`), the training curves in tidy
form (`curves`). Columns and dtypes are the same whatever state the run is in, so code written
against a finished run also works on a queued one (its values are then missing, not absent).
"""

from __future__ import annotations

import pandas as pd

from tabrl_core.store.schema import ARTIFACT_KINDS

RESULT_COLUMNS: dict[str, str] = {
    "run": "string", "job": "string", "position": "Int64", "provider": "string",
    "name": "string", "description": "string", "round": "Int64", "parent_job": "string",
    "comment": "string", "change_reason": "string", "valid": "boolean", "state": "string",
    "error": "string", "progress": "Float64", "steps_done": "Int64", "total_steps": "Int64",
    "mean_return": "Float64", "episode_return": "Float64", "displacement": "Float64",
    "upright_fraction": "Float64", "rank": "Int64", "judge_score": "Float64",
    "judge_passed": "boolean",
    "judge_verdict": "string", "components": "object", "stats": "object", "judge": "object",
    **{f"{kind}_path": "string" for kind in ARTIFACT_KINDS if kind != "grid"},
    "artifact_problems": "object",
}
"""results(): column -> dtype. `state` is a job state, or "invalid" for an approach whose code
failed validation (it has no job); `round` is 0 for a first design and n for the n-th
refinement, whose `parent_job`, `comment` and `change_reason` say where it came from and why;
`mean_return` and `components` are the last training report,
`episode_return`, `displacement` and `upright_fraction` the rendered rollout's stats; `rank` is
the approach's place (1 = best) in the judge's ranking, missing where it was not judged."""

CURVE_COLUMNS: dict[str, str] = {
    "run": "string", "job": "string", "provider": "string", "approach": "string",
    "step": "Int64", "metric": "string", "value": "Float64",
}
"""curves(): column -> dtype; `metric` is "mean_return" or "reward/<component>"."""


def _approach_row(run_id: str, approach: dict, job: dict | None, rank: int | None) -> dict:
    base = {"run": run_id, "job": approach["job_id"], "position": approach["position"],
            "provider": approach["provider"], "name": approach["name"],
            "description": approach["description"], "round": approach["round"],
            "parent_job": approach["parent_job"], "comment": approach["comment"],
            "change_reason": approach["change_reason"], "valid": approach["valid"]}
    if job is None:
        return {**base, "state": "invalid", "error": approach["validation_error"],
                "components": {}, "stats": {}, "judge": None, "artifact_problems": []}
    stats, judge = job["stats"], job.get("judge")
    return {
        **base, "state": job["state"], "error": job["error"], "progress": job["progress"],
        "steps_done": job["steps_done"], "total_steps": job["total_steps"],
        "mean_return": job["mean_return"], "episode_return": stats.get("episode_return"),
        "displacement": stats.get("displacement"),
        "upright_fraction": stats.get("upright_fraction"), "rank": rank,
        "judge_score": (judge or {}).get("score"), "judge_passed": (judge or {}).get("passed"),
        "judge_verdict": (judge or {}).get("verdict"),
        "components": dict(job["components"]), "stats": stats, "judge": judge,
        **{f"{kind}_path": path for kind, path in job["artifacts"].items()
           if f"{kind}_path" in RESULT_COLUMNS},
        "artifact_problems": list(job["artifact_problems"]),
    }


def typed_frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """`rows` as a DataFrame with exactly `columns` (missing values as <NA>), each of its dtype."""
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns) if len(frame) else pd.DataFrame(
        {name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def results_frame(status: dict) -> pd.DataFrame:
    """One row per approach of a run status, in the run's order (see RESULT_COLUMNS)."""
    jobs = {j["id"]: j for j in status["jobs"]}
    ranks = {r["job_id"]: place for place, r in enumerate(status.get("ranking") or [], 1)}
    run_id = status["run"]["id"]
    rows = [_approach_row(run_id, a, jobs.get(a["job_id"]), ranks.get(a["job_id"]))
            for a in status["approaches"] if a["job_id"] is None or a["job_id"] in jobs]
    return typed_frame(rows, RESULT_COLUMNS)


def curves_frame(status: dict) -> pd.DataFrame:
    """Every job's training reports as tidy rows (see CURVE_COLUMNS), by job, then step."""
    run_id = status["run"]["id"]
    rows = []
    for job in status["jobs"]:
        ids = {"run": run_id, "job": job["id"], "provider": job["provider"],
               "approach": job["name"]}
        for point in job["curve"]:
            rows.append({**ids, "step": point["step"], "metric": "mean_return",
                         "value": point["mean_return"]})
            rows += [{**ids, "step": point["step"], "metric": f"reward/{name}", "value": value}
                     for name, value in point["components"].items()]
    return typed_frame(rows, CURVE_COLUMNS)
