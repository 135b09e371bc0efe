"""Local or hosted: who owns runs, which backend trains them, and the hosted limits.

Locally (the default) every run belongs to "local" and trains on the local worker. With
TABRL_MODE=hosted, each browser session owns its runs, trains on Modal by default, and stays
within limits on steps per approach and on jobs queued or training at once.

A settings module below the jobs API: it reads only the environment (the jobs API asks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tabrl_core.budgets import BACKENDS, HOSTED_MAX_STEPS

MODES = ("local", "hosted")
LOCAL_OWNER = "local"


class LimitExceededError(ValueError):
    """A batch that hosted mode does not allow; the message says what to change."""


@dataclass(frozen=True)
class HostedLimits:
    """What one browser session may ask for in hosted mode."""

    max_steps: int = HOSTED_MAX_STEPS
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


def hosted_limits() -> HostedLimits:
    """The limits, with any override from the environment."""
    defaults = HostedLimits()
    return HostedLimits(
        max_steps=int(os.environ.get("TABRL_HOSTED_MAX_STEPS", defaults.max_steps)),
        max_active_jobs=int(os.environ.get("TABRL_HOSTED_MAX_JOBS", defaults.max_active_jobs)))


def check_batch(active_jobs: int, n_jobs: int, steps: int) -> None:
    """Raise LimitExceededError if hosted mode does not allow a session with `active_jobs`
    queued or training another `n_jobs` of `steps` each; no-op locally."""
    if not is_hosted():
        return
    limits = hosted_limits()
    if steps > limits.max_steps:
        raise LimitExceededError(f"hosted runs train at most {limits.max_steps:,} steps per "
                                 f"approach; lower the budget from {steps:,}")
    if active_jobs + n_jobs > limits.max_active_jobs:
        raise LimitExceededError(
            f"this session has {active_jobs} jobs queued or training and hosted mode allows "
            f"{limits.max_active_jobs} at once; wait for them to finish or cancel some")
