"""Training budgets: the backends, the named presets and the step limits, written once.

Light to import (no JAX): the app, the CLI, the jobs API and hosting all read these.
"""

from __future__ import annotations

BACKENDS = ("local", "modal")
"""Where a batch can train: the local worker process, or Modal's GPUs."""
STEPS_MIN = 10_000
"""The smallest budget, env steps per approach (the Quick preset)."""
STEPS_MAX_LOCAL = 1_000_000
"""The largest budget on the local CPU backend (the app shows its measured time estimate)."""
STEPS_MAX_GPU = 20_000_000
"""The largest budget accepted for GPU backends."""
STEPS_INCREMENT = 5_000
"""The granularity of budgets the app offers up to the Quality preset (coarser above it)."""
PRESETS = {"Quick": STEPS_MIN, "Standard": 50_000, "Quality": 100_000}
"""Named budgets shown in the app and CLI, env steps per approach."""
HOSTED_MAX_STEPS = PRESETS["Standard"]
"""The default largest budget per approach in hosted mode."""


def max_steps(backend: str) -> int:
    """The largest budget `backend` accepts; ValueError for an unknown backend."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return STEPS_MAX_LOCAL if backend == "local" else STEPS_MAX_GPU


def check_steps(steps: int, backend: str) -> None:
    """ValueError unless `steps` is a budget `backend` accepts."""
    top = max_steps(backend)
    if not STEPS_MIN <= steps <= top:
        raise ValueError(f"steps must be between {STEPS_MIN:,} and {top:,} on {backend}; "
                         f"got {steps:,}")


def budget_options(top: int) -> list[int]:
    """The budgets the app's slider offers up to `top`: every STEPS_INCREMENT up to the Quality
    preset, then every 50,000 (so a million steps stay a short list)."""
    fine = list(range(STEPS_MIN, min(top, PRESETS["Quality"]) + 1, STEPS_INCREMENT))
    return fine + list(range(fine[-1] + 50_000, top + 1, 50_000))
