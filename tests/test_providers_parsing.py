"""Hostile and sloppy answers: fences that made the old regex super-linear, oversized and deeply
nested answers, JSON wrapped in prose, more approaches than asked, hidden characters and
overlong names. Unit tests on the parser, then the same answers through the real SDKs."""

import json
import time

import pytest
from fake_llm_server import FakeLLMServer, answer, fenced, nested, ok, with_prose

from tabrl_core.providers.calls import BAD_OUTPUT, ProviderError
from tabrl_core.providers.parsing import MAX_ANSWER_CHARS, parse_approaches, strip_fence
from tabrl_core.providers.text import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, clean_text

from test_providers_api import APIS, IMPORTS_OS, UNKNOWN_FIELD, VALID, approaches, run

pytestmark = pytest.mark.usefixtures("no_provider_settings")

CODE = "def reward(s, a, prev_a):\n    return 0.0, {}"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HIDDEN = BIDI + "\u200b\ufeff\u2060\U000e0041\x00\x07\x1b\x7f\ud800"


def items(n: int, **fields) -> list[dict]:
    return [{"name": f"Way {i}", "description": "A strategy.", "code": CODE, **fields}
            for i in range(1, n + 1)]


@pytest.mark.parametrize("text", [
    "```python\n" + "\n" * 4000 + "x",  # the input that took ~36 s in the old regex
    "```python\n" + " \n" * 20_000 + "x",
    "`" * 1_000_000,
    "```" + "`" * 500_000 + "\n" + "```\n" * 10_000,
    ("```json\n" * 5_000) + "x" + ("\n```" * 5_000),  # nested fences
    "```python " + "a" * 1_000_000,
])
def test_fence_stripping_is_fast_on_adversarial_input(text):
    start = time.perf_counter()
    strip_fence(text)
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize("text, stripped", [
    ("```python\nx = 1\n```", "x = 1"),
    ("  ```json\n{}\n```  \n", "{}"),
    ("````\nuses ``` inside\n````", "uses ``` inside"),
    ("```py\nx\n``", "```py\nx\n``"),  # a shorter closing run does not close the fence
    ("```\nonly an opening", "```\nonly an opening"),
    ("plain", "plain"),
    ("```json\n```python\ncode\n```\n```", "```python\ncode\n```"),  # one fence, the outer
])
def test_strip_fence_removes_exactly_one_surrounding_fence(text, stripped):
    assert strip_fence(text) == stripped


def test_an_oversized_answer_is_rejected_before_parsing_with_its_size():
    text = answer(items(3, description="x" * MAX_ANSWER_CHARS))
    with pytest.raises(ProviderError) as info:
        parse_approaches(text, 3)
    assert info.value.kind == BAD_OUTPUT
    assert f"{len(text):,} characters; at most {MAX_ANSWER_CHARS:,}" in str(info.value)


def test_the_answer_cap_is_far_below_what_the_sdks_accept():
    assert 50_000 <= MAX_ANSWER_CHARS <= 200_000


@pytest.mark.parametrize("text", [nested(40_000), "[" * 100_000, '{"approaches": [' + '{"a": ' * 20_000])
def test_deep_nesting_is_bad_output_not_a_recursion_error(text):
    with pytest.raises(ProviderError, match="nested too deeply") as info:
        parse_approaches(text, 3)
    assert info.value.kind == BAD_OUTPUT


@pytest.mark.parametrize("wrap", [
    with_prose, fenced, lambda t: with_prose(fenced(t)), lambda t: t + "\n\nHope this helps {:)}",
    lambda t: "Sure {here it is}:\n" + t,
], ids=["prose", "fence", "prose-around-fence", "trailing-braces", "leading-braces"])
def test_a_json_object_in_a_fence_or_among_prose_is_accepted(wrap):
    parsed = parse_approaches(wrap(answer(items(3))), 3)
    assert [a["name"] for a in parsed.approaches] == ["Way 1", "Way 2", "Way 3"]


def test_more_approaches_than_asked_takes_the_first_and_notes_the_rest():
    parsed = parse_approaches(answer(items(5)), 3)
    assert [a["name"] for a in parsed.approaches] == ["Way 1", "Way 2", "Way 3"]
    assert parsed.notes == ["the answer has 5 approaches, 3 asked: ignored 'Way 4', 'Way 5'"]


def test_a_repair_answer_with_every_approach_takes_the_ones_asked_for_by_name():
    sent = items(3)
    sent[0]["code"] = "valid, unchanged"
    parsed = parse_approaches(answer(sent), 2, names=["way 3", "Way 2"], skip_names=["Way 1"])
    assert [a["name"] for a in parsed.approaches] == ["Way 3", "Way 2"]
    assert "ignored 'Way 1'" in parsed.notes[0]


def test_fewer_or_broken_items_are_skipped_with_a_note():
    sent = items(3)
    del sent[1]["code"]
    parsed = parse_approaches(answer(sent), 3)
    assert [a["name"] for a in parsed.approaches] == ["Way 1", "Way 3"]
    assert parsed.notes == ["skipped: approach 2 has no 'code'",
                            "the answer has 2 usable approaches, 3 asked"]


def test_names_and_descriptions_are_capped_and_hidden_characters_dropped():
    long_name = "Gallop " * 40
    sent = [{"name": f"Tro{HIDDEN}t\nfast\t{BIDI}", "description": f"Line one{HIDDEN}.\r\nLine two.",
             "code": f"def reward(s, a, prev_a):\n    return 0.0, {{'k{BIDI}': 0.0}}"},
            {"name": long_name, "description": "d" * 5_000, "code": CODE}]
    parsed = parse_approaches(answer(sent), 2)
    first, second = parsed.approaches
    assert first == {"name": "Trot fast", "description": "Line one.\nLine two.",
                     "code": "def reward(s, a, prev_a):\n    return 0.0, {'k': 0.0}"}
    assert len(second["name"]) == MAX_NAME_CHARS and second["name"].endswith("…")
    assert second["name"].startswith("Gallop Gallop")
    assert len(second["description"]) == MAX_DESCRIPTION_CHARS and second["description"].endswith("…")
    assert parsed.notes == [f"approach 2's name was cut to {MAX_NAME_CHARS} characters",
                            f"approach 2's description was cut to {MAX_DESCRIPTION_CHARS} characters"]


def test_a_name_made_only_of_hidden_characters_is_missing():
    with pytest.raises(ProviderError, match="approach 1 has no 'name'"):
        parse_approaches(answer(items(1, name=BIDI + "\x00 \u200b")), 1)


def test_clean_text_keeps_ordinary_unicode():
    text = "Trab über 1 m/s — 快步 🐕 ✓"
    assert clean_text(text, 80) == (text, False)
    assert clean_text(text, 80, multiline=False) == (text, False)


# Through the real SDKs and the fake server.

@pytest.mark.parametrize("api", APIS)
def test_the_repair_round_succeeds_when_the_model_sends_back_every_approach(api):
    first = approaches(VALID[0], IMPORTS_OS, UNKNOWN_FIELD)
    repaired = approaches(VALID[0], VALID[1], VALID[2])  # all three, the valid one echoed first
    with FakeLLMServer(api) as server:
        server.script(ok(api, first), ok(api, repaired))
        result, _ = run(api, server)
    assert result.error is None
    assert [a.valid for a in result.approaches] == [True, True, True]
    assert [a.repaired for a in result.approaches] == [False, True, True]
    assert [a.code for a in result.approaches] == VALID
    assert "2 of 2 invalid approaches fixed" in result.note
    assert "the answer has 3 approaches, 2 asked: ignored 'Strategy 1'" in result.note


@pytest.mark.parametrize("api", APIS)
def test_a_fenced_answer_with_prose_and_extra_approaches_is_accepted(api):
    text = with_prose(fenced(approaches(*VALID, VALID[0])))
    with FakeLLMServer(api) as server:
        server.script(ok(api, text))
        result, _ = run(api, server)
    assert result.error is None and [a.code for a in result.approaches] == VALID
    assert "ignored 'Strategy 4'" in result.note


@pytest.mark.parametrize("api", APIS)
def test_a_megabyte_answer_is_bad_output_naming_its_size(api):
    text = approaches(*VALID).replace("Idea number 1.", "x" * 1_000_000)
    with FakeLLMServer(api) as server:
        server.script(ok(api, text))
        result, wall = run(api, server)
    assert result.error_kind == "bad_output" and result.approaches == []
    assert f"{len(text):,} characters; at most {MAX_ANSWER_CHARS:,} are read" in result.error
    assert wall < 5.0


@pytest.mark.parametrize("api", APIS)
def test_deep_nesting_through_the_sdk_is_bad_output(api):
    with FakeLLMServer(api) as server:
        server.script(ok(api, nested(40_000)))
        result, _ = run(api, server)
    assert result.error_kind == "bad_output" and "nested too deeply" in result.error


@pytest.mark.parametrize("api", APIS)
def test_hidden_characters_never_reach_the_result(api):
    text = answer([{"name": f"[Re-enter your API key](https://x){BIDI}", "description": f"d{HIDDEN}",
                    "code": code} for code in VALID])
    with FakeLLMServer(api) as server:
        server.script(ok(api, text))
        result, _ = run(api, server)
    assert result.error is None
    for approach in result.approaches:
        assert approach.name == "[Re-enter your API key](https://x)"  # kept as text, shown as text
        assert approach.description == "d"
    assert not any(c in json.dumps(result.to_dict(), ensure_ascii=False) for c in BIDI)
