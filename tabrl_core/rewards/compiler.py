"""Reward code in, jittable reward functions out: validate, check in the sandbox, load.

`compile_rewards` checks a batch of programs statically, sends the ones that pass to one
sandbox child (which traces, bounds, compiles and tests them under limits and exports each as a
serialised program), and builds a `CompiledReward` for each program that passed both from its
exported program; a failing program never affects the others. Reward code is never traced in
this process.

A passing program's exported program is also kept on disk (`cache_dir("reward-programs")`),
keyed by the code, the robot's contract and the checker's own source, so a later process that
compiles the same code skips the sandbox child (seconds of JAX start-up); failures are never
kept, and an unreadable entry is checked again.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tabrl_core.paths import cache_dir
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
    for v in checked:
        key = (_sha256(v.code), contract) if isinstance(v, ValidatedReward) else None
        if key and key not in _TRACED and (stored := _read_stored(*key)) is not None:
            _TRACED[key] = stored
    pending = {_sha256(v.code): v.code for v in checked
               if isinstance(v, ValidatedReward) and (_sha256(v.code), contract) not in _TRACED}
    verdicts = dict(zip(pending, sandbox.trace(contract, list(pending.values()), timeout_s)))
    for digest, program in verdicts.items():
        if isinstance(program, bytes):
            _TRACED[(digest, contract)] = program
            _store(digest, contract, program)
    return [_result(v, verdicts, contract) for v in checked]


@functools.cache
def checker_version() -> str:
    """A digest of the code that checks and exports reward programs (this package's modules)
    and of the JAX that exported them: a stored program is used only under the same ones."""
    import jax

    digest = hashlib.sha256(jax.__version__.encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _stored_path(digest: str, contract: RobotContract) -> Path:
    key = hashlib.sha256(f"{digest}|{contract!r}|{checker_version()}".encode()).hexdigest()
    return cache_dir("reward-programs") / f"{key}.jaxexport"


def _read_stored(digest: str, contract: RobotContract) -> bytes | None:
    """The exported program a previous process stored for this code and contract, if it can
    still be loaded; None sends the code to the sandbox again."""
    path = _stored_path(digest, contract)
    try:
        program = path.read_bytes()
        from jax import export

        export.deserialize(bytearray(program))
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is checked again
        path.unlink(missing_ok=True)
        return None
    return program


def _store(digest: str, contract: RobotContract, program: bytes) -> None:
    path = _stored_path(digest, contract)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(program)
    partial.replace(path)  # readers see a whole entry or none


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
