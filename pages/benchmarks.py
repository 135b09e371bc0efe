"""Benchmarks: the suites that ran (`tabrl benchmark`), each with its leaderboard and chart."""

import streamlit as st

from tabrl_app import benchmarks, session

session.chrome()
st.title("Benchmarks")
table = benchmarks.benchmarks_frame()
if table.empty:
    st.info("No benchmark has run yet. Run a suite of tasks from a terminal:")
    st.code("tabrl benchmark suite.csv --providers builtin --steps 10000 --out results",
            language="bash")
    st.stop()

picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                      key="benchmarks")
rows = picked.selection.rows
chosen = table.iloc[rows[0] if rows else 0]["benchmark"]
st.caption("Select a benchmark to show it; the newest is shown by default.")
benchmarks.benchmark_view(chosen)
