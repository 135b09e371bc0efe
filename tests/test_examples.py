"""The example notebooks, executed end to end in a real kernel with a fresh data dir: offline,
the built-in designer, 10,000 steps per approach."""

from __future__ import annotations

import html
import re

import nbformat
import pytest
from playwright.sync_api import sync_playwright

from browser_support import ARTIFACTS, launch
from notebooks_support import ROOT, execute, export_html, outputs

pytestmark = pytest.mark.slow
EXAMPLES = ROOT / "examples"


def _run(name: str, home, monkeypatch) -> nbformat.NotebookNode:
    notebook = execute(nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4), home,
                       monkeypatch, cwd=EXAMPLES)
    nbformat.write(notebook, ARTIFACTS / f"{name}.ipynb")
    return notebook


def _play_exported_grid(notebook, name: str) -> list[float]:
    """Open the notebook exported to HTML in Chromium; once the first grid's videos can play,
    screenshot its cell (test-artifacts/<name>-grid.png) and return the videos' times."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(export_html(notebook, name).as_uri())
        cell = page.locator(".jp-Cell", has=page.locator("iframe.tabrl-grid")).first
        cell.scroll_into_view_if_needed()
        grid = next(f for f in page.frames if f != page.main_frame)
        grid.wait_for_function("[...document.querySelectorAll('video')]"
                               ".every(v => v.readyState >= 2 && v.currentTime > 1)",
                               timeout=60_000)  # they started playing by themselves
        cell.screenshot(path=ARTIFACTS / f"{name}-grid.png")
        times = grid.evaluate("[...document.querySelectorAll('video')].map(v => v.currentTime)")
        browser.close()
    return times


def _cell(notebook, source_start: str, *, exact: bool = False):
    return next(c for c in notebook.cells if c.cell_type == "code"
                and (c.source == source_start if exact else c.source.startswith(source_start)))


def _videos(page: str) -> int:
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    return srcdoc.count('"video": "data:video/mp4;base64,')


def test_compare_reward_designs(tmp_path, monkeypatch):
    notebook = _run("compare_reward_designs", tmp_path, monkeypatch)
    assert "'succeeded': 3" in outputs(_cell(notebook, "run = tabrl.start_batch"),
                                       "text/plain")[-1]
    table = outputs(_cell(notebook, "results = tabrl.results"))[0]
    assert table.count("succeeded") == 3 and "judge_score" in table
    checks = outputs(_cell(notebook, "checks = "))[0]
    assert checks.count("<tr>") >= 4  # a header and a row per approach
    assert "def judge(t):" in _cell(notebook, "print(tabrl.get_status").outputs[0]["text"]
    curves = outputs(_cell(notebook, "curves = tabrl.curves"))[0]
    assert curves.count("<tr>") > 3  # a row per reported step
    assert _videos(outputs(_cell(notebook, "tabrl.show"))[0]) == 3
    run_view = outputs(_cell(notebook, "run", exact=True))[0]
    assert _videos(run_view) == 3 and "Mean return" in run_view
    times = _play_exported_grid(notebook, "compare_reward_designs")
    assert len(times) == 3 and max(times) - min(times) < 0.1


def test_reopen_a_run(tmp_path, monkeypatch):
    notebook = _run("reopen_a_run", tmp_path, monkeypatch)
    assert "3 of 3 succeeded" in _cell(notebook, "latest = tabrl.list_runs").outputs[0]["text"]
    unknown = _cell(notebook, "try:").outputs[0]["text"]
    assert "no run or job with id 'run-does-not-exist'" in unknown
    assert _videos(outputs(_cell(notebook, "tabrl.wait(run.id)"))[-1]) == 3
    assert _videos(outputs(_cell(notebook, "run.jobs[0]"))[0]) == 1
    ranking = outputs(_cell(notebook, "judged = tabrl.judge"))[0]
    assert ranking.count("<tr") == 4  # the header and the three approaches, best first
    shared = _cell(notebook, "grid_page = ")
    assert "grid.html" in shared.outputs[0]["text"] and outputs(shared)[0].count("succeeded") == 3


def test_refine_an_approach(tmp_path, monkeypatch):
    notebook = _run("refine_an_approach", tmp_path, monkeypatch)
    assert _videos(outputs(_cell(notebook, "designs = "))[-1]) == 1  # the parent job's view
    changes = _cell(notebook, "refinement = tabrl.refine").outputs[0]["text"]
    assert "--- v1: " in changes and "+++ v2: " in changes  # what changed, as a diff
    assert _videos(outputs(_cell(notebook, "tabrl.wait(refinement.run_id)"))[-1]) == 2
    versions = outputs(_cell(notebook, "versions = "))[0]
    assert versions.count("<tr") == 3 and "walk faster" in versions  # v1 and v2
    both = outputs(_cell(notebook, "both = "))[0]
    assert both.count("succeeded") == 2
