"""Base policies: a steady gait per legged robot that short fine-tuning budgets start from.

`pretrain(robot_id)` (the `tabrl pretrain ROBOT` command) trains one from scratch with the base
reward below and writes it next to the robot's MJCF, with its training curve and evaluation.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from tabrl_core.training.config import TrainConfig
from tabrl_core.training.population import base_policy_path, train_population

# A walk at an easy pace with a regular trot: tracking terms in [0, 1], small penalties, so
# staying up always pays. Written in the reward contract like any other reward.
BASE_REWARD = '''
def reward(s, a, prev_a):
    forward = jnp.exp(-jnp.square(s.base_lin_vel[0] - 0.5) / 0.1)
    lateral = jnp.exp(-jnp.square(s.base_lin_vel[1]) / 0.1)
    heading = jnp.exp(-jnp.square(s.base_ang_vel[2]) / 0.25)
    upright = s.upright
    height = jnp.exp(-jnp.square(s.base_height - 0.27) / 0.002)
    foot_steps = jnp.sum((s.foot_air_time - 0.2) * s.first_contact)
    action_rate = jnp.sum(jnp.square(a - prev_a))
    torque = jnp.sum(jnp.square(s.joint_torque))
    pose = jnp.sum(jnp.square(s.joint_pos - s.default_joint_pos))
    total = (forward + 0.5 * lateral + 0.5 * heading + 0.5 * upright + 0.3 * height
             + 1.0 * foot_steps - 0.02 * action_rate - 0.0002 * torque - 0.05 * pose)
    return total, {"forward": forward, "lateral": lateral, "heading": heading,
                   "upright": upright, "height": height, "foot_steps": foot_steps,
                   "action_rate": action_rate, "torque": torque, "pose": pose}
'''

PRETRAIN_CONFIG = TrainConfig(num_envs=256, episode_seconds=10.0, num_minibatches=8,
                              entropy_cost=5e-3)
PRETRAIN_STEPS = 3_000_000


def pretrain(robot_id: str, steps: int = PRETRAIN_STEPS, seed: int = 0, reward=None,
             progress=None) -> dict:
    """Train the robot's base policy from scratch and ship it; returns the report written."""
    if reward is None:
        from tabrl_core.rewards import compile_reward

        reward = compile_reward(BASE_REWARD, robot_id)
    out = base_policy_path(robot_id)
    work = out.parent / ".pretrain"
    start = time.monotonic()
    result = train_population(robot_id, [reward], steps, out_dirs=[work], seed=seed,
                              config=PRETRAIN_CONFIG, progress=progress, init="scratch")[0]
    if result.status != "succeeded":
        raise RuntimeError(f"pretraining {robot_id} {result.status}: {result.error}")
    _replace_dir(result.checkpoint, out)
    shutil.rmtree(work)
    report = {"robot_id": robot_id, "steps": steps, "seed": seed,
              "wall_s": round(time.monotonic() - start, 1), "config": PRETRAIN_CONFIG.to_dict(),
              "curve": [{"steps": h["steps"], "mean_return": h["mean_return"]}
                        for h in result.history[:: max(1, len(result.history) // 100)]],
              "evaluation": evaluate(out, reward)}
    (out.parent / "base_policy_report.json").write_text(json.dumps(report, indent=1))
    return report


def _replace_dir(src: Path, dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    src.rename(dst)


def evaluate(checkpoint: Path, reward, seeds: int = 5) -> dict:
    """Mean forward speed, distance, upright fraction and falls over a few 5 s rollouts."""
    from tabrl_core.training.rollout import rollout_policy

    speeds, falls, upright = [], 0, []
    for seed in range(seeds):
        tr = rollout_policy(checkpoint, seconds=5.0, seed=seed, reward=reward)
        speeds.append(float((tr.qpos[-1, 0] - tr.qpos[0, 0]) / max(tr.time[-1], 1e-9)))
        falls += int(tr.fell)
        upright.append(float(np.mean(tr.components.get("upright", np.ones(1)) > 0.8)))
    return {"mean_forward_speed": float(np.mean(speeds)), "falls": falls, "rollouts": seeds,
            "upright_fraction": float(np.mean(upright))}
