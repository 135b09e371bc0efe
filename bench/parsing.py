"""Parsing hostile answers: time per input for fence stripping and for the whole parse.

    PYTHONPATH=. python bench/parsing.py

Prints one JSON object: for each adversarial input (the fence input that took ~36 s in the old
regular expression, runs of backticks, nested fences, deep nesting, a megabyte answer, prose
around the JSON) its size and the best of 5 wall times of `strip_fence` and `parse_approaches`
(which rejects what it must with a bad_output ProviderError), in milliseconds. Each should be
well under 100 ms; `linear_ratio` is the time at 8x the input over the time at 1x (about 8
when the work is linear, 64 when quadratic).
"""

from __future__ import annotations

import json
import time

from tabrl_core.providers.calls import ProviderError
from tabrl_core.providers.parsing import parse_approaches, strip_fence

CODE = "def reward(s, a, prev_a):\n    return 0.0, {}"
ANSWER = json.dumps({"approaches": [{"name": f"Way {i}", "description": "d", "code": CODE}
                                    for i in range(3)]})
INPUTS = {
    "fence_newlines_4000": "```python\n" + "\n" * 4000 + "x",
    "backticks_1MB": "`" * 1_000_000,
    "nested_fences": ("```json\n" * 5_000) + "x" + ("\n```" * 5_000),
    "deep_nesting": '{"approaches": ' + "[" * 40_000 + "]" * 40_000 + "}",
    "answer_1MB": ANSWER.replace('"d"', '"' + "x" * 1_000_000 + '"', 1),
    "prose_around_fence": "Here you go:\n```json\n" + ANSWER + "\n```\nAnything else?",
}


def _best_ms(fn, text: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            fn(text)
        except ProviderError:
            pass
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    results = {name: {"chars": len(text), "strip_fence_ms": _best_ms(strip_fence, text),
                      "parse_ms": _best_ms(lambda t: parse_approaches(t, 3), text)}
               for name, text in INPUTS.items()}
    small, large = "```python\n" + "\n" * 4000 + "x", "```python\n" + "\n" * 32000 + "x"
    ratio = _best_ms(strip_fence, large) / max(_best_ms(strip_fence, small), 1e-6)
    print(json.dumps({"inputs": results, "linear_ratio": ratio,
                      "max_ms": max(max(r["strip_fence_ms"], r["parse_ms"]) for r in results.values())},
                     indent=1))


if __name__ == "__main__":
    main()
