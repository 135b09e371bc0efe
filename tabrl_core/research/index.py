"""The benchmarks index: one small JSON file per finished benchmark under TABRL_HOME/benchmarks/,
pointing at its output folder (which holds the tables and the report). Light: no JAX, no pyarrow
until a benchmark's tables are loaded."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from tabrl_core.paths import subdir

INDEX_DIR = "benchmarks"
_TEXT_COLUMNS = ("provider", "model")


def record(meta: dict) -> Path:
    """List a finished benchmark (its benchmark.json fields) in the index."""
    path = subdir(INDEX_DIR) / f"{meta['id']}.json"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(meta, indent=1))
    os.replace(partial, path)
    return path


def list_benchmarks() -> list[dict]:
    """Every indexed benchmark, newest first: its fields plus `available` (its folder still
    holds leaderboard.csv). An unreadable index entry is skipped."""
    found = []
    for path in subdir(INDEX_DIR).glob("*.json"):
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and {"id", "dir"} <= meta.keys():
            found.append({**meta, "available": (Path(meta["dir"]) / "leaderboard.csv").exists()})
    return sorted(found, key=lambda m: m.get("finished") or 0, reverse=True)


def load_benchmark(benchmark_id: str) -> dict:
    """An indexed benchmark's fields with its `leaderboard` (list of dicts, numbers parsed) and
    the path of its `results` Parquet and `report`; KeyError for an unknown id, FileNotFoundError
    when its folder is gone."""
    match = [m for m in list_benchmarks() if m["id"] == benchmark_id]
    if not match:
        raise KeyError(f"no benchmark with id {benchmark_id!r}")
    meta = match[0]
    folder = Path(meta["dir"])
    if not meta["available"]:
        raise FileNotFoundError(f"benchmark {benchmark_id}'s folder {folder} no longer holds "
                                f"leaderboard.csv")
    with (folder / "leaderboard.csv").open(newline="") as f:
        board = [{k: v if k in _TEXT_COLUMNS else _number(v) for k, v in row.items()}
                 for row in csv.DictReader(f)]
    return {**meta, "leaderboard": board, "results": folder / "results.parquet",
            "report": folder / "report.html"}


def _number(text: str):
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
