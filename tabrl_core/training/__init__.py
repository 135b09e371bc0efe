"""Training: a population of reward approaches of one robot, trained together with PPO.

Names are imported on first use, so light modules of this package (config, warmup) can be
used without importing JAX.
"""

from tabrl_core.lazy import lazy_exports

_EXPORTS = {
    "Checkpoint": ".checkpoint", "CheckpointError": ".checkpoint",
    "load_checkpoint": ".checkpoint",
    "TrainConfig": ".config",
    "ApproachResult": ".population", "TrainProgress": ".population",
    "train_population": ".population",
    "Trajectory": ".rollout", "rollout_policies": ".rollout", "rollout_policy": ".rollout",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
