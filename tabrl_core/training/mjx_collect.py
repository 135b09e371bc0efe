"""MJX physics for the population trainer (TrainConfig(physics="mjx")), for GPUs.

The native path (`_PopulationTrainer._collect`) steps physics in C on the host and calls the
jitted `env_step` once per control step. Here all `unroll_length` control steps of all K x N
environments run as one jitted `lax.scan` on the device: `n_substeps` of `mjx.step` holding each
control, then the same `env_step` (contract state, termination, resets, observation, actions).
It returns what `_collect` returns, so the rewards and the PPO update are unchanged. Environments
that end restart from the same pool of start states as on the native path.
"""

from __future__ import annotations

import contextlib
import sys
import functools

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
with contextlib.redirect_stdout(sys.stderr):  # mujoco.mjx prints failed optional imports
    from mujoco import mjx

from tabrl_core.training import env as envlib


def reset_pool_data(env: envlib.RobotEnv, pool_states: np.ndarray) -> mjx.Data:
    """The reset pool as batched MJX data [P]: each full-physics state with the home controls,
    forwarded by native MuJoCo, so its sensors are the native pool's sensors."""
    host = jax.devices("cpu")[0]  # built on the host and stacked with NumPy (fast), moved once
    data = mujoco.MjData(env.model)
    pool = []
    for state in pool_states:
        mujoco.mj_setState(env.model, data, state, envlib.STATE_SPEC)
        data.ctrl[:] = env.home_data.ctrl
        mujoco.mj_forward(env.model, data)
        pool.append(mjx.put_data(env.model, data, device=host))
    return jax.device_put(jax.tree_util.tree_map(lambda *xs: np.stack(xs), *pool))


def make_physics_step(env: envlib.RobotEnv):
    """physics_step(data [B], ctrl [B, nu]) -> data [B]: hold each control for one control
    period (`n_substeps` MJX steps), as `RobotEnv.physics_step` does natively."""
    model, n_substeps = mjx.put_model(env.model), env.n_substeps

    def hold(data: mjx.Data, ctrl: jax.Array) -> mjx.Data:
        step = lambda _, d: mjx.step(model, d.replace(ctrl=ctrl))  # noqa: E731
        return jax.lax.fori_loop(0, n_substeps, step, data)

    return jax.vmap(hold)


def take(pool: mjx.Data, rows: jax.Array) -> mjx.Data:
    """The pool's states at `rows` [B]."""
    return jax.tree_util.tree_map(lambda x: x[rows], pool)


def _control_step(physics_step, env_step, agents, pool: mjx.Data, commands, carry, _):
    out, data, key = carry
    data = physics_step(data, out.ctrl)
    key, rows_key, act_key = jax.random.split(key, 3)
    rows = jax.random.randint(rows_key, out.terminated.shape, 0, pool.sensordata.shape[0])
    no_reset = jnp.zeros(out.terminated.shape, bool)
    new = env_step(agents, out.carry, data.sensordata, pool.sensordata[rows], commands, no_reset,
                   act_key)
    done = new.terminated | new.truncated

    def restart(start, current):
        return jnp.where(done.reshape((-1,) + (1,) * (current.ndim - 1)), start, current)

    data = jax.tree_util.tree_map(restart, take(pool, rows), data)
    record = {"obs": out.obs, "raw_action": out.raw_action, "log_prob": out.log_prob,
              "logits": out.logits, "action": out.action, "prev_action": out.prev_action,
              "command": new.command,
              "contract": new.contract, "terminated": new.terminated,
              "truncated": new.truncated, "done": done}
    return (new, data, key), record


def _collect(physics_step, env_step, unroll_length: int, agents, out, data: mjx.Data,
             pool: mjx.Data, commands: jax.Array, key: jax.Array):
    step = functools.partial(_control_step, physics_step, env_step, agents, pool, commands)
    (out, data, _), transitions = jax.lax.scan(step, (out, data, key), None, length=unroll_length)
    return transitions, out, data


class MjxCollector:
    """Collects `unroll_length` control steps of all environments on MJX in one jitted call."""

    def __init__(self, env: envlib.RobotEnv, pool_states: np.ndarray, env_step,
                 unroll_length: int):
        self.pool = reset_pool_data(env, pool_states)
        self._collect = jax.jit(functools.partial(
            _collect, make_physics_step(env), env_step, unroll_length))

    def start(self, rows: np.ndarray) -> mjx.Data:
        """Batched start states [B] from the pool rows `rows`."""
        return take(self.pool, jnp.asarray(rows))

    def __call__(self, agents, out, data: mjx.Data, commands: jax.Array, key: jax.Array):
        """(transitions [T, B, ...] incl. the contract states, the last StepOutput, the MJX
        states [B]) after `unroll_length` control steps from `out` and `data`; environments
        that restart follow `commands` [B, C]."""
        return self._collect(agents, out, data, self.pool, commands, key)
