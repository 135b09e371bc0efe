"""Train: pick a robot, describe a behaviour, generate reward approaches, train, compare videos."""

import streamlit as st

from tabrl_app import approaches, editor, session, train_form
from tabrl_app.run_view import run_view

session.chrome()
st.title("Train a robot from a sentence")
st.caption("Pick a robot, describe what it should do, and let each LLM design three reward "
           "functions; TabRL trains them all and plays the results side by side.")
run_id = session.open_run_id()

st.subheader("1 · Robot")
robot = train_form.robot_gallery()

st.subheader("2 · Behaviour")
behavior = train_form.behavior_input()
steps = train_form.steps_input(robot)
train_form.advanced_settings()

st.subheader("3 · Reward approaches")
generate = st.button("Generate approaches", icon=":material/auto_awesome:",
                     disabled=not behavior.strip(),
                     help="Asks every configured provider at once for three approaches each.")
approaches.approach_tabs(robot, behavior, steps, generate=generate)
with st.expander("Write your own reward", icon=":material/edit:"):
    editor.reward_editor(robot, behavior, approaches.trainable(approaches.shown_approaches()))

if run_id:
    st.subheader("4 · Training and results")
    if st.button("New run", icon=":material/add:", help="Close this run; it stays on Runs."):
        session.close_run()
        st.rerun()
    run_view(run_id)
