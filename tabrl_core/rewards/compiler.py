"""Reward code in, jittable reward functions out: validate, check in the sandbox, load.

`compile_rewards` checks a batch of programs statically, sends the ones that pass to one
sandbox child (which traces, bounds, compiles and tests them under limits and exports each as a
serialised program), and builds a `CompiledReward` for each program that passed both from its
exported program; a failing program never affects the others. Reward code is never traced in
this process.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from tabrl_core.rewards import sandbox
from tabrl_core.rewards.contract import RobotContract, contract_for
from tabrl_core.rewards.runtime import load_program
from tabrl_core.rewards.validator import RewardValidationError, ValidatedReward, validate

# Exported programs of code that already passed the sandbox in this process, by (code hash,
# contract).
_TRACED: dict[tuple[str, RobotContract], bytes] = {}


@dataclass(frozen=True)
class CompiledReward:
    """Reward code that passed validation and tracing, with its function.

    `fn(s, a, prev_a) -> (total, {name: value})` works on ONE unbatched ContractState and returns
    float32 scalars; it is jittable and vmappable (the trainer vmaps it over [T, N] states). It
    runs `program`, the exported program the sandbox checked, so tracing it never runs the code.
    """

    code: str
    robot_id: str
    sha256: str
    components: tuple[str, ...]  # in the order of the returned dict
    fn: Callable = field(compare=False, repr=False)
    program: bytes = field(default=b"", compare=False, repr=False)  # serialised jax.export

    @functools.cached_property
    def batched(self) -> Callable:
        """jit(vmap(fn)) over states [B], compiled once per batch size (video rollouts)."""
        import jax

        return jax.jit(jax.vmap(self.fn))


def compile_reward(code: str, robot: str | RobotContract, *,
                   timeout_s: float | None = None) -> CompiledReward:
    """Validate, trace and compile one program; raises RewardValidationError."""
    result = compile_rewards([code], robot, timeout_s=timeout_s)[0]
    if isinstance(result, RewardValidationError):
        raise result
    return result


def compile_rewards(codes: list[str], robot: str | RobotContract, *,
                    timeout_s: float | None = None) -> list[CompiledReward | RewardValidationError]:
    """Compile a batch of programs for `robot` (an id or a contract), tracing them together in
    one sandbox child. Each entry is a CompiledReward or the RewardValidationError it raised;
    `timeout_s` is the per-program trace limit (default LIMITS.trace_timeout_s)."""
    contract = robot if isinstance(robot, RobotContract) else contract_for(robot)
    checked = [_validate(code) for code in codes]
    pending = {_sha256(v.code): v.code for v in checked
               if isinstance(v, ValidatedReward) and (_sha256(v.code), contract) not in _TRACED}
    verdicts = dict(zip(pending, sandbox.trace(contract, list(pending.values()), timeout_s)))
    _TRACED.update(((digest, contract), program) for digest, program in verdicts.items()
                   if isinstance(program, bytes))
    return [_result(v, verdicts, contract) for v in checked]


def _validate(code: str) -> ValidatedReward | RewardValidationError:
    try:
        return validate(code)
    except RewardValidationError as e:
        return e


def _result(checked, verdicts: dict, contract: RobotContract):
    if isinstance(checked, RewardValidationError):
        return checked
    digest = _sha256(checked.code)
    if isinstance(verdicts.get(digest), RewardValidationError):
        return verdicts[digest]
    program = _TRACED[(digest, contract)]
    return CompiledReward(checked.code, contract.robot_id, digest, checked.components,
                          load_program(program, checked.components), program)


def _sha256(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
