"""The Benchmarks page (AppTest) over benchmarks written by the research writers, and the Runs
page's export downloads."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import app_runs
from tabrl_core.research import index
from tabrl_core.research.report import write_report
from tabrl_core.research.results import (ProviderTask, leaderboard, write_leaderboard,
                                         write_results)
from test_app import TIMEOUT_S, home, open_app  # noqa: F401  (home: the app's data dir)

HOSTILE = "**bold** <img src=x onerror=alert(1)>"


def seed_benchmark(folder, benchmark_id: str, finished: float, scores: dict[str, float]) -> None:
    """A benchmark of one task with one approach per provider, written as the runner does."""
    folder.mkdir(parents=True)
    rows = [{"task": 1, "robot": "go1", "behavior": "walk backwards", "category": "",
             "provider": provider, "model": f"{provider}-model", "approach": HOSTILE,
             "valid": True, "state": "succeeded", "judge_score": score, "passed": score > 0.8,
             "verdict": f"{provider} verdict", "train_s": 5.0}
            for provider, score in scores.items()]
    board = leaderboard(rows, [ProviderTask(1, p, f"{p}-model", 10, 5, 0.01, 1.0)
                               for p in scores])
    write_results(rows, folder / "results.parquet")
    write_leaderboard(board, folder / "leaderboard.csv")
    meta = {"id": benchmark_id, "dir": str(folder), "suite": "suite.csv",
            "providers": list(scores), "steps": 10_000, "backend": "local", "tasks": 1,
            "failed_tasks": [], "finished": finished}
    write_report(folder, meta, board, rows)
    index.record(meta)


def test_without_benchmarks_the_page_says_how_to_run_one():
    at = open_app("pages/benchmarks.py")
    assert any("No benchmark has run yet" in i.value for i in at.info)
    assert "tabrl benchmark" in at.code[0].value


def test_the_page_lists_benchmarks_and_shows_the_newest_leaderboard_and_chart(tmp_path):
    seed_benchmark(tmp_path / "old", "bench-old", 100.0, {"builtin": 0.3})
    seed_benchmark(tmp_path / "new", "bench-new", 200.0, {"builtin": 0.9, "anthropic": 0.4})
    at = open_app("pages/benchmarks.py")
    listed, board, results = (d.value for d in at.dataframe)
    assert list(listed["benchmark"]) == ["bench-new", "bench-old"]
    assert list(board["provider"]) == ["builtin", "anthropic"]
    assert list(board["tasks_passed"]) == [1, 0]
    assert list(board["mean_best_score"]) == [0.9, 0.4]
    assert len(at.get("vega_lite_chart")) == 2  # score and passes per provider
    assert list(results["approach"]) == [HOSTILE, HOSTILE]  # a table cell, never markdown
    assert not any(HOSTILE in m.value for m in at.markdown)


def test_a_benchmark_whose_folder_is_gone_is_listed_as_missing(tmp_path):
    seed_benchmark(tmp_path / "gone", "bench-gone", 100.0, {"builtin": 0.5})
    (tmp_path / "gone" / "leaderboard.csv").unlink()
    at = open_app("pages/benchmarks.py")
    assert at.dataframe[0].value["folder"][0].endswith("(missing)")
    assert any("no longer holds leaderboard.csv" in w.value for w in at.warning)


def _downloads(run_id: str) -> None:
    from tabrl_app.run_export import run_downloads

    run_downloads(run_id)


def test_a_run_offers_its_table_and_policies_for_download():
    run_id = app_runs.finished_run(("succeeded", "failed", "succeeded"))
    at = AppTest.from_function(_downloads, args=(run_id,), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Run as Parquet", "Run as CSV"]  # no checkpoint: no policy to download
    assert any("No trained policy yet" in c.value for c in at.caption)
