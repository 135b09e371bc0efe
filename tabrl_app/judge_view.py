"""The judge's view of a run: the per-provider scoreboard and the judge program's code."""

from __future__ import annotations

import pandas as pd
import streamlit as st


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


def judge_program(status: dict, labels: dict[str, str]) -> None:
    """Who wrote the run's judge program, whether it is valid (the reason when not) and its
    code, folded like reward code."""
    program = status.get("judge_program") or {}
    if not program.get("provider"):
        return
    author = labels.get(program["provider"], program["provider"])
    with st.expander(f"Judge program · written by {author}"):
        if program["valid"] is False:
            st.error("The judge program is invalid, so this run's videos are not judged:",
                     icon=":material/gavel:")
            st.text(program["error"] or "no reason recorded")
        if program["code"]:
            st.code(program["code"], language="python")
