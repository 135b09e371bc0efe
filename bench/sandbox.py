"""Reward validation benchmark: prints one JSON object with the time per program.

    python bench/sandbox.py [--label NAME]

The valid corpus (tests/reward_corpus/valid + the contract's example) on go1, and the built-in
designer's rewards for every bundled robot, validated in batches of 9 (what one provider round
sends: 3 providers x 3 approaches) through `compile_rewards`, each batch in a fresh sandbox
child. Per program: the batch's wall time over its size (child start-up included). Each
robot's realistic-state sample (made once per robot, then cached) is made and timed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BEHAVIOURS = ("walk forward", "turn in place", "jump")
BATCH = 9


def programs() -> list[tuple[str, str]]:
    """(robot id, code) for the valid corpus on go1 and the designer's rewards on every robot."""
    from tabrl_core.providers import builtin
    from tabrl_core.rewards.contract import EXAMPLE_REWARD
    from tabrl_core.robots import robot_ids

    corpus = sorted((ROOT / "tests" / "reward_corpus" / "valid").glob("*.py"))
    out = [("go1", p.read_text()) for p in corpus] + [("go1", EXAMPLE_REWARD)]
    for robot in robot_ids():
        for behaviour in BEHAVIOURS:
            out += [(robot, a.code) for a in builtin.design(robot, behaviour).approaches]
    return out


def make_state_samples(robots) -> dict[str, float] | None:
    """Make each robot's realistic-state sample first (once per robot, then cached), timed
    apart from validation; None where the sandbox has no such sample (before issue 15)."""
    try:
        from tabrl_core.training.state_sample import state_sample
    except ImportError:
        return None
    from tabrl_core.rewards import contract_for

    times = {}
    for robot in robots:
        t0 = time.monotonic()
        state_sample(contract_for(robot))
        times[robot] = round(time.monotonic() - t0, 2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="current")
    args = parser.parse_args()
    from tabrl_core.rewards import compile_rewards, compiler

    by_robot: dict[str, list[str]] = {}
    for robot, code in programs():
        by_robot.setdefault(robot, []).append(code)
    samples_s = make_state_samples(by_robot)
    per_program, batches, rejected = [], [], []
    for robot, codes in by_robot.items():
        for start in range(0, len(codes), BATCH):
            batch = codes[start:start + BATCH]
            compiler._TRACED.clear()  # measure the sandbox, not this process's memo
            t0 = time.monotonic()
            results = compile_rewards(batch, robot)
            wall = time.monotonic() - t0
            batches.append({"robot": robot, "programs": len(batch), "wall_s": round(wall, 3)})
            per_program += [wall / len(batch)] * len(batch)
            rejected += [f"{robot}: {r}" for r in results if isinstance(r, Exception)]
    print(json.dumps({
        "label": args.label, "programs": len(per_program), "batch_size": BATCH,
        "per_program_s": {"median": round(statistics.median(per_program), 3),
                          "max": round(max(per_program), 3)},
        "batch_wall_s": {"median": round(statistics.median(b["wall_s"] for b in batches), 3),
                         "max": round(max(b["wall_s"] for b in batches), 3)},
        "state_sample_s": samples_s, "rejected": rejected, "batches": batches,
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
                    "python": platform.python_version()},
    }, indent=1))


if __name__ == "__main__":
    main()
