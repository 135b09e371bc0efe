"""Base policies: command-conditioned skills per robot that short fine-tuning budgets start from.

`pretrain(robot_id)` (the `tabrl pretrain ROBOT` command) trains one over commands sampled from
the robot's command box (training/skills.py) with the command-tracking reward, leaving resume
points under `<robot>/.pretrain/` so that an interrupted run continues where it stopped. It
ships the result next to the robot's MJCF with its curve and an evaluation table (tracking
error per command axis, falls).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from tabrl_core.training import skills
from tabrl_core.training.config import TrainConfig
from tabrl_core.training.population import base_policy_path, train_population

PRETRAIN_CONFIG = TrainConfig(num_envs=256, episode_seconds=5.0, num_minibatches=8,
                              entropy_cost=1e-2, skill_search=False)
PRETRAIN_STEPS = 3_000_000
COMMAND_INIT_STD = 0.05
"""Initial weights from the new inputs when an older base is widened (seed_checkpoint)."""
EVAL_COMMANDS = {  # name -> command (vx, vy, yaw_rate, height, roll, pitch)
    "forward": (0.5, 0, 0, 0, 0, 0), "backward": (-0.4, 0, 0, 0, 0, 0),
    "left": (0, 0.3, 0, 0, 0, 0), "right": (0, -0.3, 0, 0, 0, 0),
    "turn_left": (0, 0, 1.0, 0, 0, 0), "turn_right": (0, 0, -1.0, 0, 0, 0),
    "crouch": (0, 0, 0, -0.06, 0, 0), "lean_left": (0, 0, 0, 0, -0.2, 0),
    "nose_up": (0, 0, 0, 0, 0, -0.2), "stand": (0, 0, 0, 0, 0, 0),
}


def _work_dir(robot_id: str) -> Path:
    return base_policy_path(robot_id).parent / ".pretrain"


def pretrain(robot_id: str, steps: int = PRETRAIN_STEPS, seed: int = 0, progress=None,
             init: str | Path = "scratch", drill: tuple[str, ...] = ()) -> dict:
    """Train the robot's command-conditioned base policy and ship it; returns the report.

    One training run whose resume points (training/resume.py) live in `<robot>/.pretrain/`:
    run the same command again after an interruption and it continues from the last one.
    `init` seeds the run from a checkpoint folder instead of random weights; `drill` names
    command axes this stage practises (half its commands, `skills.sample_commands`).
    """
    box = skills.command_box(robot_id)
    if not box.searchable:
        raise ValueError(f"{robot_id} has no command box; base policies exist for "
                         f"{', '.join(sorted(skills.COMMAND_BOXES))}")
    reward = skills.command_tracking_reward(robot_id, standing_height(robot_id))
    work = _work_dir(robot_id)
    work.mkdir(parents=True, exist_ok=True)
    source = init if init == "scratch" else seed_checkpoint(Path(init), work / "seed")
    start = time.monotonic()
    result = train_population(
        robot_id, [reward], steps, out_dirs=[work / "run"], seed=seed, config=PRETRAIN_CONFIG,
        init=source, command_sampler=lambda rng, n: skills.sample_commands(rng, box, n, drill),
        progress=progress)[0]
    if result.status != "succeeded":
        raise RuntimeError(f"pretraining {robot_id} {result.status}: {result.error}")
    out = base_policy_path(robot_id)
    _replace_dir(result.checkpoint, out)
    wall = round(time.monotonic() - start, 1)
    stages = [] if init == "scratch" else earlier_stages(Path(init))
    stages.append({"init": str(init), "steps": steps, "wall_s": wall}
                  | ({"drill": list(drill)} if drill else {}))
    report = {"robot_id": robot_id, "steps": steps, "seed": seed, "init": str(init),
              "resumed_from_steps": result.resumed_from, "wall_s": wall, "stages": stages,
              "total_steps": sum(s["steps"] for s in stages),
              "total_wall_s": round(sum(s["wall_s"] for s in stages), 1),
              "config": PRETRAIN_CONFIG.to_dict(),
              "command_box": {"low": box.low, "high": box.high, "default": box.default},
              "curve": [{"steps": h["steps"], "mean_return": h["mean_return"]}
                        for h in result.history[::10]],
              "evaluation": evaluate(out)}
    (out.parent / "base_policy_report.json").write_text(json.dumps(report, indent=1))
    shutil.rmtree(work)
    return report


def earlier_stages(init: Path) -> list[dict]:
    """The pretraining stages (init, steps, wall_s) that made the checkpoint `init`, from the
    base_policy_report.json in or beside its folder; [] when there is none."""
    for candidate in (init / "base_policy_report.json", init.parent / "base_policy_report.json"):
        try:
            report = json.loads(candidate.read_text())
        except (OSError, ValueError):
            continue
        return list(report.get("stages") or [
            {"init": report.get("init", "scratch"), "steps": report["steps"],
             "wall_s": report["wall_s"]}])
    return []


def seed_checkpoint(path: Path, out: Path) -> Path:
    """`path` as a checkpoint of this observation layout: a current one as it is; an older one,
    whose observation lacks the last inputs (the first Go1 base had no command and no elapsed
    time), widened with small random weights (COMMAND_INIT_STD) and unit normaliser statistics
    for the new inputs, so its policy
    starts out close to how it acted but already varies with the command (which PPO can then
    reinforce), and with a fresh value network (the old one estimated another reward's
    returns)."""
    import flax.serialization
    import jax
    import jax.numpy as jnp

    from tabrl_core.training import ppo
    from tabrl_core.training.checkpoint import (META_FILE, WEIGHTS_FILE, CheckpointError,
                                                load_checkpoint, save_checkpoint)
    from tabrl_core.training.env import observation_size

    try:
        load_checkpoint(path)
        return path
    except CheckpointError as exc:
        if "older observation layout" not in str(exc):
            raise
    meta = json.loads((path / META_FILE).read_text())
    config = TrainConfig.from_dict(meta["config"])
    old_size, actions = meta["obs_size"], meta["action_size"]
    template = ppo.init_agent(jax.random.PRNGKey(0), ppo.make_networks(old_size, actions, config),
                              old_size, config)
    state = flax.serialization.from_bytes(
        {"policy": template.policy, "value": template.value, "normalizer": template.normalizer},
        (path / WEIGHTS_FILE).read_bytes())
    new_size = observation_size(actions)
    extra = new_size - old_size

    def widen(params, key):
        first = params["params"]["hidden_0"]
        rows = COMMAND_INIT_STD * jax.random.normal(key, (extra, first["kernel"].shape[1]))
        kernel = jnp.concatenate([first["kernel"], rows])
        return {"params": {**params["params"], "hidden_0": {**first, "kernel": kernel}}}

    norm = state["normalizer"]
    count = float(norm.count.hi) * 2.0 ** 32 + float(norm.count.lo)
    normalizer = norm.replace(
        mean=jnp.concatenate([norm.mean, jnp.zeros(extra)]),
        std=jnp.concatenate([norm.std, jnp.ones(extra)]),
        summed_variance=jnp.concatenate([norm.summed_variance, jnp.full(extra, count)]))
    fresh = ppo.init_agent(jax.random.PRNGKey(meta.get("seed", 0)),
                           ppo.make_networks(new_size, actions, config), new_size, config)
    return save_checkpoint(out, robot_id=meta["robot_id"], config=config, obs_size=new_size,
                           action_size=actions, policy=widen(state["policy"], jax.random.PRNGKey(1)),
                           value=fresh.value, normalizer=normalizer,
                           reward_code=None, seed=meta.get("seed", 0),
                           steps_done=meta.get("steps_done", 0), extra={"seeded_from": str(path)})


def _replace_dir(src: Path, dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    src.rename(dst)


def standing_height(robot_id: str) -> float:
    """The base's height in the robot's home pose (the zero of the height command)."""
    from tabrl_core.training.env import RobotEnv

    env = RobotEnv(robot_id, nthread=1)
    try:
        return float(env.home_data.xpos[env.model.body(env.robot.base_body).id][2])
    finally:
        env.close()


def evaluate(checkpoint: Path, seconds: float = 4.0) -> dict:
    """Per evaluation command: the measured mean of each commanded axis against its target,
    the mean absolute tracking error, and falls (all commands rolled out together)."""
    from tabrl_core.training.checkpoint import load_checkpoint
    from tabrl_core.training.rollout import rollout_policies
    from tabrl_core.training.skills import command_box

    ckpt = load_checkpoint(checkpoint)
    box = command_box(ckpt.robot_id)
    names = list(EVAL_COMMANDS)
    commands = [tuple(box.clip(np.asarray(EVAL_COMMANDS[n], float))) for n in names]
    trajectories = rollout_policies([ckpt] * len(names), seconds=seconds, commands=commands)
    height0 = standing_height(ckpt.robot_id)
    table = {}
    for name, command, tr in zip(names, commands, trajectories):
        measured = measured_command(tr, height0)
        error = {axis: round(abs(measured[axis] - target), 3)
                 for axis, target in zip(skills.COMMAND_AXES, command)}
        table[name] = {"command": skills.command_dict(command), "measured": measured,
                       "abs_error": error, "fell": bool(tr.fell)}
    return {"commands": table, "falls": sum(r["fell"] for r in table.values()),
            "rollouts": len(names)}


def measured_command(tr, standing: float) -> dict[str, float]:
    """What a rollout did, in command axes: mean heading-frame velocity, turning rate, height
    offset, roll and pitch, over its second half (after it settles)."""
    from tabrl_core.robots import get_robot, load_model
    from tabrl_core.robots.model import base_poses

    robot = get_robot(tr.robot_id)
    position, rotation = base_poses(load_model(robot), robot.base_body, tr.qpos)
    half = len(position) // 2
    yaw = np.unwrap(np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0]))
    velocity = np.gradient(position[:, :2], axis=0) * tr.fps
    forward = np.cos(yaw) * velocity[:, 0] + np.sin(yaw) * velocity[:, 1]
    lateral = -np.sin(yaw) * velocity[:, 0] + np.cos(yaw) * velocity[:, 1]
    roll = np.arctan2(rotation[:, 2, 1], rotation[:, 2, 2])
    pitch = np.arcsin(np.clip(-rotation[:, 2, 0], -1.0, 1.0))
    mean = lambda x: round(float(np.mean(x[half:])), 3)  # noqa: E731
    return {"vx": mean(forward), "vy": mean(lateral),
            "yaw_rate": mean(np.gradient(yaw) * tr.fps), "height": mean(position[:, 2] - standing),
            "roll": mean(roll), "pitch": mean(pitch)}
