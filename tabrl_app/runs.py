"""The Runs table: every run of this session, and filtering it."""

from __future__ import annotations

import pandas as pd

from tabrl_app.display import date
from tabrl_app.session import provider_labels
from tabrl_core import get_status, list_runs

COLUMNS = ["run", "robot", "behaviour", "providers", "steps", "backend", "states", "best return",
           "best score", "passed", "date"]


def runs_frame(owner: str) -> pd.DataFrame:
    """Every run of `owner` as a table: robot, behaviour, providers, steps, states, the best
    final mean return among its succeeded jobs, and the judge's best score and passes."""
    labels = provider_labels()
    rows = []
    for run in list_runs(owner):
        status = get_status(run["id"])
        returns = [j["mean_return"] for j in status["jobs"]
                   if j["state"] == "succeeded" and j["mean_return"] is not None]
        rows.append({
            "run": run["id"], "robot": run["robot"], "behaviour": run["behavior"],
            "providers": ", ".join(dict.fromkeys(labels.get(a["provider"], a["provider"])
                                                 for a in status["approaches"])),
            "steps": run["steps"], "backend": run["backend"],
            "states": " · ".join(f"{n} {s}" for s, n in status["counts"].items() if n),
            "best return": max(returns) if returns else None,
            "best score": status["ranking"][0]["score"] if status["ranking"] else None,
            "passed": sum(r["passed"] for r in status["ranking"]) if status["ranking"] else None,
            "date": date(run["created"])})
    return pd.DataFrame(rows, columns=COLUMNS)


def filter_runs(runs: pd.DataFrame, text: str, robots: list[str]) -> pd.DataFrame:
    """The runs whose row mentions `text` (any case) and whose robot is one of `robots` (if any)."""
    mentions = runs.apply(lambda row: text.lower() in " ".join(map(str, row)).lower(), axis=1)
    return runs[mentions & (runs["robot"].isin(robots) if robots else True)]
