"""The notebook API on runs seeded in the store through the real store functions (no training):
the HTML a run shows in each state, results() and curves() columns and dtypes, wait() with a
timeout and an interrupt, unknown ids, missing videos, and a live display in a real kernel."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import nbclient
import nbformat
import pandas as pd
import pytest

import app_runs
import tabrl_core as tabrl
from tabrl_core.jobs.queue import claim_next_group
from tabrl_core.jobs.records import JobOutcome, JobRef, finish_job, write_progress
from tabrl_core.jobs.view import VERDICT_GRACE_S
from tabrl_core.notebook import CURVE_COLUMNS, RESULT_COLUMNS, waiting
from tabrl_core.providers import Approach
from tabrl_core.store import opened, record_artifact, transaction

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path))
    return tmp_path


def running_run() -> str:
    """A run of three approaches: the first has reported 4,000 of 10,000 steps, the others are
    claimed by a worker (this process) but have not reported yet."""
    run_id = app_runs.queued_run()
    with opened() as conn:
        group = claim_next_group(conn, os.getpid())
        write_progress(conn, group.jobs[0], steps_done=4_000, total_steps=10_000, eta_s=30.0,
                       mean_return=1.5, components={"forward": 0.25}, env_steps_per_s=5e3,
                       elapsed_s=0.8)
    return run_id


def grid_data(page: str) -> dict:
    """The JSON the grid document carries, out of the run's HTML (its iframe's srcdoc)."""
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    payload = re.search(r'<script type="application/json" id="grid-data">(.*?)</script>',
                        srcdoc, re.S).group(1)
    return json.loads(payload)


def test_a_queued_run_shows_empty_bars_and_how_to_wait_for_it():
    run_id = app_runs.queued_run()
    page = tabrl.run(run_id)._repr_html_()
    assert f"Run {run_id}" in page and "3 queued" in page
    assert page.count('style="width: 0.0%') == 4  # the run's bar and one per job
    assert f"tabrl.wait(&#x27;{run_id}&#x27;)" in page
    assert "srcdoc" not in page  # no grid before any video


def test_a_running_run_shows_each_jobs_progress_and_eta_and_its_curve():
    run_id = running_run()
    page = tabrl.run(run_id)._repr_html_()
    assert "3 running" in page
    assert 'style="width: 40.0%' in page and "4,000 / 10,000 steps · ETA 30 s" in page
    assert "0 / 10,000 steps" in page
    assert "Mean return" in page and "<polyline" in page
    assert "no local worker" not in page  # this process is the live worker


def test_a_finished_run_shows_the_grid_with_embedded_videos_and_its_curves():
    run_id = app_runs.finished_run(("succeeded", "succeeded", "failed"))
    page = tabrl.run(run_id)._repr_html_()
    assert "2 succeeded · 1 failed" in page and "reward was NaN at step 4,096" in page
    assert "tabrl.wait" not in page
    cells = grid_data(page)["rows"][0]["cells"]
    assert [c["approach"] for c in cells] == ["Approach 1", "Approach 2", "Approach 3"]
    assert all(c["video"].startswith("data:video/mp4;base64,") for c in cells[:2])
    assert cells[0]["files"]["video"] == "clip.mp4"
    assert cells[2]["video"] is None and cells[2]["note"] == "failed: reward was NaN at step 4,096"
    assert "return 12.5 · moved 0.00 m · upright 90%" == cells[0]["stats"]
    assert page.count("<svg") == 4  # mean return of all three, and each job's components


def test_a_failed_run_shows_every_error_and_no_grid():
    run_id = app_runs.finished_run(("failed", "failed", "failed"))
    page = tabrl.run(run_id)._repr_html_()
    assert "3 failed" in page and page.count("reward was NaN at step 4,096") == 3
    assert "srcdoc" not in page and "tabrl.wait" not in page


def test_text_from_a_run_is_escaped_everywhere():
    app_runs.act_as_worker()
    name = "<script>alert(1)</script>"
    run_id = tabrl.start_batch("go1", [Approach("builtin", name, "d", app_runs.CODE),
                                       Approach("openai", "bad", "d", "x", valid=False,
                                                error="<img src=x onerror=alert(2)>")],
                               10_000, behavior="<b>walk</b>").id
    page = tabrl.run(run_id)._repr_html_()
    assert "<script>alert" not in page and "<img" not in page and "<b>walk" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "invalid" in page


def test_start_batch_returns_a_batch_that_shows_itself():
    app_runs.act_as_worker()
    batch = tabrl.start_batch("go1", app_runs.approaches(), 10_000)
    assert isinstance(batch, tabrl.jobs.Batch) and isinstance(batch, tabrl.Run)
    assert len(batch.job_ids) == 3 and f"Run {batch.id}" in batch._repr_html_()
    job = tabrl.job(batch.job_ids[0])
    assert job.run == batch and f"Job {job.id}" in job._repr_html_()


def test_a_run_whose_videos_were_deleted_says_which_are_missing():
    run_id = app_runs.finished_run()
    video = Path(tabrl.get_status(run_id)["jobs"][1]["artifacts"]["video"])
    video.unlink()
    page = tabrl.run(run_id)._repr_html_()
    cells = grid_data(page)["rows"][0]["cells"]
    assert cells[1]["video"] is None and cells[1]["note"] == f"video missing: {video}"
    assert cells[0]["video"] and cells[2]["video"]
    assert f"artifact video missing: {video}" in page
    assert tabrl.results(run_id)["artifact_problems"][1] == [f"video missing: {video}"]


def judged_run() -> str:
    """A finished run whose three jobs hold verdicts made by the judge's own functions, stored
    as `judge_run` stores them: one passed, one failed a check, one not judged."""
    from tabrl_core.judging.program import CheckResult
    from tabrl_core.judging.verdict import not_judged, verdict

    run_id = app_runs.finished_run()
    roll = CheckResult("roll_rate", "at_least", 1.9, (1.5,))
    upright = CheckResult("<i>upright</i>", "at_least", 0.5, (0.8,))
    verdicts = [verdict([roll], "builtin"), verdict([roll, upright], "code:anthropic"),
                not_judged("trajectory predates the judge", "builtin")]
    with opened() as conn:
        conn.executemany("UPDATE jobs SET judge = ? WHERE id = ?",
                         [(json.dumps(v), j["id"])
                          for v, j in zip(verdicts, tabrl.get_status(run_id)["jobs"])])
        conn.execute("UPDATE runs SET judge_provider = 'builtin', judge_valid = 1,"
                     " judge_code = 'def judge(t):\n    return {}  # <b>' WHERE id = ?",
                     (run_id,))
    return run_id


def test_verdicts_show_in_the_jobs_table_under_each_video_and_in_the_results():
    run_id = judged_run()
    page = tabrl.run(run_id)._repr_html_()
    assert "1.00 passed · by builtin" in page and "failed · by code:anthropic" in page
    assert "not judged: trajectory predates the judge" in page
    assert "&lt;i&gt;upright&lt;/i&gt; 0.5 &gt;= 0.8 missed" in page and "<i>" not in page
    assert re.search(r"<b>Ranking</b>: Approach 1 \(1.00, passed\) › Approach 2 \(0.\d\d\)",
                     page)
    assert "Built-in: mean " in page and "1 of 2 passed" in page
    assert "Judge program (by builtin)" in page and "# &lt;b&gt;" in page
    cells = grid_data(page)["rows"][0]["cells"]
    assert [(c["judge"]["passed"], c["best"]) for c in cells] == [
        (True, True), (False, False), (None, False)]
    assert cells[0]["judge"]["score"] == 1.0
    assert cells[2]["judge"]["verdict"] == "not judged: trajectory predates the judge"
    results = tabrl.results(run_id)
    _assert_dtypes(results, RESULT_COLUMNS)
    assert list(results["rank"]) == [1, 2, pd.NA]
    assert results["judge_score"][0] == 1.0 and 0 < results["judge_score"][1] < 1
    assert pd.isna(results["judge_score"][2])
    assert list(results["judge_passed"].fillna(False)) == [True, False, False]
    assert results["judge_verdict"][2] == "not judged: trajectory predates the judge"
    assert results["judge"][1]["by"] == "code:anthropic"


def test_show_puts_the_jobs_of_several_runs_in_one_grid_or_says_there_is_no_video(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **_: shown.append(obj))
    first = app_runs.finished_run()
    second = app_runs.finished_run(providers=("openai",))
    tabrl.show(first, tabrl.get_status(second)["jobs"][0]["id"])
    rows = grid_data(shown[-1]["text/html"])["rows"]
    assert [r["label"] for r in rows] == ["Built-in", "GPT"]
    assert [len(r["cells"]) for r in rows] == [3, 1]
    queued = app_runs.queued_run()
    tabrl.show(queued)
    assert shown[-1]["text/plain"] == f"No video yet: run {queued} is queued"


def _assert_dtypes(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    assert list(frame.columns) == list(columns)
    assert {c: str(t) for c, t in frame.dtypes.items()} == columns


@pytest.mark.parametrize("seed", ["queued", "running", "finished", "empty"])
def test_results_and_curves_keep_their_columns_and_dtypes_in_every_state(seed):
    run_id = {"queued": app_runs.queued_run, "running": running_run,
              "finished": app_runs.finished_run,
              "empty": lambda: app_runs.finished_run(("failed",) * 3)}[seed]()
    results, curves = tabrl.results(run_id), tabrl.curves(run_id)
    _assert_dtypes(results, RESULT_COLUMNS)
    _assert_dtypes(curves, CURVE_COLUMNS)
    assert len(results) == 3
    expected_points = {"queued": 0, "running": 2, "finished": 18, "empty": 18}[seed]
    assert len(curves) == expected_points


def test_results_hold_one_row_per_approach_with_its_outcome_and_files():
    run_id = app_runs.finished_run(("succeeded", "failed", "succeeded"))
    results = tabrl.results(run_id)
    assert list(results["state"]) == ["succeeded", "failed", "succeeded"]
    assert list(results["mean_return"]) == [10.0, 11.0, 12.0]
    assert results["episode_return"][0] == 12.5 and pd.isna(results["episode_return"][1])
    assert results["error"][1] == "reward was NaN at step 4,096"
    assert results["components"][0] == {"forward": 0.5}
    assert Path(results["video_path"][0]).is_file() and pd.isna(results["video_path"][1])
    assert results["judge_score"].isna().all()  # no verdicts recorded for this run
    assert tabrl.results(results["job"][0]).equals(results)  # a job id means its run


def test_results_list_invalid_approaches_without_a_job():
    app_runs.act_as_worker()
    run_id = tabrl.start_batch("go1", [*app_runs.approaches(n=1), Approach(
        "openai", "bad", "d", "def reward(:", valid=False, error="line 1: invalid syntax")],
        10_000).id
    results = tabrl.results(run_id)
    assert list(results["state"]) == ["queued", "invalid"]
    assert results["error"][1] == "line 1: invalid syntax" and pd.isna(results["job"][1])
    assert list(results["valid"]) == [True, False]


def test_results_and_the_view_of_a_refinement_say_where_it_came_from():
    parent_run = app_runs.finished_run()
    parent = tabrl.results(parent_run)
    assert list(parent["round"]) == [0, 0, 0] and parent["parent_job"].isna().all()
    refinement = tabrl.start_batch("go1", [{
        "provider": "builtin", "name": "Approach 1", "code": app_runs.CODE,
        "parent_job": parent["job"][0], "round": 1, "comment": "walk <faster>",
        "change_reason": "speeds x1.4 (faster)"}], 10_000, parent_run=parent_run).id
    child = tabrl.results(refinement)
    _assert_dtypes(child, RESULT_COLUMNS)
    assert (child["round"][0], child["parent_job"][0], child["comment"][0],
            child["change_reason"][0]) == (1, parent["job"][0], "walk <faster>",
                                           "speeds x1.4 (faster)")
    assert f"refines run {parent_run}" in tabrl.run(refinement)._repr_html_()


def test_curves_are_tidy_by_job_step_and_metric():
    run_id = app_runs.finished_run()
    curves = tabrl.curves(run_id)
    first = curves[curves["approach"] == "Approach 2"]
    assert list(first["step"]) == [2_000, 2_000, 6_000, 6_000, 10_000, 10_000]
    assert list(first["metric"]) == ["mean_return", "reward/forward"] * 3
    assert list(first["value"]) == [3.0, 0.1, 7.0, 0.3, 11.0, 0.5]
    wide = curves.pivot_table(index="step", columns=["approach", "metric"], values="value")
    assert wide.shape == (3, 6)


@pytest.mark.parametrize("call", [tabrl.results, tabrl.curves, tabrl.run, tabrl.show,
                                  tabrl.wait, tabrl.job])
def test_an_unknown_id_is_named_in_a_clear_error(call):
    with pytest.raises(tabrl.UnknownRunError, match="no run or job with id 'run-nope'") as err:
        call("run-nope")
    assert isinstance(err.value, KeyError) and "tabrl.list_runs()" in str(err.value)


def test_wait_times_out_naming_the_run_and_leaves_it_queued():
    run_id = app_runs.queued_run()
    with pytest.raises(TimeoutError, match=rf"run {run_id} did not finish within 0.3 s "
                                           rf"\(3 queued\); .*tabrl.wait\('{run_id}'\)"):
        tabrl.wait(run_id, timeout=0.3)
    assert tabrl.get_status(run_id)["counts"]["queued"] == 3


def wait_while(run_id: str, change, monkeypatch) -> dict:
    """`tabrl.wait(run_id)` while another thread, once wait has polled the store, makes
    `change()` (as a worker or the judge would); returns what wait returned."""
    polled = threading.Event()
    real_fetch = waiting.fetch_status

    def fetch(id_):
        polled.set()
        return real_fetch(id_)

    def change_once_polled() -> None:
        polled.wait(30)
        change()

    monkeypatch.setattr(waiting, "fetch_status", fetch)
    changer = threading.Thread(target=change_once_polled)
    changer.start()
    try:
        return tabrl.wait(run_id, timeout=60, poll_s=0.05)
    finally:
        changer.join()


def test_wait_returns_the_final_status_once_another_process_finishes_the_jobs(monkeypatch):
    run_id = running_run()

    def finish() -> None:
        with opened() as conn:
            for job in tabrl.get_status(run_id)["jobs"]:
                finish_job(conn, JobRef(job["id"], job["attempt"]),
                           JobOutcome("failed", "stopped by the test"))

    status = wait_while(run_id, finish, monkeypatch)
    assert status["state"] == "finished" and status["counts"]["failed"] == 3
    assert "<table class=\"jobs\">" in status._repr_html_()


def trained_unjudged_run() -> str:
    """A run whose jobs have just succeeded, each with a trajectory, and are not judged yet: a
    worker's state between the last job and its judging."""
    run_id = app_runs.finished_run()
    with opened() as conn, transaction(conn):
        for job in tabrl.get_status(run_id)["jobs"]:
            path = Path(job["artifacts"]["video"]).with_name("trajectory.npz")
            path.write_bytes(b"rollout")
            record_artifact(conn, job["id"], job["attempt"], "trajectory", path)
    return run_id


def test_wait_also_waits_for_the_judge_of_a_run_that_just_ended(monkeypatch):
    from tabrl_core.judging.verdict import not_judged

    run_id = trained_unjudged_run()
    with pytest.raises(TimeoutError, match=rf"run {run_id} did not finish within 0.3 s "
                                           r"\(being judged\)"):
        tabrl.wait(run_id, timeout=0.3)
    assert "the judge is grading the rollouts" in tabrl.run(run_id)._repr_html_()

    def judge() -> None:
        with opened() as conn:
            conn.execute("UPDATE jobs SET judge = ? WHERE run = ?",
                         (json.dumps(not_judged("a test verdict", "builtin")), run_id))

    status = wait_while(run_id, judge, monkeypatch)
    assert [j["judge"]["verdict"] for j in status["jobs"]] == ["not judged: a test verdict"] * 3


def test_a_run_that_ended_long_ago_without_verdicts_is_not_waited_for():
    run_id = trained_unjudged_run()
    with opened() as conn:
        conn.execute("UPDATE jobs SET finished = finished - ? WHERE run = ?",
                     (VERDICT_GRACE_S + 1, run_id))
    assert tabrl.wait(run_id, timeout=5).settled
    assert "grading" not in tabrl.run(run_id)._repr_html_()


def test_an_interrupt_stops_only_the_waiting_and_says_how_to_reattach(monkeypatch, capsys):
    run_id = running_run()

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(waiting.time, "sleep", interrupt)
    with pytest.raises(KeyboardInterrupt):
        tabrl.wait(run_id)
    assert f"reattach with tabrl.wait('{run_id}')" in capsys.readouterr().out
    assert tabrl.get_status(run_id)["counts"]["running"] == 3


def test_interrupting_the_kernel_during_wait_leaves_the_jobs_running(home, monkeypatch):
    """A real kernel: `tabrl.wait` shows its bars, the kernel is interrupted (the notebook's stop
    button), and the run trains on, with the way back printed."""
    from jupyter_client.manager import start_new_kernel

    run_id = running_run()
    monkeypatch.setenv("TABRL_HOME", str(home))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        msg_id = client.execute(f"import tabrl_core as tabrl\ntabrl.wait({run_id!r})")
        seen = []
        while not any(m["msg_type"] == "display_data" for m in seen):  # the bars are up
            seen.append(client.get_iopub_msg(timeout=60))
        manager.interrupt_kernel()
        while not (seen[-1]["msg_type"] == "status"
                   and seen[-1]["content"]["execution_state"] == "idle"
                   and seen[-1]["parent_header"].get("msg_id") == msg_id):
            seen.append(client.get_iopub_msg(timeout=60))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    printed = "".join(m["content"]["text"] for m in seen if m["msg_type"] == "stream")
    assert f"Stopped waiting: run {run_id} keeps training; reattach with tabrl.wait('{run_id}')" \
        in printed
    assert any(m["msg_type"] == "error" and m["content"]["ename"] == "KeyboardInterrupt"
               for m in seen)
    assert tabrl.get_status(run_id)["counts"]["running"] == 3


def test_the_notebook_api_does_not_import_jax():
    code = ("import sys, tabrl_core as tabrl; tabrl.run; tabrl.wait; tabrl.results; tabrl.show;"
            "tabrl.start_batch; import tabrl_core.notebook.html_view; print('jax' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr


def test_a_displayed_run_updates_live_in_a_real_kernel_while_the_kernel_runs_on(home):
    """Cell 1 displays a training run and returns at once; cell 2 finishes the jobs the way a
    worker would; cell 1's output then shows the finished run with its grid."""
    run_id = running_run()
    cells = [
        f"import os, sys; sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        f"os.environ['TABRL_HOME'] = {str(home)!r}\n"
        "import tabrl_core as tabrl, tabrl_core.notebook.handles as handles\n"
        "handles.FOLLOW_POLL_S = 0.1\n"
        f"run = tabrl.run({run_id!r})\nrun",
        "import threading\nfrom pathlib import Path\nimport app_runs\n"
        "from tabrl_core.jobs.records import JobOutcome, JobRef, finish_job\n"
        "from tabrl_core.store import opened\n"
        "with opened() as conn:\n"
        "    for j in run.status()['jobs']:\n"
        f"        video = app_runs.clip(Path({str(home)!r}) / f\"{{j['id']}}.mp4\", 0)\n"
        "        finish_job(conn, JobRef(j['id'], j['attempt']),\n"
        "                   JobOutcome('succeeded', artifacts={'video': video}))\n"
        "for thread in threading.enumerate():\n"
        "    if thread.name.startswith('tabrl-follow-'):\n"
        "        thread.join(60)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    shown = notebook.cells[0].outputs[0]["data"]["text/html"]
    assert "3 succeeded" in shown and "srcdoc" in shown
