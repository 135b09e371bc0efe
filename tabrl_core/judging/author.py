"""Who writes a run's judge program: the built-in judge, or an LLM provider asked once.

`write_judge` returns a `JudgeProgram` that has been checked (validator, then the sample
trajectories in the sandbox). An LLM's invalid program gets one repair round with the
validator's line-numbered reason; if it is still invalid, or the provider fails, the program is
marked invalid with the reason, and the run's approaches are "not judged" with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from tabrl_core.judging.builtin import builtin_judge_code
from tabrl_core.rewards.judge_contract import JUDGE_PROVIDER_VAR
from tabrl_core.judging.program import JudgeValidationError, check_judge
from tabrl_core.judging.verdict import BUILTIN, judged_by
from tabrl_core.providers.calls import BAD_OUTPUT, ProviderError, call_with_retries
from tabrl_core.providers.config import load_configs
from tabrl_core.providers.parsing import read_answer, strip_fence
from tabrl_core.providers.prompt import Prompt, build_judge_prompt, build_judge_repair_prompt
from tabrl_core.providers.registry import make_client, select_configs
from tabrl_core.providers.text import clean_text
from tabrl_core.rewards.contract import contract_for

@dataclass
class JudgeProgram:
    """A run's judge program: who wrote it, its code, and whether it passed the checks."""

    provider: str
    code: str
    valid: bool
    error: str | None = None
    note: str | None = None  # e.g. "valid after the repair round"
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def by(self) -> str:
        """The verdicts' `by`: "builtin" or "code:<provider>"."""
        return judged_by(self.provider)

    def to_dict(self) -> dict:
        return {**asdict(self), "by": self.by}


def default_judge_provider(secrets: Mapping | None = None) -> str:
    """The judge provider when none is chosen: TABRL_JUDGE_PROVIDER if set, else the first
    configured LLM provider, else the built-in judge (offline)."""
    chosen = (secrets or {}).get(JUDGE_PROVIDER_VAR) or os.environ.get(JUDGE_PROVIDER_VAR)
    if chosen and chosen.strip():
        return chosen.strip()
    llms = [c.id for c in load_configs(secrets) if c.kind != BUILTIN and c.configured]
    return llms[0] if llms else BUILTIN


def write_judge(robot_id: str, behavior: str, provider: str | None = None, *,
                secrets: Mapping | None = None,
                keys: Mapping[str, str] | None = None) -> JudgeProgram:
    """The checked judge program `provider` (default: `default_judge_provider`) writes for
    `behavior` on `robot_id`; `keys` are session keys by provider id (see load_configs). Never
    raises for a provider's failure: the program is invalid with the reason. Raises ValueError
    for an unknown provider id."""
    provider = provider or default_judge_provider(secrets)
    if provider == BUILTIN:
        return _checked(JudgeProgram(BUILTIN, builtin_judge_code(robot_id, behavior), True),
                        robot_id)
    [config] = select_configs([provider], secrets, keys)
    if not config.configured:
        hint = f": set {' or '.join(config.key_vars)}" if config.key_vars else ""
        return JudgeProgram(provider, "", False, f"{config.label} is not configured{hint}")
    client = make_client(config)
    program = JudgeProgram(provider, "", False)
    try:
        program.code = _ask(client, build_judge_prompt(robot_id, behavior), config, program)
        _checked(program, robot_id)
        if not program.valid:
            first_error = program.error
            repair = build_judge_repair_prompt(robot_id, behavior, program.code, first_error)
            program.code = _ask(client, repair, config, program)
            _checked(program, robot_id)
            program.note = ("valid after the repair round" if program.valid else
                            f"still invalid after the repair round (first: {first_error})")
    except ProviderError as err:
        program.valid = False
        program.error = f"{config.label} could not write a judge: {err}"
    finally:
        client.close()
    if config.api_key and program.error:
        program.error = program.error.replace(config.api_key, "[redacted]")
    return program


def _checked(program: JudgeProgram, robot_id: str) -> JudgeProgram:
    try:
        check_judge(program.code, contract_for(robot_id))
        program.valid, program.error = True, None
    except JudgeValidationError as err:
        program.valid, program.error = False, str(err)
    return program


def _ask(client, prompt: Prompt, config, program: JudgeProgram) -> str:
    completion = call_with_retries(lambda left: client.complete(prompt, left), config.timeout_s)
    program.input_tokens += completion.input_tokens
    program.output_tokens += completion.output_tokens
    return parse_judge_answer(completion.text)


def parse_judge_answer(text: str) -> str:
    """The judge code in a model's JSON answer {"code": ...}; ProviderError(bad_output)
    naming the problem otherwise."""
    data, _ = read_answer(text)  # size cap, fences, prose, deep nesting (providers/parsing.py)
    code = data.get("code") if isinstance(data, dict) else None
    code = clean_text(strip_fence(code))[0] if isinstance(code, str) else ""
    if not code:
        raise ProviderError(BAD_OUTPUT, "the judge answer has no 'code'")
    return code
