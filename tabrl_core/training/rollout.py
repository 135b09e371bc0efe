"""Deterministic rollouts of a trained policy: what the videos and their stats are made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from tabrl_core.training import env as envlib
from tabrl_core.training import ppo
from tabrl_core.training.checkpoint import Checkpoint, load_checkpoint


@dataclass
class Trajectory:
    """A rollout sampled at the video frame rate."""

    robot_id: str
    fps: int
    qpos: np.ndarray  # [F, nq]
    qvel: np.ndarray  # [F, nv]
    time: np.ndarray  # [F] seconds
    reward: np.ndarray  # [F] reward of the control step each frame falls in
    components: dict[str, np.ndarray] = field(default_factory=dict)  # name -> [F]
    fell: bool = False  # the episode's termination condition was met at some point
    unstable: bool = False  # the physics went non-finite; arrays end where it did


def rollout_policy(checkpoint: Checkpoint | Path | str, seconds: float = 5.0, fps: int = 30,
                   seed: int = 0, reward=None) -> Trajectory:
    """Run the policy's mode for `seconds` from a start state fixed by `seed`.

    `reward` (a CompiledReward) adds the per-frame reward and components; by default none.
    """
    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else load_checkpoint(checkpoint)
    env = envlib.RobotEnv(ckpt.robot_id, nthread=1)
    try:
        return _rollout(env, ckpt, seconds, fps, seed, reward)
    finally:
        env.close()


def _rollout(env: envlib.RobotEnv, ckpt: Checkpoint, seconds, fps, seed, reward) -> Trajectory:
    networks = ppo.make_networks(ckpt.obs_size, ckpt.action_size, ckpt.config)
    layout, consts = env.layout, env.constants

    @jax.jit
    def act(sensors, memory, time, prev_action):
        s, memory, gravity = envlib.contract_state(layout, consts, sensors, memory, time)
        obs = envlib.observe(s, gravity, prev_action)
        action = ppo.deterministic_actions(networks, ckpt.normalizer, ckpt.policy, obs)
        return s, envlib.terminated(consts, s), action, envlib.action_to_ctrl(consts, action), memory

    states, sensors = env.reset_pool(seed, size=1)
    n_steps = max(1, round(seconds / env.robot.ctrl_dt))
    memory = envlib.FootMemory(jnp.zeros((1, env.n_feet)), jnp.ones((1, env.n_feet)))
    prev_action = jnp.zeros((1, env.n_joints))
    physics_states = [states[:, None, :]]  # [1, substeps, nstate] chunks, first = the start
    contracts, actions, prev_actions = [], [], []
    fell = unstable = False
    for step in range(n_steps):
        s, term, action, ctrl, memory = act(jnp.asarray(sensors, jnp.float32), memory,
                                             jnp.full((1,), step * env.robot.ctrl_dt), prev_action)
        if step > 0:
            contracts.append(s)
            fell |= bool(term[0])
        actions.append(action)
        prev_actions.append(prev_action)
        prev_action = action
        sub_states, sub_sensors = env.physics_step(states, np.asarray(ctrl, np.float64), True)
        if not np.all(np.isfinite(sub_states)):
            unstable = True
            break
        physics_states.append(sub_states)
        states, sensors = sub_states[:, -1], sub_sensors[:, -1]
    all_states = np.concatenate(physics_states, axis=1)[0]  # [S, nstate], every physics step
    return _sample_frames(env, all_states, fps, fell, unstable,
                          _step_rewards(reward, contracts, actions, prev_actions))


def _step_rewards(reward, contracts, actions, prev_actions):
    """Reward and components of each completed control step, or None without a reward."""
    if reward is None or not contracts:
        return None
    stack = lambda xs: jnp.concatenate(xs)  # noqa: E731
    s = jax.tree_util.tree_map(lambda *xs: stack(xs), *contracts)
    n = len(contracts)
    total, parts = jax.jit(jax.vmap(reward.fn))(s, stack(actions[:n]), stack(prev_actions[:n]))
    return np.asarray(total), {k: np.asarray(v) for k, v in parts.items()}


def _sample_frames(env, all_states, fps, fell, unstable, step_rewards) -> Trajectory:
    model = env.model
    sim_dt = model.opt.timestep
    duration = (len(all_states) - 1) * sim_dt
    n_frames = max(1, int(np.floor(duration * fps + 1e-9)))
    times = np.arange(n_frames) / fps
    index = np.minimum(np.round(times / sim_dt).astype(int), len(all_states) - 1)
    qpos = all_states[index, 1:1 + model.nq]
    qvel = all_states[index, 1 + model.nq:1 + model.nq + model.nv]
    reward = np.zeros(n_frames)
    components: dict[str, np.ndarray] = {}
    if step_rewards is not None:
        total, parts = step_rewards
        step_of_frame = np.clip((times / env.robot.ctrl_dt).astype(int), 0, len(total) - 1)
        reward = total[step_of_frame]
        components = {k: v[step_of_frame] for k, v in parts.items()}
    return Trajectory(robot_id=env.robot.id, fps=fps, qpos=qpos, qvel=qvel, time=times,
                      reward=reward, components=components, fell=fell, unstable=unstable)
