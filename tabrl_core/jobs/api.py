"""The jobs API the app, notebooks and CLI use: start, watch, cancel and retry training batches.

A batch is a run: one robot, one behaviour, one budget, and the approaches to train, each valid
one a job. Everything lives in the store, so a page reload or an app restart loses nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from tabrl_core import hosting
from tabrl_core.budgets import check_steps
from tabrl_core.jobs import modal_backend
from tabrl_core.jobs.estimate import estimate_seconds
from tabrl_core.jobs.queue import live_workers, recover_orphans, register_worker
from tabrl_core.jobs.records import JobRef, end_jobs, insert_run, requeue_job
from tabrl_core.jobs.status import job_rows, run_status
from tabrl_core.paths import subdir
from tabrl_core.robots import get_robot
from tabrl_core.store import artifact_path, job_dir, opened, record_artifact, transaction

WORKER_IDLE_EXIT_S = 300
"""A background worker exits after this long with nothing queued."""
_SECRET_OPTION = re.compile(r"key|token|secret|password", re.IGNORECASE)


@dataclass(frozen=True)
class Batch:
    """A started batch: its run id and the ids of its jobs (one per valid approach)."""

    id: str
    job_ids: list[str]


def _approach_dict(approach) -> dict:
    data = approach.to_dict() if hasattr(approach, "to_dict") else dict(approach)
    missing = {"provider", "name", "code"} - data.keys()
    if missing:
        raise ValueError(f"approach {data.get('name', '?')!r} lacks {sorted(missing)}")
    return {"valid": True, **data}


def _check_options(options: dict, backend: str, steps: int) -> None:
    from tabrl_core.training.config import configured  # dataclasses only, no JAX

    secret = [k for k in options if _SECRET_OPTION.search(k)]
    if secret:
        raise ValueError(f"options {secret} look like credentials; API keys are never stored")
    json.dumps(options)  # raises TypeError for what the store cannot keep
    configured("cpu" if backend == "local" else "gpu", steps, options.get("train_config"))


def start_batch(robot: str, approaches: list, steps: int, backend: str = "local", *,
                behavior: str = "", owner: str = "local", run_id: str | None = None,
                seed: int = 0, start_worker: bool = True, parent_run: str | None = None,
                **options) -> Batch:
    """Record a run and queue one job per valid approach; start the backend.

    `approaches` are `Approach` objects or dicts (provider, name, description, code, valid,
    error; a refinement's also carry records.LINEAGE_FIELDS, and `parent_run` names the run
    they refine); invalid ones are recorded without a job. Options: `train_config` (TrainConfig
    fields over the backend's defaults, e.g. the app's Advanced settings), and for Modal
    `per_job` (one GPU call per job instead of one per batch).
    `start_worker=False` leaves the local queue to a worker you run yourself (`tabrl worker`).
    Raises ValueError for an unknown robot or backend, a budget out of range, no valid
    approach, or (hosted mode) a batch over the session's limits; ModalUnavailableError when
    Modal has no credentials or cannot be reached.
    """
    get_robot(robot)
    check_steps(steps, backend)
    rows = [_approach_dict(a) for a in approaches]
    if not any(r["valid"] for r in rows):
        raise ValueError("no valid approach to train; fix the reward code or generate again")
    _check_options(options, backend, steps)
    hosting.check_batch(_active_jobs(owner), sum(r["valid"] for r in rows), steps)
    if backend == "modal":
        modal_backend.check_ready()
    with opened() as conn:
        run_id, job_ids = insert_run(conn, robot=robot, behavior=behavior, steps=steps,
                                     backend=backend, seed=seed, owner=owner, options=options,
                                     approaches=rows, run_id=run_id, parent_run=parent_run)
        if backend == "modal":
            modal_backend.submit(conn, run_id, [JobRef(j, 1) for j in job_ids])
    if backend == "local" and start_worker:
        ensure_worker()
    return Batch(run_id, job_ids)


def _active_jobs(owner: str) -> int:
    """How many of `owner`'s jobs are queued or training."""
    with opened() as conn:
        return conn.execute("""
            SELECT COUNT(*) FROM jobs j JOIN runs r ON j.run = r.id
            WHERE r.owner = ? AND j.state IN ('queued', 'running')""", (owner,)).fetchone()[0]


def check_backend(backend: str) -> str:
    """Say that `backend` can train now, or raise (ModalUnavailableError says what to do).

    Local: a worker is alive, or one is started. Modal: the deployed function answers a lookup
    within its deadline.
    """
    if backend == "local":
        return f"The local worker (pid {ensure_worker()}) is running."
    modal_backend.check_ready()
    return f"Modal answers: {modal_backend.APP_NAME}/{modal_backend.FUNCTION_NAME} is deployed."


def ensure_worker() -> int:
    """The pid of a live local worker, starting one in the background if none is alive."""
    with opened() as conn:
        if alive := live_workers(conn):
            return alive[0]
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
        with (subdir("logs") / "worker.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tabrl_core.jobs.worker",
                 "--idle-exit", str(WORKER_IDLE_EXIT_S)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=root, start_new_session=True)
        # Registered now, so a second start_batch in the next seconds does not start another.
        register_worker(conn, process.pid)
        return process.pid


def _lookup(conn, id_: str) -> tuple[str, str]:
    """("run" | "job", run id) for a run or job id; KeyError otherwise."""
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (id_,)).fetchone():
        return "run", id_
    row = conn.execute("SELECT run FROM jobs WHERE id = ?", (id_,)).fetchone()
    if row is None:
        raise KeyError(f"no run or job with id {id_!r}")
    return "job", row["run"]


def get_status(id_: str, *, verify: bool = False) -> dict:
    """The state of a run (all its jobs) or of one job: run fields, approaches, and per job its
    state, progress 0..1, steps, ETA, latest metrics and curve, error, absolute artifact paths
    (with any missing or corrupt file listed under `artifact_problems`; `verify` compares sha256),
    stats, and `start_command` (the command its fine-tuning started from, as soon as its
    progress reports it; None when pretraining or not known yet); `worker_alive` says whether
    a local worker serves the queue. Polling Modal jobs here is cheap: `get(timeout=0)`,
    throttled, errors caught.
    """
    with opened() as conn:
        if recover_orphans(conn):  # a dead worker's jobs are queued to resume: serve them
            ensure_worker()
        kind, run_id = _lookup(conn, id_)
        only = id_ if kind == "job" else None
        modal_backend.sync(conn, {r["external_id"] for r in job_rows(conn, run_id, only)
                                  if r["backend"] == "modal" and r["state"] == "running"})
        return {"id": id_, "kind": kind, **run_status(conn, run_id, only, verify=verify),
                "worker_alive": bool(live_workers(conn))}


def cancel(id_: str) -> list[str]:
    """Cancel a run's unfinished jobs, or one job; returns the ids cancelled."""
    with opened() as conn:
        kind, run_id = _lookup(conn, id_)
        where, params = ("run = ?", (run_id,)) if kind == "run" else ("id = ?", (id_,))
        ids = end_jobs(conn, where, params, state="cancelled", error="cancelled")
        modal_backend.cancel_orphaned_calls(conn, ids)
    return ids


def retry(job_id: str) -> None:
    """Queue a failed or cancelled job again (a new attempt) and start its backend."""
    with opened() as conn:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job with id {job_id!r}")
        if not requeue_job(conn, job_id, states=("failed", "cancelled")):
            raise ValueError(f"job {job_id} is {row['state']}; only failed or cancelled jobs "
                             "can be retried")
        if row["backend"] == "modal":
            modal_backend.check_ready()
            modal_backend.submit(conn, row["run"], [JobRef(job_id, row["attempt"] + 1)])
    if row["backend"] == "local":
        ensure_worker()


def render(job_id: str) -> dict:
    """Render a trained job's checkpoint again, under new file names, in this process; returns
    the job's status. A job whose earlier render failed is then marked succeeded."""
    from tabrl_core.jobs.group import render_media  # imports JAX and MuJoCo: only when used
    from tabrl_core.rewards import compile_reward

    with opened() as conn:
        row = conn.execute("SELECT j.*, a.code, r.robot FROM jobs j JOIN approaches a ON"
                           " j.approach = a.id JOIN runs r ON j.run = r.id WHERE j.id = ?",
                           (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job with id {job_id!r}")
        checkpoint = conn.execute(
            "SELECT path FROM artifacts WHERE job = ? AND attempt = ? AND kind = 'checkpoint'"
            " ORDER BY id DESC LIMIT 1", (job_id, row["attempt"])).fetchone()
        if checkpoint is None:
            raise ValueError(f"job {job_id} ({row['state']}) has no checkpoint to render")
        out_dir = job_dir(row["run"], job_id, row["attempt"]) / f"media-{uuid.uuid4().hex[:8]}"
        outcome = render_media(artifact_path(checkpoint["path"]), out_dir,
                               reward=compile_reward(row["code"], row["robot"]))
        if outcome.status != "succeeded":
            raise RuntimeError(outcome.error)
        stats = {"final": json.loads(row["stats"]).get("final", {}), **outcome.stats}
        with transaction(conn):
            for kind, path in outcome.artifacts.items():
                if kind != "checkpoint":
                    record_artifact(conn, job_id, row["attempt"], kind, path)
            conn.execute("UPDATE jobs SET state = 'succeeded', error = NULL, stats = ?"
                         " WHERE id = ? AND attempt = ?", (json.dumps(stats), job_id,
                                                           row["attempt"]))
    return get_status(job_id)["jobs"][0]


def estimate(robot: str, steps: int, backend: str = "local", n_approaches: int = 1) -> float:
    """Seconds a batch should take, from the throughput recorded by finished batches (see
    `tabrl_core.jobs.estimate.estimate_seconds` for the defaults used before any finished)."""
    with opened() as conn:
        return estimate_seconds(conn, robot, steps, backend, n_approaches)


def list_runs(owner: str | None = None, limit: int = 100) -> list[dict]:
    """Recent runs, newest first (only `owner`'s if given), with their jobs' state counts."""
    where, params = ("WHERE r.owner = ?", (owner,)) if owner else ("", ())
    with opened() as conn:
        rows = conn.execute(f"""
            SELECT r.*, COUNT(j.id) AS n_jobs,
                   SUM(j.state = 'queued') AS queued, SUM(j.state = 'running') AS running,
                   SUM(j.state = 'succeeded') AS succeeded, SUM(j.state = 'failed') AS failed,
                   SUM(j.state = 'cancelled') AS cancelled
            FROM runs r LEFT JOIN jobs j ON j.run = r.id {where}
            GROUP BY r.id ORDER BY r.created DESC LIMIT ?""", (*params, limit)).fetchall()
    return [{**dict(r), "options": json.loads(r["options"])} for r in rows]
