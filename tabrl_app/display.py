"""How the pages write times, dates and job states."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_core.jobs.view import ACTIVE_STATES, duration  # noqa: F401 (the pages import them here)

STATE_COLORS = {"queued": "gray", "running": "blue", "succeeded": "green", "failed": "red",
                "cancelled": "orange"}


def date(timestamp: float) -> str:
    """A store timestamp (s since the epoch) as 'YYYY-MM-DD HH:MM' UTC."""
    return pd.Timestamp(timestamp, unit="s", tz="UTC").tz_convert(None).strftime("%Y-%m-%d %H:%M")


def state_badge(state: str) -> None:
    st.badge(state, color=STATE_COLORS.get(state, "gray"))
