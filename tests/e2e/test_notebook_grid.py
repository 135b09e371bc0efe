"""A notebook's grid in Debian Chromium: `tabrl.show` run in a real kernel, the notebook exported
to HTML with nbconvert, and the page opened from disk: the embedded videos play, in step."""

from __future__ import annotations

import nbformat
import pytest

import app_runs
from grid_checks import TIMES, play_pause_reset
from notebooks_support import execute, export_html

pytestmark = pytest.mark.e2e


def test_an_exported_notebook_plays_its_grid_with_play_pause_and_reset(tmp_path, monkeypatch,
                                                                       page, shoot):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path))
    run_id = app_runs.finished_run(("succeeded", "succeeded", "failed") * 2,
                                   providers=("anthropic", "builtin"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import tabrl_core as tabrl\ntabrl.show({run_id!r})")])
    execute(notebook, tmp_path, monkeypatch)
    page.goto(export_html(notebook, "notebook-grid").as_uri())
    page.locator("iframe.tabrl-grid").wait_for(timeout=30_000)
    grid = next(f for f in page.frames if f != page.main_frame)
    grid.wait_for_function("[...document.querySelectorAll('video')].every(v => v.readyState >= 2)",
                           timeout=30_000)
    assert len(grid.evaluate(TIMES)) == 4  # two succeeded per provider; failed cells say why
    assert grid.locator(".empty").all_inner_texts() == ["failed: reward was NaN at step 4,096"] * 2
    assert grid.locator(".row-head").all_inner_texts() == ["Claude", "Built-in"]
    frame_height = page.locator("iframe.tabrl-grid").bounding_box()["height"]
    assert frame_height >= grid.evaluate("document.documentElement.scrollHeight")  # no scrollbar
    play_pause_reset(grid, page, while_playing=lambda: shoot(
        "notebook-grid-playing", at=page.locator("iframe.tabrl-grid")))
