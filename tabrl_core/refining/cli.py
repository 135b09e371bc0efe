"""`tabrl refine --from OUT/summary.json --approach N [--comment TEXT] --out OUT2`, and
`--auto --rounds K` for a whole run: the next versions, trained here, in the summary.json shape
`tabrl train` writes (each refinement with parent, round, comment, diff, judge before/after)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _from_summary(path: str) -> dict:
    try:
        summary = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read --from {path}: {err}") from None
    if not isinstance(summary, dict) or "run_id" not in summary:
        raise ValueError(f"--from {path} is not a summary.json written by `tabrl train`")
    return summary


def _job_of(summary: dict, number: int) -> str:
    """The job id of approach `number` (1-based, as in the file names) of a summary."""
    from tabrl_core.jobs import get_status

    rows = summary.get("approaches", [])
    if not 1 <= number <= len(rows):
        raise ValueError(f"--approach must be between 1 and {len(rows)}; got {number}")
    job_id = rows[number - 1].get("job_id")
    if job_id is None:  # a summary from before job ids were written: match by position
        approaches = get_status(summary["run_id"])["approaches"]
        job_id = approaches[number - 1]["job_id"] if number <= len(approaches) else None
    if job_id is None:
        raise ValueError(f"approach {number} ({rows[number - 1].get('name')}) was invalid and "
                         "never trained, so there is nothing to refine")
    return job_id


def _refine(args: argparse.Namespace) -> int:
    from tabrl_core.jobs import get_status
    from tabrl_core.jobs.summary import approach_rows, run_summary, write_summary
    from tabrl_core.jobs.worker import run_worker
    from tabrl_core.refining import auto_refine, refine

    summary = _from_summary(args.source)
    out = Path(args.out).resolve()
    started = time.monotonic()
    if args.auto:
        if args.approach is not None or args.comment is not None:
            raise ValueError("--auto refines every failing approach of the run by its judge; "
                             "leave out --approach and --comment")
        result = auto_refine(summary["run_id"], rounds=args.rounds, steps=args.steps,
                             init=args.init, inline_worker=True,
                             on_progress=lambda line: print(line, file=sys.stderr, flush=True))
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for round_ in result["rounds"]:
            if round_["run_id"]:
                rows += approach_rows(get_status(round_["run_id"]), out, len(rows) + 1)
        written = {**{k: summary.get(k) for k in ("robot", "behavior")},
                   "steps": args.steps or summary.get("steps"), "run_id": summary["run_id"],
                   "approaches": rows, "auto_refine": result}
        ok = all(a["passed"] for a in result["approaches"])
    else:
        if args.approach is None:
            raise ValueError("say which approach to refine: --approach N (or --auto)")
        started_refinement = refine(_job_of(summary, args.approach), args.comment, args.steps,
                                    args.init, provider=args.provider, start_worker=False)
        print(f"refining into {started_refinement.run_id}: {started_refinement.change_reason}",
              file=sys.stderr, flush=True)
        run_worker(idle_exit_s=0.0, poll_s=0.1)
        out.mkdir(parents=True, exist_ok=True)
        written = run_summary(get_status(started_refinement.run_id), out)
        ok = all(a["status"] == "succeeded" for a in written["approaches"])
    written["wall_s"] = round(time.monotonic() - started, 1)
    print(write_summary(written, out))
    return 0 if ok else 1


def add_refine_command(subparsers) -> None:
    """`tabrl refine`: refine one approach of a summary.json, or (--auto) every failing one."""
    from tabrl_core.refining import INITS

    parser = subparsers.add_parser("refine", help="train the next version of an approach")
    parser.add_argument("--from", dest="source", required=True, metavar="SUMMARY",
                        help="the summary.json of a `tabrl train` (or `tabrl refine`)")
    parser.add_argument("--approach", type=int, default=None, metavar="N",
                        help="the approach to refine, 1-based as in the summary's files")
    parser.add_argument("--comment", default=None, help="what to change, in your own words")
    parser.add_argument("--steps", type=int, default=None,
                        help="env steps (default: the parent's budget)")
    parser.add_argument("--init", choices=INITS, default="parent",
                        help="start from the parent's policy (default), the base or scratch")
    parser.add_argument("--provider", default=None,
                        help="who revises the reward (default: the provider that wrote it)")
    parser.add_argument("--auto", action="store_true",
                        help="refine every approach that failed its judge, round after round")
    parser.add_argument("--rounds", type=int, default=3, help="--auto: at most this many rounds")
    parser.add_argument("--out", required=True, help="folder for summary.json and the videos")
    parser.set_defaults(func=_refine)
