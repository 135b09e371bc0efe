"""What every page shares: the router, the page chrome, the session's owner and backend, the
run it has open, and where provider settings and keys come from."""

from __future__ import annotations

import contextvars
import secrets

import streamlit as st

from tabrl_core import get_status, hosting, provider_statuses
from tabrl_core.providers import ProviderConfigError
from tabrl_core.providers.own import YOU
from tabrl_core.training import warmup

KEPT_KEYS = ("behavior", "steps", "backend")
_ROUTED = contextvars.ContextVar("tabrl_routed", default=False)


@st.cache_resource
def _warm_training_cache() -> None:
    """Once per server: compile the training programs in the background (skipped when warm)."""
    warmup.start_background_warmup()


def run_app() -> None:
    """The router (app.py): page config, then the Train, Runs, Benchmarks and Settings pages in
    one nav."""
    st.set_page_config(page_title="TabRL", page_icon=":material/smart_toy:", layout="wide")
    _warm_training_cache()
    token = _ROUTED.set(True)
    try:
        st.navigation([
            st.Page("pages/train.py", title="Train", icon=":material/model_training:",
                    default=True),
            st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
            st.Page("pages/benchmarks.py", title="Benchmarks", icon=":material/leaderboard:"),
            st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        ], position="top").run()
    finally:
        _ROUTED.reset(token)


def chrome() -> None:
    """What every page starts with: keep the Train form and the backend choice across page
    switches (Streamlit drops the state of widgets a page does not draw), and the session's owner
    in the URL when hosted.

    A page opened from its URL as a fresh server's first request runs straight from pages/
    (Streamlit's legacy multipage mode) instead of through app.py: then run the router, which
    shows this page inside the app's navigation, and stop the direct run."""
    if not _ROUTED.get():
        run_app()
        st.stop()
    for key in KEPT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    session_owner()


def session_owner() -> str:
    """Who this session's runs belong to: 'local', or when hosted a token for this browser
    session, kept in the URL (`?session=`) so that a refresh keeps the session's runs."""
    if not hosting.is_hosted():
        return hosting.LOCAL_OWNER
    token = st.session_state.get("owner") or st.query_params.get("session", "")
    if not (16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(24)
    st.session_state.owner = st.query_params["session"] = token
    return token


def backend() -> str:
    """The backend this session trains on: chosen on Settings (locally), else the default."""
    if hosting.is_hosted():
        return hosting.default_backend()
    return st.session_state.get("backend") or hosting.default_backend()


def open_run_id() -> str | None:
    """The run the Train page shows: `?run=` (after a refresh, or from a link), else the one this
    session opened last. A run opened anew fills the form with its robot, behaviour and budget."""
    run_id = st.query_params.get("run") or st.session_state.get("open_run")
    if not run_id:
        return None
    try:
        status = get_status(run_id)
    except KeyError:
        status = None
    if status is None or status["kind"] != "run" or status["run"]["owner"] != session_owner():
        st.error(f"There is no run `{run_id}` for this session. Start a new one below.")
        close_run()
        return None
    if st.session_state.get("open_run") != run_id:
        run = status["run"]
        st.session_state.update(robot=run["robot"], behavior=run["behavior"],
                                steps=run["steps"], open_run=run_id)
    st.query_params["run"] = run_id
    return run_id


def open_run(run_id: str) -> None:
    """Show `run_id` (its id goes in the URL, so a refresh reopens it)."""
    st.session_state.open_run = st.query_params["run"] = run_id
    st.rerun()


def close_run() -> None:
    """Show no run: back to a blank form's results."""
    st.session_state.pop("open_run", None)
    st.query_params.pop("run", None)


def app_secrets() -> dict | None:
    """st.secrets when the app has a secrets file, else None (keys then come from the env)."""
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return None


def session_keys() -> dict[str, str]:
    """Provider id -> the API key pasted on Settings for this browser session. They live only in
    this session's memory (never on disk, in the URL or in a log) and go to the library as an
    argument, never through os.environ."""
    return dict(st.session_state.get("provider_keys", {}))


def keep_session_key(provider: str, key: str) -> None:
    """Use `key` for `provider` in this session from now on."""
    st.session_state.provider_keys = {**session_keys(), provider: key}


def forget_session_key(provider: str) -> None:
    """Stop using this session's pasted key for `provider`."""
    st.session_state.provider_keys = {p: k for p, k in session_keys().items() if p != provider}


def providers() -> list[dict]:
    """Every provider's status with this session's keys (ProviderConfigError when the settings
    are broken); never a key."""
    return provider_statuses(app_secrets(), session_keys())


def provider_labels() -> dict[str, str]:
    """Provider id -> display name ('builtin' -> 'Built-in', 'you' -> 'You'); only 'you' when
    the settings are broken."""
    try:
        return {p["id"]: p["label"] for p in providers()} | {YOU: "You"}
    except ProviderConfigError:
        return {YOU: "You"}
