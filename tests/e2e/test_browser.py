"""The whole Train flow in Debian Chromium: built-in designer, a tiny budget, real training and
rendering, then the video grid's synchronized controls."""

from __future__ import annotations

import re
import time

import psutil
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from grid_checks import play_pause_reset

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TRAIN_AND_RENDER_S = 900
"""A Quick batch of 3 on a busy 2-core CPU: compile, train 3 x 10K steps, render 3 clips."""
SERVER_RSS_LIMIT = 600 * 2**20
"""Hosted Streamlit gives about 1 GB: the page's process stays under this while a batch trains."""
GRID_READY = """n => [...document.querySelectorAll('iframe')].some(f => {
    const videos = f.contentDocument && f.contentDocument.querySelectorAll('video');
    return videos && videos.length === n && [...videos].every(v => v.readyState >= 2);
})"""


def wait_watching_memory(page, pid: int, condition: str, arg, deadline_s: float) -> int:
    """Wait until `condition` holds in the page, reading the server's resident memory every 2 s
    meanwhile; return the largest reading (bytes)."""
    server = psutil.Process(pid)
    deadline = time.monotonic() + deadline_s
    peak = 0
    while True:
        peak = max(peak, server.memory_info().rss)
        try:
            page.wait_for_function(condition, arg=arg, timeout=2_000, polling=500)
            return peak
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                raise


def grid_frame(page):
    """The video grid's frame: the iframe whose document has the Play all button."""
    return next(f for f in page.frames if f != page.main_frame and f.query_selector("#play"))


def test_train_flow_until_videos_then_grid_stays_in_step(app, page, shoot):
    page.goto(app.url)
    generate = page.get_by_role("button", name="Generate approaches")
    generate.wait_for(timeout=90_000)
    shoot("train-start", "tablet")
    shoot("train-start")

    page.get_by_text("Walk forward steadily", exact=True).click()
    generate.click()
    train_tab = page.get_by_role("button", name="Train all 3 approaches")
    train_tab.wait_for(timeout=120_000)
    shoot("train-approaches", at=train_tab)

    started = time.monotonic()
    page.get_by_role("button", name="Train all", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]run=run-"), timeout=60_000)
    progress = page.get_by_text(re.compile(r"[\d,]+ / 10,000 steps")).first
    progress.wait_for(timeout=60_000)
    shoot("train-progress", at=progress)

    peak_rss = wait_watching_memory(page, app.pid, GRID_READY, 3, TRAIN_AND_RENDER_S)
    print(f"Train all -> videos: {time.monotonic() - started:.0f} s; "
          f"Streamlit server peak RSS meanwhile: {peak_rss / 2**20:.0f} MiB")
    assert peak_rss < SERVER_RSS_LIMIT
    grid = grid_frame(page)
    play_pause_reset(grid, page)

    play_all = page.frame_locator("iframe").get_by_role("button", name="Play all")
    shoot("train-videos", at=play_all)
    shoot("train-videos", "tablet", at=play_all)
