"""TabRL in Jupyter: runs, batches and jobs that show themselves (live progress while training;
the synchronized video grid, verdicts and curves when done), `wait`, and DataFrames of a run.

    import tabrl_core as tabrl
    run = tabrl.start_batch("go1", approaches, 10_000)   # a Run: shows live progress
    tabrl.wait(run.id)                                   # blocks with a progress bar
    tabrl.results(run.id); tabrl.curves(run.id); tabrl.show(run.id)

All of these read the store, so they work on runs started from the app or the CLI too
(`tabrl.run(id)` reopens one). Nothing here imports JAX.
"""

from __future__ import annotations

import functools

import pandas as pd

from tabrl_core.jobs import api
from tabrl_core.notebook.handles import Job, Run, show_grid
from tabrl_core.notebook.status import Status, UnknownRunError, fetch_status
from tabrl_core.notebook.tables import CURVE_COLUMNS, RESULT_COLUMNS, curves_frame, results_frame
from tabrl_core.notebook.waiting import wait

__all__ = ["CURVE_COLUMNS", "RESULT_COLUMNS", "Job", "Run", "Status", "UnknownRunError",
           "curves", "job", "results", "run", "show", "start_batch", "wait"]


@functools.wraps(api.start_batch)
def start_batch(*args, **kwargs) -> Run:
    batch = api.start_batch(*args, **kwargs)
    return Run(batch.id, batch.job_ids)


start_batch.__doc__ = (f"{api.start_batch.__doc__}\n    In a notebook the returned `Run` (a "
                       "`Batch`) shows each job's progress live, then the grid.\n")


def run(id_: str) -> Run:
    """The run with this id (or the run of the job with this id), as an object that shows itself.
    UnknownRunError when the store holds no such id."""
    return Run.open(id_)


def job(job_id: str) -> Job:
    """The job with this id, as an object that shows its progress, video and curves."""
    Job(job_id).status()  # unknown id or a run id: raise now, not when displayed
    return Job(job_id)


def _run_status(id_: str) -> Status:
    status = fetch_status(id_)
    return fetch_status(status["run"]["id"]) if status["kind"] == "job" else status


def results(run_id: str) -> pd.DataFrame:
    """One row per approach of the run (a job id means its run): provider, name, state, error,
    progress, mean return and components, rollout stats, the judge's verdict and artifact paths;
    columns and dtypes are `RESULT_COLUMNS` whatever state the run is in."""
    return results_frame(_run_status(run_id))


def curves(run_id: str) -> pd.DataFrame:
    """The run's training curves, tidy: run, job, provider, approach, step, metric
    ("mean_return" or "reward/<component>"), value (`CURVE_COLUMNS`)."""
    return curves_frame(_run_status(run_id))


def show(*ids: str) -> None:
    """Display the synchronized video grid of a run inline (or what is missing, and why); given
    several run or job ids, one grid of all their jobs, in that order."""
    if not ids:
        raise TypeError("show() needs at least one run or job id")
    show_grid(*ids)
