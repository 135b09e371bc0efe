"""TabRL in the browser: a router over the pages (`streamlit run app.py`)."""

import streamlit as st

st.set_page_config(page_title="TabRL", page_icon=":material/smart_toy:", layout="wide")
st.navigation([
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("app_pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
], position="top").run()
