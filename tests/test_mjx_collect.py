"""MJX physics path (TrainConfig(physics="mjx")) at tiny sizes on the CPU: physics that agrees
with native MuJoCo, the same rollout shapes as the native path, and a population that trains."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tabrl_core.paths import enable_jax_compilation_cache
from tabrl_core.rewards import compile_rewards
from tabrl_core.training import TrainConfig, load_checkpoint, train_population
from tabrl_core.training import env as envlib
from tabrl_core.training import mjx_collect, population

TINY = TrainConfig(num_envs=4, unroll_length=4, num_minibatches=2, num_epochs=2)
ITERATIONS = 2
# MJX computes in float32, native MuJoCo in float64, and their contact solvers stop at different
# points. Measured over 5 control steps (25 physics steps) of actions in [-0.3, 0.3]: positions
# and angles agree to ~1e-6, velocities and joint torques to ~1e-4, the feet's contact forces to
# 0.04 N (0.2%). The tolerances leave ~10x room; one physics substep too few moves the
# kinematic readings by 5e-3 to 1.3 and the contact forces by several N.
KINEMATIC_ATOL = 1e-3
CONTACT_RTOL, CONTACT_ATOL_N = 1e-2, 0.2
REWARDS = ["""
def reward(s, a, prev_a):
    up = s.upright
    return up, {"upright": up}
""", """
def reward(s, a, prev_a):
    v = s.base_lin_vel[0]
    return v, {"velocity": v}
"""]


def test_physics_matches_native_mujoco():
    enable_jax_compilation_cache()
    env = envlib.RobotEnv("go1", nthread=1)
    states, sensors = env.reset_pool(0, 4)
    data = mjx_collect.reset_pool_data(env, states)
    np.testing.assert_allclose(np.asarray(data.sensordata), sensors, rtol=1e-6, atol=1e-5)
    physics_step = jax.jit(mjx_collect.make_physics_step(env))
    touch = np.zeros(env.layout.size, bool)
    touch[env.layout.foot_touch] = True
    actions = np.random.default_rng(0).uniform(-0.3, 0.3, (5, 4, env.n_joints))
    for action in actions:
        ctrl = np.asarray(envlib.action_to_ctrl(env.constants, jnp.asarray(action)), np.float64)
        states, native = env.physics_step(states, ctrl)
        data = physics_step(data, jnp.asarray(ctrl, jnp.float32))
        mjx_sensors = np.asarray(data.sensordata)
        np.testing.assert_allclose(mjx_sensors[:, ~touch], native[:, ~touch], rtol=0,
                                   atol=KINEMATIC_ATOL)
        np.testing.assert_allclose(mjx_sensors[:, touch], native[:, touch], rtol=CONTACT_RTOL,
                                   atol=CONTACT_ATOL_N)
    assert np.abs(native - sensors)[:, ~touch].max() > 100 * KINEMATIC_ATOL  # they did move
    env.close()


def _train_recording(monkeypatch, tmp_path, physics: str):
    """Train TINY with `physics`; also return what every `_collect` call returned."""
    calls = []
    collect = population._PopulationTrainer._collect

    def recording(self, out, states):
        calls.append(collect(self, out, states))
        return calls[-1]

    rewards = compile_rewards(REWARDS, "go1")
    steps = ITERATIONS * TINY.num_envs * TINY.unroll_length
    dirs = [tmp_path / physics / str(i) for i in range(len(rewards))]
    with monkeypatch.context() as patch:
        patch.setattr(population._PopulationTrainer, "_collect", recording)
        results = train_population("go1", rewards, steps, out_dirs=dirs, init="scratch",
                                   config=TINY.with_(physics=physics))
    return results, calls


def _shapes(tree):
    return jax.tree_util.tree_map(lambda x: (x.shape, x.dtype), tree)


def test_mjx_population_trains_with_native_shapes(monkeypatch, tmp_path):
    results, calls = _train_recording(monkeypatch, tmp_path, "mjx")
    assert [r.status for r in results] == ["succeeded", "succeeded"]
    assert all(len(r.history) == ITERATIONS for r in results)
    assert load_checkpoint(results[0].checkpoint).config.physics == "mjx"
    _, native_calls = _train_recording(monkeypatch, tmp_path, "native")
    assert len(calls) == len(native_calls) == ITERATIONS

    (transitions, out, data), (native_transitions, native_out, _) = calls[-1], native_calls[-1]
    assert _shapes(transitions) == _shapes(native_transitions)
    assert _shapes(out) == _shapes(native_out)
    batch = len(REWARDS) * TINY.num_envs
    assert data.qpos.shape == (batch, 19)
    for leaf in jax.tree_util.tree_leaves((transitions, out)):
        assert np.all(np.isfinite(np.asarray(leaf, np.float64)))
    # The episode clock advances by one control period per step, across both collect calls.
    clock = np.concatenate([np.asarray(t["contract"].time) for t, _, _ in calls])
    steps = np.arange(1, ITERATIONS * TINY.unroll_length + 1)
    np.testing.assert_allclose(clock[:, 0], 0.02 * steps, rtol=1e-5)
    heights = np.asarray(transitions["contract"].base_height)
    assert np.ptp(heights, axis=0).min() > 0  # every environment's physics moved


def test_unknown_physics_is_refused():
    with pytest.raises(ValueError, match="physics"):
        TrainConfig(physics="warp")
