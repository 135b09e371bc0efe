"""What the pages share: the session's owner and backend, badges, and a run's progress, videos
and curves. Pages call these to lay out widgets; everything they show comes from tabrl_core."""

from __future__ import annotations

import contextvars

import secrets
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import pandas as pd
import streamlit as st

from tabrl_app.grid import GridCell, grid_html, grid_video_path
from tabrl_core import (Approach, cancel, estimate, generate_approaches, get_status, hosting,
                        list_models, list_runs, provider_statuses, retry, start_batch)
from tabrl_core.jobs import BACKENDS
from tabrl_core.media import grid_export
from tabrl_core.paths import data_dir
from tabrl_core.training import warmup
from tabrl_core.providers import ProviderConfigError, ProviderResult
from tabrl_core.robots import MenagerieDownloadError, fetch_menagerie_model, robot_ids

ACTIVE_STATES = ("queued", "running")
STATE_COLORS = {"queued": "gray", "running": "blue", "succeeded": "green", "failed": "red",
                "cancelled": "orange"}
PRESETS = {"Quick": 10_000, "Standard": 50_000, "Quality": 100_000}
EXAMPLES = (
    "Walk forward steadily",
    "Keep shaking your hips aloha dude!",
    "Trot in place without moving forward",
    "Spin around on the spot",
    "Stand up tall and stay still",
)


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


def state_badge(state: str) -> None:
    st.badge(state, color=STATE_COLORS.get(state, "gray"))


# -- Session: chrome, owner, backend, the open run ------------------------------------------

KEPT_KEYS = ("behavior", "steps", "backend")
BACKEND_LABELS = {"local": "Local worker (this machine)", "modal": "Modal (cloud GPU)"}


_ROUTED = contextvars.ContextVar("tabrl_routed", default=False)


@st.cache_resource
def _warm_training_cache() -> None:
    """Once per server: compile the training programs in the background (skipped when warm)."""
    warmup.start_background_warmup()


def run_app() -> None:
    """The router (app.py): page config, then the Train, Runs and Settings pages in one nav."""
    st.set_page_config(page_title="TabRL", page_icon=":material/smart_toy:", layout="wide")
    _warm_training_cache()
    token = _ROUTED.set(True)
    try:
        st.navigation([
            st.Page("pages/train.py", title="Train", icon=":material/model_training:",
                    default=True),
            st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
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


# -- Robot, behaviour, budget ---------------------------------------------------------------

@st.cache_data(ttl=60, show_spinner="Loading the robot gallery…")
def _models() -> list[dict]:
    return list_models()


def _select_robot(robot_id: str) -> None:
    st.session_state.robot = robot_id


def _robot_card(model: dict) -> None:
    selected = model["id"] == st.session_state.robot
    with st.container(border=True, height="stretch"):
        if model["thumbnail"]:
            st.image(model["thumbnail"], width="stretch")
        st.markdown(f"**{model['name']}**")
        st.caption(f"{model['category']} · {model['dof']} DOF")
        if model["has_base_policy"]:
            st.badge("pre-trained", icon=":material/verified:", color="green")
        st.button("Selected" if selected else "Select", key=f"robot-{model['id']}",
                  type="primary" if selected else "secondary", width="stretch",
                  disabled=not model["trainable"], help="; ".join(model["problems"]) or None,
                  on_click=_select_robot, args=(model["id"],))


def robot_gallery() -> str:
    """Cards for the robots that are here (as many to a row as fit the width) and, folded, MuJoCo
    Menagerie's; returns the selected robot's id (the default robot at first)."""
    models = _models()
    st.session_state.setdefault("robot", next(m["id"] for m in models if m["default"]))
    with st.grid(min_column_width=150, gap="small"):
        for model in models:
            if model["trainable"] is not None:
                _robot_card(model)
    _menagerie_picker([m for m in models if m["trainable"] is None])
    return st.session_state.robot


def _menagerie_picker(models: list[dict]) -> None:
    """Menagerie robots that are not downloaded yet: pick one, download it, then it has a card."""
    if not models:
        return
    with st.expander(f"{len(models)} more robots from MuJoCo Menagerie (downloaded on first use)"):
        names = {m["id"]: f"{m['name']} · {m['category']}" for m in models}
        chosen = st.selectbox("Robot", list(names), format_func=names.get)
        st.caption(next(m["description"] for m in models if m["id"] == chosen))
        if st.button("Download", icon=":material/download:"):
            try:
                with st.spinner(f"Downloading {names[chosen]}…"):
                    fetch_menagerie_model(chosen)
            except MenagerieDownloadError as err:
                st.error(str(err))
                return
            _models.clear()
            _select_robot(chosen)
            st.rerun()


def _use_example() -> None:
    if st.session_state.example:
        st.session_state.behavior = st.session_state.example


def behavior_input() -> str:
    """The behaviour text area with example prompts to pick from."""
    st.pills("Examples", EXAMPLES, key="example", on_change=_use_example)
    return st.text_area("Describe the behaviour", key="behavior", height=90,
                        placeholder="e.g. Walk forward steadily") or ""


def _use_preset() -> None:
    if st.session_state.preset:
        st.session_state.steps = PRESETS[st.session_state.preset]


def _match_preset() -> None:
    """Highlight the preset the slider is on, if any."""
    st.session_state.preset = next((p for p, n in PRESETS.items()
                                    if n == st.session_state.steps), None)


def steps_input(robot: str) -> int:
    """The training-steps slider with its presets, each labelled with its time estimate."""
    trains_on = backend()
    n = len(_trainable(_shown_approaches())) or 3
    top = hosting.hosted_limits().max_steps if hosting.is_hosted() else PRESETS["Quality"]
    presets = [p for p in PRESETS if PRESETS[p] <= top]

    def label(preset: str) -> str:
        seconds = estimate(robot, PRESETS[preset], trains_on, n)
        return f"{preset} · {PRESETS[preset] // 1000}K · ~{duration(seconds)}"

    st.session_state.setdefault("steps", PRESETS["Quick"])
    _match_preset()
    st.segmented_control("Budget", presets, key="preset", format_func=label,
                         on_change=_use_preset)
    steps = st.select_slider("Training steps per approach",
                             range(PRESETS["Quick"], top + 1, 5_000), key="steps",
                             format_func="{:,}".format)
    seconds = estimate(robot, steps, trains_on, n)
    st.caption(f"About {duration(seconds)} for {n} approaches on the {trains_on} backend, "
               "from measured throughput.")
    return steps


# -- Approaches -----------------------------------------------------------------------------

def _shown_approaches() -> dict[str, ProviderResult]:
    """What the provider tabs show: this session's generated results for the current robot and
    behaviour, else the approaches of the run in the URL."""
    generated = st.session_state.get("generated")
    if generated and generated["for"] == (st.session_state.get("robot"),
                                          st.session_state.get("behavior")):
        return generated["results"]
    run_id = st.session_state.get("open_run")
    if not run_id:
        return {}
    results: dict[str, ProviderResult] = {}
    for a in get_status(run_id)["approaches"]:
        results.setdefault(a["provider"], ProviderResult(a["provider"])).approaches.append(
            Approach(a["provider"], a["name"], a["description"], a["code"], a["valid"],
                     a["validation_error"], tuple(a["components"])))
    return results


def _trainable(results: dict[str, ProviderResult]) -> list[Approach]:
    return [a for r in results.values() for a in r.approaches if a.valid]


def _generate(robot: str, behavior: str, providers: list[dict], slots: dict) -> None:
    """Ask every configured provider at once; each tab's slot shows its own spinner and outcome."""
    labels = {p["id"]: p["label"] for p in providers if p["configured"]}
    boxes = {pid: slots[pid].status(f"Asking {label}…", state="running")
             for pid, label in labels.items()}
    results = {}
    with ThreadPoolExecutor(len(labels)) as pool:
        futures = {pool.submit(generate_approaches, robot, behavior, [pid],
                               secrets=_secrets()): pid for pid in labels}
        for future in as_completed(futures):
            pid = futures[future]
            try:
                done = results[pid] = future.result()[pid]
            except ValueError as err:  # the behaviour was refused before any request
                done = results[pid] = ProviderResult(pid, error=str(err))
            boxes[pid].update(label=done.error or f"{len(done.approaches)} approaches",
                              state="error" if done.error else "complete")
    st.session_state.generated = {"for": (robot, behavior), "results": results}
    st.rerun()


def _secrets():
    """st.secrets when the app has a secrets file, else None (keys then come from the env)."""
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return None


def provider_labels() -> dict[str, str]:
    """Provider id -> display name ('builtin' -> 'Built-in'); {} when the settings are broken."""
    try:
        return {p["id"]: p["label"] for p in provider_statuses(_secrets())}
    except ProviderConfigError:
        return {}


def _approach_card(approach: Approach) -> None:
    with st.container(border=True, height="stretch"):
        st.markdown(f"**{approach.name}**")
        if approach.valid:
            st.badge("valid", icon=":material/check:", color="green")
        else:
            st.badge("rejected", icon=":material/close:", color="red")
            st.caption(approach.error or "")
        st.text(approach.description)
        with st.expander("Reward code"):
            st.code(approach.code, language="python")


def approach_tabs(robot: str, behavior: str, steps: int, *, generate: bool) -> None:
    """One tab per provider with its three approach cards, a train button per tab and one for
    every valid approach; generates first when `generate`."""
    try:
        providers = provider_statuses(_secrets())
    except ProviderConfigError as err:
        st.error(f"Provider settings: {err}")
        return
    results = _shown_approaches()
    trainable = _trainable(results)
    if trainable and not generate and st.button(
            "Train all", type="primary", icon=":material/play_arrow:",
            help=f"Train all {len(trainable)} valid approaches of every provider together."):
        _train(robot, behavior, steps, trainable)
    first = next((p for p in providers if p["id"] in results), None) or next(
        p for p in providers if p["configured"])
    slots = {}
    tabs = st.tabs([p["label"] for p in providers], default=first["label"])
    for provider, tab in zip(providers, tabs):
        with tab:
            slots[provider["id"]] = st.container()
            result = results.get(provider["id"])
            if not provider["configured"]:
                st.info(f"{provider['label']} is not configured: set its API key in the "
                        "environment or .streamlit/secrets.toml (see Settings).")
            elif generate or result is None:
                continue
            elif result.error:
                st.error(f"{provider['label']}: {result.error}")
            else:
                _provider_result(robot, behavior, steps, result)
    if generate:
        _generate(robot, behavior, providers, slots)


def _provider_result(robot: str, behavior: str, steps: int, result: ProviderResult) -> None:
    if result.note:
        st.caption(result.note)
    for column, approach in zip(st.columns(3), result.approaches):
        with column:
            _approach_card(approach)
    valid = [a for a in result.approaches if a.valid]
    if st.button(f"Train all {len(valid)} approaches", key=f"train-{result.provider}",
                 icon=":material/play_arrow:", disabled=not valid):
        _train(robot, behavior, steps, valid)


def _train(robot: str, behavior: str, steps: int, approaches: list[Approach]) -> None:
    owner = session_owner()
    try:
        batch = start_batch(robot, approaches, steps, backend(), behavior=behavior, owner=owner)
    except (ValueError, RuntimeError) as err:
        st.error(f"Training did not start: {err}")
        return
    open_run(batch.id)


# -- A run: progress, videos, curves --------------------------------------------------------

def run_view(run_id: str, *, key: str = "") -> None:
    """A run's job progress (polled while it trains), its video grid and its training curves."""
    status = get_status(run_id)
    states = tuple(j["state"] for j in status["jobs"])
    run = status["run"]
    st.caption(f"Run `{run_id}` · {run['robot']} · “{run['behavior']}” · "
               f"{run['steps']:,} steps · {run['backend']} · started {_date(run['created'])}")
    _videos(status, key)
    if any(s in ACTIVE_STATES for s in states):
        _live_progress(run_id, states, key)
    else:
        _progress(run_id, states, key)


def _date(timestamp: float) -> str:
    return pd.Timestamp(timestamp, unit="s", tz="UTC").tz_convert(None).strftime("%Y-%m-%d %H:%M")


@st.fragment(run_every=2)
def _live_progress(run_id: str, states: tuple[str, ...], key: str) -> None:
    _progress(run_id, states, key)


def _progress(run_id: str, states: tuple[str, ...], key: str) -> None:
    """Every job's progress row and curve; redraws the whole page when a job changes state."""
    status = get_status(run_id)
    if tuple(j["state"] for j in status["jobs"]) != states:
        st.rerun()
    if status["counts"]["queued"] + status["counts"]["running"]:
        left = f" · about {duration(status['eta_s'])} left" if status["eta_s"] else ""
        st.progress(status["progress"], text=f"Training · {status['progress']:.0%}{left}")
        if st.button("Cancel run", key=f"cancel-{key}{run_id}", icon=":material/stop:"):
            cancel(run_id)
            st.rerun()
    labels = provider_labels()
    for job in status["jobs"]:
        _job_row(job, labels.get(job["provider"], job["provider"]), key)
    _curves(status["jobs"], labels)


def _job_row(job: dict, provider: str, key: str) -> None:
    with st.container(border=True):
        name, bar, actions = st.columns([3, 6, 2], vertical_alignment="center")
        name.markdown(f"**{job['name']}**")
        name.caption(provider)
        with bar:
            eta = f" · ETA {duration(job['eta_s'])}" if job["state"] == "running" else ""
            st.progress(job["progress"],
                        text=f"{job['steps_done']:,} / {job['total_steps']:,} steps{eta}")
        with actions:
            state_badge(job["state"])
            if job["state"] in ACTIVE_STATES:
                if st.button("Cancel", key=f"cancel-{key}{job['id']}"):
                    cancel(job["id"])
                    st.rerun()
            elif job["state"] in ("failed", "cancelled"):
                if st.button("Retry", key=f"retry-{key}{job['id']}", type="primary"):
                    _retry(job["id"])
        if job["state"] == "failed":
            st.error(job["error"] or "failed without a reason")
        for problem in job["artifact_problems"]:
            st.warning(f"Artifact {problem}")


def _retry(job_id: str) -> None:
    try:
        retry(job_id)
    except (ValueError, RuntimeError) as err:
        st.error(f"Retry failed: {err}")
        return
    st.rerun()


def _curves(jobs: list[dict], labels: dict[str, str]) -> None:
    """Mean return and each reward component against steps, one chart per job."""
    with_curves = [j for j in jobs if j["curve"]]
    if not with_curves:
        return
    with st.expander("Training curves", expanded=True):
        for column, job in zip(st.columns(min(3, len(with_curves))) * len(with_curves),
                               with_curves):
            with column:
                st.caption(f"{labels.get(job['provider'], job['provider'])} · {job['name']}")
                frame = pd.DataFrame([{"step": p["step"], "mean return": p["mean_return"],
                                       **p["components"]} for p in job["curve"]])
                st.line_chart(frame.set_index("step"), height=220)


def _videos(status: dict, key: str) -> None:
    """The synchronized grid (rows are providers, columns approaches; a note where no video is)
    and, on request, the grid as one MP4."""
    jobs = status["jobs"]
    if not any("video" in j["artifacts"] for j in jobs):
        return
    labels = provider_labels()
    columns: dict[str, int] = {}
    cells = []
    for job in jobs:
        column = columns[job["provider"]] = columns.get(job["provider"], -1) + 1
        media = {k: Path(v) for k, v in job["artifacts"].items() if Path(v).is_file()}
        note = "" if "video" in media else f"{job['state']}: {job['error'] or 'no video yet'}"
        cells.append(GridCell(labels.get(job["provider"], job["provider"]), job["name"], column,
                              media.get("video"), media.get("gif"), media.get("thumbnail"),
                              _caption(job), note))
    clips = [c for c in cells if c.video]
    grid_mp4 = grid_video_path(status["run"]["id"], [c.video for c in clips])
    if not grid_mp4.is_file() and st.button("Make the grid MP4", key=f"grid-{key}",
                                             icon=":material/grid_view:"):
        try:
            with st.spinner("Tiling the videos into one MP4…"):
                grid_export([c.video for c in clips],
                            [f"{c.provider} · {c.approach}" for c in clips], grid_mp4,
                            columns=max(columns.values()) + 1)
        except (RuntimeError, OSError, ValueError) as err:
            st.error(f"The grid MP4 could not be made: {err}")
    st.iframe(grid_html(cells, grid_mp4 if grid_mp4.is_file() else None), height="content")


def _caption(job: dict) -> str:
    """The clip's return, how far the base moved (start to end) and the time it stood upright."""
    stats = job["stats"]
    if "episode_return" not in stats:
        return ""
    return (f"return {stats['episode_return']:.1f} · moved {stats['displacement']:.2f} m · "
            f"upright {stats['upright_fraction']:.0%}")


# -- Runs -----------------------------------------------------------------------------------

def runs_frame(owner: str) -> pd.DataFrame:
    """Every run of `owner` as a table: robot, behaviour, providers, steps, states, and the best
    final mean return among its succeeded jobs."""
    labels = provider_labels()
    rows = []
    for run in list_runs(owner):
        status = get_status(run["id"])
        returns = [j["mean_return"] for j in status["jobs"]
                   if j["state"] == "succeeded" and j["mean_return"] is not None]
        rows.append({
            "run": run["id"], "robot": run["robot"], "behaviour": run["behavior"],
            "providers": ", ".join(dict.fromkeys(labels.get(a["provider"], a["provider"])
                                                 for a in status["approaches"])),
            "steps": run["steps"], "backend": run["backend"],
            "states": " · ".join(f"{n} {s}" for s, n in status["counts"].items() if n),
            "best return": max(returns) if returns else None, "date": _date(run["created"])})
    return pd.DataFrame(rows, columns=["run", "robot", "behaviour", "providers", "steps",
                                       "backend", "states", "best return", "date"])


def filter_runs(runs: pd.DataFrame, text: str, robots: list[str]) -> pd.DataFrame:
    """The runs whose row mentions `text` (any case) and whose robot is one of `robots` (if any)."""
    mentions = runs.apply(lambda row: text.lower() in " ".join(map(str, row)).lower(), axis=1)
    return runs[mentions & (runs["robot"].isin(robots) if robots else True)]


# -- Settings -------------------------------------------------------------------------------

def provider_table() -> None:
    """Each provider: configured or not, model id, base URL; never a key."""
    try:
        providers = provider_statuses(_secrets())
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
            st.success(hosting.check_backend(backend()))
        except (RuntimeError, OSError) as err:
            st.error(str(err))


def data_settings() -> None:
    st.write("Runs, checkpoints and videos live under the data directory (env `TABRL_HOME`):")
    st.code(str(data_dir()), language=None)


def estimate_table() -> None:
    """Estimated wall time per preset and backend, from the throughput finished batches measured."""
    robot = st.session_state.get("robot") or robot_ids()[0]
    rows = [{"backend": name, "approaches": n,
             **{f"{p} ({PRESETS[p] // 1000}K)": duration(estimate(robot, PRESETS[p],
                                                                             name, n))
                for p in PRESETS}}
            for name in BACKENDS for n in (3, 9)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(f"For {robot}: the median of the last finished batches on each backend; before "
               "any, one measurement on a 2-core CPU (local) or an assumption (Modal).")
