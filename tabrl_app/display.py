"""How the pages write dates and job states (durations: tabrl_core.jobs.view)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

STATE_COLORS = {"queued": "gray", "running": "blue", "succeeded": "green", "failed": "red",
                "cancelled": "orange"}


def date(timestamp: float) -> str:
    """A store timestamp (s since the epoch) as 'YYYY-MM-DD HH:MM' UTC."""
    return pd.Timestamp(timestamp, unit="s", tz="UTC").tz_convert(None).strftime("%Y-%m-%d %H:%M")


def state_badge(state: str) -> None:
    st.badge(state, color=STATE_COLORS.get(state, "gray"))
