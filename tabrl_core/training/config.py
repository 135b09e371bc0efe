"""Training configuration: static sizes and PPO hyperparameters, one doc line per field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class TrainConfig:
    """How a population of approaches is trained. Never mutated: use `with_(...)`."""

    num_envs: int = 32
    """parallel environments per approach"""
    unroll_length: int = 16
    """control steps each environment runs between two updates"""
    episode_seconds: float = 5.0
    """an episode is truncated after this long (the same length as the videos)"""
    num_epochs: int = 4
    """passes over each batch of experience"""
    num_minibatches: int = 4
    """minibatches per pass (split over environments)"""
    learning_rate: float = 3e-4
    """Adam step size"""
    entropy_cost: float = 1e-3
    """weight of the entropy bonus"""
    discounting: float = 0.97
    """reward discount per control step"""
    gae_lambda: float = 0.95
    """GAE lambda"""
    clipping_epsilon: float = 0.2
    """PPO ratio clip"""
    reward_scaling: float = 1.0
    """rewards are multiplied by this before the loss"""
    max_grad_norm: float = 1.0
    """global gradient-norm clip"""
    policy_hidden: tuple[int, ...] = (128, 128)
    """policy MLP layer sizes (must match a base policy to fine-tune from it)"""
    value_hidden: tuple[int, ...] = (128, 128)
    """value MLP layer sizes"""
    nthread: int = 0
    """physics threads (0: all CPU cores)"""
    physics: str = "native"
    """physics engine: "native" (MuJoCo in C on CPU threads) or "mjx" (one jitted program, GPUs)"""
    skill_search: bool = True
    """before PPO, search the base policy's commands for the one each reward scores best"""
    learn_command_offset: bool = False
    """fine-tune the command an approach starts from as well: PPO learns an offset to it,
    kept inside the robot's command box (False: the command stays fixed)"""
    domain_randomization: bool = False
    """randomise friction and base mass per environment and push the base now and then
    (native physics only)"""

    def __post_init__(self):
        if self.physics not in ("native", "mjx"):
            raise ValueError(f'physics must be "native" or "mjx", not {self.physics!r}')
        if self.domain_randomization and self.physics != "native":
            raise ValueError("domain randomisation runs on native physics; turn it off for MJX")

    def with_(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict) -> "TrainConfig":
        return TrainConfig(**_fields(data))


ADVANCED_FIELDS = ("learning_rate", "entropy_cost", "discounting", "gae_lambda",
                   "clipping_epsilon", "num_epochs", "num_minibatches", "num_envs",
                   "unroll_length", "domain_randomization", "skill_search",
                   "learn_command_offset")
"""The TrainConfig fields the app's Advanced settings offer (defaults unchanged)."""


def _fields(data: dict) -> dict:
    unknown = sorted(set(data) - set(TrainConfig.__dataclass_fields__))
    if unknown:
        raise ValueError(f"unknown training settings {unknown}; known: "
                         f"{', '.join(TrainConfig.__dataclass_fields__)}")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def configured(platform: str, steps: int, overrides: dict | None = None) -> TrainConfig:
    """The default configuration for the platform and budget (`config_for`) with the run's
    own settings (`overrides`, TrainConfig fields) on top; ValueError names unknown fields."""
    return config_for(platform, steps).with_(**_fields(overrides or {}))


def iterations_for(steps: int, config: TrainConfig) -> int:
    """PPO iterations needed for `steps` env steps per approach (at least one)."""
    per_iteration = config.num_envs * config.unroll_length
    return max(1, -(-steps // per_iteration))


def config_for(platform: str, steps: int) -> TrainConfig:
    """The default configuration on a JAX platform ("cpu", "gpu", ...) for a budget.

    On the CPU: native MuJoCo, 32 environments per approach. On an accelerator (Modal): MJX in
    one program, with as many environments per approach (a power of two, 32 to 2048) as keep
    at least 32 PPO iterations in the budget.
    """
    if platform == "cpu":
        return TrainConfig()
    unroll = TrainConfig().unroll_length
    envs = 32
    while envs < 2048 and steps // (2 * envs * unroll) >= 32:
        envs *= 2
    return TrainConfig(num_envs=envs, physics="mjx", num_minibatches=max(4, envs // 256))
