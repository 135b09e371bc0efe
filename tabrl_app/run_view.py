"""A run: its jobs' progress (polled while it trains), the judge's scoreboard, the video grid
with each approach's verdict, the judge program, and the training curves."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tabrl_app import judge_view
from tabrl_app.display import date, state_badge
from tabrl_app.grid import grid_html, grid_video_path
from tabrl_app.refine_view import refine_panel, shown_jobs
from tabrl_app.session import provider_labels
from tabrl_core import cancel, get_status, retry
from tabrl_core.jobs.view import (ACTIVE_STATES, awaiting_verdicts, duration, grid_cells,
                                  started_from)
from tabrl_core.media import grid_export


def run_view(run_id: str, *, key: str = "") -> None:
    """A run's job progress (polled while it trains and until its verdicts arrive), its video
    grid and its training curves."""
    status = get_status(run_id)
    seen = _watched(status)
    run = status["run"]
    st.caption(f"Run `{run_id}` · {run['robot']} · “{run['behavior']}” · "
               f"{run['steps']:,} steps · {run['backend']} · started {date(run['created'])}")
    _videos(status, key)
    refine_panel(status, key)
    if seen[0]:
        _live_progress(run_id, seen, key)
    else:
        _progress(run_id, seen, key)


def _watched(status: dict) -> tuple:
    """What redraws the whole page when it changes: whether the run still changes (training,
    or judged any moment now), and each job's state and whether it has a verdict."""
    live = any(j["state"] in ACTIVE_STATES for j in status["jobs"]) or awaiting_verdicts(status)
    return live, tuple((j["state"], j.get("judge") is not None) for j in status["jobs"])


@st.fragment(run_every=2)
def _live_progress(run_id: str, seen: tuple, key: str) -> None:
    _progress(run_id, seen, key)


def _progress(run_id: str, seen: tuple, key: str) -> None:
    """Every job's progress row and curve; redraws the whole page when a job changes state or
    gets its verdict."""
    status = get_status(run_id)
    if _watched(status) != seen:
        st.rerun()
    if status["counts"]["queued"] + status["counts"]["running"]:
        left = f" · about {duration(status['eta_s'])} left" if status["eta_s"] else ""
        st.progress(status["progress"], text=f"Training · {status['progress']:.0%}{left}")
        if st.button("Cancel run", key=f"cancel-{key}{run_id}", icon=":material/stop:"):
            cancel(run_id)
            st.rerun()
    elif seen[0]:
        st.caption("Judging the videos…")
    labels = provider_labels()
    for job in status["jobs"]:
        _job_row(job, labels.get(job["provider"], job["provider"]), key)
    _curves(status["jobs"], labels)


def _job_row(job: dict, provider: str, key: str) -> None:
    with st.container(border=True):
        name, bar, actions = st.columns([3, 6, 2], vertical_alignment="center")
        name.text(job["name"])  # written by an LLM: plain text
        name.caption(provider)
        with bar:
            eta = f" · ETA {duration(job['eta_s'])}" if job["state"] == "running" else ""
            st.progress(job["progress"],
                        text=f"{job['steps_done']:,} / {job['total_steps']:,} steps{eta}")
            if job["state"] in ACTIVE_STATES and (start := started_from(job)):
                st.caption(start)  # our own words for a command (skills.describe_command)
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
            st.error("Failed:")
            st.text(job["error"] or "without a reason")
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
                st.text(f"{labels.get(job['provider'], job['provider'])} · {job['name']}")
                frame = pd.DataFrame([{"step": p["step"], "mean return": p["mean_return"],
                                       **p["components"]} for p in job["curve"]])
                st.line_chart(frame.set_index("step"), height=220)


def _videos(status: dict, key: str) -> None:
    """The scoreboard, then the synchronized grid (rows are providers, columns approaches, each
    cell with its verdict and the best one marked; a note where no video is), the judge program
    and, on request, the grid as one MP4."""
    jobs = shown_jobs(status, key)
    if not any("video" in j["artifacts"] for j in jobs):
        return
    labels = provider_labels()
    judge_view.scoreboard(status, labels)
    cells = grid_cells(jobs, labels)
    clips = [c for c in cells if c.video]
    grid_mp4 = grid_video_path(status["run"]["id"], [c.video for c in clips])
    if not grid_mp4.is_file() and st.button("Make the grid MP4", key=f"grid-{key}",
                                             icon=":material/grid_view:"):
        try:
            with st.spinner("Tiling the videos into one MP4…"):
                grid_export([c.video for c in clips],
                            [f"{c.provider} · {c.approach}" for c in clips], grid_mp4,
                            columns=max(c.column for c in cells) + 1)
        except (RuntimeError, OSError, ValueError) as err:
            st.error(f"The grid MP4 could not be made: {err}")
    st.iframe(grid_html(cells, grid_mp4 if grid_mp4.is_file() else None), height="content")
    judge_view.judge_program(status, labels, key)
