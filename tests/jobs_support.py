"""What the store, worker and Modal tests share: a condition wait, reward codes, a tiny trainer."""

from __future__ import annotations

import time

import pytest

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
