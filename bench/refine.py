"""Refinement benchmark: of the built-in designer's approaches whose first try fails the judge,
how many pass after one and after three rounds of built-in refinement, and how long a round takes.

    python bench/refine.py [--behaviours "walk backwards,turn left,..."] [--budgets Quick,Quality]
                           [--rounds 3] [--quality-behaviours 1] [--quality-rounds 1]

Per budget and behaviour: the designer's three approaches train as one run on the local
worker (in this process) and the built-in judge grades them; `auto_refine` then refines the
failing ones, each round one run (fine-tuning each parent's policy), until they pass or the
rounds run out. The Quality budget takes minutes per round on 2 cores, so it runs only the
first `--quality-behaviours` behaviours for `--quality-rounds` rounds. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BEHAVIOURS = ("walk backwards", "turn left", "jump", "trot forward")


def _behaviour(behavior: str, steps: int, rounds: int) -> dict:
    from tabrl_core import get_status, start_batch
    from tabrl_core.jobs.worker import run_worker
    from tabrl_core.providers.builtin import design
    from tabrl_core.refining import auto_refine

    started = time.monotonic()
    batch = start_batch("go1", design("go1", behavior).approaches, steps, behavior=behavior,
                        start_worker=False)
    run_worker(idle_exit_s=0.0, poll_s=0.1)
    first_wall = time.monotonic() - started
    jobs = [j for j in get_status(batch.id)["jobs"] if j["state"] == "succeeded"]
    failed = [j["id"] for j in jobs if j["judge"] and j["judge"]["passed"] is False]
    result = auto_refine(batch.id, rounds=rounds, steps=steps, inline_worker=True,
                         on_progress=lambda line: print(line, file=sys.stderr, flush=True))
    outcomes = {o["job_id"]: o for o in result["approaches"]}

    def passed_by(round_: int) -> int:
        return sum(any(v["passed"] for v in outcomes[j]["versions"] if 1 <= v["round"] <= round_)
                   for j in failed)

    return {"behavior": behavior, "first_try_wall_s": round(first_wall, 1),
            "approaches": len(jobs), "first_try_passed": len(jobs) - len(failed),
            "first_try_failed": len(failed), "passed_after_1": passed_by(1),
            "passed_after_3": passed_by(3), "rounds_run": len(result["rounds"]),
            "round_wall_s": [r["wall_s"] for r in result["rounds"]],
            "changes": [v["change_reason"] for o in outcomes.values() for v in o["versions"]
                        if v["round"] == 1][:3]}


def _budget(steps: int, behaviours: list[str], rounds: int) -> dict:
    rows = [_behaviour(b, steps, rounds) for b in behaviours]
    walls = [w for r in rows for w in r["round_wall_s"]]
    failed = sum(r["first_try_failed"] for r in rows)
    return {"steps": steps, "rounds": rounds, "behaviours": rows, "first_try_failed": failed,
            "passed_after_1": sum(r["passed_after_1"] for r in rows),
            "passed_after_3": sum(r["passed_after_3"] for r in rows),
            "pass_rate_after_1": round(sum(r["passed_after_1"] for r in rows) / failed, 3)
            if failed else None,
            "pass_rate_after_3": round(sum(r["passed_after_3"] for r in rows) / failed, 3)
            if failed else None,
            "mean_round_wall_s": round(sum(walls) / len(walls), 1) if walls else None}


def main() -> None:
    from tabrl_core.budgets import PRESETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--behaviours", default=",".join(BEHAVIOURS))
    parser.add_argument("--budgets", default="Quick,Quality")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quality-behaviours", type=int, default=1)
    parser.add_argument("--quality-rounds", type=int, default=1)
    args = parser.parse_args()
    behaviours = [b.strip() for b in args.behaviours.split(",") if b.strip()]
    os.environ.setdefault("TABRL_HOME", tempfile.mkdtemp(prefix="tabrl-bench-refine-"))
    started = time.monotonic()
    budgets = {}
    for name in (b.strip() for b in args.budgets.split(",")):
        quality = name == "Quality"
        chosen = behaviours[:args.quality_behaviours] if quality else behaviours
        budgets[name] = _budget(PRESETS[name], chosen,
                                args.quality_rounds if quality else args.rounds)
    print(json.dumps({"robot": "go1", "provider": "builtin", "judge": "builtin",
                      "init": "parent", "budgets": budgets,
                      "wall_s": round(time.monotonic() - started, 1)}, indent=1))


if __name__ == "__main__":
    main()
