"""Runs: every run in the store; filter them, open one, or compare two side by side."""

import streamlit as st

from tabrl_app import runs as runs_table
from tabrl_app import session
from tabrl_app.run_export import run_downloads
from tabrl_app.run_view import run_view

session.chrome()
st.title("Runs")
runs = runs_table.runs_frame(session.session_owner())
if runs.empty:
    st.info("No runs yet: start one on the Train page.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

search, robots = st.columns([3, 2])
text = search.text_input("Filter", placeholder="behaviour, provider, state or run id")
chosen = robots.multiselect("Robots", sorted(runs["robot"].unique()))
shown = runs_table.filter_runs(runs, text, chosen)
picked = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="multi-row",
                      key="runs", column_config={
                          "steps": st.column_config.NumberColumn(format="localized"),
                          "best return": st.column_config.NumberColumn(format="%.2f"),
                          "best score": st.column_config.NumberColumn(format="%.2f")})
selected = shown.iloc[picked.selection.rows]["run"].tolist()
st.caption("Select a run to open it, or two to compare them side by side.")

if len(selected) == 1:
    if st.button("Open on the Train page", icon=":material/open_in_new:"):
        st.switch_page("pages/train.py", query_params={"run": selected[0]})
    run_view(selected[0])
    run_downloads(selected[0])
elif len(selected) == 2:
    for column, run_id in zip(st.columns(2), selected):
        with column:
            run_view(run_id, key=run_id)
elif selected:
    st.warning("Select at most two runs to compare.")
