"""The Settings page's parts: providers (never their keys), the backend, the data dir, estimates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_app.display import duration
from tabrl_app.session import app_secrets, backend
from tabrl_core import estimate, hosting, provider_statuses
from tabrl_core.budgets import BACKENDS, PRESETS
from tabrl_core.jobs import check_backend
from tabrl_core.paths import data_dir
from tabrl_core.providers import ProviderConfigError
from tabrl_core.robots import robot_ids

BACKEND_LABELS = {"local": "Local worker (this machine)", "modal": "Modal (cloud GPU)"}


def provider_table() -> None:
    """Each provider: configured or not, model id, base URL; never a key."""
    try:
        providers = provider_statuses(app_secrets())
    except ProviderConfigError as err:
        st.error(f"Provider settings: {err}")
        return
    st.dataframe(
        pd.DataFrame([{"provider": p["label"], "id": p["id"], "configured": p["configured"],
                       "model": p["model"], "base URL": p["base_url"]} for p in providers]),
        hide_index=True, column_config={"configured": st.column_config.CheckboxColumn()})
    st.caption("Keys come from the environment or .streamlit/secrets.toml; TabRL never shows, "
               "logs or stores them. Add OpenAI-compatible servers with TABRL_OPENAI_COMPATIBLE.")


def backend_settings() -> None:
    """The backend choice (locally) or the hosted limits, and a reachability check for each."""
    if hosting.is_hosted():
        limits = hosting.hosted_limits()
        st.write(f"Hosted mode: runs belong to this browser session and train on "
                 f"**{backend()}**, at most {limits.max_steps:,} steps per approach and "
                 f"{limits.max_active_jobs} jobs at once.")
    else:
        st.radio("Train on", BACKENDS, key="backend", horizontal=True,
                 index=BACKENDS.index(backend()), format_func=BACKEND_LABELS.get)
    if st.button(f"Check the {backend()} backend", icon=":material/network_check:"):
        try:
            st.success(check_backend(backend()))
        except (RuntimeError, OSError) as err:
            st.error(str(err))


def data_settings() -> None:
    st.write("Runs, checkpoints and videos live under the data directory (env `TABRL_HOME`):")
    st.code(str(data_dir()), language=None)


def estimate_table() -> None:
    """Estimated wall time per preset and backend, from the throughput finished batches measured."""
    robot = st.session_state.get("robot") or robot_ids()[0]
    rows = [{"backend": name, "approaches": n,
             **{f"{p} ({steps // 1000}K)": duration(estimate(robot, steps, name, n))
                for p, steps in PRESETS.items()}}
            for name in BACKENDS for n in (3, 9)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(f"For {robot}: the median of the last finished batches on each backend; before "
               "any, one measurement on a 2-core CPU (local) or an assumption (Modal).")
