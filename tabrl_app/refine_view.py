"""Refinement on a run's page: the version switch of each cell (v1, v2, ...), Refine with a
comment, Auto-refine, and the lineage view (the versions side by side, the diffs, the reasons).
Text written by a provider or a user (names, comments, reasons) is shown as plain text."""

from __future__ import annotations

import streamlit as st

from tabrl_app.grid import grid_html
from tabrl_app.session import app_secrets, open_run, provider_labels, session_keys
from tabrl_core import RefineError, get_status, lineage, refine
from tabrl_core.jobs.view import grid_cells
from tabrl_core.refining import INITS, refinements_of
from tabrl_core.refining.background import auto_refine_task, start_auto_refine

INIT_LABELS = {"parent": "Fine-tune this policy", "base": "The robot's base policy",
               "scratch": "From scratch"}


def _chains(status: dict) -> dict[str, list[str]]:
    return refinements_of(status["id"]) if status["kind"] == "run" else {}


def shown_jobs(status: dict, key: str = "") -> list[dict]:
    """The run's jobs as the grid shows them: each cell at the version its switch picks (the
    newest by default); the switches are drawn here, one per refined cell."""
    chains = _chains(status)
    if not any(chains.values()):
        return status["jobs"]
    shown = []
    with st.container(border=True):
        st.caption("Versions: each refined approach can flip between its versions")
        for job in status["jobs"]:
            chain = chains.get(job["id"], [])
            if not chain:
                shown.append(job)
                continue
            first = job["round"] + 1
            options = [f"v{first + i}" for i in range(len(chain) + 1)]
            label, switch = st.columns([2, 3], vertical_alignment="center")
            label.text(job["name"])
            with switch:
                picked = st.segmented_control("Version", options, default=options[-1],
                                              key=f"version-{key}{job['id']}",
                                              label_visibility="collapsed")
            index = options.index(picked) if picked in options else len(options) - 1
            shown.append(job if index == 0 else get_status(chain[index - 1])["jobs"][0])
    return shown


def refine_panel(status: dict, key: str = "") -> None:
    """Refine for each trained cell, Auto-refine for the run, and the lineage of every cell
    that has versions."""
    trained = [j for j in status["jobs"] if j["state"] == "succeeded"]
    if not trained:
        return
    st.markdown("**Refine**")
    for column, job in zip(st.columns(min(3, len(trained))) * len(trained), trained):
        with column, st.popover(f"Refine {_cell(job)}", icon=":material/tune:"):
            _refine_form(job, key)
    if status["kind"] == "run":
        _auto_refine(status["id"], key)
        jobs = {j["id"]: j for j in status["jobs"]}
        for root, chain in _chains(status).items():
            if chain:
                with st.expander(f"Lineage of {_cell(jobs[root])}",
                                 icon=":material/account_tree:"):
                    lineage_view(chain[-1], key=f"{key}{root}")


def _cell(job: dict) -> str:
    """A cell's label from our own words only (its provider and place), never its name."""
    return f"{provider_labels().get(job['provider'], job['provider'])} #{job['position'] + 1}"


def _refine_form(job: dict, key: str) -> None:
    st.text(job["name"])
    comment = st.text_area("What should change? (optional)", key=f"comment-{key}{job['id']}",
                           placeholder="good jump, but land softer", max_chars=1_000)
    init = st.selectbox("Start from", INITS, format_func=INIT_LABELS.get,
                        key=f"init-{key}{job['id']}")
    if st.button("Refine", key=f"refine-{key}{job['id']}", type="primary",
                 icon=":material/tune:"):
        try:
            with st.spinner("Revising the reward…"):
                started = refine(job["id"], comment.strip() or None, init=init,
                                 secrets=app_secrets(), keys=session_keys())
        except (RefineError, KeyError) as err:
            st.error("Cannot refine")
            st.text(str(err))
            return
        st.session_state[f"refined-{job['id']}"] = started.to_dict()
        st.rerun()
    if done := st.session_state.get(f"refined-{job['id']}"):
        st.success(f"v{done['round'] + 1} is training")
        st.text(done["change_reason"])
        if st.button("Open its run", key=f"open-{key}{job['id']}"):
            open_run(done["run_id"])


def _auto_refine(run_id: str, key: str) -> None:
    task = auto_refine_task(run_id)
    if st.button("Auto-refine", key=f"auto-{key}{run_id}", icon=":material/autorenew:",
                 disabled=bool(task and task.running),
                 help="Refine every approach that failed its judge, round after round (at most "
                      "3), until it passes; each round trains as one run."):
        start_auto_refine(run_id, secrets=app_secrets(), keys=session_keys())
        st.rerun()
    if task is not None:
        _auto_refine_progress(run_id)


@st.fragment(run_every=2)
def _auto_refine_progress(run_id: str) -> None:
    task = auto_refine_task(run_id)
    if task.running:
        st.info("Auto-refine is running")
    elif task.error:
        st.error("Auto-refine stopped")
    else:
        st.success("Auto-refine finished")
    for line in task.lines[-4:]:
        st.text(line)
    if task.error:
        st.text(task.error)


def lineage_view(job_id: str, *, key: str = "") -> None:
    """The chain of versions through `job_id`: their videos side by side in the synchronised
    grid, then each refinement's comment, reason and code diff."""
    versions = lineage(job_id)
    labels = provider_labels()
    jobs = []
    for v in versions:
        job = get_status(v["job_id"])["jobs"][0]
        jobs.append({**job, "provider": "Versions", "name": f"v{v['version']} · {job['name']}"})
    if any("video" in j["artifacts"] for j in jobs):
        st.iframe(grid_html(grid_cells(jobs, labels)), height="content")
    for v in versions[1:]:
        st.markdown(f"**v{v['version']}** · {labels.get(v['provider'], v['provider'])}")
        if v["comment"]:
            st.text(f"Comment: {v['comment']}")
        st.text(f"What changed: {v['change_reason']}")
        before, after = v["judge_before"], v["judge_after"]
        if before or after:
            st.text(f"Judge: {_score(before)} before, {_score(after)} after")
        st.code(v["diff"], language="diff")


def _score(verdict: dict | None) -> str:
    if not verdict or verdict.get("score") is None:
        return "not judged"
    return f"{verdict['score']:.2f} {'passed' if verdict.get('passed') else 'failed'}"
