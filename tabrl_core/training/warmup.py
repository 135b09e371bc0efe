"""Warm JAX's compilation cache so the first "Train all" starts training without compiling.

`start_background_warmup()` (called once when the app starts; it imports no JAX) launches
`python -m tabrl_core.training.warmup`, which runs one tiny iteration of the training and
rollout programs for the usual population sizes and leaves a marker so it runs once per cache.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from tabrl_core.paths import jax_cache_dir, subdir

POPULATION_SIZES = (3, 9)  # the built-in designer alone, and three providers x three approaches


def _marker(robot_id: str, sizes: tuple[int, ...]) -> Path:
    from tabrl_core.training.config import TrainConfig

    key = f"{robot_id}{sizes}{TrainConfig()}{metadata.version('jax')}"
    return jax_cache_dir() / f"tabrl-warm-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


# Any reward compiles the same programs (rewards run outside them); this one is small and valid.
WARMUP_REWARD = """
def reward(s, a, prev_a):
    upright = s.upright
    return upright, {"upright": upright}
"""


def start_background_warmup(robot_id: str = "go1", sizes: tuple[int, ...] = POPULATION_SIZES
                            ) -> subprocess.Popen | None:
    """Warm the cache in a detached process unless it is warm already (or TABRL_WARMUP=0);
    returns the process."""
    if os.environ.get("TABRL_WARMUP") == "0" or _marker(robot_id, sizes).exists():
        return None
    with (subdir("logs") / "warmup.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "tabrl_core.training.warmup", robot_id,
                                 *map(str, sizes)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def warm(robot_id: str = "go1", sizes: tuple[int, ...] = POPULATION_SIZES) -> None:
    """Compile (or load from the cache) the programs a batch of each size runs."""
    from tabrl_core.rewards import compile_reward
    from tabrl_core.training.config import TrainConfig
    from tabrl_core.training.population import train_population
    from tabrl_core.training.rollout import rollout_policies

    reward = compile_reward(WARMUP_REWARD, robot_id)
    config = TrainConfig()
    one_iteration = config.num_envs * config.unroll_length
    with tempfile.TemporaryDirectory(prefix="tabrl-warmup-") as tmp:
        for k in sizes:
            dirs = [Path(tmp) / f"{k}-{i}" for i in range(k)]
            results = train_population(robot_id, [reward] * k, one_iteration, out_dirs=dirs,
                                       config=config)
            rollout_policies([r.checkpoint for r in results], seconds=0.1)
    _marker(robot_id, sizes).touch()


if __name__ == "__main__":
    from tabrl_core.paths import enable_jax_compilation_cache

    enable_jax_compilation_cache()
    warm(sys.argv[1], tuple(int(k) for k in sys.argv[2:]) or POPULATION_SIZES)
