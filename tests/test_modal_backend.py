"""The Modal backend, patched at the Modal boundary (Function.from_name, FunctionCall.from_id,
Dict.from_name, Volume.from_name): submission, running, done (the function body run locally on a
tiny budget), failed, expired, timed out and cancelled calls, and a Modal that never answers."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import threading
import time
from pathlib import Path

import modal
import modal.exception
import pytest

from tabrl_core import jobs, store
from tabrl_core.jobs import modal_backend
from tabrl_core.jobs.group import GroupProgress, JobProgress
from tabrl_core.jobs.modal_backend import ModalUnavailableError
from tabrl_core.jobs.remote import _progress_writer, run_remote_batch

from jobs_support import FORWARD, NAN_IN_TRAINING, TINY, wait_for

_ids = itertools.count()


def running():
    raise TimeoutError()  # what FunctionCall.get(timeout=0) raises while the call runs


class FakeCall:
    def __init__(self, object_id: str):
        self.object_id, self.outcome, self.cancelled = object_id, running, False

    def get(self, timeout=None):
        assert timeout == 0, "polling must never wait on Modal"
        return self.outcome()

    def cancel(self, terminate_containers: bool = False):
        self.cancelled = True


class Snapshots(dict):
    """The progress Dict, keeping every snapshot written into it."""

    def __init__(self):
        super().__init__()
        self.written: list[dict] = []

    def __setitem__(self, key, value):
        self.written.append(value)
        super().__setitem__(key, value)


class FakeModal:
    """The deployed app as the client sees it; each test scripts its calls' outcomes."""

    def __init__(self, volume_root: Path):
        self.calls: dict[str, FakeCall] = {}
        self.spawned: list[tuple[str, dict]] = []
        self.progress = Snapshots()
        self.volume_root = volume_root
        self.lookup = lambda: None
        self.spawn_error: Exception | None = None

    # modal.Function.from_name(...) and the Function it returns
    def function_from_name(self, app_name, name, **_):
        assert (app_name, name) == ("tabrl", "tabrl-custom-reward-training")
        return self

    def hydrate(self):
        self.lookup()
        return self

    def spawn(self, config):
        if self.spawn_error:
            raise self.spawn_error
        call = FakeCall(f"fc-{next(_ids)}")
        self.calls[call.object_id] = call
        self.spawned.append((call.object_id, config))
        return call

    # modal.FunctionCall.from_id, modal.Dict.from_name, modal.Volume.from_name
    def call_from_id(self, call_id, client=None):
        return self.calls[call_id]

    def dict_from_name(self, name, **_):
        assert name == "tabrl-progress"
        return self.progress

    def volume_from_name(self, name, **_):
        assert name == "tabrl-artifacts"
        return self

    def read_file_into_fileobj(self, path, fileobj):
        fileobj.write((self.volume_root / path).read_bytes())


@pytest.fixture
def fake(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TABRL_HOME", str(home))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-test")
    monkeypatch.setattr(modal_backend, "POLL_EVERY_S", 0.0)
    fake = FakeModal(tmp_path / "volume")
    monkeypatch.setattr(modal.Function, "from_name", fake.function_from_name)
    monkeypatch.setattr(modal.FunctionCall, "from_id", fake.call_from_id)
    monkeypatch.setattr(modal.Dict, "from_name", fake.dict_from_name)
    monkeypatch.setattr(modal.Volume, "from_name", fake.volume_from_name)
    return fake


def approaches(*codes: str) -> list[dict]:
    return [{"provider": "test", "name": f"a{i}", "code": c} for i, c in enumerate(codes)]


def start(fake, *codes: str, **options) -> jobs.Batch:
    return jobs.start_batch("go1", approaches(*(codes or (FORWARD, FORWARD))), 10_000,
                            backend="modal", train_config=TINY, **options)


def states(batch) -> list[tuple[str, str | None]]:
    return [(j["state"], j["error"]) for j in jobs.get_status(batch.id)["jobs"]]


def load_modal_train():
    """modal_train.py from the repository root, as `modal deploy modal_train.py` imports it."""
    path = Path(__file__).resolve().parents[1] / "modal_train.py"
    spec = importlib.util.spec_from_file_location("modal_train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_app_defines_the_named_gpu_function_volume_and_dict():
    modal_train = load_modal_train()

    assert modal_train.app.name == "tabrl"
    assert modal_train.train_batch._tag_ == "tabrl-custom-reward-training"
    assert modal_train.train_batch._spec_.gpus == os.environ.get("TABRL_MODAL_GPU", "H100")
    assert set(modal_train.train_batch._spec_.volumes) == {modal_train.VOLUME_PATH}
    pins = modal_train.requirements()
    assert any(p.startswith("jax[cuda12]==") for p in pins)
    assert not any(p.startswith(("jax[cpu]", "pytest", "playwright", "streamlit")) for p in pins)
    assert {"brax", "mujoco", "mujoco-mjx"} <= {p.split("==")[0] for p in pins}


def test_without_a_token_submission_fails_clearly_and_records_nothing(fake, monkeypatch):
    monkeypatch.delenv("MODAL_TOKEN_ID")
    monkeypatch.delenv("MODAL_TOKEN_SECRET")
    real_get = modal.config.config.get
    monkeypatch.setattr(modal.config.config, "get", lambda key, **kw: None
                        if key.startswith("token") else real_get(key, **kw))
    with pytest.raises(ModalUnavailableError, match="no Modal token"):
        start(fake)
    assert jobs.list_runs() == [] and fake.spawned == []


def test_an_unreachable_modal_fails_submission_within_the_deadline(fake, monkeypatch):
    release = threading.Event()
    fake.lookup = lambda: release.wait(30)
    monkeypatch.setattr(modal_backend, "LOOKUP_TIMEOUT_S", 0.3)
    started = time.monotonic()
    with pytest.raises(ModalUnavailableError, match="did not answer"):
        start(fake)
    release.set()
    assert time.monotonic() - started < 2 and jobs.list_runs() == []


def test_an_undeployed_function_says_how_to_deploy(fake):
    def not_found():
        raise modal.exception.NotFoundError("App 'tabrl' not found")
    fake.lookup = not_found
    with pytest.raises(ModalUnavailableError, match="modal deploy modal_train.py"):
        start(fake)


def test_one_call_per_batch_by_default_or_one_per_job(fake):
    batch = start(fake, FORWARD, FORWARD, FORWARD)
    assert len(fake.spawned) == 1
    call_id, config = fake.spawned[0]
    assert (config["robot"], config["steps"], config["train_config"]) == ("go1", 10_000, TINY)
    assert [j["id"] for j in config["jobs"]] == batch.job_ids
    assert all(j["code"] == FORWARD and j["attempt"] == 1 for j in config["jobs"])
    status = jobs.get_status(batch.id)
    assert {(j["state"], j["external_id"]) for j in status["jobs"]} == {("running", call_id)}

    start(fake, FORWARD, FORWARD, per_job=True)
    assert len(fake.spawned) == 3
    assert [len(config["jobs"]) for _, config in fake.spawned[1:]] == [1, 1]


def test_a_refused_spawn_fails_the_jobs_and_raises(fake):
    fake.spawn_error = modal.exception.AuthError("token revoked")
    with pytest.raises(ModalUnavailableError, match="token revoked"):
        start(fake)
    (run,) = jobs.list_runs()
    assert run["failed"] == 2
    assert all("token revoked" in j["error"] for j in jobs.get_status(run["id"])["jobs"])


def test_progress_comes_from_the_dict_while_running(fake):
    batch = start(fake)
    call_id, _ = fake.spawned[0]
    fake.progress[call_id] = {
        "jobs": {batch.job_ids[0]: {"steps_done": 5_000, "total_steps": 10_000, "eta_s": 12.0,
                                    "mean_return": 3.5, "components": {"forward": 3.5}}},
        "env_steps_per_s": 40_000.0, "elapsed_s": 10.0}
    first, second = jobs.get_status(batch.id)["jobs"]
    assert (first["state"], first["progress"], first["eta_s"], first["mean_return"]) == (
        "running", 0.5, 12.0, 3.5)
    assert first["curve"] == [{"step": 5_000, "mean_return": 3.5,
                               "components": {"forward": 3.5}}]
    assert (second["state"], second["progress"]) == ("running", 0)


def test_the_start_command_travels_from_the_function_through_the_dict_to_status(fake):
    backward = {"command": {"vx": -0.4, "vy": 0.0, "yaw": 0.0, "height": 0.0, "roll": 0.0,
                            "pitch": 0.0}, "label": "backward 0.40 m/s", "score": 1.25,
                "note": None}
    batch = start(fake)
    call_id, _ = fake.spawned[0]
    write = _progress_writer(fake.progress, call_id, batch.job_ids)  # the function's side
    write(GroupProgress({0: JobProgress(5_000, 10_000, 12.0, 3.5, {"forward": 3.5}, backward),
                         1: JobProgress(5_000, 10_000, 12.0, 3.0, {"forward": 3.0})},
                        2, 40_000.0, 10.0))
    snapshot = fake.progress[call_id]
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["jobs"][batch.job_ids[0]]["start_command"] == backward
    first, second = jobs.get_status(batch.id)["jobs"]  # the client's side
    assert (first["state"], first["steps_done"], first["start_command"]) == (
        "running", 5_000, backward)
    assert (second["state"], second["steps_done"], second["start_command"]) == (
        "running", 5_000, None)


def test_a_finished_call_is_collected_into_the_store(fake):
    batch = start(fake, FORWARD, NAN_IN_TRAINING)
    call_id, config = fake.spawned[0]
    result = run_remote_batch(config, volume_root=fake.volume_root, progress=fake.progress,
                              key=call_id)  # the function body, locally, on a tiny budget
    assert set(fake.progress[call_id]["jobs"]) <= set(batch.job_ids)
    fake.calls[call_id].outcome = lambda: result
    good, nan = jobs.get_status(batch.id, verify=True)["jobs"]
    assert (good["state"], good["progress"], good["artifact_problems"]) == ("succeeded", 1.0, [])
    assert set(good["artifacts"]) == {"checkpoint", "video", "gif", "thumbnail", "trajectory"}
    local = store.job_dir(batch.id, good["id"], 1)
    assert all(Path(p).is_relative_to(local) for p in good["artifacts"].values())
    assert (local / "checkpoint").is_dir()
    assert good["stats"]["final"]["mean_return"] is not None
    # While it trained, its progress already said which command fine-tuning started from.
    reported = [snapshot["jobs"][good["id"]]["start_command"]
                for snapshot in fake.progress.written if good["id"] in snapshot["jobs"]]
    assert reported and reported[0]["label"]
    assert all(r == good["stats"]["final"]["start_command"] for r in reported)
    assert (nan["state"], "NaN" in nan["error"]) == ("failed", True)
    # The collected run is judged in the background, from the trajectory Modal rendered.
    judged = wait_for(lambda: jobs.get_status(batch.id)["jobs"][0]["judge"], 120, "a verdict")
    assert judged["by"] == "builtin" and judged["checks"]
    assert jobs.get_status(batch.id)["jobs"][1]["judge"] is None  # it never trained
    with store.opened() as conn:
        calibration = conn.execute("SELECT * FROM calibrations").fetchone()
    assert (calibration["backend"], calibration["n_approaches"]) == ("modal", 1)  # NaN rejected
    assert calibration["env_steps"] == 10_000 and calibration["env_steps_per_s"] > 0


class Preempted(Exception):
    """What a preempted container looks like from inside: the call stops mid-training."""


def test_a_preempted_call_resumes_from_the_volume_when_modal_runs_it_again(fake, monkeypatch):
    monkeypatch.setenv("TABRL_CHECKPOINT_EVERY_S", "0")
    batch = start(fake, FORWARD, FORWARD)
    call_id, config = fake.spawned[0]
    commits = []

    def commit_then_preempt():  # volume.commit() in modal_train.py
        commits.append(time.monotonic())
        if len(commits) == 2:
            raise Preempted()

    with pytest.raises(Preempted):
        run_remote_batch(config, volume_root=fake.volume_root, progress=fake.progress,
                         key=call_id, on_resume_point=commit_then_preempt)
    # Modal restarts the function on the same input, in a new container with the Volume
    result = run_remote_batch(config, volume_root=fake.volume_root, progress=fake.progress,
                              key=call_id, on_resume_point=lambda: commits.append(0))
    assert len(commits) > 2
    fake.calls[call_id].outcome = lambda: result
    for job in jobs.get_status(batch.id, verify=True)["jobs"]:
        assert (job["state"], job["steps_done"], job["artifact_problems"]) == (
            "succeeded", 10_000, [])
        assert job["stats"]["final"]["resumed_from_steps"] == 2 * 128 * 16  # two iterations
    assert not list(fake.volume_root.rglob("resume.msgpack"))  # removed once the jobs ended


def test_the_function_is_retried_so_a_crashed_call_resumes_too():
    assert load_modal_train().RETRIES.max_retries >= 1


@pytest.mark.parametrize("error, expected", [
    (RuntimeError("CUDA out of memory"), "Modal: RuntimeError: CUDA out of memory"),
    (modal.exception.OutputExpiredError(), "expired before it was collected"),
    (modal.exception.FunctionTimeoutError("7200 s"), "ran out of time"),
])
def test_a_failed_expired_or_timed_out_call_fails_its_jobs_with_the_reason(fake, error,
                                                                          expected):
    batch = start(fake)
    call_id, _ = fake.spawned[0]

    def fail():
        raise error
    fake.calls[call_id].outcome = fail
    jobs.get_status(batch.job_ids[0])  # one job's status collects its whole call
    with store.opened() as conn:
        rows = conn.execute("SELECT state, error FROM jobs WHERE run = ?", (batch.id,)).fetchall()
    assert [r["state"] for r in rows] == ["failed", "failed"]
    assert all(expected in r["error"] for r in rows)


def test_a_call_cancelled_on_modal_cancels_its_jobs(fake):
    batch = start(fake)

    def cancelled():
        raise modal.exception.InputCancellation("cancelled")
    fake.calls[fake.spawned[0][0]].outcome = cancelled
    assert states(batch) == [("cancelled", "cancelled on Modal")] * 2


def test_cancel_stops_the_call_once_no_job_needs_it(fake):
    batch = start(fake)
    call = fake.calls[fake.spawned[0][0]]
    jobs.cancel(batch.job_ids[0])
    assert not call.cancelled  # the other job still trains in that call
    jobs.cancel(batch.id)
    assert call.cancelled
    assert [s for s, _ in states(batch)] == ["cancelled", "cancelled"]


def test_retry_spawns_a_new_attempt(fake):
    batch = start(fake)
    jobs.cancel(batch.id)
    jobs.retry(batch.job_ids[1])
    call_id, config = fake.spawned[-1]
    assert [(j["id"], j["attempt"]) for j in config["jobs"]] == [(batch.job_ids[1], 2)]
    assert jobs.get_status(batch.job_ids[1])["jobs"][0]["external_id"] == call_id


def test_a_modal_that_never_answers_never_hangs_status(fake, monkeypatch):
    monkeypatch.setattr(modal_backend, "POLL_WAIT_S", 0.2)
    batch = start(fake)
    answer = threading.Event()
    fake.calls[fake.spawned[0][0]].outcome = lambda: (answer.wait(30), running())[1]
    started = time.monotonic()
    for _ in range(3):
        assert [s for s, _ in states(batch)] == ["running", "running"]
    assert time.monotonic() - started < 3
    answer.set()  # the answer arrives later: the next status call collects it

    wait_for(lambda: states(batch) == [("running", None)] * 2 and not modal_backend._in_flight,
             10, "the late answer to be collected")
