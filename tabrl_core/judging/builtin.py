"""The built-in judge: a judge program written from the behaviour spec the built-in designer
designs from (tabrl_core/behaviours), so offline runs are judged by the same plan that made
their rewards. It is judge-contract code, run through the same validator and sandbox as an
LLM's judge.
"""

from __future__ import annotations

from tabrl_core.behaviours import judge_code, parse
from tabrl_core.rewards.contract import contract_for


def builtin_judge_code(robot_id: str, behavior: str) -> str:
    """The built-in judge program for `behavior` on robot `robot_id`."""
    contract = contract_for(robot_id)
    return judge_code(parse(behavior, robot_id), contract)
