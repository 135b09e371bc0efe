"""Settings: providers (never their keys), the training backend, the data dir, time estimates."""

import streamlit as st

from tabrl_app import session, settings

session.chrome()
st.title("Settings")

st.subheader("Reward designers")
settings.provider_table()

st.subheader("Training backend")
settings.backend_settings()

st.subheader("Data")
settings.data_settings()

st.subheader("Time estimates")
settings.estimate_table()
