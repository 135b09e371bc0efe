"""Training: a population of reward approaches of one robot, trained together with PPO."""

from tabrl_core.training.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from tabrl_core.training.config import PRESETS, STEPS_MAX_GPU, STEPS_MAX_LOCAL, STEPS_MIN, TrainConfig
from tabrl_core.training.population import ApproachResult, TrainProgress, train_population
from tabrl_core.training.rollout import Trajectory, rollout_policy

__all__ = [
    "ApproachResult", "Checkpoint", "CheckpointError", "PRESETS", "STEPS_MAX_GPU",
    "STEPS_MAX_LOCAL", "STEPS_MIN", "TrainConfig", "TrainProgress", "Trajectory",
    "load_checkpoint", "rollout_policy", "train_population",
]
