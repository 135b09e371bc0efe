"""What the store, worker and Modal tests share: a condition wait, reward codes, a tiny trainer,
stopping the workers a test started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest

from tabrl_core.jobs.queue import live_workers
from tabrl_core.store import opened

FORWARD = "def reward(s, a, prev_a):\n    f = s.base_lin_vel[0]\n    return f, {'forward': f}\n"
# NaN once the robot sinks below 25 cm: the sandbox rejects it before training (its realistic
# states include falls), so its job fails with the reason.
NAN_IN_TRAINING = ("def reward(s, a, prev_a):\n    low = jnp.sqrt(s.base_height - 0.25)\n"
                   "    return low, {'low': low}\n")
TINY = {"num_envs": 128, "unroll_length": 16, "num_minibatches": 2, "num_epochs": 1,
        "policy_hidden": [16], "value_hidden": [16]}
"""The smallest useful trainer: 10K steps are five iterations."""


def wait_for(condition, timeout_s: float = 30.0, what: str = "condition"):
    """Poll `condition` until it returns something truthy, or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def stop_workers(home: Path) -> None:
    """Stop the local workers registered in data dir `home` (never this test process)."""
    with opened(home / "tabrl.db") as conn:
        pids = [pid for pid in live_workers(conn) if pid != os.getpid()]
    workers = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
    for worker in workers:
        worker.terminate()
    psutil.wait_procs(workers, timeout=30)
