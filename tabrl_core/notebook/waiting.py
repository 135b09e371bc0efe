"""`wait`: block until a run has finished, with a progress bar (per job in a notebook, one bar in a
terminal). Waiting never changes the run: a timeout or an interrupt leaves its jobs training."""

from __future__ import annotations

import sys
import time

from tabrl_core.jobs.view import duration, state_counts
from tabrl_core.notebook import html_view
from tabrl_core.notebook.status import Status, bundle, fetch_status, in_kernel, provider_labels

POLL_S = 1.0
"""How often `wait` re-reads the store."""


def reattach_hint(status: Status) -> str:
    """How to come back to a run or job that is still training, in words."""
    what, id_ = status["kind"], status["id"]
    return (f"{what} {id_} keeps training; reattach with tabrl.wait({id_!r}), "
            f"or stop it with tabrl.cancel({id_!r})")


class _NotebookBars:
    """Per-job progress bars in one display that updates in place; gone once the run is done."""

    def __init__(self, status: Status):
        from IPython.display import display

        self._labels = provider_labels()
        self._handle = display(self._render(status), raw=True, display_id=True)

    def _render(self, status: Status) -> dict:
        return bundle(html_view.run_html(status, self._labels, grid=False), status)

    def update(self, status: Status) -> None:
        self._handle.update(self._render(status), raw=True)

    def close(self, status: Status, started: float) -> None:
        state = "finished" if status.settled else "still training"
        line = (f"Run {status['run']['id']} {state} after waiting"
                f" {duration(time.monotonic() - started)}: {state_counts(status)}")
        self._handle.update({"text/html": f"<div>{html_view.text(line)}</div>",
                             "text/plain": line}, raw=True)


class _TerminalBar:
    """One tqdm bar over every job's steps, with the state counts beside it."""

    def __init__(self, status: Status):
        from tqdm import tqdm

        self._bar = tqdm(total=self._total(status), desc=status["run"]["id"], unit="step",
                         file=sys.stderr, dynamic_ncols=True)
        self.update(status)

    @staticmethod
    def _total(status: Status) -> int:
        return sum(j["total_steps"] for j in status["jobs"])

    def update(self, status: Status) -> None:
        self._bar.n = sum(j["total_steps"] if j["state"] == "succeeded" else j["steps_done"]
                          for j in status["jobs"])
        self._bar.set_postfix_str(state_counts(status))

    def close(self, status: Status, started: float) -> None:
        self.update(status)
        self._bar.close()


def wait(run_id: str, timeout: float | None = None, *, poll_s: float = POLL_S) -> Status:
    """Block until every job of the run (or the one job) has finished and the judge has graded
    them, showing progress; returns the final status (a dict; a notebook shows it as the run
    with its grid).

    TimeoutError after `timeout` seconds, naming the run and how to reattach; an interrupt
    (Ctrl-C, the notebook's stop button) stops only the waiting, never the jobs.
    UnknownRunError for an id the store does not hold.
    """
    started = time.monotonic()
    status = fetch_status(run_id)
    bars = (_NotebookBars if in_kernel() else _TerminalBar)(status)
    try:
        while not status.settled:
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                doing = "being judged" if not status.active else state_counts(status)
                raise TimeoutError(f"{status['kind']} {run_id} did not finish within {timeout} s"
                                   f" ({doing}); {reattach_hint(status)}")
            time.sleep(poll_s if left is None else min(poll_s, left))
            status = fetch_status(run_id)
            bars.update(status)
    except KeyboardInterrupt:
        print(f"Stopped waiting: {reattach_hint(status)}.")
        raise
    finally:
        bars.close(status, started)
    return status
