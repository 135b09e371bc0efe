"""The pages' logic in AppTest: robot selection, the built-in designer, starting training, job
states and errors, reopening a run from the URL, Runs, Settings and hosted mode.

No test trains: this process registers as the local worker (tests/app_runs.py), so batches stay
queued until a test ends them the way a worker would. Training, rendering and the video grid's
playback are driven in Chromium (tests/e2e)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app_runs
from tabrl_core import store
from tabrl_core.jobs import get_status
from tabrl_core.jobs.queue import claim_next_group
from tabrl_core.jobs.records import write_progress

APP = Path(__file__).resolve().parents[1] / "app.py"
# tabrl_app is not installed: Streamlit imports it from beside app.py, so the tests do too.
sys.path.insert(0, str(APP.parent))
from tabrl_app import grid  # noqa: E402
TIMEOUT_S = 180  # the first run renders thumbnails; generating validates in a child process


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(grid, "PUBLISHED_DIR", tmp_path / "static" / "artifacts")
    for name in ("TABRL_MODE", "TABRL_BACKEND", "TABRL_OPENAI_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    app_runs.act_as_worker()
    return tmp_path / "home"


def open_app(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params.update(query)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"{len(matches)} buttons labelled {label!r}"
    return matches[0]


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def grid_data(html: str) -> dict:
    """The JSON the video grid document is built from."""
    return json.loads(re.search(r'id="grid-data">(.*?)</script>', html).group(1))


def test_go1_is_preselected_and_a_click_selects_another_robot():
    at = open_app()
    assert at.button(key="robot-go1").label == "Selected"
    assert ":green-badge[:material/verified: pre-trained]" in texts(at.markdown)

    at.button(key="robot-op3").click().run()
    assert at.session_state.robot == "op3"
    assert at.button(key="robot-op3").label == "Selected"
    assert at.button(key="robot-go1").label == "Select"


def test_generate_asks_the_builtin_designer_and_train_all_starts_a_batch():
    at = open_app()
    at.pills(key="example").set_value("Keep shaking your hips aloha dude!").run()
    assert at.text_area(key="behavior").value == "Keep shaking your hips aloha dude!"
    button(at, "Generate approaches").click().run()
    assert not at.exception, at.exception

    result = at.session_state.generated["results"]["builtin"]
    assert [a.valid for a in result.approaches] == [True, True, True]
    assert texts(at.markdown).count(":green-badge[:material/check: valid]") == 3
    assert any("Claude is not configured" in i for i in texts(at.info))
    assert [c.value for c in at.code] == [a.code.strip() for a in result.approaches]

    button(at, "Train all").click().run()
    run_id = at.query_params["run"]
    status = get_status(run_id)
    assert status["run"]["behavior"] == "Keep shaking your hips aloha dude!"
    assert [j["state"] for j in status["jobs"]] == ["queued"] * 3
    assert [p.text for p in at.get("progress")][1:] == ["0 / 10,000 steps"] * 3
    assert texts(at.markdown).count(":gray-badge[queued]") == 3


def test_cancel_run_ends_every_job_and_offers_retry():
    run_id = app_runs.queued_run()
    at = open_app(run=run_id)
    button(at, "Cancel run").click().run()
    assert [j["state"] for j in get_status(run_id)["jobs"]] == ["cancelled"] * 3
    assert texts(at.markdown).count(":orange-badge[cancelled]") == 3
    assert [b.label for b in at.button if b.key and b.key.startswith("retry-")] == ["Retry"] * 3


def test_a_running_job_says_which_command_its_fine_tuning_started_from():
    run_id = app_runs.queued_run()
    backward = {"command": {"vx": -0.4}, "label": "backward 0.40 m/s", "score": 1.25,
                "note": None}
    with store.opened() as conn:
        first, second, _ = claim_next_group(conn, os.getpid()).jobs
        for job, start in ((first, backward), (second, None)):
            write_progress(conn, job, steps_done=2_048, total_steps=10_000, eta_s=30.0,
                           mean_return=1.0, components={}, env_steps_per_s=900.0,
                           elapsed_s=2.0, start_command=start)
    at = open_app(run=run_id)
    assert [p.text for p in at.get("progress")][1:3] == ["2,048 / 10,000 steps · ETA 30 s"] * 2
    assert [c for c in texts(at.caption) if c.startswith("started from")] == [
        "started from: backward 0.40 m/s"]  # the second pretrains, the third reported nothing yet


def test_failed_job_shows_its_reason_and_retry_queues_it_again():
    run_id = app_runs.finished_run(("succeeded", "failed", "succeeded"))
    failed = next(j for j in get_status(run_id)["jobs"] if j["state"] == "failed")
    at = open_app(run=run_id)
    assert "reward was NaN at step 4,096" in texts(at.text)
    assert [b.key for b in at.button if b.label == "Retry"] == [f"retry-{failed['id']}"]

    at.button(key=f"retry-{failed['id']}").click().run()
    job = get_status(failed["id"])["jobs"][0]
    assert (job["state"], job["attempt"]) == ("queued", 2)
    assert "reward was NaN at step 4,096" not in texts(at.text)


def test_a_run_in_the_url_reopens_with_its_form_approaches_and_jobs():
    run_id = app_runs.queued_run("Trot in place without moving forward")
    for _refresh in range(2):
        at = open_app(run=run_id)
        assert at.session_state.robot == "go1"
        assert at.text_area(key="behavior").value == "Trot in place without moving forward"
        assert at.select_slider(key="steps").value == 10_000
        names = [f"Approach {i}" for i in (1, 2, 3)]
        assert all(texts(at.text).count(n) == 2 for n in names)  # card and job row, plain text
        assert at.query_params["run"] == run_id


HOSTILE_NAMES = ["[Re-enter your API key](https://x.example/login)", "![img](https://x.example/p.png)",
                 "**bold** <b>html</b> :red[red] $x^2$"]


def test_llm_names_descriptions_notes_and_errors_show_as_plain_text_never_markdown(monkeypatch):
    from tabrl_core.providers import Approach, ProviderResult

    run_id = app_runs.finished_run(("succeeded", "failed", "succeeded"))
    with store.opened() as conn:
        for position, name in enumerate(HOSTILE_NAMES):
            conn.execute("UPDATE approaches SET name = ?, description = ? WHERE run = ? AND"
                         " position = ?", (name, name, run_id, position))
        conn.execute("UPDATE jobs SET error = ? WHERE run = ? AND state = 'failed'",
                     (HOSTILE_NAMES[0], run_id))
        conn.commit()
    at = open_app(run=run_id)
    shown = texts(at.text)
    assert all(shown.count(name) >= 1 for name in HOSTILE_NAMES)  # the job rows, literally
    assert HOSTILE_NAMES[0] in shown  # the failed job's error
    rendered = " ".join(texts(at.markdown) + texts(at.caption) + texts(at.error)
                        + texts(at.info) + texts(at.warning) + texts(at.success))
    assert "x.example" not in rendered

    result = ProviderResult("builtin", approaches=[
        Approach("builtin", name, name, "def reward(s, a, prev_a):\n    return 0.0, {}",
                 valid=False, error=name) for name in HOSTILE_NAMES], note=HOSTILE_NAMES[1])
    failed = ProviderResult("anthropic", error=HOSTILE_NAMES[0], error_kind="bad_output")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-FAKE")
    at = open_app()
    at.text_area(key="behavior").input("walk forward").run()
    at.session_state.generated = {"for": (at.session_state.robot, "walk forward"),
                                  "results": {"builtin": result, "anthropic": failed}}
    at.run()
    assert not at.exception, at.exception
    shown = texts(at.text)
    assert all(shown.count(name) >= 3 for name in HOSTILE_NAMES)  # name, error, description
    assert HOSTILE_NAMES[1] in shown and HOSTILE_NAMES[0] in shown  # the note, the error
    rendered = " ".join(texts(at.markdown) + texts(at.caption) + texts(at.error)
                        + texts(at.info) + texts(at.warning) + texts(at.success))
    assert "x.example" not in rendered


def test_an_unknown_run_in_the_url_says_so_and_leaves_the_form_blank():
    at = open_app(run="run-doesnotexist")
    assert any("no run `run-doesnotexist`" in e for e in texts(at.error))
    assert "run" not in at.query_params
    assert at.text_area(key="behavior").value == ""


def test_a_finished_run_shows_curves_and_a_grid_of_its_published_videos(tmp_path):
    run_id = app_runs.finished_run()
    at = open_app(run=run_id)
    assert len(at.get("vega_lite_chart")) == 3
    srcdoc = at.get("iframe")[0].proto.srcdoc
    urls = re.findall(r"app/static/artifacts/([^\"]+)", srcdoc)
    published = sorted(p.name for p in (tmp_path / "static" / "artifacts").iterdir())
    assert sorted(urls) == published and len(published) == 9  # mp4, gif, png per job
    row = grid_data(srcdoc)["rows"][0]
    assert row["label"] == "Built-in"
    assert [c["stats"] for c in row["cells"]][1] == "return 13.5 · moved 0.80 m · upright 90%"
    assert [b.label for b in at.button if b.label == "Make the grid MP4"]


def test_a_changed_file_is_published_under_a_new_name(tmp_path):
    video = app_runs.clip(tmp_path / "clip.mp4", 0)
    first = grid.publish(video)
    assert grid.publish(video) == first
    app_runs.clip(video, 1, seconds=2.0)
    second = grid.publish(video)
    assert second != first
    assert (grid.PUBLISHED_DIR / second.rsplit("/", 1)[1]).read_bytes() == video.read_bytes()


def test_grid_html_carries_run_text_as_data_never_as_markup(tmp_path):
    name = "</script><script>alert(1)</script>"
    html = grid.grid_html([grid.GridCell("Claude", name, 0, caption="<b>x</b>")])
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert grid_data(html) == {
        "rows": [{"label": "Claude", "cells": [{
            "approach": name, "video": None, "gif": None, "poster": None, "files": {},
            "stats": "<b>x</b>", "note": "", "judge": None, "best": False}]}],
        "grid_mp4": None}


def test_runs_page_lists_filters_and_counts_states():
    app_runs.finished_run(("succeeded", "failed", "cancelled"), behavior="Walk forward steadily")
    app_runs.queued_run("Spin around on the spot")
    at = open_app("pages/runs.py")
    table = at.dataframe[0].value
    assert sorted(table["behaviour"]) == ["Spin around on the spot", "Walk forward steadily"]
    finished = table[table["behaviour"] == "Walk forward steadily"].iloc[0]
    assert finished["states"] == "1 succeeded · 1 failed · 1 cancelled"
    assert finished["best return"] == pytest.approx(10.0)  # the succeeded job's last mean return

    at.text_input[0].input("spin").run()
    assert list(at.dataframe[0].value["behaviour"]) == ["Spin around on the spot"]


def test_settings_show_provider_status_but_never_a_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-DO-NOT-SHOW-123")
    at = open_app("pages/settings.py")
    providers = at.dataframe[0].value.set_index("id")
    assert bool(providers.loc["anthropic", "configured"]) is True
    assert bool(providers.loc["openai", "configured"]) is False
    assert "DO-NOT-SHOW" not in repr(at._tree)
    assert at.radio(key="backend").value == "local"


def test_hosted_mode_keeps_runs_per_session_and_enforces_its_limits(monkeypatch):
    monkeypatch.setenv("TABRL_MODE", "hosted")
    others = app_runs.queued_run(owner="another-browser-session-token")
    at = open_app(run=others)
    assert any("no run" in e for e in texts(at.error))
    session = at.query_params["session"]

    mine = app_runs.queued_run("Stand up tall and stay still", owner=session)
    monkeypatch.setenv("TABRL_HOSTED_MAX_JOBS", "2")
    at = open_app("pages/runs.py", session=session)
    assert list(at.dataframe[0].value["run"]) == [mine]

    at = open_app(session=session)
    at.text_area(key="behavior").input("Walk forward steadily").run()
    button(at, "Generate approaches").click().run()
    button(at, "Train all").click().run()
    assert "Training did not start:" in texts(at.error)  # the reason follows as plain text
    assert any("hosted mode allows 2 at once" in t for t in texts(at.text))

    monkeypatch.setenv("TABRL_HOSTED_MAX_JOBS", "9")
    monkeypatch.setenv("MODAL_TOKEN_ID", "")
    button(at, "Train all").click().run()
    assert any("no Modal token" in t for t in texts(at.text))


def test_presets_set_the_budget_and_follow_the_slider():
    at = open_app()
    assert at.segmented_control(key="preset").value == "Quick"
    at.segmented_control(key="preset").set_value("Standard").run()
    assert at.select_slider(key="steps").value == 50_000
    at.select_slider(key="steps").set_value(35_000).run()
    assert at.segmented_control(key="preset").value is None
    labels = at.segmented_control(key="preset").options
    assert [o.split(" · ")[:2] for o in labels] == [["Quick", "10K"], ["Standard", "50K"],
                                                     ["Quality", "100K"]]
    assert all(re.search(r"~\d+ (s|min)", o) for o in labels)
