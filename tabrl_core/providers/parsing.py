"""Turn a model's JSON answer into approaches, or say exactly what is wrong with it.

Parsing is as lenient as models are sloppy, and bounded: the answer's size is checked before
anything else (MAX_ANSWER_CHARS), fences are stripped by scanning lines (linear time), the JSON
object may sit inside one fence or be followed by prose, and more approaches than asked are
accepted (the first ones, or the ones named in a repair request) with a note. Deep nesting and
other nonsense become a `bad_output` ProviderError naming the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tabrl_core.providers.calls import BAD_OUTPUT, MAX_OUTPUT_TOKENS, ProviderError
from tabrl_core.providers.text import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, clean_text

FIELDS = ("name", "description", "code")
MAX_ANSWER_CHARS = 8 * MAX_OUTPUT_TOKENS
"""Longest answer read, in characters: room for MAX_OUTPUT_TOKENS tokens of dense code, and far
below the megabytes an SDK accepts."""
_JSON_START_TRIES = 8  # '{' positions tried when the answer is not plain JSON (bounded work)


@dataclass
class ParsedAnswer:
    """The approaches taken from an answer ({name, description, code} dicts) and what was
    noticed on the way (extra approaches ignored, names cut, text after the JSON)."""

    approaches: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)


def _fence_open(line: str) -> int:
    """The number of backticks opening a fence on `line` (0 if it does not open one)."""
    stripped = line.strip()
    ticks = len(stripped) - len(stripped.lstrip("`"))
    info = stripped[ticks:].strip()
    if ticks < 3 or not all(c.isalnum() or c in "+-_." for c in info):
        return 0
    return ticks


def strip_fence(text: str) -> str:
    """`text` without one surrounding Markdown code fence, if it has one; stripped either way.

    The first non-blank line must open a fence (three or more backticks, an optional language
    name) and the last non-blank line must close it (at least as many backticks). Runs in time
    linear in len(text).
    """
    lines = text.strip().split("\n")
    if len(lines) < 2:
        return text.strip()
    ticks = _fence_open(lines[0])
    closing = lines[-1].strip()
    if not ticks or len(closing) < ticks or closing.strip("`"):
        return text.strip()
    return "\n".join(lines[1:-1]).strip()


def _object_starts(text: str) -> list[int]:
    """Where a JSON object may start: the first '{' and the first few '{' that begin a line."""
    starts = []
    first = text.find("{")
    if first >= 0:
        starts.append(first)
    position = 0
    for line in text.split("\n"):
        if len(starts) >= _JSON_START_TRIES:
            break
        if line.lstrip().startswith("{"):
            start = position + len(line) - len(line.lstrip())
            if start not in starts:
                starts.append(start)
        position += len(line) + 1
    return starts


def read_answer(text: str) -> tuple[object, list[str]]:
    """The JSON value of a model's answer (plain, in one fence, or an object among prose) and
    notes; ProviderError(bad_output) when it is longer than MAX_ANSWER_CHARS (checked first),
    is not JSON, or nests too deeply."""
    if len(text) > MAX_ANSWER_CHARS:
        raise ProviderError(BAD_OUTPUT, f"the answer has {len(text):,} characters; at most "
                                        f"{MAX_ANSWER_CHARS:,} are read")
    body = strip_fence(text)
    try:
        return json.loads(body), []
    except RecursionError:
        raise ProviderError(BAD_OUTPUT, "the answer's JSON is nested too deeply to read") from None
    except json.JSONDecodeError as err:
        first_error = err
    decoder = json.JSONDecoder()
    for start in _object_starts(body):
        try:
            value, end = decoder.raw_decode(body, start)
        except RecursionError:
            raise ProviderError(BAD_OUTPUT, "the answer's JSON is nested too deeply to read") from None
        except json.JSONDecodeError:
            continue
        ignored = start + len(body[end:].strip())
        return value, [f"ignored {ignored} characters of text around the JSON answer"]
    raise ProviderError(BAD_OUTPUT, f"the answer is not valid JSON ({first_error.msg} at char "
                                    f"{first_error.pos})") from None


_LIMITS = {"name": MAX_NAME_CHARS, "code": None}  # any other field: MAX_DESCRIPTION_CHARS


def _draft(i: int, item: object,
           fields: tuple[str, ...]) -> tuple[dict[str, str] | None, str | None, list[str]]:
    """(the approach, None, notes) for a well-formed item, else (None, its problem, [])."""
    if not isinstance(item, dict):
        return None, f"approach {i} is not an object", []
    values, notes = {}, []
    for name in fields:
        limit = _LIMITS.get(name, MAX_DESCRIPTION_CHARS)
        raw = item.get(name)
        if not isinstance(raw, str):
            return None, f"approach {i} has no '{name}'", []
        value = strip_fence(raw) if name == "code" else raw
        value, cut = clean_text(value, limit, multiline=name != "name")
        if not value:
            return None, f"approach {i} has no '{name}'", []
        if cut:
            notes.append(f"approach {i}'s {name} was cut to {limit} characters")
        values[name] = value
    return values, None, notes


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _choose(drafts: list[dict[str, str]], expected: int, names: list[str],
            skip_names: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """`expected` of `drafts`: in order when there are no more than that; otherwise those named
    like `names` in that order, then the rest in order, and drafts named like `skip_names`
    (approaches not asked for) only when nothing else is left."""
    if len(drafts) <= expected:
        names = skip_names = []
    wanted = [_key(n) for n in names]
    skipped = {_key(n) for n in skip_names} - set(wanted)
    free = list(range(len(drafts)))
    chosen: list[int | None] = []
    for key in wanted[:expected]:
        match = next((j for j in free if _key(drafts[j].get("name", "")) == key), None)
        chosen.append(match)
        if match is not None:
            free.remove(match)
    chosen += [None] * (expected - len(chosen))
    order = [j for j in free if _key(drafts[j].get("name", "")) not in skipped] + [
        j for j in free if _key(drafts[j].get("name", "")) in skipped]
    for slot, pick in enumerate(chosen):
        if pick is None and order:
            chosen[slot] = order.pop(0)
    taken = [j for j in chosen if j is not None]
    notes = []
    if len(drafts) > expected:
        ignored = [drafts[j].get("name", f"#{j + 1}") for j in range(len(drafts)) if j not in taken]
        notes.append(f"the answer has {len(drafts)} approaches, {expected} asked: ignored "
                     + ", ".join(repr(n) for n in ignored))
    elif len(drafts) < expected:
        notes.append(f"the answer has {len(drafts)} usable approaches, {expected} asked")
    return [drafts[j] for j in taken], notes


def parse_approaches(text: str, expected: int, fields: tuple[str, ...] = FIELDS, *,
                     names: list[str] = (), skip_names: list[str] = ()) -> ParsedAnswer:
    """Up to `expected` approaches from `text` as dicts of `fields` (default name, description,
    code; each a non-empty string), with notes.

    `names`: in a repair round, the names of the approaches asked for, in order; when the
    answer has more approaches than asked, one with one of these names fills that place. `skip_names`: names of approaches that
    were not asked for (taken only if nothing else is left). Names are cut to MAX_NAME_CHARS
    and other text fields to MAX_DESCRIPTION_CHARS, hidden characters are dropped everywhere, and an
    item that lacks a field is skipped with a note. Raises ProviderError(bad_output) naming the
    problem when the answer is too long, is not JSON, nests too deeply, has no `approaches`
    list, or has no usable approach.
    """
    data, notes = read_answer(text)
    items = data.get("approaches") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ProviderError(BAD_OUTPUT, "the answer has no 'approaches' list")
    drafts, problems = [], []
    for i, item in enumerate(items, 1):
        draft, problem, draft_notes = _draft(i, item, tuple(fields))
        if draft is None:
            problems.append(problem)
            continue
        drafts.append(draft)
        notes += draft_notes
    if not drafts:
        raise ProviderError(BAD_OUTPUT, problems[0] if problems else "the answer's 'approaches' list is empty")
    notes += [f"skipped: {p}" for p in problems]
    chosen, choice_notes = _choose(drafts, expected, list(names), list(skip_names))
    return ParsedAnswer(chosen, notes + choice_notes)
