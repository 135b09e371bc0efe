"""Runs, Benchmarks and Settings in Debian Chromium: each page opens from its own URL inside the
app's navigation, and two runs open side by side from the Runs table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import app_runs

pytestmark = pytest.mark.e2e

ROW_PX = 35
"""Height of a row (and of the header) in Streamlit's dataframe grid."""


@pytest.mark.parametrize("path, title", [("/runs", "Runs"), ("/benchmarks", "Benchmarks"),
                                         ("/settings", "Settings")])
def test_a_page_opened_from_its_url_keeps_the_app_navigation(app, page, path, title):
    page.goto(app.url + path)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    expect(page.get_by_role("link", name="Train", exact=True)).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("link", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="app", exact=True)).to_have_count(0)  # no legacy nav


def test_two_runs_selected_on_runs_open_side_by_side(app, tabrl_home, page, shoot, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tabrl_home))
    shaking = app_runs.finished_run(behavior="Keep shaking your hips aloha dude!")
    spinning = app_runs.queued_run("Spin around on the spot")
    page.goto(app.url + "/runs")
    table = page.get_by_test_id("stDataFrame")
    table.wait_for(timeout=60_000)
    box = table.bounding_box()
    for row in (1, 2):  # the row-selection checkboxes, newest run first
        page.mouse.click(box["x"] + 16, box["y"] + ROW_PX * row + ROW_PX / 2)
        page.get_by_text(f"Run {(spinning, shaking)[row - 1]}").wait_for(timeout=30_000)
    expect(page.get_by_role("button", name="Open on the Train page")).to_have_count(0)
    expect(page.get_by_text("Run run-")).to_have_count(2)
    expect(page.frame_locator("iframe").get_by_role("button", name="Play all")).to_have_count(1)
    shoot("runs-compare")
