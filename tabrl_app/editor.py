"""The reward editor: edit any approach's code or start from the contract's example, checked as
you type by the same validator, and add it as a "You" approach trained beside the providers'."""

from __future__ import annotations

import streamlit as st

from tabrl_core.providers import Approach
from tabrl_core.providers.own import STARTER_CODE, check_code, own_approach

EXAMPLE = "The contract's example"
OWN_KEY = "own_approaches"
"""Session state: the "You" approaches added for the current robot and behaviour."""


def own_approaches(robot: str, behavior: str) -> list[Approach]:
    """This session's "You" approaches for (robot, behaviour), to train with the others."""
    added = st.session_state.get(OWN_KEY)
    return added["approaches"] if added and added["for"] == (robot, behavior) else []


def reward_editor(robot: str, behavior: str, sources: list[Approach]) -> None:
    """Write or edit a reward: choose a start (the example or any shown approach), edit it,
    see the validator's verdict with its line, and add it as a "You" approach."""
    starts = {EXAMPLE: STARTER_CODE} | {f"{a.provider} · {a.name}": a.code for a in sources}
    start = st.selectbox("Start from", list(starts), key="editor-start")
    if st.session_state.get("editor-loaded") != start:
        st.session_state["editor-code"] = starts[start]
        st.session_state["editor-loaded"] = start
    code = st.text_area("Reward code", key="editor-code", height=320,
                        help="One `def reward(s, a, prev_a):` following the reward contract "
                             "(docs/rewards.md); checked as you type.")
    checked = check_code(code)
    if checked.valid:
        st.badge("passes the validator", icon=":material/check:", color="green")
        st.text("Components: " + ", ".join(checked.components))
    else:
        st.badge("fails the validator", icon=":material/close:", color="red")
        st.text(checked.message)
    name = st.text_input("Name", value="My reward", key="editor-name", max_chars=40)
    if st.button("Add as a You approach", key="editor-add", icon=":material/person_add:",
                 disabled=not checked.valid or not name.strip()):
        _add(robot, behavior, own_approach(code, robot, name=name,
                                           description="Written in the reward editor."))
    for approach in own_approaches(robot, behavior):
        st.text(f"You · {approach.name}: trains with “Train all”")


def _add(robot: str, behavior: str, approach: Approach) -> None:
    if not approach.valid:  # the sandboxed trace found what the static check cannot
        st.error("The reward was rejected when traced on the robot")
        st.text(approach.error)
        return
    kept = [a for a in own_approaches(robot, behavior) if a.name != approach.name]
    st.session_state[OWN_KEY] = {"for": (robot, behavior), "approaches": [*kept, approach]}
    st.rerun()

