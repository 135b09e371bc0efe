"""A benchmark's tables: one row per approach (results.parquet) and one per provider (leaderboard).

Token counts and cost are per provider request; each approach row carries an equal share of its
request's tokens and cost (the first approach the remainder), so sums over rows are exact.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

STAT_COLUMNS = ("episode_return", "distance_travelled", "displacement", "mean_forward_speed",
                "yaw_turned", "upright_fraction")
"""Trajectory stats (see tabrl_core.media.trajectory.trajectory_stats) copied into the results."""

RESULTS_SCHEMA = pa.schema([
    ("task", pa.int64()), ("robot", pa.string()), ("behavior", pa.string()),
    ("category", pa.string()), ("provider", pa.string()), ("model", pa.string()),
    ("approach", pa.string()), ("description", pa.string()), ("code", pa.string()),
    ("valid", pa.bool_()), ("error", pa.string()), ("state", pa.string()),
    ("judge_score", pa.float64()), ("passed", pa.bool_()), ("verdict", pa.string()),
    ("judge_by", pa.string()), ("judge_checks", pa.string()),
    ("mean_return", pa.float64()),
    *((name, pa.float64()) for name in STAT_COLUMNS),
    ("fell", pa.bool_()), ("unstable", pa.bool_()),
    ("input_tokens", pa.int64()), ("output_tokens", pa.int64()), ("cost_usd", pa.float64()),
    ("train_s", pa.float64()), ("run_id", pa.string()), ("job_id", pa.string()),
    ("gif", pa.string()),
])
"""results.parquet: one row per approach. A task that could not run (an unknown robot) or a
provider that returned nothing has one row per provider with `approach` null and the reason in
`error`; `judge_checks` is the verdict's checks as JSON; `gif` is relative to the output folder."""

LEADERBOARD_COLUMNS = ("provider", "model", "tasks", "tasks_passed", "mean_best_score",
                       "valid_code_rate", "approaches", "valid_approaches", "input_tokens",
                       "output_tokens", "cost_usd", "wall_s")
"""leaderboard.csv, one row per provider: `tasks_passed` counts tasks where one of its approaches
passed the judge; `mean_best_score` averages its best judge score per task (a task with no
judged approach counts 0); `valid_code_rate` is valid approaches / approaches proposed;
`wall_s` sums, over tasks, its design time plus the training time until its last approach was
rendered (approaches of one task train together)."""


@dataclass
class ProviderTask:
    """One provider's request for one task: what it cost and how long it took."""

    task: int
    provider: str
    model: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    design_s: float = 0.0


def shares(total: int, n: int) -> list[int]:
    """`total` split into `n` integer shares that add up to it (the first gets the remainder)."""
    if n == 0:
        return []
    base = total // n
    return [base + total - base * n] + [base] * (n - 1)


def results_table(rows: list[dict]) -> pa.Table:
    """The results rows as a table with RESULTS_SCHEMA (missing keys become null)."""
    return pa.Table.from_pylist([{name: row.get(name) for name in RESULTS_SCHEMA.names}
                                 for row in rows], schema=RESULTS_SCHEMA)


def write_results(rows: list[dict], path: Path) -> Path:
    """Write the results rows to the Parquet file `path`."""
    pq.write_table(results_table(rows), path)
    return path


def leaderboard(rows: list[dict], requests: list[ProviderTask]) -> list[dict]:
    """One row per provider (in the order first asked), with LEADERBOARD_COLUMNS."""
    board = []
    for provider in dict.fromkeys(r.provider for r in requests):
        mine = [r for r in rows if r["provider"] == provider]
        asked = [q for q in requests if q.provider == provider]
        tasks = sorted({q.task for q in asked})
        best, passed, wall = [], 0, 0.0
        for task in tasks:
            of_task = [r for r in mine if r["task"] == task]
            scores = [r["judge_score"] for r in of_task if r.get("judge_score") is not None]
            best.append(max(scores, default=0.0))
            passed += any(r.get("passed") for r in of_task)
            wall += (sum(q.design_s for q in asked if q.task == task)
                     + max((r.get("train_s") or 0.0 for r in of_task), default=0.0))
        proposed = [r for r in mine if r.get("approach") is not None]
        valid = sum(bool(r["valid"]) for r in proposed)
        board.append({
            "provider": provider, "model": next((q.model for q in asked if q.model), None),
            "tasks": len(tasks), "tasks_passed": passed,
            "mean_best_score": round(sum(best) / len(best), 4) if best else 0.0,
            "valid_code_rate": round(valid / len(proposed), 4) if proposed else 0.0,
            "approaches": len(proposed), "valid_approaches": valid,
            "input_tokens": sum(q.input_tokens for q in asked),
            "output_tokens": sum(q.output_tokens for q in asked),
            "cost_usd": round(sum(q.cost_usd for q in asked), 6), "wall_s": round(wall, 2)})
    return board


def checks_json(judge: dict) -> str:
    """A verdict's checks as a JSON string (an empty list when there are none)."""
    return json.dumps(judge.get("checks") or [])


def write_leaderboard(board: list[dict], path: Path) -> Path:
    """Write the leaderboard rows to the CSV file `path` (LEADERBOARD_COLUMNS)."""
    with Path(path).open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LEADERBOARD_COLUMNS)
        writer.writeheader()
        writer.writerows(board)
    return path
