"""Training: a population of reward approaches of one robot, trained together with PPO.

Names are imported on first use, so light modules of this package (config, warmup) can be
used without importing JAX.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Checkpoint": "checkpoint", "CheckpointError": "checkpoint", "load_checkpoint": "checkpoint",
    "PRESETS": "config", "STEPS_MAX_GPU": "config", "STEPS_MAX_LOCAL": "config",
    "STEPS_MIN": "config", "TrainConfig": "config",
    "ApproachResult": "population", "TrainProgress": "population",
    "train_population": "population",
    "Trajectory": "rollout", "rollout_policies": "rollout", "rollout_policy": "rollout",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tabrl_core.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tabrl_core.training.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
