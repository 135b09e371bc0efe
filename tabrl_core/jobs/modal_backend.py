"""The Modal backend's client: submit a batch to the deployed function, poll it, collect results.

By default one call trains a whole batch (`per_job=False`): every approach of the run shares one
GPU and one compiled population program, which costs a ninth of nine calls. `per_job=True` spawns
one call per job, as the design document first described (each job then starts and fails alone).

Nothing here may hang a page: submission checks credentials and looks the function up in a
thread with a deadline, and polling runs `FunctionCall.get(timeout=0)` plus the progress Dict in a
background thread that the caller waits on briefly; a poll that has not answered is picked up by
the next status call. Every Modal error ends up as a job error, never as an exception.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field

import modal
import modal.exception

from tabrl_core.jobs.estimate import record_calibration
from tabrl_core.jobs.records import JobOutcome, JobRef, end_jobs, finish_job, write_progress
from tabrl_core.judging.run import judge_finished_run
from tabrl_core.paths import data_dir
from tabrl_core.store import transaction

APP_NAME = "tabrl"
FUNCTION_NAME = "tabrl-custom-reward-training"
VOLUME_NAME = "tabrl-artifacts"
DICT_NAME = "tabrl-progress"
LOOKUP_TIMEOUT_S = 10.0
"""How long submission waits for Modal to find the deployed function."""
SPAWN_TIMEOUT_S = 30.0
"""How long submission waits for Modal to accept one call."""
POLL_EVERY_S = 2.0
"""Least time between two polls of one call (shared by every page and process)."""
POLL_WAIT_S = 3.0
"""How long a status call waits for a poll before answering with what the store has."""

log = logging.getLogger("tabrl.modal")
_executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="tabrl-modal")
# Judging collected runs, off the polling path: a status call never waits for a judge.
_judge_executor = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                        thread_name_prefix="tabrl-judge")
_in_flight: dict[str, concurrent.futures.Future] = {}
_in_flight_lock = threading.Lock()


class ModalUnavailableError(RuntimeError):
    """Modal cannot take the batch: no credentials, not deployed, or not reachable."""


@dataclass
class Poll:
    """What one poll of a call found: still running (with progress), done, failed or cancelled."""

    state: str  # running, done, failed, cancelled
    error: str | None = None
    progress: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)


def _has_credentials() -> bool:
    if os.environ.get("MODAL_TOKEN_ID") and os.environ.get("MODAL_TOKEN_SECRET"):
        return True
    return bool(modal.config.config.get("token_id") and modal.config.config.get("token_secret"))


def _within(seconds: float, fn, what: str):
    """fn() in a daemon thread; its result, its exception, or ModalUnavailableError on time-out."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ModalUnavailableError(f"Modal did not answer within {seconds:.0f} s while {what}; "
                                    "check the network")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def check_ready() -> None:
    """Raise ModalUnavailableError (with what to do) unless the deployed function can be used."""
    if not _has_credentials():
        raise ModalUnavailableError(
            "no Modal token: run `modal token new`, or set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET")
    try:
        _within(LOOKUP_TIMEOUT_S,
                lambda: modal.Function.from_name(APP_NAME, FUNCTION_NAME).hydrate(),
                "looking up the function")
    except modal.exception.NotFoundError as exc:
        raise ModalUnavailableError(
            f"{APP_NAME}/{FUNCTION_NAME} is not deployed: run `modal deploy modal_train.py`"
        ) from exc
    except modal.exception.AuthError as exc:
        raise ModalUnavailableError(f"Modal rejected the token: {exc}") from exc
    except ModalUnavailableError:
        raise
    except Exception as exc:
        raise ModalUnavailableError(f"Modal is unavailable: {type(exc).__name__}: {exc}") from exc


def _batch_config(conn: sqlite3.Connection, run_id: str, jobs: list[JobRef]) -> dict:
    run = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    codes = {r["id"]: r["code"] for r in conn.execute(
        f"SELECT j.id, a.code FROM jobs j JOIN approaches a ON j.approach = a.id"
        f" WHERE j.id IN ({', '.join('?' * len(jobs))})", [j.id for j in jobs])}
    options = json.loads(run["options"])
    return {"run_id": run_id, "robot": run["robot"], "steps": run["steps"], "seed": run["seed"],
            "train_config": options.get("train_config"),
            "jobs": [{"id": j.id, "attempt": j.attempt, "code": codes[j.id]} for j in jobs]}


def _spawn(function, config: dict) -> str:
    """Spawn one call and return its id; a call Modal accepts after we gave up is cancelled."""
    gave_up = threading.Event()

    def spawn() -> str:
        call = function.spawn(config)
        if gave_up.is_set():  # its jobs were already failed: don't leave it running unseen
            call.cancel()
        return call.object_id

    try:
        return _within(SPAWN_TIMEOUT_S, spawn, "starting the training")
    except ModalUnavailableError:
        gave_up.set()
        raise


def submit(conn: sqlite3.Connection, run_id: str, jobs: list[JobRef]) -> None:
    """Spawn the deployed function for queued `jobs` (one call, or one per job with per_job).

    A call that cannot be spawned fails its jobs with the reason; if none could be spawned,
    ModalUnavailableError is raised as well.
    """
    options = json.loads(conn.execute("SELECT options FROM runs WHERE id = ?",
                                      (run_id,)).fetchone()["options"])
    calls = [[job] for job in jobs] if options.get("per_job") else [jobs]
    function = modal.Function.from_name(APP_NAME, FUNCTION_NAME)
    errors = []
    for group in calls:
        try:
            call_id = _spawn(function, _batch_config(conn, run_id, group))
        except Exception as exc:
            errors.append(f"Modal could not start the training: {type(exc).__name__}: {exc}")
            end_jobs(conn, " OR ".join("id = ?" for _ in group), tuple(j.id for j in group),
                     state="failed", error=errors[-1])
            continue
        now = time.time()
        with transaction(conn):
            conn.executemany(
                "UPDATE jobs SET state = 'running', external_id = ?, started = ?, heartbeat = ?"
                " WHERE id = ? AND attempt = ? AND state = 'queued'",
                [(call_id, now, now, j.id, j.attempt) for j in group])
    if len(errors) == len(calls):
        raise ModalUnavailableError(errors[0])


def _download(result: dict) -> None:
    """Copy every file a finished call wrote from the Volume into TABRL_HOME/artifacts."""
    volume = modal.Volume.from_name(VOLUME_NAME)
    root = data_dir() / "artifacts"
    for job in result["jobs"].values():
        for name in job.get("files", []):
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            with partial.open("wb") as f:
                volume.read_file_into_fileobj(name, f)
            partial.replace(target)


def _poll(call_id: str) -> Poll:
    """Ask Modal about one call (network only, no store); never raises."""
    try:
        result = modal.FunctionCall.from_id(call_id).get(timeout=0)
    except TimeoutError:  # the built-in one: still running
        try:
            progress = modal.Dict.from_name(DICT_NAME).get(call_id) or {}
        except Exception as exc:  # progress is a nicety; the call is still running
            log.warning("reading progress of %s failed: %s", call_id, exc)
            progress = {}
        return Poll("running", progress=progress)
    except modal.exception.OutputExpiredError:
        return Poll("failed", "Modal no longer holds this result (it expired before it was "
                              "collected); press Retry")
    except modal.exception.FunctionTimeoutError as exc:
        return Poll("failed", f"the Modal function ran out of time: {exc}")
    except modal.exception.InputCancellation:
        return Poll("cancelled", "cancelled on Modal")
    except Exception as exc:
        return Poll("failed", f"Modal: {type(exc).__name__}: {exc}")
    try:
        _download(result)
    except Exception as exc:
        return Poll("failed", f"copying the results from the Modal volume failed: {exc}")
    return Poll("done", result=result)


def _claim_poll(conn: sqlite3.Connection, call_id: str) -> bool:
    """Whether this caller should poll `call_id` now (at most once per POLL_EVERY_S overall)."""
    now = time.time()
    with transaction(conn):
        return bool(conn.execute(
            "UPDATE jobs SET polled = ? WHERE external_id = ? AND state = 'running'"
            " AND (polled IS NULL OR polled < ?)", (now, call_id, now - POLL_EVERY_S)).rowcount)


def _apply(conn: sqlite3.Connection, call_id: str, jobs: list[sqlite3.Row], poll: Poll) -> None:
    where = "external_id = ? AND state = 'running'"
    if poll.state in ("failed", "cancelled"):
        end_jobs(conn, where, (call_id,), state=poll.state, error=poll.error)
    elif poll.state == "running":
        for row in jobs:
            if p := poll.progress.get("jobs", {}).get(row["id"]):
                write_progress(conn, JobRef(row["id"], row["attempt"]),
                               env_steps_per_s=poll.progress.get("env_steps_per_s"),
                               elapsed_s=poll.progress.get("elapsed_s"), **p)
    else:
        root = data_dir() / "artifacts"
        finished = False
        for row in jobs:
            done = poll.result["jobs"].get(row["id"])
            outcome = (JobOutcome(done["status"], done["error"], done["metrics"], done["stats"],
                                  {k: root / p for k, p in done["artifacts"].items()})
                       if done else JobOutcome("failed", "the Modal result lacks this job"))
            finished |= finish_job(conn, JobRef(row["id"], row["attempt"]), outcome)
        if not finished:
            return  # another poller collected it first
        population = poll.result.get("population", 0)
        robot = conn.execute("SELECT robot, steps FROM runs WHERE id = ?",
                             (jobs[0]["run"],)).fetchone()
        with transaction(conn):
            record_calibration(
                conn, robot=robot["robot"], backend="modal", n_approaches=population,
                env_steps=population * robot["steps"],
                wall_s=time.time() - min(r["started"] for r in jobs),
                env_steps_per_s=poll.result.get("env_steps_per_s"))
        _judge_executor.submit(judge_finished_run, jobs[0]["run"])


def sync(conn: sqlite3.Connection, call_ids: set[str]) -> None:
    """Bring the running jobs of these Modal calls up to date: progress, or their results."""
    for call_id in call_ids:
        with _in_flight_lock:
            future = _in_flight.get(call_id)
            if future is None:
                if not _claim_poll(conn, call_id):
                    continue
                future = _in_flight[call_id] = _executor.submit(_poll, call_id)
        try:
            poll = future.result(timeout=POLL_WAIT_S)
        except concurrent.futures.TimeoutError:
            continue  # still asking Modal; the next status call collects the answer
        with _in_flight_lock:
            _in_flight.pop(call_id, None)
        jobs = conn.execute("SELECT * FROM jobs WHERE external_id = ? AND state = 'running'",
                            (call_id,)).fetchall()
        if jobs:
            _apply(conn, call_id, jobs, poll)


def cancel_orphaned_calls(conn: sqlite3.Connection, cancelled_ids: list[str]) -> None:
    """Cancel the Modal calls of cancelled jobs that no unfinished job still waits on."""
    if not cancelled_ids:
        return
    marks = ", ".join("?" * len(cancelled_ids))
    calls = [r["external_id"] for r in conn.execute(
        f"SELECT DISTINCT external_id FROM jobs WHERE id IN ({marks}) AND backend = 'modal'"
        f" AND external_id IS NOT NULL", cancelled_ids)]
    for call_id in calls:
        if conn.execute("SELECT 1 FROM jobs WHERE external_id = ? AND state IN"
                        " ('queued', 'running')", (call_id,)).fetchone():
            continue
        try:
            _within(LOOKUP_TIMEOUT_S, lambda: modal.FunctionCall.from_id(call_id).cancel(),
                    "cancelling the training")
        except Exception as exc:  # the job is cancelled in the store either way
            log.warning("cancelling Modal call %s failed: %s", call_id, exc)
