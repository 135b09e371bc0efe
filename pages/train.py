"""Train: pick a robot, describe a behaviour, generate reward approaches, train, compare videos."""

import streamlit as st

from tabrl_app import ui

ui.chrome()
st.title("Train a robot from a sentence")
st.caption("Pick a robot, describe what it should do, and let each LLM design three reward "
           "functions; TabRL trains them all and plays the results side by side.")
run_id = ui.open_run_id()

st.subheader("1 · Robot")
robot = ui.robot_gallery()

st.subheader("2 · Behaviour")
behavior = ui.behavior_input()
steps = ui.steps_input(robot)

st.subheader("3 · Reward approaches")
generate = st.button("Generate approaches", icon=":material/auto_awesome:",
                     disabled=not behavior.strip(),
                     help="Asks every configured provider at once for three approaches each.")
ui.approach_tabs(robot, behavior, steps, generate=generate)

if run_id:
    st.subheader("4 · Training and results")
    if st.button("New run", icon=":material/add:", help="Close this run; it stays on Runs."):
        ui.close_run()
        st.rerun()
    ui.run_view(run_id)
