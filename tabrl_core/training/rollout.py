"""Deterministic rollouts of trained policies: what the videos and their stats are made from.

`rollout_policies` steps the policies of several checkpoints of one robot side by side (one
physics call and one jitted policy call per control step for all of them), which is how a
batch's nine videos get their trajectories in about the time of one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from tabrl_core.rewards.contract import FRAME_FIELDS
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
    # Contract-state fields at each frame (rewards.contract.FRAME_FIELDS): name -> [F, ...],
    # from the control step each frame falls in; base_rpy's yaw is unwrapped over the frames.
    states: dict[str, np.ndarray] = field(default_factory=dict)



def rollout_policy(checkpoint: Checkpoint | Path | str, seconds: float = 5.0, fps: int = 30,
                   seed: int = 0, reward=None, command: Sequence[float] | None = None
                   ) -> Trajectory:
    """Run one policy's mode for `seconds` from a start state fixed by `seed`.

    `reward` (a CompiledReward) adds the per-frame reward and components; by default none.
    `command` overrides the command the checkpoint follows (for a command-conditioned base).
    """
    return rollout_policies([checkpoint], seconds, fps, seed, [reward],
                            None if command is None else [command])[0]


def checkpoint_command(checkpoint: Checkpoint) -> tuple[float, ...]:
    """The command a checkpoint follows: the one it was fine-tuned with, or its robot's
    default."""
    from tabrl_core.training.skills import command_box

    return tuple(checkpoint.meta.get("command", command_box(checkpoint.robot_id).default))


def rollout_policies(checkpoints: Sequence[Checkpoint | Path | str], seconds: float = 5.0,
                     fps: int = 30, seed: int = 0, rewards: Sequence | None = None,
                     commands: Sequence[Sequence[float]] | None = None) -> list[Trajectory]:
    """Roll out several policies of one robot together, each from the same start state, each
    following its own command (`commands`, or each checkpoint's `checkpoint_command`)."""
    ckpts = [c if isinstance(c, Checkpoint) else load_checkpoint(c) for c in checkpoints]
    first = ckpts[0]
    for c in ckpts[1:]:
        if (c.robot_id, c.obs_size, c.config.policy_hidden) != \
                (first.robot_id, first.obs_size, first.config.policy_hidden):
            raise ValueError(f"checkpoints {first.path} and {c.path} are for different robots "
                             "or network shapes; roll them out separately")
    env = envlib.RobotEnv(first.robot_id, nthread=1)
    commands = np.asarray(commands if commands is not None
                          else [checkpoint_command(c) for c in ckpts], np.float32)
    try:
        return _rollout(env, ckpts, seconds, fps, seed, rewards or [None] * len(ckpts), commands)
    finally:
        env.close()


@functools.lru_cache(maxsize=8)
def policy_step(robot_id: str, obs_size: int, action_size: int, config):
    """The jitted deterministic policy step for K stacked policies of one robot and shape:
    `act(params, sensors, memory, time, prev_action, command)` with every input [K, ...] (one
    environment per policy) or [K, M, ...] (M environments per policy); returns the contract
    state, termination, action, control and foot memory."""
    networks = ppo.make_networks(obs_size, action_size, config)
    env = envlib.RobotEnv(robot_id, nthread=1)
    layout, consts = env.layout, env.constants
    env.close()

    @jax.jit
    def act(params, sensors, memory, time, prev_action, command):
        s, memory, gravity = envlib.contract_state(layout, consts, sensors, memory, time)
        obs = envlib.observe(s, gravity, prev_action, command)
        action = jax.vmap(lambda norm, policy, o: ppo.deterministic_actions(
            networks, norm, policy, o))(params[0], params[1], obs)
        ctrl = envlib.action_to_ctrl(consts, action)
        return s, envlib.terminated(consts, s), action, ctrl, memory

    return act


def _rollout(env: envlib.RobotEnv, ckpts, seconds, fps, seed, rewards,
             commands: np.ndarray) -> list[Trajectory]:
    k = len(ckpts)
    stack = lambda *xs: jax.tree_util.tree_map(lambda *ys: jnp.stack(ys), *xs)  # noqa: E731
    params = (stack(*[c.normalizer for c in ckpts]), stack(*[c.policy for c in ckpts]))
    act = policy_step(env.robot.id, ckpts[0].obs_size, ckpts[0].action_size, ckpts[0].config)
    start_states, start_sensors = env.reset_pool(seed, size=1)
    states = np.repeat(start_states, k, axis=0)
    sensors = np.repeat(start_sensors, k, axis=0)
    memory = envlib.FootMemory(jnp.zeros((k, env.n_feet)), jnp.ones((k, env.n_feet)))
    prev_action = jnp.zeros((k, env.n_joints))
    n_steps = max(1, round(seconds / env.robot.ctrl_dt))
    chunks = [states[:, None, :]]  # [K, substeps, nstate] chunks; the first is the start
    step_states, actions, prev_actions = [], [], []  # step_states[k]: the state at step k
    fell = np.zeros(k, bool)
    alive = np.full(k, n_steps)  # control steps each rollout completed before going unstable
    for step in range(n_steps):
        s, term, action, ctrl, memory = act(params, jnp.asarray(sensors, jnp.float32), memory,
                                            jnp.full((k,), step * env.robot.ctrl_dt),
                                            prev_action, jnp.asarray(commands))
        step_states.append(s)
        if step > 0:
            fell |= np.asarray(term) & (alive > step)
        actions.append(action)
        prev_actions.append(prev_action)
        prev_action = action
        sub_states, sub_sensors = env.physics_step(states, np.asarray(ctrl, np.float64), True)
        finite = np.all(np.isfinite(sub_states), axis=(1, 2))
        alive = np.where(~finite & (alive == n_steps), step, alive)
        sub_states[~finite] = states[~finite][:, None, :]  # freeze a blown-up rollout
        sub_sensors[~finite] = sensors[~finite][:, None, :]
        chunks.append(sub_states)
        states, sensors = sub_states[:, -1], sub_sensors[:, -1]
    physics = np.concatenate(chunks, axis=1)  # [K, S, nstate], every physics step
    every = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *step_states)  # [T, K, ...]
    # A step's reward reads the state its action led to: the next step's state.
    stacked = jax.tree_util.tree_map(lambda x: x[1:], every) if n_steps > 1 else None
    actions, prev_actions = jnp.stack(actions), jnp.stack(prev_actions)
    trajectories = []
    for i in range(k):
        steps = int(alive[i])
        stop = 1 + steps * env.n_substeps
        rewards_i = _step_rewards(rewards[i], stacked, actions, prev_actions, i, steps)
        states_i = {name: np.asarray(getattr(every, name)[:max(steps, 1), i])
                    for name in FRAME_FIELDS}
        trajectories.append(_sample_frames(env, physics[i, :stop], fps, bool(fell[i]),
                                           steps < n_steps, rewards_i, states_i))
    return trajectories


def _step_rewards(reward, contracts, actions, prev_actions, i: int, steps: int):
    """Reward and components of rollout i's completed control steps, or None.

    `contracts`, `actions` and `prev_actions` are stacked over steps: [T, K, ...]."""
    n = 0 if contracts is None else min(len(contracts.time), max(steps - 1, 0))
    if reward is None or n == 0:
        return None
    pick = lambda x: x[:n, i]  # noqa: E731
    total, parts = reward.batched(jax.tree_util.tree_map(pick, contracts), pick(actions),
                                  pick(prev_actions))
    return np.asarray(total), {k: np.asarray(v) for k, v in parts.items()}


def _sample_frames(env, all_states, fps, fell, unstable, step_rewards, step_states
                   ) -> Trajectory:
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
    n_steps = len(step_states["base_pos"])
    nearest_step = np.clip(np.round(times / env.robot.ctrl_dt).astype(int), 0, n_steps - 1)
    states = unwrap_yaw({k: v[nearest_step] for k, v in step_states.items()})
    return Trajectory(robot_id=env.robot.id, fps=fps, qpos=qpos, qvel=qvel, time=times,
                      reward=reward, components=components, fell=fell, unstable=unstable,
                      states=states)


def unwrap_yaw(states: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`states` with base_rpy's yaw unwrapped over the frames (it keeps counting past +-pi)."""
    rpy = np.array(states["base_rpy"], np.float64)
    rpy[:, 2] = np.unwrap(rpy[:, 2])
    return {**states, "base_rpy": rpy}


def frame_states(robot_id: str, qpos: np.ndarray, qvel: np.ndarray) -> dict[str, np.ndarray]:
    """The contract-state fields (FRAME_FIELDS) of each row of `qpos` [F, nq] and `qvel`
    [F, nv], computed with MuJoCo from the pose alone: for trajectories that were recorded
    without them (open-loop motion, files from before the judge). Foot contacts are the touch
    sensors' reading of that pose with no actuation."""
    env = envlib.RobotEnv(robot_id, nthread=1)
    try:
        data = mujoco.MjData(env.model)
        sensors = np.empty((len(qpos), env.model.nsensordata))
        for k, (q, v) in enumerate(zip(qpos, qvel)):
            data.qpos[:], data.qvel[:] = q, v
            mujoco.mj_forward(env.model, data)
            sensors[k] = data.sensordata
        memory = envlib.FootMemory(jnp.zeros((len(qpos), env.n_feet)),
                                   jnp.ones((len(qpos), env.n_feet)))
        s, _, _ = envlib.contract_state(env.layout, env.constants,
                                        jnp.asarray(sensors, jnp.float32), memory,
                                        jnp.zeros(len(qpos)))
    finally:
        env.close()
    return unwrap_yaw({name: np.asarray(getattr(s, name)) for name in FRAME_FIELDS})
