"""Settings: providers (never their keys), the training backend, the data dir, time estimates."""

import streamlit as st

from tabrl_app import ui

ui.chrome()
st.title("Settings")

st.subheader("Reward designers")
ui.provider_table()

st.subheader("Training backend")
ui.backend_settings()

st.subheader("Data")
ui.data_settings()

st.subheader("Time estimates")
ui.estimate_table()
