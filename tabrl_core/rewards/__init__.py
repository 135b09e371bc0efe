"""Rewards: the contract, the validator and sandbox, compiled reward functions, primitives."""

from tabrl_core.rewards.compiler import CompiledReward, compile_reward, compile_rewards
from tabrl_core.rewards.contract import (ContractState, RobotContract, contract_for,
                                         render_contract)
from tabrl_core.rewards.validator import RewardValidationError

__all__ = ["CompiledReward", "ContractState", "RewardValidationError", "RobotContract",
           "compile_reward", "compile_rewards", "contract_for", "render_contract"]
