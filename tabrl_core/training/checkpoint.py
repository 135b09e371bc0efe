"""Checkpoints: one folder per approach with its weights and everything needed to reuse them."""

from __future__ import annotations

import contextlib
import sys
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import flax.serialization
import jax
import jax.numpy as jnp
with contextlib.redirect_stdout(sys.stderr):  # mujoco.mjx prints failed optional imports
    from brax.training.acme import running_statistics

from tabrl_core.training.config import TrainConfig
from tabrl_core.training.env import OBS_LAYOUT

WEIGHTS_FILE = "weights.msgpack"
META_FILE = "checkpoint.json"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint is missing or cannot be read; the message names its path."""


@dataclass(frozen=True)
class Checkpoint:
    """A trained approach: its weights (policy, value, normaliser) and how they were made."""

    path: Path
    robot_id: str
    config: TrainConfig
    obs_size: int
    action_size: int
    policy: dict
    value: dict
    normalizer: running_statistics.RunningStatisticsState
    meta: dict

    @property
    def reward_code(self) -> str | None:
        return self.meta.get("reward_code")


def _versions() -> dict[str, str]:
    names = ("tabrl", "jax", "brax", "mujoco", "flax")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def save_checkpoint(path: Path, *, robot_id: str, config: TrainConfig, obs_size: int,
                    action_size: int, policy, value, normalizer, reward_code: str | None,
                    seed: int, steps_done: int, extra: dict | None = None) -> Path:
    """Write a checkpoint folder atomically (a temporary folder renamed into place)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    weights = flax.serialization.to_bytes(
        jax.device_get({"policy": policy, "value": value, "normalizer": normalizer}))
    (tmp / WEIGHTS_FILE).write_bytes(weights)
    meta = {
        "format": FORMAT_VERSION, "obs_layout": OBS_LAYOUT, "robot_id": robot_id, "config": config.to_dict(),
        "obs_size": obs_size, "action_size": action_size, "seed": seed,
        "steps_done": steps_done, "reward_code": reward_code,
        "reward_sha256": hashlib.sha256(reward_code.encode()).hexdigest() if reward_code else None,
        "weights_sha256": hashlib.sha256(weights).hexdigest(), "versions": _versions(),
        "saved_at": time.time(), **(extra or {}),
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=1))
    if path.exists():
        shutil.rmtree(path)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: Path | str) -> Checkpoint:
    """Read a checkpoint folder; CheckpointError names the path and what is wrong."""
    from tabrl_core.training.ppo import init_agent, make_networks

    path = Path(path)
    try:
        meta = json.loads((path / META_FILE).read_text())
        weights = (path / WEIGHTS_FILE).read_bytes()
    except FileNotFoundError as exc:
        raise CheckpointError(f"checkpoint {path} is missing {Path(exc.filename).name}") from exc
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} cannot be read: {exc}") from exc
    if hashlib.sha256(weights).hexdigest() != meta.get("weights_sha256"):
        raise CheckpointError(f"checkpoint {path} is corrupt: weights do not match their hash")
    if meta.get("obs_layout") != OBS_LAYOUT:
        robot = meta.get("robot_id", "ROBOT")
        raise CheckpointError(
            f"checkpoint {path} was trained on an older observation layout "
            f"({meta.get('obs_layout', 'without the command vector')}; this TabRL uses "
            f"{OBS_LAYOUT}); re-create it with `tabrl pretrain {robot}` if it is a base "
            "policy, or train the approach again")
    try:
        config = TrainConfig.from_dict(meta["config"])
        networks = make_networks(meta["obs_size"], meta["action_size"], config)
        template = jax.eval_shape(lambda: init_agent(jax.random.PRNGKey(0), networks,
                                                     meta["obs_size"], config))
        target = {"policy": template.policy, "value": template.value,
                  "normalizer": template.normalizer}
        state = flax.serialization.from_bytes(target, weights)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} does not match this TabRL: {exc}") from exc
    as_jnp = lambda tree: jax.tree_util.tree_map(jnp.asarray, tree)  # noqa: E731
    return Checkpoint(path=path, robot_id=meta["robot_id"], config=config,
                      obs_size=meta["obs_size"], action_size=meta["action_size"],
                      policy=as_jnp(state["policy"]), value=as_jnp(state["value"]),
                      normalizer=as_jnp(state["normalizer"]), meta=meta)

