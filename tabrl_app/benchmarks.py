"""The Benchmarks page's parts: the suites that ran, and one benchmark's leaderboard, chart and
results (LLM-written names and verdicts shown as plain table cells)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_app.display import date
from tabrl_core.research import list_benchmarks, load_benchmark

COLUMNS = ["benchmark", "suite", "tasks", "failed tasks", "providers", "judge", "steps",
           "backend", "date", "folder"]
RESULT_COLUMNS = ["task", "robot", "behavior", "provider", "approach", "state", "passed",
                  "judge_score", "verdict", "mean_return", "error"]


def benchmarks_frame() -> pd.DataFrame:
    """Every indexed benchmark, newest first, as a table."""
    rows = [{"benchmark": b["id"], "suite": b.get("suite"), "tasks": b.get("tasks"),
             "failed tasks": len(b.get("failed_tasks", [])),
             "providers": ", ".join(b.get("providers", [])), "judge": b.get("judge"),
             "steps": b.get("steps"),
             "backend": b.get("backend"),
             "date": date(b["finished"]) if b.get("finished") else None,
             "folder": b["dir"] if b["available"] else f"{b['dir']} (missing)"}
            for b in list_benchmarks()]
    return pd.DataFrame(rows, columns=COLUMNS)


def benchmark_view(benchmark_id: str) -> None:
    """One benchmark: its leaderboard, a chart of each provider's score and passes, the
    per-approach results, and its files to download."""
    try:
        bench = load_benchmark(benchmark_id)
    except (KeyError, FileNotFoundError) as exc:
        st.warning(exc.args[0] if isinstance(exc, KeyError) else str(exc))
        return
    board = pd.DataFrame(bench["leaderboard"])
    st.subheader("Leaderboard")
    st.dataframe(board, hide_index=True, column_config={
        "mean_best_score": st.column_config.ProgressColumn("mean best score", min_value=0.0,
                                                           max_value=1.0, format="%.2f"),
        "valid_code_rate": st.column_config.NumberColumn("valid code", format="percent"),
        "cost_usd": st.column_config.NumberColumn("cost", format="dollar")})
    if not board.empty:
        score, passed = st.columns(2)
        score.caption("Mean best judge score per provider")
        score.bar_chart(board, x="provider", y="mean_best_score", horizontal=True)
        passed.caption("Tasks passed per provider")
        passed.bar_chart(board, x="provider", y="tasks_passed", horizontal=True)
    if bench["results"].exists():
        st.subheader("Approaches")
        results = pd.read_parquet(bench["results"], columns=RESULT_COLUMNS)
        st.dataframe(results, hide_index=True)
    _downloads(bench)


def _downloads(bench: dict) -> None:
    files = [("Report (HTML)", bench["report"], "text/html"),
             ("Results (Parquet)", bench["results"], "application/octet-stream")]
    for column, (label, path, mime) in zip(st.columns(len(files)), files):
        if path.exists():
            column.download_button(label, path.read_bytes(), file_name=path.name, mime=mime,
                                   key=f"download-{bench['id']}-{path.name}",
                                   icon=":material/download:", on_click="ignore")
