"""Settings: providers (never their keys), keys for this session, the training backend, the data
dir, time estimates."""

import streamlit as st

from tabrl_app import session, settings

session.chrome()
st.title("Settings")

st.subheader("Reward designers")
settings.provider_table()

st.subheader("Keys for this session")
settings.session_key_forms()

st.subheader("Training backend")
settings.backend_settings()

st.subheader("Data")
settings.data_settings()

st.subheader("Time estimates")
settings.estimate_table()
