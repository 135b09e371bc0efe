"""The `tabrl judge ID [--provider P] [--video P|off] [--json]` subcommand."""

from __future__ import annotations

import argparse
import json
import sys


def _judge(args: argparse.Namespace) -> int:
    from tabrl_core.judging.run import judge_run

    try:
        result = judge_run(args.id, args.provider, video_provider=args.video)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print(format_result(result))
    return 0


def format_result(result: dict) -> str:
    """The judgement as plain text: the judge program's origin, then one line per approach."""
    program = result["judge_program"]
    lines = [f"run {result['run_id']}: judged by {program['by']}"
             + ("" if program["valid"] else f" (invalid: {program['error']})")]
    names = {r["job_id"]: r for r in result["ranking"]}
    for job_id, verdict in result["verdicts"].items():
        mark = {True: "PASS", False: "FAIL", None: "----"}[verdict["passed"]]
        score = "  -  " if verdict["score"] is None else f"{verdict['score']:.2f}"
        who = names.get(job_id, {})
        label = f"{who.get('provider', '?')}: {who.get('name', job_id)}" if who else job_id
        lines.append(f"{mark} {score}  {label}  {verdict['verdict']}")
        if video := verdict.get("video"):
            lines.append(f"      video ({video['by']}): "
                         + (f"{video['score']:.2f} {video['reason']}" if "score" in video
                            else video["error"]))
    for provider, row in result["providers"].items():
        mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.2f}"
        lines.append(f"{provider}: {row['passes']}/{row['judged']} passed, mean score {mean}")
    return "\n".join(lines)


def add_judge_command(subparsers) -> None:
    """`tabrl judge ID`: judge a run's (or a job's) stored trajectories again."""
    parser = subparsers.add_parser("judge", help="judge a run's or job's videos again")
    parser.add_argument("id", help="run id (run-...) or job id (job-...)")
    parser.add_argument("--provider", default=None,
                        help="write a new judge program with this provider (builtin, anthropic, "
                             "...); default: the run's stored judge")
    parser.add_argument("--video", default=None, metavar="P",
                        help="video judge provider, or 'off' (default: the judge provider when "
                             "it is Claude, GPT or Gemini with a key)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=_judge)
