"""Local or hosted: who owns runs, which backend trains them, and the hosted limits.

Locally (the default) every run belongs to "local" and trains on the local worker. With
TABRL_MODE=hosted, each browser session owns its runs, trains on Modal by default, and stays
within limits on steps per approach and on jobs queued or training at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tabrl_core.jobs import modal_backend
from tabrl_core.jobs.api import BACKENDS, ensure_worker, list_runs

MODES = ("local", "hosted")
LOCAL_OWNER = "local"


class LimitExceededError(ValueError):
    """A batch that hosted mode does not allow; the message says what to change."""


@dataclass(frozen=True)
class HostedLimits:
    """What one browser session may ask for in hosted mode."""

    max_steps: int = 50_000
    """Training steps per approach (env TABRL_HOSTED_MAX_STEPS)."""
    max_active_jobs: int = 9
    """Jobs queued or training at once, per session (env TABRL_HOSTED_MAX_JOBS)."""


def mode() -> str:
    """env TABRL_MODE: 'local' (default) or 'hosted'."""
    value = os.environ.get("TABRL_MODE", "local").strip().lower() or "local"
    if value not in MODES:
        raise ValueError(f"TABRL_MODE must be one of {', '.join(MODES)}; got {value!r}")
    return value


def is_hosted() -> bool:
    return mode() == "hosted"


def default_backend() -> str:
    """env TABRL_BACKEND, else 'modal' when hosted and 'local' otherwise."""
    value = os.environ.get("TABRL_BACKEND") or ("modal" if is_hosted() else "local")
    if value not in BACKENDS:
        raise ValueError(f"TABRL_BACKEND must be one of {', '.join(BACKENDS)}; got {value!r}")
    return value


def check_backend(backend: str) -> str:
    """Say that `backend` can train now, or raise (ModalUnavailableError says what to do).

    Local: a worker is alive, or one is started. Modal: the deployed function answers a lookup
    within its deadline.
    """
    if backend == "local":
        return f"The local worker (pid {ensure_worker()}) is running."
    modal_backend.check_ready()
    return f"Modal answers: {modal_backend.APP_NAME}/{modal_backend.FUNCTION_NAME} is deployed."


def hosted_limits() -> HostedLimits:
    """The limits, with any override from the environment."""
    defaults = HostedLimits()
    return HostedLimits(
        max_steps=int(os.environ.get("TABRL_HOSTED_MAX_STEPS", defaults.max_steps)),
        max_active_jobs=int(os.environ.get("TABRL_HOSTED_MAX_JOBS", defaults.max_active_jobs)))


def check_batch(owner: str, n_jobs: int, steps: int) -> None:
    """Raise LimitExceededError if hosted mode does not allow `owner` this batch; no-op locally."""
    if not is_hosted():
        return
    limits = hosted_limits()
    if steps > limits.max_steps:
        raise LimitExceededError(f"hosted runs train at most {limits.max_steps:,} steps per "
                                 f"approach; lower the budget from {steps:,}")
    active = sum((r["queued"] or 0) + (r["running"] or 0) for r in list_runs(owner))
    if active + n_jobs > limits.max_active_jobs:
        raise LimitExceededError(
            f"this session has {active} jobs queued or training and hosted mode allows "
            f"{limits.max_active_jobs} at once; wait for them to finish or cancel some")
