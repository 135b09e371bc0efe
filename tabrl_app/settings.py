"""The Settings page's parts: providers (never their keys) and keys pasted for this session, the
backend, the data dir, estimates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_app import session
from tabrl_app.session import backend
from tabrl_core import estimate, hosting
from tabrl_core.budgets import BACKENDS, PRESETS
from tabrl_core.jobs import check_backend
from tabrl_core.jobs.view import duration
from tabrl_core.paths import data_dir
from tabrl_core.providers import KeyCheck, ProviderConfigError, check_key
from tabrl_core.providers.calls import AUTHENTICATION, INTERNAL
from tabrl_core.robots import robot_ids

BACKEND_LABELS = {"local": "Local worker (this machine)", "modal": "Modal (cloud GPU)"}


def provider_table() -> None:
    """Each provider: configured or not, where its key comes from, model id, base URL; never
    a key."""
    try:
        providers = session.providers()
    except ProviderConfigError as err:
        st.error(f"Provider settings: {err}")
        return
    st.dataframe(
        pd.DataFrame([{"provider": p["label"], "id": p["id"], "configured": p["configured"],
                       "key": _key_source(p), "model": p["model"], "base URL": p["base_url"]}
                      for p in providers]),
        hide_index=True, column_config={"configured": st.column_config.CheckboxColumn()})
    st.caption("Keys come from the environment or .streamlit/secrets.toml, or are pasted below "
               "for this session; TabRL never shows, logs or stores them. Add OpenAI-compatible "
               "servers with TABRL_OPENAI_COMPATIBLE.")


def _key_source(provider: dict) -> str:
    if not provider["takes_key"]:
        return "none needed"
    if provider["session_key"]:
        return "this session"
    return "settings" if provider["configured"] else "none"


def session_key_forms() -> None:
    """Per provider: paste a key for this browser session only, test it with one tiny request
    (the outcome in the providers' error categories), or forget it."""
    st.caption("A key pasted here stays in this browser session's memory: it is never written "
               "to disk, logged, or sent to any other provider, and it is gone when the session "
               "ends. It wins over the environment and secrets for its provider.")
    try:
        providers = [p for p in session.providers() if p["takes_key"]]
    except ProviderConfigError as err:
        st.error(f"Provider settings: {err}")
        return
    for provider in providers:
        with st.container(border=True):
            _key_form(provider)


def _key_form(provider: dict) -> None:
    pid, label = provider["id"], provider["label"]
    head, forget = st.columns([5, 1], vertical_alignment="center")
    head.markdown(f"**{label}** · {_key_source(provider)}")
    if provider["session_key"] and forget.button("Forget", key=f"forget-key-{pid}",
                                                  icon=":material/delete:"):
        session.forget_session_key(pid)
        st.session_state.get("key_checks", {}).pop(pid, None)
        st.rerun()
    with st.form(f"key-form-{pid}", border=False):
        st.text_input(f"{label} API key", type="password", key=f"key-{pid}",
                      placeholder="paste a key for this session")
        st.form_submit_button("Use for this session and test", key=f"use-key-{pid}",
                              icon=":material/key:", on_click=_use_key, args=(pid,))
    check = st.session_state.get("key_checks", {}).get(pid)
    if isinstance(check, str):
        st.error(check)
    elif check is not None:
        _key_check(check)


def _use_key(provider: str) -> None:
    """The key form's callback: empty the field, test what was in it with one tiny request, and
    keep it for this session unless the provider rejected it."""
    field = f"key-{provider}"
    key, st.session_state[field] = st.session_state.get(field, ""), ""
    checks = st.session_state.setdefault("key_checks", {})
    try:
        check = checks[provider] = check_key(provider, key, session.app_secrets())
    except (ValueError, ProviderConfigError) as err:
        checks[provider] = str(err)
        return
    if check.error_kind != AUTHENTICATION:
        session.keep_session_key(provider, key.strip())


def _key_check(check: KeyCheck) -> None:
    """A key check's outcome: its category in words, then the provider's own message as text."""
    kept = "" if check.error_kind == AUTHENTICATION else " (kept for this session)"
    summary = f"{check.label}: {check.outcome}{kept} · {check.latency_s:.1f} s"
    if check.ok:
        st.success(summary, icon=":material/check_circle:")
    elif check.error_kind in (AUTHENTICATION, INTERNAL):
        st.error(summary, icon=":material/error:")
    else:
        st.warning(summary, icon=":material/warning:")
    st.text(f"{check.error_kind or 'ok'}: {check.message}")


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
