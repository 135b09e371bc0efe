"""Brax baseline: brax's own `ppo.train` on TabRL's environment, one reward after another.

    python bench/brax_baseline.py [--steps 10000] [--rewards 9]

`TabRLBraxEnv` is a brax `Env` on MJX that computes what TabRL's training environment
(tabrl_core/training/env.py and population.make_env_step) computes: the same compiled model and
sensors, `n_substeps` physics steps per control step, the same reset noise around the keyframe,
contract state, observation, action mapping and termination, episodes truncated after
TrainConfig().episode_seconds, and one approach's compiled reward on the contract state.
The one difference is brax's: its AutoResetWrapper restarts each environment from that
environment's own first start state, where TabRL draws a start state from a pool of 256.

Prints one JSON object: env steps per second of training the built-in designer's rewards (walk
forward, turn in place, shake hips; 3 approaches each) one after another with brax PPO at
TrainConfig()'s hyperparameters, counted as TabRL's bench/train.py counts them (rewards x steps
per reward over the wall time), JIT compilation included. No persistent compilation cache is
enabled, so every run compiles from scratch (the JSON shows the cache setting).
"""

from __future__ import annotations

import argparse
import functools
import json
import time

import jax
import jax.numpy as jnp
import mujoco
from brax.envs.base import Env, State
from brax.training.agents.ppo import networks as ppo_networks
from brax.training.agents.ppo import train as ppo
from mujoco import mjx

from tabrl_core.providers.builtin import design
from tabrl_core.rewards import compile_rewards
from tabrl_core.training import env as envlib
from tabrl_core.training.config import TrainConfig

ROBOT = "go1"
NO_COMMAND = jnp.zeros(len(envlib.COMMAND_AXES))  # the command a base follows is zero here
BEHAVIOURS = ("walk forward", "turn in place", "keep shaking your hips aloha dude!")


class TabRLBraxEnv(Env):
    """One approach of a TabRL robot as an unbatched brax environment (brax vmaps it)."""

    def __init__(self, robot_id: str, reward, episode_seconds: float):
        robot_env = envlib.RobotEnv(robot_id, nthread=1)
        robot_env.close()
        self._layout, self._consts = robot_env.layout, robot_env.constants
        self._model = mjx.put_model(robot_env.model)
        self._n_substeps = robot_env.n_substeps
        self._home_qpos = jnp.asarray(robot_env.home_data.qpos, jnp.float32)
        self._home_ctrl = jnp.asarray(robot_env.home_data.ctrl, jnp.float32)
        free = robot_env.model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
        self._first_joint = 7 if free else 0
        self._noise = robot_env.robot.reset_noise
        self._n_feet = robot_env.n_feet
        self._obs_size, self._action_size = robot_env.obs_size, robot_env.n_joints
        self._reward = reward
        self.episode_steps = max(1, round(episode_seconds / robot_env.robot.ctrl_dt))

    def reset(self, rng: jax.Array) -> State:
        """A start state near the keyframe, as RobotEnv.reset_pool draws them."""
        qpos_key, qvel_key = jax.random.split(rng)
        noise, nq, nv = self._noise, self._model.nq, self._model.nv
        qpos = self._home_qpos.at[self._first_joint:].add(jax.random.uniform(
            qpos_key, (nq - self._first_joint,), minval=-noise, maxval=noise))
        qvel = jax.random.uniform(qvel_key, (nv,), minval=-noise, maxval=noise)
        data = mjx.make_data(self._model).replace(qpos=qpos, qvel=qvel, ctrl=self._home_ctrl)
        data = mjx.forward(self._model, data)
        fresh = envlib.FootMemory(jnp.zeros(self._n_feet), jnp.ones(self._n_feet))
        contract, memory, gravity = envlib.contract_state(
            self._layout, self._consts, data.sensordata, fresh, jnp.zeros(()))
        no_action = jnp.zeros(self._action_size)
        info = {"memory": memory, "reset_memory": memory, "time": jnp.zeros(()),
                "prev_action": no_action, "episode_step": jnp.zeros((), jnp.int32)}
        return State(pipeline_state=data, obs=envlib.observe(contract, gravity, no_action, NO_COMMAND),
                     reward=jnp.zeros(()), done=jnp.zeros(()), metrics={}, info=info)

    def step(self, state: State, action: jax.Array) -> State:
        """Hold the action's controls for one control period; reward, termination, observation.
        At an episode's end the carried memory, clock and previous action restart, as brax's
        AutoResetWrapper restarts the physics and the observation."""
        ctrl = envlib.action_to_ctrl(self._consts, action)
        data = jax.lax.fori_loop(
            0, self._n_substeps, lambda _, d: mjx.step(self._model, d.replace(ctrl=ctrl)),
            state.pipeline_state)
        info = state.info
        time_now = info["time"] + self._consts.dt
        contract, memory, gravity = envlib.contract_state(
            self._layout, self._consts, data.sensordata, info["memory"], time_now)
        reward, _ = self._reward.fn(contract, action, info["prev_action"])
        fell = envlib.terminated(self._consts, contract)
        done = fell | (info["episode_step"] + 1 >= self.episode_steps)
        restart = lambda fresh, value: jnp.where(done, fresh, value)  # noqa: E731
        info = {**info, "memory": jax.tree_util.tree_map(restart, info["reset_memory"], memory),
                "time": restart(0.0, time_now), "prev_action": restart(0.0, action),
                "episode_step": restart(0, info["episode_step"] + 1)}
        return state.replace(pipeline_state=data, obs=envlib.observe(contract, gravity, action, NO_COMMAND),
                             reward=reward, done=fell.astype(jnp.float32), info=info)

    @property
    def observation_size(self) -> int:
        return self._obs_size

    @property
    def action_size(self) -> int:
        return self._action_size

    @property
    def backend(self) -> str:
        return "mjx"


def ppo_hyperparameters(config: TrainConfig) -> dict:
    """brax ppo.train arguments equal to TabRL's: each update uses num_envs x unroll_length
    samples in num_minibatches minibatches, num_epochs times; no evaluation runs."""
    return dict(
        num_envs=config.num_envs, unroll_length=config.unroll_length,
        batch_size=config.num_envs // config.num_minibatches,
        num_minibatches=config.num_minibatches, num_updates_per_batch=config.num_epochs,
        learning_rate=config.learning_rate, entropy_cost=config.entropy_cost,
        discounting=config.discounting, gae_lambda=config.gae_lambda,
        clipping_epsilon=config.clipping_epsilon, reward_scaling=config.reward_scaling,
        max_grad_norm=config.max_grad_norm, normalize_observations=True,
        normalize_advantage=True, num_evals=1, run_evals=False)


def train_one(reward, steps: int, config: TrainConfig, seed: int) -> dict:
    """brax ppo.train on one reward. `wall_s` includes building the env and compiling;
    `brax_training_sps` is brax's own figure (its one training call, compile included)."""
    start = time.monotonic()
    env = TabRLBraxEnv(ROBOT, reward, config.episode_seconds)
    networks = functools.partial(
        ppo_networks.make_ppo_networks, policy_hidden_layer_sizes=config.policy_hidden,
        value_hidden_layer_sizes=config.value_hidden)
    reports = []
    ppo.train(env, num_timesteps=steps, episode_length=env.episode_steps, network_factory=networks,
              seed=seed, progress_fn=lambda step, metrics: reports.append((step, metrics)),
              **ppo_hyperparameters(config))
    step, metrics = reports[-1]
    return {"wall_s": time.monotonic() - start, "env_steps_done": int(step),
            "brax_training_sps": float(metrics["training/sps"])}


def brax_env_steps_per_s(steps_per_reward: int, n_rewards: int = 9) -> dict:
    """Train the first `n_rewards` of the 9 built-in Go1 rewards with brax, one after another;
    env steps per second over the whole time (JIT included), and what exactly was run."""
    approaches = [a for b in BEHAVIOURS for a in design(ROBOT, b).approaches][:n_rewards]
    if not 1 <= n_rewards <= len(approaches):
        raise ValueError(f"n_rewards must be 1 to {len(approaches)}, not {n_rewards}")
    rewards = compile_rewards([a.code for a in approaches], ROBOT)
    config = TrainConfig()
    start = time.monotonic()
    runs = [{"approach": a.name, **train_one(r, steps_per_reward, config, seed=i)}
            for i, (a, r) in enumerate(zip(approaches, rewards))]
    wall = time.monotonic() - start
    return {"env_steps_per_s": n_rewards * steps_per_reward / wall, "wall_s": wall,
            "n_rewards": n_rewards, "steps_per_reward": steps_per_reward,
            "env_steps_done": sum(r["env_steps_done"] for r in runs), "runs": runs,
            "hyperparameters": ppo_hyperparameters(config),
            "compilation_cache_dir": jax.config.jax_compilation_cache_dir,
            "device": str(jax.devices()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="env steps per reward")
    parser.add_argument("--rewards", type=int, default=9, help="how many of the 9 rewards")
    args = parser.parse_args()
    print(json.dumps(brax_env_steps_per_s(args.steps, args.rewards), indent=1))


if __name__ == "__main__":
    main()
