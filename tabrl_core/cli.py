"""The `tabrl` command: the whole path from a sentence to videos, and the tools around it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tabrl_core.budgets import PRESETS, check_steps


class CliError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def _train(args: argparse.Namespace) -> int:
    from tabrl_core.jobs import get_status, start_batch
    from tabrl_core.jobs.summary import run_summary, write_summary
    from tabrl_core.jobs.worker import run_worker
    from tabrl_core.robots import get_robot

    get_robot(args.robot)
    behavior = (args.behavior or "").strip()
    if not behavior and not args.reward_file:
        raise CliError("the behaviour is empty: say what the robot should do, e.g. --behavior "
                       "\"walk forward\"")
    try:
        check_steps(args.steps, "local")
    except ValueError as err:
        raise CliError(f"--{err}") from None
    out = Path(args.out).resolve()
    started = time.monotonic()
    approaches = _own_approach(args) if args.reward_file else []
    if behavior and (args.providers or not args.reward_file):
        approaches += _designed(args, behavior)
    out.mkdir(parents=True, exist_ok=True)
    judge = {"judge_provider": args.judge} if args.judge else {}
    if args.video:
        judge["video_judge"] = args.video
    batch = start_batch(args.robot, approaches, args.steps, behavior=behavior, seed=args.seed,
                        start_worker=False, **judge)
    run_worker(idle_exit_s=0.0, poll_s=0.1)
    summary = run_summary(get_status(batch.id), out)
    summary["wall_s"] = round(time.monotonic() - started, 1)
    print(write_summary(summary, out))
    return 0 if all(a["status"] == "succeeded" for a in summary["approaches"]) else 1


def _designed(args: argparse.Namespace, behavior: str) -> list:
    from tabrl_core.providers import generate_approaches

    results = generate_approaches(args.robot, behavior, _providers(args.providers or "builtin"))
    for r in results.values():
        if r.error:
            print(f"{r.provider}: {r.error}", file=sys.stderr)
    approaches = [a for r in results.values() for a in r.approaches]
    if not approaches:
        raise CliError("no provider returned an approach; see the errors above")
    return approaches


def _own_approach(args: argparse.Namespace) -> list:
    """--reward-file: your code as a "you" approach, refused with the validator's line."""
    from tabrl_core.providers.own import own_approach

    path = Path(args.reward_file)
    try:
        code = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise CliError(f"cannot read --reward-file {path}: {err}") from None
    approach = own_approach(code, args.robot, name=args.name or path.stem)
    if not approach.valid:
        raise CliError(f"{path}: {approach.error}")
    return [approach]


def _providers(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


def _render(args: argparse.Namespace) -> int:
    from tabrl_core.jobs import render

    print(json.dumps(render(args.job), indent=1, default=str))
    return 0


def _pretrain(args: argparse.Namespace) -> int:
    from tabrl_core.training.base_policy import PRETRAIN_STEPS, pretrain

    def show(p) -> None:
        if p.iteration % 10 == 0 or p.iteration == p.iterations:
            print(f"{p.steps_done[0]:>10,} steps  return {p.mean_return[0]:8.2f}  "
                  f"{p.env_steps_per_s:6.0f} steps/s  eta {p.eta_s:5.0f} s", flush=True)

    report = pretrain(args.robot, steps=args.steps or PRETRAIN_STEPS, seed=args.seed,
                      progress=show, init=args.init,
                      drill=tuple(a for a in (args.drill or "").split(",") if a))
    print(json.dumps(report["evaluation"], indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from tabrl_core.jobs import add_cancel_command, add_status_command, add_worker_command
    from tabrl_core.judging.cli import add_judge_command
    from tabrl_core.providers.cli import add_approaches_command
    from tabrl_core.refining.cli import add_refine_command
    from tabrl_core.research.cli import (add_benchmark_command, add_export_command,
                                         add_policy_command)
    from tabrl_core.robots.gallery import add_models_command

    parser = argparse.ArgumentParser(prog="tabrl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="design rewards, train them, render videos")
    train.add_argument("--robot", default="go1", help="robot id (see `tabrl models`)")
    train.add_argument("--behavior", default="",
                       help="what the robot should do (needed unless --reward-file)")
    train.add_argument("--steps", type=int, default=PRESETS["Quick"],
                       help="env steps per approach")
    train.add_argument("--providers", default=None,
                       help="comma-separated provider ids (default: builtin; none with "
                            "--reward-file)")
    train.add_argument("--reward-file", default=None, metavar="FILE",
                       help="train your own reward code (the contract's `def reward`) as a "
                            "\"you\" approach")
    train.add_argument("--name", default=None, help="the --reward-file approach's name "
                                                    "(default: the file name)")
    train.add_argument("--out", required=True, help="folder for summary.json and the videos")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--judge", default=None, metavar="P",
                       help="judge provider (default: the first configured LLM, else builtin)")
    train.add_argument("--video", default=None, metavar="P",
                       help="video judge provider, or 'off' (default: the judge provider when "
                            "it is Claude, GPT or Gemini with a key)")
    train.set_defaults(func=_train)

    render = sub.add_parser("render", help="render a trained job's video again")
    render.add_argument("job", help="job id")
    render.set_defaults(func=_render)

    pretrain = sub.add_parser("pretrain", help="train and ship a robot's base policy")
    pretrain.add_argument("robot")
    pretrain.add_argument("--steps", type=int, default=None,
                          help="env steps (default: the robot's recipe, 3M for Go1)")
    pretrain.add_argument("--seed", type=int, default=0)
    pretrain.add_argument("--init", default="scratch",
                          help="a checkpoint folder to start from (an older base is widened)")
    pretrain.add_argument("--drill", default=None, metavar="AXES",
                          help="comma-separated command axes this stage practises, e.g. pitch")
    pretrain.set_defaults(func=_pretrain)

    for add in (add_models_command, add_approaches_command, add_worker_command,
                add_status_command, add_cancel_command, add_judge_command,
                add_benchmark_command, add_export_command, add_policy_command,
                add_refine_command):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tabrl` command."""
    from tabrl_core.jobs import ModalUnavailableError
    from tabrl_core.research.policy import PolicyExportError
    from tabrl_core.robots import UnknownRobotError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, UnknownRobotError, ValueError, KeyError, ModalUnavailableError,
            PolicyExportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"tabrl {args.command}: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
