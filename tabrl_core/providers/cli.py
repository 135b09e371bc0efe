"""`tabrl approaches`: ask the providers for reward approaches from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from tabrl_core.providers.base import ProviderResult
from tabrl_core.providers.generate import generate_approaches


def add_approaches_command(subparsers) -> None:
    """Add `approaches --robot ID --behavior TEXT [--providers a,b] [--json]` to a CLI.

    The parsed arguments carry `func(args) -> exit status`.
    """
    parser = subparsers.add_parser(
        "approaches", help="ask every configured LLM for reward approaches",
        description="Ask the providers (Claude, GPT, Gemini, OpenAI-compatible servers, the "
                    "built-in designer) for three reward approaches each, validated.")
    parser.add_argument("--robot", required=True, help="robot id, e.g. go1")
    parser.add_argument("--behavior", required=True, help="what the robot should do, in words")
    parser.add_argument("--providers", help="comma-separated provider ids (default: all known)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run_approaches)


def run_approaches(args: argparse.Namespace) -> int:
    """Print each provider's approaches; 2 with one line on stderr for bad input."""
    providers = args.providers.split(",") if args.providers is not None else None
    try:
        results = generate_approaches(args.robot, args.behavior, providers)
    except ValueError as err:
        print(f"tabrl approaches: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({pid: r.to_dict() for pid, r in results.items()}, indent=2))
    else:
        print("\n\n".join(_describe(r) for r in results.values()))
    return 0


def _describe(result: ProviderResult) -> str:
    valid = sum(a.valid for a in result.approaches)
    lines = [f"{result.provider} ({result.model or 'offline'}): {len(result.approaches)} approaches, "
             f"{valid} valid, {result.latency_s:.1f} s, {result.input_tokens} in / "
             f"{result.output_tokens} out tokens, ${result.cost_usd:.4f}"]
    if result.error:
        lines.append(f"  error ({result.error_kind}): {result.error}")
    if result.note:
        lines.append(f"  note: {result.note}")
    for i, a in enumerate(result.approaches, 1):
        status = "valid" + (", repaired" if a.repaired else "") if a.valid else f"invalid: {a.error}"
        lines.append(f"  {i}. {a.name} [{status}]")
        lines.append(f"     {a.description}")
        if a.components:
            lines.append(f"     components: {', '.join(a.components)}")
    return "\n".join(lines)
