"""The judge's view of a run: the per-provider scoreboard, the judge program's code, and
judging the run again with a judge from another provider."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_app import session
from tabrl_core.judging import judge_run
from tabrl_core.providers import ProviderConfigError


def scoreboard(status: dict, labels: dict[str, str]) -> None:
    """Per provider: approaches, how many were judged and passed, mean and best score; nothing
    until the run has a judged approach."""
    board = status.get("providers") or {}
    if not any(row["judged"] for row in board.values()):
        return
    frame = pd.DataFrame([{"provider": labels.get(pid, pid), "approaches": row["approaches"],
                           "judged": row["judged"], "passed": row["passes"],
                           "mean score": row["mean_score"], "best score": row["best_score"]}
                          for pid, row in board.items()])
    st.dataframe(frame, hide_index=True, key=f"scoreboard-{status['run']['id']}",
                 column_config={"mean score": st.column_config.ProgressColumn(
                                    min_value=0.0, max_value=1.0, format="%.2f"),
                                "best score": st.column_config.NumberColumn(format="%.2f")})


def judge_program(status: dict, labels: dict[str, str], key: str) -> None:
    """Who wrote the run's judge program, whether it is valid (the reason when not) and its
    code, folded like reward code; and a way to judge the run again."""
    if not any(j["state"] == "succeeded" for j in status["jobs"]):
        return
    program = status.get("judge_program") or {}
    author = labels.get(program.get("provider"), program.get("provider")) or "nobody yet"
    with st.expander(f"Judge program · written by {author}"):
        if program.get("valid") is False:
            st.error("The judge program is invalid, so this run's videos are not judged:",
                     icon=":material/gavel:")
            st.text(program["error"] or "no reason recorded")
        if program.get("code"):
            st.code(program["code"], language="python")
        _judge_again(status["run"]["id"], program.get("provider"), key)


def _judge_again(run_id: str, current: str | None, key: str) -> None:
    """A provider (keys pasted for this session count) writes a new judge program, which grades
    every stored rollout of the run again; no retraining."""
    try:
        providers = {p["id"]: p["label"] for p in session.providers() if p["configured"]}
    except ProviderConfigError as err:
        st.error("Provider settings:")
        st.text(str(err))
        return
    ids = list(providers)
    choice, go = st.columns([3, 1], vertical_alignment="bottom")
    chosen = choice.selectbox("Judge again with", ids, format_func=providers.get,
                              index=ids.index(current) if current in ids else 0,
                              key=f"judge-with-{key}{run_id}")
    if go.button("Judge again", key=f"judge-again-{key}{run_id}", icon=":material/gavel:"):
        try:
            with st.spinner(f"{providers[chosen]} writes a judge; it grades every video…"):
                judge_run(run_id, chosen, secrets=session.app_secrets(),
                          keys=session.session_keys())
        except (KeyError, ValueError) as err:
            st.error("Judging again failed:")
            st.text(str(err))  # may echo a provider's answer: plain text
            return
        st.rerun()
