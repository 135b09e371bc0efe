"""The provider tabs: each provider's three approach cards, generating them, and training them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed

import streamlit as st

from tabrl_app import session
from tabrl_app.editor import own_approaches
from tabrl_core import Approach, generate_approaches, get_status, start_batch
from tabrl_core.providers import ProviderConfigError, ProviderResult


def shown_approaches() -> dict[str, ProviderResult]:
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


def trainable(results: dict[str, ProviderResult]) -> list[Approach]:
    """The valid approaches among `results`."""
    return [a for r in results.values() for a in r.approaches if a.valid]


def _generate(robot: str, behavior: str, providers: list[dict], slots: dict) -> None:
    """Ask every configured provider at once; each tab's slot shows its own spinner and outcome."""
    labels = {p["id"]: p["label"] for p in providers if p["configured"]}
    boxes = {pid: slots[pid].status(f"Asking {label}…", state="running")
             for pid, label in labels.items()}
    results = {}
    with ThreadPoolExecutor(len(labels)) as pool:
        futures = {pool.submit(generate_approaches, robot, behavior, [pid],
                               secrets=session.app_secrets(), keys=session.session_keys()): pid
                   for pid in labels}
        for future in as_completed(futures):
            pid = futures[future]
            try:
                done = results[pid] = future.result()[pid]
            except ValueError as err:  # the behaviour was refused before any request
                done = results[pid] = ProviderResult(pid, error=str(err))
            # a status label renders Markdown (links, images): only our own words go there
            boxes[pid].update(label=f"{labels[pid]}: failed" if done.error
                              else f"{len(done.approaches)} approaches",
                              state="error" if done.error else "complete")
    st.session_state.generated = {"for": (robot, behavior), "results": results}
    st.rerun()


def _approach_card(approach: Approach) -> None:
    with st.container(border=True, height="stretch"):
        st.text(approach.name)  # names, descriptions and errors come from LLMs: plain text
        if approach.valid:
            st.badge("valid", icon=":material/check:", color="green")
        else:
            st.badge("rejected", icon=":material/close:", color="red")
            st.text(approach.error or "")
        st.text(approach.description)
        with st.expander("Reward code"):
            st.code(approach.code, language="python")


def approach_tabs(robot: str, behavior: str, steps: int, *, generate: bool) -> None:
    """One tab per provider with its three approach cards, a train button per tab and one for
    every valid approach; generates first when `generate`."""
    try:
        providers = session.providers()
    except ProviderConfigError as err:
        st.error(f"Provider settings: {err}")
        return
    results = shown_approaches()
    valid = trainable(results) + own_approaches(robot, behavior)
    if valid and not generate and st.button(
            "Train all", type="primary", icon=":material/play_arrow:",
            help=f"Train all {len(valid)} valid approaches of every provider together."):
        _train(robot, behavior, steps, valid)
    first = next((p for p in providers if p["id"] in results), None) or next(
        p for p in providers if p["configured"])
    slots = {}
    tabs = st.tabs([p["label"] for p in providers], default=first["label"])
    for provider, tab in zip(providers, tabs):
        with tab:
            slots[provider["id"]] = st.container()
            result = results.get(provider["id"])
            if not provider["configured"]:
                st.info(f"{provider['label']} is not configured: paste a key for this session "
                        "on Settings, or set its API key in the environment or "
                        ".streamlit/secrets.toml.")
            elif generate or result is None:
                continue
            elif result.error:
                st.error(f"{provider['label']} failed ({result.error_kind or 'error'}):")
                st.text(result.error)
            else:
                _provider_result(robot, behavior, steps, result)
    if generate:
        _generate(robot, behavior, providers, slots)


def _provider_result(robot: str, behavior: str, steps: int, result: ProviderResult) -> None:
    if result.note:
        st.text(result.note)
    for column, approach in zip(st.columns(3), result.approaches):
        with column:
            _approach_card(approach)
    valid = [a for a in result.approaches if a.valid]
    if st.button(f"Train all {len(valid)} approaches", key=f"train-{result.provider}",
                 icon=":material/play_arrow:", disabled=not valid):
        _train(robot, behavior, steps, valid)


def _train(robot: str, behavior: str, steps: int, approaches: list[Approach]) -> None:
    try:
        overrides = st.session_state.get("train_overrides") or {}
        batch = start_batch(robot, approaches, steps, session.backend(), behavior=behavior,
                            owner=session.session_owner(),
                            **({"train_config": overrides} if overrides else {}))
    except (ValueError, RuntimeError) as err:
        st.error("Training did not start:")
        st.text(str(err))  # may quote an approach's name
        return
    session.open_run(batch.id)
