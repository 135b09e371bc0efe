"""The judge's verdicts in the video grid, in Debian Chromium: a badge, score and verdict line
under every video, the best approach marked, checks that open on demand, and hostile verdict
text shown as text."""

from __future__ import annotations

import json

import pytest

import app_runs
from tabrl_core.jobs import get_status
from tabrl_core.store import opened

pytestmark = pytest.mark.e2e

SPEEDS = (-0.4, 0.5, 0.0)  # walk backwards: the first passes, the others fail
HOSTILE = '<img src=x onerror="document.title=1">'


def grid_frame(page, url):
    page.goto(url)
    page.frame_locator("iframe").get_by_role("button", name="Play all").wait_for(timeout=90_000)
    return next(f for f in page.frames if f != page.main_frame and f.query_selector("#play"))


def test_badges_scores_and_the_best_mark_appear_in_the_grid(app, tabrl_home, page, shoot,
                                                           monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tabrl_home))
    run_id = app_runs.judged_run(SPEEDS)
    first = get_status(run_id)["jobs"][0]
    verdict = first["judge"]  # a check named by an LLM's judge program, as one could name it
    verdict["checks"][0]["name"] = HOSTILE
    with opened() as conn:
        conn.execute("UPDATE jobs SET judge = ? WHERE id = ?", (json.dumps(verdict), first["id"]))
    grid = grid_frame(page, f"{app.url}/?run={run_id}")
    badges = grid.locator(".judge .badge:not(.best)").all_inner_texts()
    assert badges == ["PASS", "FAIL", "FAIL"]
    assert grid.locator(".badge.best").count() == 1
    assert grid.locator(".cell.best .badge.pass").count() == 1
    scores = [float(s) for s in grid.locator(".judge .score").all_inner_texts()]
    assert scores[0] == 1.0 and max(scores[1:]) < 1.0
    verdicts = grid.locator(".verdict").all_inner_texts()
    assert verdicts[0].startswith("passed all") and verdicts[1].startswith("failed ")

    details = grid.locator(".cell details").nth(1)
    assert not details.locator("li").first.is_visible()
    details.locator("summary").click()
    assert details.locator("li.missed").first.is_visible()
    shoot("grid-verdicts", at=page.frame_locator("iframe").locator(".cell").nth(1))

    grid.locator(".cell details").first.locator("summary").click()
    names = grid.locator(".cell").first.locator("li").all_inner_texts()
    assert any(HOSTILE in n for n in names)  # shown as text
    assert grid.locator(".cell img").count() == 0 and grid.evaluate("document.title") != "1"
