"""The judge in the app (AppTest): each grid cell carries its verdict and the run's best
approach is marked, a per-provider scoreboard sits above the grid, the judge program's code is
viewable, the run can be judged again (with a key pasted for the session), and verdict text
from LLMs travels as data, never as markup."""

from __future__ import annotations

import json
import re

import app_runs
import pytest
from fake_llm_server import FakeLLMServer, ok
from test_app import grid_data, home, open_app, texts  # noqa: F401 (home: the autouse data dir)

from tabrl_core.jobs import get_status
from tabrl_core.jobs.view import grid_cells
from tabrl_core.judging import judge_run
from tabrl_core.judging.builtin import builtin_judge_code
from tabrl_core.media.grid_html import GridCell, grid_document

# Built-in slides back fast (passes "walk backwards"), forward, and stands; Claude's slide
# forward, slowly back and forward: only the first approach passes.
SPEEDS = (-0.4, 0.5, 0.0, 0.3, -0.1, 0.2)
JUDGE_CODE = "# an LLM's judge\n" + builtin_judge_code("go1", "walk backwards")

pytestmark = pytest.mark.usefixtures("no_provider_settings")


def test_the_grid_shows_each_verdict_the_best_approach_and_a_scoreboard():
    run_id = app_runs.judged_run(SPEEDS, providers=("builtin", "anthropic"))
    status = get_status(run_id)
    at = open_app(run=run_id)

    board = at.dataframe[0].value
    assert list(board["provider"]) == ["Built-in", "Claude"]
    assert list(board["passed"]) == [1, 0] and list(board["judged"]) == [3, 3]
    assert board["mean score"][0] > board["mean score"][1]

    rows = grid_data(at.get("iframe")[0].proto.srcdoc)["rows"]
    cells = [c for row in rows for c in row["cells"]]
    assert [c["judge"]["passed"] for c in cells] == [True, False, False, False, False, False]
    assert [c["best"] for c in cells] == [True] + [False] * 5
    by_job = {j["id"]: j["judge"] for j in status["jobs"]}
    for cell, job in zip(cells, status["jobs"]):
        stored = by_job[job["id"]]
        assert cell["judge"]["score"] == stored["score"]
        assert cell["judge"]["verdict"] == stored["verdict"]
        assert [c["name"] for c in cell["judge"]["checks"]] == [c["name"] for c in stored["checks"]]
    assert cells[1]["judge"]["verdict"].startswith("failed ")
    assert "judge" not in cells[0]["stats"]  # the verdict has its own place in the cell

    program = status["judge_program"]
    assert program["by"] == "builtin" and program["valid"]
    assert program["code"].strip() in [c.value for c in at.code]
    assert any(e.label == "Judge program · written by Built-in" for e in at.expander)


def test_an_invalid_judge_leaves_the_videos_marked_not_judged_with_the_reason():
    run_id = app_runs.finished_run()
    jobs = get_status(run_id)["jobs"]
    reason = "line 2: `open` is not allowed"
    with app_runs.opened() as conn:
        conn.execute("UPDATE runs SET judge_provider = 'anthropic', judge_code = ?,"
                     " judge_valid = 0, judge_error = ? WHERE id = ?",
                     ("def judge(t):\n    open('x')\n", reason, run_id))
        for job in jobs:
            conn.execute("UPDATE jobs SET judge = ? WHERE id = ?", (
                '{"score": null, "passed": null, "verdict": "not judged: ' + reason + '",'
                ' "by": "code:anthropic", "checks": []}', job["id"]))
    at = open_app(run=run_id)
    cells = grid_data(at.get("iframe")[0].proto.srcdoc)["rows"][0]["cells"]
    assert all(c["judge"]["verdict"] == f"not judged: {reason}" for c in cells)
    assert not any(c["best"] for c in cells)
    assert reason in texts(at.text)  # the reason as plain text, under the judge's code
    assert any("judge program is invalid" in e for e in texts(at.error))
    assert not at.dataframe  # no scoreboard without a judged approach


def test_verdict_text_from_an_llm_travels_as_data_never_as_markup(tmp_path):
    hostile = '</script><img src=x onerror="alert(1)">'
    judge = {"score": 0.5, "passed": False, "verdict": f"failed: {hostile}", "by": "code:x",
             "checks": [{"name": hostile, "value": 1.0, "target": f"<= {hostile}",
                         "passed": False, "score": 0.5}],
             "video": {"score": 0.2, "reason": hostile, "by": "vlm:x"}}
    html = grid_document([GridCell("Claude", "A", 0, judge=judge, best=True)], str)
    assert "<img" not in html and "</script><" not in html
    cell = grid_data(html)["rows"][0]["cells"][0]
    assert cell["judge"]["verdict"] == f"failed: {hostile}"
    assert cell["judge"]["checks"][0]["name"] == hostile
    assert cell["judge"]["video"]["reason"] == hostile and cell["best"] is True
    assert "textContent" in html and not re.search(r"\.innerHTML\s*=", html)


def test_grid_cells_mark_only_the_top_of_the_ranking():
    run_id = app_runs.judged_run((0.0, -0.4, 0.5))
    status = get_status(run_id)
    cells = grid_cells(status["jobs"], {})
    assert [c.best for c in cells] == [False, True, False]
    assert status["ranking"][0]["job_id"] == status["jobs"][1]["id"]


def test_a_run_that_just_finished_waits_for_its_verdicts_then_shows_them():
    run_id = app_runs.sliding_run()
    at = open_app(run=run_id)
    assert "Judging the videos…" in texts(at.caption)
    cells = grid_data(at.get("iframe")[0].proto.srcdoc)["rows"][0]["cells"]
    assert all(c["judge"] is None for c in cells)
    judge_run(run_id, "builtin")  # what the worker does after the last job
    at.run()
    assert "Judging the videos…" not in texts(at.caption)
    cells = grid_data(at.get("iframe")[0].proto.srcdoc)["rows"][0]["cells"]
    assert [c["judge"]["passed"] for c in cells] == [True, False, False]


def test_judge_again_with_an_llm_whose_key_was_pasted_for_this_session(monkeypatch):
    pasted = "sk-ant-PASTED-judge-key-31c7"
    run_id = app_runs.judged_run()
    with FakeLLMServer("anthropic") as claude:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)
        claude.script(ok("anthropic", json.dumps({"code": JUDGE_CODE})))
        at = open_app(run=run_id)
        at.session_state["provider_keys"] = {"anthropic": pasted}
        at.run()
        at.selectbox(key=f"judge-with-{run_id}").set_value("anthropic").run()
        at.button(key=f"judge-again-{run_id}").click().run()
        assert not at.exception, at.exception
    headers = {k.lower(): v for k, v in claude.requests[0].headers.items()}
    assert pasted in (headers.get("x-api-key"), headers.get("authorization", "")[7:])
    status = get_status(run_id)
    assert status["judge_program"]["by"] == "code:anthropic"
    assert {j["judge"]["by"] for j in status["jobs"]} == {"code:anthropic"}
    assert [j["judge"]["passed"] for j in status["jobs"]] == [True, False, False]
    assert any(e.label == "Judge program · written by Claude" for e in at.expander)
    assert JUDGE_CODE.strip() in [c.value for c in at.code]
