"""The local worker under faults, with real (tiny) training and rendering: a NaN or crashing
reward, a failed render, missing or corrupt artifacts, a SIGKILLed worker, cancel and SIGTERM."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from tabrl_core import jobs, store
from tabrl_core.jobs import queue
from tabrl_core.jobs.estimate import DEFAULTS
from tabrl_core.jobs.worker import run_worker

from jobs_support import FORWARD, NAN_IN_TRAINING, TINY, wait_for

pytestmark = pytest.mark.slow

CRASHES = "def reward(s, a, prev_a):\n    return 1 / 0, {}\n"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TABRL_HOME", str(path))
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
        yield path


def approaches(*named: tuple[str, str]) -> list[dict]:
    return [{"provider": "test", "name": name, "code": code} for name, code in named]


@pytest.fixture(scope="module")
def mixed(home) -> dict:
    """One batch trained by an in-process worker: a good reward, a NaN one, a crashing one."""
    batch = jobs.start_batch("go1", approaches(("good", FORWARD), ("nan", NAN_IN_TRAINING),
                                               ("crash", CRASHES)),
                             10_000, start_worker=False, train_config=TINY)
    run_worker(idle_exit_s=0, poll_s=0.1)
    return {job["name"]: job for job in jobs.get_status(batch.id, verify=True)["jobs"]}


def test_a_nan_or_crashing_reward_fails_its_job_and_the_rest_finish(mixed):
    good, nan, crash = mixed["good"], mixed["nan"], mixed["crash"]
    assert (nan["state"], crash["state"]) == ("failed", "failed")
    assert "NaN" in nan["error"]
    assert crash["error"].startswith("reward rejected: line 2: ZeroDivisionError")
    assert (good["state"], good["error"], good["progress"]) == ("succeeded", None, 1.0)
    assert good["steps_done"] == good["total_steps"] == 10_000
    assert set(good["artifacts"]) == {"checkpoint", "video", "gif", "thumbnail", "trajectory"}
    assert good["artifact_problems"] == []
    assert Path(good["artifacts"]["video"]).read_bytes()[4:8] == b"ftyp"  # an MP4
    assert good["stats"]["final"]["mean_return"] is not None


def test_progress_and_throughput_are_recorded(mixed):
    good = mixed["good"]
    assert good["curve"] and good["curve"][-1]["step"] <= 10_000
    assert "forward" in good["curve"][-1]["components"]
    with store.opened() as conn:
        calibration = conn.execute("SELECT * FROM calibrations").fetchone()
    # only the good reward trained: the sandbox rejected the NaN and the crashing ones
    assert (calibration["n_approaches"], calibration["env_steps"]) == (1, 10_000)
    assert calibration["env_steps_per_s"] > 0
    assert jobs.estimate("go1", 10_000, "local", 1) != pytest.approx(
        DEFAULTS["local"][0] + 10_000 / DEFAULTS["local"][1])


def test_a_failed_render_fails_its_job_with_the_reason(home):
    from tabrl_core.jobs.group import render_media

    outcome = render_media(home / "no-such-checkpoint", home / "media")
    assert outcome.status == "failed"
    assert outcome.error.startswith("render failed: CheckpointError")
    assert "no-such-checkpoint" in outcome.error


def test_render_again_writes_new_files(mixed):
    before = mixed["good"]["artifacts"]["video"]
    job = jobs.render(mixed["good"]["id"])
    assert job["state"] == "succeeded" and job["artifact_problems"] == []
    assert job["artifacts"]["video"] != before and Path(job["artifacts"]["video"]).exists()
    assert job["artifacts"]["checkpoint"] == mixed["good"]["artifacts"]["checkpoint"]


def test_a_missing_or_corrupt_artifact_is_reported_not_fatal(mixed):
    artifacts = jobs.get_status(mixed["good"]["id"])["jobs"][0]["artifacts"]
    gif, thumbnail = Path(artifacts["gif"]), Path(artifacts["thumbnail"])
    saved = thumbnail.read_bytes()
    gif.rename(gif.with_suffix(".moved"))
    thumbnail.write_bytes(saved[:-10])
    try:
        job = jobs.get_status(mixed["good"]["id"])["jobs"][0]
        assert job["state"] == "succeeded"
        problems = " ".join(job["artifact_problems"])
        assert f"gif missing: {gif}" in problems and f"thumbnail corrupt: {thumbnail}" in problems
        assert len(job["artifact_problems"]) == 2
    finally:
        gif.with_suffix(".moved").rename(gif)
        thumbnail.write_bytes(saved)
    assert jobs.get_status(mixed["good"]["id"], verify=True)["jobs"][0]["artifact_problems"] == []


def _running_with_progress(run_id: str):
    status = jobs.get_status(run_id)
    return any(j["state"] == "running" and j["progress"] > 0 for j in status["jobs"])


def _counts() -> dict:
    with store.opened() as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("runs", "approaches", "jobs", "artifacts")}


def test_a_killed_worker_leaves_failed_jobs_with_the_reason_and_loses_no_row(mixed):
    batch = jobs.start_batch("go1", approaches(("a", FORWARD), ("b", FORWARD)), 100_000,
                             owner="session-2", train_config=TINY)  # starts a background worker
    with store.opened() as conn:
        pid = wait_for(lambda: queue.live_workers(conn), 30, "a background worker")[0]
    wait_for(lambda: _running_with_progress(batch.id), 240, "training progress")
    before = _counts()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not psutil.pid_exists(pid) or
             psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, 10, "the worker to die")
    with store.opened() as conn:
        states = {r[0] for r in conn.execute("SELECT state FROM jobs WHERE run = ?", (batch.id,))}
    assert states == {"running"}  # nothing has noticed yet

    started = time.monotonic()
    run_worker(idle_exit_s=0, poll_s=0.1)  # the next worker start
    assert time.monotonic() - started < 10
    status = jobs.get_status(batch.id)
    assert [j["state"] for j in status["jobs"]] == ["failed", "failed"]
    assert {j["error"] for j in status["jobs"]} == {
        f"worker {pid} died during training; press Retry"}
    assert _counts() == before
    assert jobs.get_status(mixed["good"]["id"], verify=True)["jobs"][0]["artifact_problems"] == []


def test_retry_then_cancel_while_training_frees_the_worker_and_sigterm_requeues(home):
    batch = jobs.start_batch("go1", approaches(("a", FORWARD), ("b", FORWARD)), 100_000,
                             start_worker=False, train_config=TINY)
    jobs.cancel(batch.id)
    for job_id in batch.job_ids:
        jobs.retry(job_id)  # the first starts a background worker
    wait_for(lambda: _running_with_progress(batch.id), 240, "training progress")
    with store.opened() as conn:
        pid = queue.live_workers(conn)[0]
    assert sorted(jobs.cancel(batch.id)) == sorted(batch.job_ids)
    status = jobs.get_status(batch.id)
    assert [(j["state"], j["attempt"]) for j in status["jobs"]] == [("cancelled", 2)] * 2

    # The 100K-step group would train for a while yet: the worker must drop it at once.
    after = jobs.start_batch("go1", approaches(("c", FORWARD)), 10_000, start_worker=False,
                             train_config=TINY)
    cancelled_at = time.monotonic()
    wait_for(lambda: jobs.get_status(after.id)["state"] == "running", 30, "the next run")
    assert time.monotonic() - cancelled_at < 15
    assert all(j["artifacts"] == {} for j in jobs.get_status(batch.id)["jobs"])

    process = psutil.Process(pid)
    os.kill(pid, signal.SIGTERM)  # a clean stop in the middle of the next run
    wait_for(lambda: not process.is_running() or process.status() == psutil.STATUS_ZOMBIE, 60,
             "the worker to exit on SIGTERM")
    job = jobs.get_status(after.id)["jobs"][0]
    assert (job["state"], job["attempt"], job["error"]) == ("queued", 2, None)
    assert jobs.get_status(after.id)["worker_alive"] is False
    jobs.cancel(after.id)
