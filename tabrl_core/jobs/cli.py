"""The `tabrl worker`, `tabrl status ID` and `tabrl cancel ID` subcommands.

Each `add_*_command(subparsers)` adds one subcommand whose handler is set as `func`
(call `args.func(args)`; it returns the exit status).
"""

from __future__ import annotations

import argparse
import json
import sys


def _worker(args: argparse.Namespace) -> int:
    from tabrl_core.jobs import worker  # imports JAX: only when the worker really runs

    worker.main([] if args.idle_exit is None else ["--idle-exit", str(args.idle_exit)])
    return 0


def _status(args: argparse.Namespace) -> int:
    from tabrl_core.jobs.api import get_status

    try:
        status = get_status(args.id, verify=args.verify)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    json.dump(status, sys.stdout, indent=2, default=str)
    print()
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from tabrl_core.jobs.api import cancel

    try:
        cancelled = cancel(args.id)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    print(json.dumps({"cancelled": cancelled}))
    return 0


def add_worker_command(subparsers) -> None:
    """`tabrl worker [--idle-exit S]`: serve the local training queue in the foreground."""
    parser = subparsers.add_parser("worker", help="run the local training worker")
    parser.add_argument("--idle-exit", type=float, default=None, metavar="S",
                        help="exit after S seconds with nothing queued (default: never)")
    parser.set_defaults(func=_worker)


def add_status_command(subparsers) -> None:
    """`tabrl status ID [--verify]`: print a run's or job's status as JSON."""
    parser = subparsers.add_parser("status", help="print a run's or job's status as JSON")
    parser.add_argument("id", help="run id (run-...) or job id (job-...)")
    parser.add_argument("--verify", action="store_true",
                        help="check every artifact's sha256, not only that it exists")
    parser.set_defaults(func=_status)


def add_cancel_command(subparsers) -> None:
    """`tabrl cancel ID`: cancel a run's unfinished jobs, or one job."""
    parser = subparsers.add_parser("cancel", help="cancel a run or a job")
    parser.add_argument("id", help="run id (run-...) or job id (job-...)")
    parser.set_defaults(func=_cancel)
