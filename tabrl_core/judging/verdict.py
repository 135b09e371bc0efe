"""Verdicts as stored and shown: per approach, the run's ranking and the providers' scoreboard.

A verdict is `{"score", "passed", "verdict", "by", "checks": [{"name", "value", "target",
"passed", "score"}]}`; one that could not be made has score and passed None and a verdict that
starts with "not judged: ". A video judge's opinion, when asked, sits under "video".
"""

from __future__ import annotations

from tabrl_core.judging.program import CheckResult

NOT_JUDGED = "not judged: "
SHOWN_FAILURES = 2  # failed checks named in the one-line verdict
BUILTIN = "builtin"


def judged_by(provider: str) -> str:
    """A code verdict's `by` for the judge program `provider` wrote: "builtin" or
    "code:<provider>"."""
    return BUILTIN if provider == BUILTIN else f"code:{provider}"


def verdict(checks: list[CheckResult], by: str) -> dict:
    """The verdict of one approach from its judge's checks."""
    rows = []
    for check in checks:
        met, score = check.scored()
        rows.append({"name": check.name, "value": check.value, "target": check.target,
                     "passed": met, "score": round(score, 4)})
    failed = [r for r in rows if not r["passed"]]
    if failed:
        shown = "; ".join(f"{r['name']} {r['value']:.3g} (target {r['target']})"
                          for r in failed[:SHOWN_FAILURES])
        more = f" and {len(failed) - SHOWN_FAILURES} more" if len(failed) > SHOWN_FAILURES else ""
        text = f"failed {len(failed)} of {len(rows)} checks: {shown}{more}"
    else:
        text = f"passed all {len(rows)} checks"
    score = sum(r["score"] for r in rows) / len(rows)
    return {"score": round(score, 4), "passed": not failed, "verdict": text, "by": by,
            "checks": rows}


def not_judged(reason: str, by: str) -> dict:
    """The verdict of an approach its judge could not grade, with the reason."""
    return {"score": None, "passed": None, "verdict": NOT_JUDGED + reason, "by": by,
            "checks": []}


def ranking(jobs: list[dict]) -> list[dict]:
    """The judged approaches, best first (passed before failed, then by score); each
    {job_id, provider, name, score, passed}. Approaches without a score are left out."""
    judged = [j for j in jobs if (j.get("judge") or {}).get("score") is not None]
    judged.sort(key=lambda j: (not j["judge"]["passed"], -j["judge"]["score"], j["id"]))
    return [{"job_id": j["id"], "provider": j["provider"], "name": j["name"],
             "score": j["judge"]["score"], "passed": j["judge"]["passed"]} for j in judged]


def scoreboard(jobs: list[dict]) -> dict[str, dict]:
    """Per provider (in the order they first appear): approaches, judged, passes, mean score
    over the judged ones (None when none was judged) and best score."""
    board: dict[str, dict] = {}
    for job in jobs:
        row = board.setdefault(job["provider"], {"approaches": 0, "judged": 0, "passes": 0,
                                                 "mean_score": None, "best_score": None,
                                                 "_scores": []})
        row["approaches"] += 1
        judge = job.get("judge") or {}
        if judge.get("score") is not None:
            row["judged"] += 1
            row["passes"] += bool(judge["passed"])
            row["_scores"].append(judge["score"])
    for row in board.values():
        scores = row.pop("_scores")
        if scores:
            row["mean_score"] = round(sum(scores) / len(scores), 4)
            row["best_score"] = max(scores)
    return board
