"""How long a batch will take, from the throughput finished groups recorded (calibrations).

Each finished group stores its wall time and its training throughput; an estimate is the median
fixed overhead (compile, start-up, render) plus the env steps over the median throughput, over the
last few groups of the same robot and backend.
"""

from __future__ import annotations

import sqlite3
import statistics
import time

RECENT = 5
"""How many recent calibrations an estimate uses."""

DEFAULTS: dict[str, tuple[float, float]] = {
    # (overhead s, env steps/s). local: measured once on the 2-core dev CPU (2026-11-25), a
    # population PPO over 9 rewards took 78 s for 9 x 10K steps and 255 s for 9 x 100K.
    "local": (58.0, 4_600.0),
    # modal: NOT measured; an assumption (container start + compile, GPU throughput) until the
    # first finished Modal batch records a calibration.
    "modal": (120.0, 50_000.0),
}


def record_calibration(conn: sqlite3.Connection, *, robot: str, backend: str, n_approaches: int,
                       env_steps: int, wall_s: float, env_steps_per_s: float | None) -> None:
    """Store what one finished group measured (ignored without a throughput)."""
    if not env_steps_per_s or env_steps_per_s <= 0 or env_steps <= 0:
        return
    conn.execute(
        "INSERT INTO calibrations (robot, backend, n_approaches, env_steps, wall_s,"
        " env_steps_per_s, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (robot, backend, n_approaches, env_steps, wall_s, env_steps_per_s, time.time()))


def estimate_seconds(conn: sqlite3.Connection, robot: str, steps: int, backend: str,
                     n_approaches: int) -> float:
    """Seconds to train and render `n_approaches` x `steps` on `backend`.

    Uses the last RECENT calibrations for this robot and backend; with none recorded yet, the
    constants in DEFAULTS (the local one measured once on the dev CPU, the Modal one assumed).
    """
    rows = conn.execute(
        "SELECT env_steps, wall_s, env_steps_per_s FROM calibrations"
        " WHERE robot = ? AND backend = ? ORDER BY created DESC LIMIT ?",
        (robot, backend, RECENT)).fetchall()
    if rows:
        rate = statistics.median(r["env_steps_per_s"] for r in rows)
        overhead = statistics.median(
            max(0.0, r["wall_s"] - r["env_steps"] / r["env_steps_per_s"]) for r in rows)
    else:
        overhead, rate = DEFAULTS.get(backend, DEFAULTS["local"])
    return overhead + steps * max(1, n_approaches) / rate
