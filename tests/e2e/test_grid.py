"""The video grid in Debian Chromium, on a finished run of 3 providers x 3 approaches seeded in
the store (real H.264 clips, no training): sync, pause, reset, enlarge, served files."""

from __future__ import annotations

import psutil
import pytest

import app_runs
from grid_checks import TIMES, play_pause_reset

pytestmark = pytest.mark.e2e



@pytest.fixture
def grid(app, tabrl_home, page, monkeypatch):
    """The grid's frame, on the Train page of a seeded run, once every video can play."""
    monkeypatch.setenv("TABRL_HOME", str(tabrl_home))
    run_id = app_runs.finished_run(("succeeded",) * 9, providers=("anthropic", "openai", "builtin"))
    page.goto(f"{app.url}/?run={run_id}")
    page.frame_locator("iframe").get_by_role("button", name="Play all").wait_for(timeout=90_000)
    frame = next(f for f in page.frames if f != page.main_frame and f.query_selector("#play"))
    frame.wait_for_function("[...document.querySelectorAll('video')].every(v => v.readyState >= 2)",
                            timeout=30_000)
    return frame


def test_play_all_keeps_nine_videos_in_step_and_pause_and_reset_hold_them(grid, page, shoot):
    assert len(grid.evaluate(TIMES)) == 9
    play_pause_reset(grid, page, while_playing=lambda: shoot(
        "grid-playing", at=page.frame_locator("iframe").locator("video").first))


def test_a_click_enlarges_a_video_and_escape_brings_it_back(grid, page, shoot):
    video = grid.locator("video").nth(4)
    video.click()
    assert grid.locator(".cell.big").count() == 1
    shoot("grid-enlarged", at=page.frame_locator("iframe").locator(".cell.big"))
    page.keyboard.press("Escape")
    assert grid.locator(".cell.big").count() == 0


def test_videos_and_gifs_download_from_static_serving_with_range_requests(grid):
    links = grid.evaluate("[...document.querySelectorAll('.links a')].map(a => a.href)")
    assert len(links) == 18 and all("/app/static/artifacts/" in url for url in links)
    answers = grid.evaluate("""async urls => Promise.all(urls.map(async url => {
        const r = await fetch(url, {headers: {Range: 'bytes=0-99'}});
        return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength];
    }))""", links[:2])
    assert answers == [[206, "video/mp4", 100], [206, "image/gif", 100]]


def test_the_grid_mp4_is_made_on_request_and_offered_for_download(grid, app, page):
    page.get_by_role("button", name="Make the grid MP4").click()
    download = page.frame_locator("iframe").get_by_role("link", name="Download grid MP4")
    download.wait_for(timeout=180_000)
    url = download.get_attribute("href")
    assert url.startswith("app/static/artifacts/grid-") and url.endswith(".mp4")
    frame = next(f for f in page.frames if f != page.main_frame and f.query_selector("#play"))
    status, kind = frame.evaluate("""async url => {
        const r = await fetch(url);
        return [r.status, r.headers.get('content-type')];
    }""", url)
    assert (status, kind) == (200, "video/mp4")
    print(f"Streamlit server RSS after the grid MP4: "
          f"{psutil.Process(app.pid).memory_info().rss / 2**20:.0f} MiB")
