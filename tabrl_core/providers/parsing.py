"""Turn a model's JSON answer into approaches, or say exactly what is wrong with it."""

from __future__ import annotations

import json
import re

from tabrl_core.providers.calls import BAD_OUTPUT, ProviderError

FIELDS = ("name", "description", "code")
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def strip_fence(text: str) -> str:
    """`text` without one surrounding Markdown code fence, if it has one."""
    match = _FENCE.match(text)
    return match.group(1) if match else text.strip()


def parse_approaches(text: str, expected: int,
                     fields: tuple[str, ...] = FIELDS) -> list[dict[str, str]]:
    """The `expected` approaches in `text` as dicts of `fields` (default name, description,
    code), each a non-empty string.

    Raises ProviderError(bad_output) naming the first problem: not JSON, no `approaches` list,
    a missing or empty field, or the wrong number of approaches.
    """
    try:
        data = json.loads(strip_fence(text))
    except json.JSONDecodeError as err:
        raise ProviderError(BAD_OUTPUT, f"the answer is not valid JSON ({err.msg} at char {err.pos})") from None
    items = data.get("approaches") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ProviderError(BAD_OUTPUT, "the answer has no 'approaches' list")
    if len(items) != expected:
        raise ProviderError(BAD_OUTPUT, f"the answer has {len(items)} approaches, expected {expected}")
    approaches = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ProviderError(BAD_OUTPUT, f"approach {i} is not an object")
        for name in fields:
            value = item.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ProviderError(BAD_OUTPUT, f"approach {i} has no '{name}'")
        approaches.append({name: strip_fence(item[name]) if name == "code" else item[name].strip()
                           for name in fields})
    return approaches
