"""Runs and jobs as notebook objects that show themselves: a `Run` (what `tabrl.start_batch`
returns, and `tabrl.run(id)` reopens) and a `Job`; `follow` keeps a displayed one up to date.

Every method reads the store afresh, so a handle works on runs started from the app, the CLI or
another kernel, and a handle kept in a variable never shows stale state.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pandas as pd

from tabrl_core.jobs import api
from tabrl_core.notebook import html_view
from tabrl_core.notebook.status import Status, bundle, fetch_status, in_kernel, provider_labels
from tabrl_core.notebook.tables import curves_frame, results_frame
from tabrl_core.notebook.waiting import wait

FOLLOW_POLL_S = 1.0
"""How often a displayed run that is still training re-reads the store."""


def follow(id_: str) -> None:
    """Display a run or job and, while it trains (and is judged), keep that display up to date
    from the store in a background thread (the kernel stays free); once settled it shows its
    grid. A settled one is shown once."""
    from IPython.display import display

    status = fetch_status(id_)
    if status.settled or not in_kernel():
        display(bundle(status._repr_html_(), status), raw=True)
        return
    labels = provider_labels()
    view = (html_view.job_html if status["kind"] == "job"
            else lambda s, l: html_view.run_html(s, l, grid=False))
    handle = display(bundle(view(status, labels), status), raw=True, display_id=True)

    def keep_up() -> None:
        current = status
        while not current.settled:
            time.sleep(FOLLOW_POLL_S)
            current = fetch_status(id_)
            page = current._repr_html_() if current.settled else view(current, labels)
            handle.update(bundle(page, current), raw=True)

    threading.Thread(target=keep_up, name=f"tabrl-follow-{id_}", daemon=True).start()


def show_grid(*ids: str) -> None:
    """Display one synchronized grid of the jobs of these runs and jobs, in the order given (rows
    are providers): a parent and its refinement side by side, say. Where no job has a video yet,
    a line per id says what state it is in."""
    from IPython.display import display

    statuses = [fetch_status(i) for i in ids]
    jobs = list({j["id"]: j for s in statuses for j in s["jobs"]}.values())
    frame = html_view.grid_frame(jobs, provider_labels())
    if not frame:
        lines = [f"No video yet: {s['kind']} {s['id']} is {s['state']}" for s in statuses]
        display({"text/html": "".join(f"<p>{html_view.text(line)}</p>" for line in lines),
                 "text/plain": "\n".join(lines)}, raw=True)
        return
    display({"text/html": frame, "text/plain": f"<video grid of {len(jobs)} jobs>"}, raw=True)


@dataclass(frozen=True)
class Run(api.Batch):
    """A run (a batch): its id and job ids, and what a notebook asks of it. Displayed, it shows
    each job's progress while training (updating live) and the video grid, verdicts and curves
    once done."""

    @classmethod
    def open(cls, id_: str) -> Run:
        """The run with this id, or the run a job with this id belongs to."""
        status = fetch_status(id_)
        if status["kind"] == "job":
            status = fetch_status(status["run"]["id"])
        return cls(status["run"]["id"], [j["id"] for j in status["jobs"]])

    def status(self) -> Status:
        """The run's status now (see `tabrl.get_status`)."""
        return fetch_status(self.id)

    @property
    def jobs(self) -> list[Job]:
        return [Job(j) for j in self.job_ids]

    def wait(self, timeout: float | None = None) -> Status:
        """Block until every job has finished (see `tabrl.wait`)."""
        return wait(self.id, timeout)

    def results(self) -> pd.DataFrame:
        """One row per approach (see `tabrl.results`)."""
        return results_frame(self.status())

    def curves(self) -> pd.DataFrame:
        """The training curves, tidy (see `tabrl.curves`)."""
        return curves_frame(self.status())

    def grid_html(self) -> str:
        """The synchronized grid as one standalone HTML document, videos embedded: save it to
        share the comparison as a single file."""
        return html_view.grid_standalone(self.status()["jobs"], provider_labels())

    def show(self) -> None:
        """Display the video grid (or what is missing) inline."""
        show_grid(self.id)

    def _repr_html_(self) -> str:
        return self.status()._repr_html_()

    def _ipython_display_(self) -> None:
        follow(self.id)


@dataclass(frozen=True)
class Job:
    """One job (an approach being trained): its status, its video and curves when displayed."""

    id: str

    def status(self) -> Status:
        """This job's status now: `status()["jobs"][0]` is the job."""
        status = fetch_status(self.id)
        if status["kind"] != "job":
            raise ValueError(f"{self.id!r} is a run, not a job; open it with tabrl.run()")
        return status

    @property
    def run(self) -> Run:
        return Run.open(self.status()["run"]["id"])

    def _repr_html_(self) -> str:
        return self.status()._repr_html_()

    def _ipython_display_(self) -> None:
        follow(self.status()["id"])
