"""The version switch of a refined cell in Debian Chromium: flipping v2 -> v1 -> v2 changes the
video that cell of the synchronised grid plays (real H.264 clips seeded in the store)."""

from __future__ import annotations

import pytest

import app_runs
from tabrl_core.jobs import get_status
from tabrl_core.providers.builtin import design
from tabrl_core.refining import refine

pytestmark = pytest.mark.e2e

SOURCES = ("[...document.querySelectorAll('video')].map(v => v.currentSrc || v.src || "
           "(v.querySelector('source') || {}).src || '')")


def _grid_sources(page) -> list[str]:
    """The grid's video URLs, once its frame is up and has videos."""
    page.frame_locator("iframe").first.get_by_role("button", name="Play all").wait_for(
        timeout=90_000)
    frame = next(f for f in page.frames if f != page.main_frame and f.query_selector("#play"))
    frame.wait_for_function("document.querySelectorAll('video').length > 0", timeout=30_000)
    return frame.evaluate(SOURCES)


def _wait_first_source(page, differs_from: str) -> str:
    for _ in range(120):
        try:
            sources = _grid_sources(page)
        except Exception:  # noqa: BLE001 -- the frame is being replaced by the rerun
            sources = []
        if sources and sources[0] != differs_from:
            return sources[0]
        page.wait_for_timeout(500)
    pytest.fail("the grid's first cell never changed its video")


def test_the_version_switch_flips_the_cells_video(app, tabrl_home, page, shoot, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tabrl_home))
    monkeypatch.setattr(app_runs, "approaches", lambda provider="builtin", n=3:
                        design("go1", "walk forward").approaches[:n])
    run_id = app_runs.finished_run(behavior="walk forward")
    parent = get_status(run_id)["jobs"][0]
    child = refine(parent["id"], "walk backwards", init="base", start_worker=False)
    app_runs.finish_queued_group(shift=5)

    page.goto(f"{app.url}/?run={run_id}")
    v2 = _grid_sources(page)[0]
    page.get_by_role("radio", name="v1", exact=True).click()
    v1 = _wait_first_source(page, v2)
    assert v1 != v2
    shoot("refine-version-v1")
    page.get_by_role("radio", name="v2", exact=True).click()
    assert _wait_first_source(page, v1) == v2
    assert get_status(child.job_id)["jobs"][0]["state"] == "succeeded"
