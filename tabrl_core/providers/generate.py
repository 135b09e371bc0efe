"""generate_approaches: every chosen provider designs rewards at once, and every answer is checked;
revise_approach: one provider revises one approach, checked the same way.

Each provider runs in its own thread. Its approaches go through the reward validator; the
invalid ones get one repair round with the validator's exact errors sent back to the same
model. Whatever happens to one provider (no key, a timeout, nonsense output, a bug) becomes
that provider's categorised error and never touches the others.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tabrl_core.providers.base import Approach, ProviderResult, Revision
from tabrl_core.providers.calls import (BAD_OUTPUT, INTERNAL, NOT_CONFIGURED, ProviderError,
                                        call_with_retries, key_fingerprint, redact)
from tabrl_core.providers.config import ProviderConfig
from tabrl_core.providers.parsing import ParsedAnswer, parse_approaches
from tabrl_core.providers.pricing import estimate_cost
from tabrl_core.providers.prompt import MAX_BEHAVIOR_CHARS, Prompt, build_prompt, build_repair_prompt
from tabrl_core.providers.registry import make_client, select_configs
from tabrl_core.providers.text import clean_message

log = logging.getLogger(__name__)

CACHE_SIZE = 256
_cache: dict[tuple, ProviderResult] = {}
_cache_lock = threading.Lock()


@dataclass
class _Tokens:
    input: int = 0
    output: int = 0


def check_behavior(behavior: str) -> str:
    """`behavior` stripped; ValueError when it is empty or longer than MAX_BEHAVIOR_CHARS."""
    text = (behavior or "").strip()
    if not text:
        raise ValueError("the behaviour is empty: describe what the robot should do")
    if len(text) > MAX_BEHAVIOR_CHARS:
        raise ValueError(f"the behaviour has {len(text)} characters; at most {MAX_BEHAVIOR_CHARS} are allowed")
    return text


def generate_approaches(robot: str, behavior: str, providers: Iterable[str] | None = None, *,
                        secrets: Mapping | None = None, keys: Mapping[str, str] | None = None,
                        use_cache: bool = True) -> dict[str, ProviderResult]:
    """Ask each provider in `providers` (default: every known one) for approaches, concurrently.

    Returns {provider id: ProviderResult} in the order asked. `secrets` (e.g. st.secrets as a
    dict) overrides the environment; `keys` (provider id -> a key pasted for this session)
    override both, each for its own provider only; `use_cache=False` asks again instead of
    reusing this process's answer to the same (provider, model, key, robot, behaviour). Raises
    ValueError for an unknown robot or provider id and for an empty or overlong behaviour.
    """
    behavior = check_behavior(behavior)
    prompt = build_prompt(robot, behavior)  # raises UnknownRobotError for an unknown robot
    configs = select_configs(providers, secrets, keys)
    with ThreadPoolExecutor(max_workers=len(configs), thread_name_prefix="tabrl-provider") as pool:
        futures = [pool.submit(_result_for, c, robot, behavior, prompt, use_cache) for c in configs]
    return {c.id: f.result() for c, f in zip(configs, futures)}


def _result_for(config: ProviderConfig, robot: str, behavior: str, prompt: Prompt,
                use_cache: bool) -> ProviderResult:
    if not config.configured:
        hint = f": set {' or '.join(config.key_vars)}" if config.key_vars else ""
        return ProviderResult(config.id, error=f"{config.label} is not configured{hint}",
                              error_kind=NOT_CONFIGURED, model=config.model)
    key = (config.id, config.model, key_fingerprint(config.api_key), robot, behavior)
    if use_cache and (hit := _cached(key)):
        return hit
    start = time.monotonic()
    try:
        if config.kind == "builtin":
            result = _design_builtin(robot, behavior)
        else:
            result = _design(config, robot, behavior, prompt)
    except Exception as err:  # a bug in one provider must not take down the others
        log.exception("provider %s failed unexpectedly", config.id)
        result = ProviderResult(config.id, error=f"internal error: {type(err).__name__}: {err}",
                                error_kind=INTERNAL)
    result.latency_s = time.monotonic() - start
    result.model = config.model or result.model
    result.error = clean_message(redact(result.error, config.api_key))
    result.note = clean_message(redact(result.note, config.api_key))
    log.info("provider %s: %d approaches, %d valid, error %s, %.2f s", config.id,
             len(result.approaches), sum(a.valid for a in result.approaches),
             result.error_kind, result.latency_s)
    if result.error is None:
        _store(key, result)
    return result


def _design(config: ProviderConfig, robot: str, behavior: str, prompt: Prompt) -> ProviderResult:
    tokens = _Tokens()
    client = make_client(config)
    try:
        answer = _ask(client, prompt, config, tokens)
        approaches = _validate(config.id, answer.approaches, robot)
        notes = [*answer.notes, _repair(client, config, robot, behavior, approaches, tokens)]
        result = ProviderResult(config.id, approaches=approaches,
                                note="; ".join(filter(None, notes)) or None)
    except ProviderError as err:
        result = ProviderResult(config.id, error=str(err), error_kind=err.kind)
    finally:
        client.close()
    result.input_tokens, result.output_tokens = tokens.input, tokens.output
    result.cost_usd = estimate_cost(config.model, tokens.input, tokens.output)
    return result


def _ask(client, prompt: Prompt, config: ProviderConfig, tokens: _Tokens, **choice) -> ParsedAnswer:
    """One model call (retried in time) and its parsed answer; `choice` goes to parse_approaches."""
    completion = call_with_retries(lambda left: client.complete(prompt, left), config.timeout_s)
    tokens.input += completion.input_tokens
    tokens.output += completion.output_tokens
    return parse_approaches(completion.text, prompt.n_approaches, prompt.fields, **choice)


def _validate(provider: str, drafts: list[dict[str, str]], robot: str) -> list[Approach]:
    from tabrl_core.rewards import compile_rewards

    compiled = compile_rewards([d["code"] for d in drafts], robot)
    approaches = []
    for draft, outcome in zip(drafts, compiled):
        approach = Approach(provider, draft["name"], draft["description"], draft["code"])
        if isinstance(outcome, Exception):
            approach.valid, approach.error = False, clean_message(str(outcome))
        else:
            approach.components = tuple(outcome.components)
        approaches.append(approach)
    return approaches


def _repair(client, config: ProviderConfig, robot: str, behavior: str,
            approaches: list[Approach], tokens: _Tokens) -> str | None:
    """One repair round for the invalid `approaches`, replaced in place; returns a note.

    A model that sends back more approaches than asked (often all of them) is fine: the ones
    named like the invalid approaches are taken, echoes of the valid ones are ignored.
    """
    failed = [i for i, a in enumerate(approaches) if not a.valid]
    if not failed:
        return None
    failures = [({"name": approaches[i].name, "description": approaches[i].description,
                  "code": approaches[i].code}, approaches[i].error) for i in failed]
    try:
        answer = _ask(client, build_repair_prompt(robot, behavior, failures), config, tokens,
                      names=[approaches[i].name for i in failed],
                      skip_names=[a.name for a in approaches if a.valid])
    except ProviderError as err:
        return f"the repair round failed, so {len(failed)} approaches stay invalid: {err}"
    fixed = _validate(config.id, answer.approaches, robot)
    for i, approach in zip(failed, fixed):
        approach.repaired = approach.valid
        approaches[i] = approach
    return "; ".join([f"repair round: {sum(a.valid for a in fixed)} of {len(failed)} invalid "
                      "approaches fixed", *answer.notes])


def revise_approach(provider: str, robot: str, behavior: str, prompt: Prompt, *,
                    secrets: Mapping | None = None,
                    keys: Mapping[str, str] | None = None) -> Revision:
    """Ask LLM `provider` for the one revised approach `prompt` (build_refine_prompt) requests;
    it is validated and, if invalid, gets one repair round like any design. `secrets` and
    `keys` (session keys) configure the provider as for generate_approaches.

    Raises ValueError for an unknown provider or the built-in one (it refines offline, see
    builtin_refine); ProviderError when the provider is not configured, its call fails, or the
    revision is still invalid after the repair round.
    """
    config = select_configs([provider], secrets, keys)[0]
    if config.kind == "builtin":
        raise ValueError("the built-in designer refines offline (providers.builtin_refine)")
    if not config.configured:
        hint = f": set {' or '.join(config.key_vars)}" if config.key_vars else ""
        raise ProviderError(NOT_CONFIGURED, f"{config.label} is not configured{hint}")
    tokens, start = _Tokens(), time.monotonic()
    client = make_client(config)
    try:
        draft = _ask(client, prompt, config, tokens).approaches[0]
        approaches = _validate(config.id, [draft], robot)
        note = _repair(client, config, robot, behavior, approaches, tokens)
    except ProviderError as err:
        raise ProviderError(err.kind, clean_message(redact(str(err), config.api_key))) from None
    finally:
        client.close()
    approach = approaches[0]
    if not approach.valid:
        raise ProviderError(BAD_OUTPUT, redact(
            f"{config.label}'s revised reward failed validation twice: {approach.error}"
            + (f" ({note})" if note and "failed" in note else ""), config.api_key))
    return Revision(approach, draft["changes"], clean_message(redact(note, config.api_key)),
                    config.model, time.monotonic() - start, tokens.input, tokens.output,
                    estimate_cost(config.model, tokens.input, tokens.output))


def _design_builtin(robot: str, behavior: str) -> ProviderResult:
    from tabrl_core.providers.builtin import design

    result = design(robot, behavior)
    if result.error is None:
        drafts = [{"name": a.name, "description": a.description, "code": a.code} for a in result.approaches]
        result.approaches = _validate(result.provider, drafts, robot)
    return result


def _cached(key: tuple) -> ProviderResult | None:
    with _cache_lock:
        hit = _cache.get(key)
    if hit is None:
        return None
    result = copy.deepcopy(hit)
    result.note = "; ".join(filter(None, [result.note, "from this session's cache"]))
    return result


def _store(key: tuple, result: ProviderResult) -> None:
    with _cache_lock:
        _cache[key] = copy.deepcopy(result)
        while len(_cache) > CACHE_SIZE:
            del _cache[next(iter(_cache))]
