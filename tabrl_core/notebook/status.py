"""A run's status as the notebook reads it: `fetch_status` (a clear error for an unknown id),
`Status` (the status dict, shown as the run's view) and display bundles."""

from __future__ import annotations

from tabrl_core.jobs import api
from tabrl_core.jobs.view import ACTIVE_STATES, awaiting_verdicts, state_counts
from tabrl_core.notebook import html_view
from tabrl_core.providers import ProviderConfigError, provider_statuses
from tabrl_core.store.db import db_path


class UnknownRunError(KeyError):
    """No run or job with this id in the store this kernel reads (TABRL_HOME)."""

    def __init__(self, id_: str):
        super().__init__(id_)
        self.id = id_

    def __str__(self) -> str:
        return (f"no run or job with id {self.id!r} in {db_path()} (TABRL_HOME); "
                "tabrl.list_runs() lists the runs there")


def fetch_status(id_: str) -> Status:
    """`get_status(id_)` as a `Status`; UnknownRunError for an id the store does not hold."""
    try:
        return Status(api.get_status(id_))
    except KeyError as err:
        if err.args != (f"no run or job with id {id_!r}",):  # not get_status's own lookup
            raise
        raise UnknownRunError(id_) from None


def provider_labels() -> dict[str, str]:
    """Provider id -> display name ('builtin' -> 'Built-in'); {} when the settings are broken."""
    try:
        return {p["id"]: p["label"] for p in provider_statuses()}
    except ProviderConfigError:
        return {}


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (which can show live HTML)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Status(dict):
    """A `get_status` dict (run or job) that a notebook shows as the run's view."""

    def _repr_html_(self) -> str:
        if self["kind"] == "job":
            return html_view.job_html(self, provider_labels())
        return html_view.run_html(self, provider_labels())

    @property
    def active(self) -> bool:
        """Whether some job is still queued or running."""
        return any(j["state"] in ACTIVE_STATES for j in self["jobs"])

    @property
    def settled(self) -> bool:
        """Whether nothing will change by itself any more: every job has ended and the judge
        has graded what it will grade."""
        return not self.active and not awaiting_verdicts(self)


def bundle(page: str, status: dict) -> dict:
    """A display bundle: the HTML, and one line of text for frontends without HTML."""
    what = f"{status['kind']} {status['id']}"
    return {"text/html": page, "text/plain": f"<{what}: {state_counts(status)}>"}
