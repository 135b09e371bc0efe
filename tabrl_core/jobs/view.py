"""A job's status in words and as grid cells, the same in the app and in notebooks."""

from __future__ import annotations

import time
from pathlib import Path

from tabrl_core.judging.verdict import ranking
from tabrl_core.media.grid_html import GridCell

ACTIVE_STATES = ("queued", "running")
"""Job states that still change; the others are final."""
VERDICT_GRACE_S = 120.0
"""How long after a run's last job ended its verdicts are still expected (a worker judges a run
right after its last job; a run from before the judge, or whose worker stopped, never gets any)."""


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 05 s' or '1 h 02 min'; an em dash when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def verdict_text(judge: dict | None) -> str:
    """'0.82 passed · by builtin', 'not judged: ...', or '' when the run has no verdicts."""
    if not judge:
        return ""
    if judge.get("score") is None:
        return str(judge.get("verdict") or "not judged")
    outcome = "passed" if judge.get("passed") else "failed"
    return f"{judge['score']:.2f} {outcome} · by {judge.get('by', '?')}"


def caption(job: dict) -> str:
    """The clip's return, how far the base moved, the time it stood upright and the base command
    its fine-tuning started from (its verdict has a place of its own in the cell)."""
    stats = job["stats"]
    parts = []
    if "episode_return" in stats:
        parts.append(f"return {stats['episode_return']:.1f} · moved {stats['displacement']:.2f} m"
                     f" · upright {stats['upright_fraction']:.0%}")
    if start := started_from(job):
        parts.append(start)
    return " · ".join(parts)


def started_from(job: dict) -> str:
    """'started from: backward 0.40 m/s' once the base command the job's fine-tuning started
    from is known (from its progress while it trains, its final metrics after), with
    ' → learned: ...' when PPO moved the command too; else ''."""
    final = job["stats"].get("final", {})
    start = job.get("start_command") or final.get("start_command")
    if not start:
        return ""
    learned = final.get("learned_command")
    return f"started from: {start['label']}" + (f" → learned: {learned['label']}" if learned
                                                 else "")


def grid_cells(jobs: list[dict], labels: dict[str, str]) -> list[GridCell]:
    """One cell per job (rows are providers, columns their approaches) with its verdict, the
    run's best approach marked; a job whose video is missing or not made yet gets a note that
    says so instead of a video."""
    best = next((r["job_id"] for r in ranking(jobs)), None)
    columns: dict[str, int] = {}
    cells = []
    for job in jobs:
        column = columns[job["provider"]] = columns.get(job["provider"], -1) + 1
        media = {k: Path(v) for k, v in job["artifacts"].items() if Path(v).is_file()}
        if "video" in media:
            note = ""
        elif "video" in job["artifacts"]:
            note = f"video missing: {job['artifacts']['video']}"
        else:
            note = f"{job['state']}: {job['error'] or 'no video yet'}"
        cells.append(GridCell(labels.get(job["provider"], job["provider"]), job["name"], column,
                              media.get("video"), media.get("gif"), media.get("thumbnail"),
                              caption(job), note, job.get("judge"), job["id"] == best))
    return cells


def awaiting_verdicts(status: dict) -> bool:
    """Whether every job has ended, moments ago, and the judge has yet to grade a trained
    rollout (succeeded, with a trajectory, no verdict, and no judge error)."""
    jobs = status["jobs"]
    if any(j["state"] in ACTIVE_STATES for j in jobs) or (status.get("judge_program")
                                                            or {}).get("error"):
        return False
    ungraded = [j for j in jobs if j["state"] == "succeeded" and j.get("judge") is None
                and "trajectory" in j["artifacts"]]
    ended = max((j["finished"] or 0.0 for j in jobs), default=0.0)
    return bool(ungraded) and time.time() - ended < VERDICT_GRACE_S


def state_counts(status: dict) -> str:
    """A status's job states in words: '2 running · 1 queued'."""
    return " · ".join(f"{n} {s}" for s, n in status["counts"].items() if n)
