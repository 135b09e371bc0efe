"""How the pages write times, dates and job states."""

from __future__ import annotations

import pandas as pd
import streamlit as st

ACTIVE_STATES = ("queued", "running")
STATE_COLORS = {"queued": "gray", "running": "blue", "succeeded": "green", "failed": "red",
                "cancelled": "orange"}


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 05 s' or '1 h 02 min'; an em dash when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def date(timestamp: float) -> str:
    """A store timestamp (s since the epoch) as 'YYYY-MM-DD HH:MM' UTC."""
    return pd.Timestamp(timestamp, unit="s", tz="UTC").tz_convert(None).strftime("%Y-%m-%d %H:%M")


def state_badge(state: str) -> None:
    st.badge(state, color=STATE_COLORS.get(state, "gray"))
