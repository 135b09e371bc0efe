"""The `tabrl benchmark`, `tabrl export` and `tabrl policy` subcommands.

Each `add_*_command(subparsers)` adds one subcommand whose handler is set as `func`
(call `args.func(args)`; it returns the exit status).
"""

from __future__ import annotations

import argparse
import sys


def _benchmark(args: argparse.Namespace) -> int:
    from tabrl_core.research.runner import run_benchmark

    providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    result = run_benchmark(args.suite, providers, args.steps, args.out, args.backend,
                           seed=args.seed, judge=args.judge, video_judge=args.video)
    for row in result.leaderboard:
        print(f"{row['provider']:<20} passed {row['tasks_passed']}/{row['tasks']}  "
              f"best score {row['mean_best_score']:.2f}  valid {row['valid_code_rate']:.0%}  "
              f"${row['cost_usd']:.4f}", file=sys.stderr)
    print(result.out / "report.html")
    return 1 if result.failed_tasks else 0


def _export(args: argparse.Namespace) -> int:
    from tabrl_core.research.export import export_run

    print(export_run(args.run, args.path, format=args.format))
    return 0


def _policy(args: argparse.Namespace) -> int:
    from tabrl_core.research.policy import export_policy

    print(export_policy(args.job, args.path, format=args.format))
    return 0


def add_benchmark_command(subparsers) -> None:
    """`tabrl benchmark SUITE.csv --providers ... --steps N --out DIR [--backend local|modal]`."""
    from tabrl_core.budgets import BACKENDS

    parser = subparsers.add_parser(
        "benchmark", help="run a suite of tasks across providers: leaderboard, Parquet, report")
    parser.add_argument("suite", help="CSV with a header: robot,behavior[,category]")
    parser.add_argument("--providers", default="builtin",
                        help="comma-separated provider ids (default: builtin)")
    parser.add_argument("--steps", type=int, default=10_000, help="env steps per approach")
    parser.add_argument("--out", required=True,
                        help="folder for leaderboard.csv, results.parquet and report.html")
    parser.add_argument("--backend", choices=BACKENDS, default="local")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--judge", default=None, metavar="P",
                        help="the one judge provider for every task (default: the first "
                             "configured LLM, else builtin)")
    parser.add_argument("--video", default=None, metavar="P",
                        help="video judge provider, or 'off' (default: the judge provider when "
                             "it is Claude, GPT or Gemini with a key)")
    parser.set_defaults(func=_benchmark)


def add_export_command(subparsers) -> None:
    """`tabrl export RUN PATH [--format parquet|csv]`: a run as a table, one row per approach."""
    from tabrl_core.research.export import FORMATS

    parser = subparsers.add_parser("export", help="export a run as Parquet or CSV")
    parser.add_argument("run", help="run id (run-...)")
    parser.add_argument("path", help="file to write")
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.set_defaults(func=_export)


def add_policy_command(subparsers) -> None:
    """`tabrl policy JOB PATH [--format onnx|zip]`: a trained policy as ONNX or its checkpoint."""
    parser = subparsers.add_parser("policy", help="export a trained policy as ONNX or a zip")
    parser.add_argument("job", help="job id (job-...)")
    parser.add_argument("path", help="file to write")
    parser.add_argument("--format", choices=("onnx", "zip"), default="onnx")
    parser.set_defaults(func=_policy)
