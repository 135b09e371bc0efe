"""Rewards you write yourself: the "You" provider of the reward editor, `--reward-file` and
`start_batch`, checked by the same validator and sandbox as every provider's code."""

from __future__ import annotations

from dataclasses import dataclass

from tabrl_core.providers.base import Approach
from tabrl_core.rewards.contract import EXAMPLE_REWARD
from tabrl_core.rewards.validator import RewardValidationError, validate

YOU = "you"
"""The provider id of rewards a person wrote."""
STARTER_CODE = EXAMPLE_REWARD
"""What a new reward in the editor starts from: the contract's example."""


@dataclass(frozen=True)
class CodeCheck:
    """The validator's verdict on code being edited: valid, or the line and the reason."""

    valid: bool
    line: int | None = None
    message: str | None = None  # "line 3: ..." as the validator words it
    components: tuple[str, ...] = ()


def check_code(code: str, robot: str | None = None) -> CodeCheck:
    """Check code as it is typed: the static validator always, and with `robot` also the
    sandboxed trace on that robot's contract (slower: a child process)."""
    try:
        components = validate(code).components
    except RewardValidationError as err:
        return CodeCheck(False, err.line, str(err))
    if robot is not None:
        from tabrl_core.rewards import compile_reward

        try:
            components = compile_reward(code, robot).components
        except RewardValidationError as err:
            return CodeCheck(False, err.line, str(err))
    return CodeCheck(True, components=tuple(components))


def own_approach(code: str, robot: str, name: str = "My reward",
                 description: str = "A reward written by hand.") -> Approach:
    """Your code as an approach of provider "you", validated and traced for `robot` (an
    invalid one comes back with valid=False and the line-numbered error, like any provider's).
    Raises ValueError for an empty name."""
    if not name.strip():
        raise ValueError("the reward needs a name")
    checked = check_code(code, robot)
    return Approach(YOU, name.strip(), description.strip(), code, valid=checked.valid,
                    error=checked.message, components=checked.components)
