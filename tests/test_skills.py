"""Skills: the command-conditioned observation, base policies that follow commands, the search
that picks each reward's command, solver settings per robot, budgets and Advanced settings."""

from __future__ import annotations

import json

import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from tabrl_core.budgets import budget_options, check_steps
from tabrl_core.rewards import compile_rewards
from tabrl_core.robots import get_robot, load_model, robot_ids
from tabrl_core.training import CheckpointError, TrainConfig, load_checkpoint, train_population
from tabrl_core.training import env as envlib
from tabrl_core.training import ppo, skills
from tabrl_core.training.base_policy import seed_checkpoint
from tabrl_core.training.checkpoint import META_FILE, save_checkpoint
from tabrl_core.training.config import configured
from tabrl_core.training.population import base_policy_path
from test_training import BACKWARD, FORWARD, TINY

TURN_RIGHT = """
def reward(s, a, prev_a):
    w = -s.base_ang_vel[2]
    return w, {"turn": w}
"""


def test_observation_ends_with_the_scaled_command():
    env = envlib.RobotEnv("go1", nthread=1)
    try:
        sensors = jnp.asarray(env.reset_pool(0, size=2)[1], jnp.float32)
        memory = envlib.FootMemory(jnp.zeros((2, env.n_feet)), jnp.ones((2, env.n_feet)))
        s, _, gravity = envlib.contract_state(env.layout, env.constants, sensors, memory,
                                              jnp.zeros(2))
        command = jnp.asarray([[-0.4, 0.1, 0.5, -0.05, 0.2, -0.1]] * 2)
        obs = envlib.observe(s, gravity, jnp.zeros((2, env.n_joints)), command)
    finally:
        env.close()
    n = len(envlib.COMMAND_AXES)
    assert obs.shape == (2, envlib.observation_size(12)) and env.obs_size == obs.shape[1]
    np.testing.assert_allclose(obs[:, -n - 1:-1],
                               command * jnp.asarray(envlib.COMMAND_OBS_SCALE), rtol=1e-6)
    same = envlib.observe(s, gravity, jnp.zeros((2, 12)), jnp.zeros((2, n)))
    np.testing.assert_array_equal(obs[:, :-n - 1], same[:, :-n - 1])
    assert np.all(obs[:, -1] == 0)  # no time has passed


def test_the_last_input_is_the_elapsed_time_up_to_a_videos_length():
    env = envlib.RobotEnv("go1", nthread=1)
    try:
        sensors = jnp.asarray(env.reset_pool(0, size=3)[1], jnp.float32)
        memory = envlib.FootMemory(jnp.zeros((3, env.n_feet)), jnp.ones((3, env.n_feet)))
        times = jnp.asarray([0.5, envlib.ELAPSED_FULL_S / 2, 3 * envlib.ELAPSED_FULL_S])
        s, _, gravity = envlib.contract_state(env.layout, env.constants, sensors, memory, times)
        obs = envlib.observe(s, gravity, jnp.zeros((3, env.n_joints)), jnp.zeros(6))
    finally:
        env.close()
    np.testing.assert_allclose(obs[:, -1], [0.5 / envlib.ELAPSED_FULL_S, 0.5, 1.0], rtol=1e-6)


def test_command_boxes_words_and_samples():
    box = skills.command_box("go1")
    assert box.searchable and not skills.command_box("reacher").searchable
    assert skills.describe_command((-0.4, 0, 0, 0, 0, 0), "go1") == "backward 0.40 m/s"
    assert skills.describe_command((0, -0.3, 1.0, 0, 0, 0), "go1") == \
        "sideways right 0.30 m/s, turn left 1.00 rad/s"
    samples = skills.sample_commands(np.random.default_rng(0), box, 2000)
    assert np.all(samples >= np.asarray(box.low) - 1e-6)
    assert np.all(samples <= np.asarray(box.high) + 1e-6)
    assert np.any(np.all(samples == 0, axis=1))  # standing still is practised too
    assert samples[:, 0].min() < -0.3 and samples[:, 0].max() > 0.5  # both directions


def test_a_drilled_axis_gets_half_the_commands_alone_over_its_whole_range():
    box = skills.command_box("half_cheetah")
    rng = np.random.default_rng(0)
    pitch = envlib.COMMAND_AXES.index("pitch")
    plain = skills.sample_commands(rng, box, 4000)
    drilled = skills.sample_commands(rng, box, 4000, drill=("pitch",))
    alone = lambda c: np.mean((c[:, pitch] != 0) & (np.count_nonzero(c, axis=1) == 1))  # noqa: E731
    assert alone(plain) < 0.15 and 0.45 < alone(drilled) < 0.65
    assert drilled[:, pitch].min() < -0.9 and drilled[:, pitch].max() > 0.9
    with pytest.raises(ValueError, match="unknown command axes \\['tilt'\\]"):
        skills.sample_commands(rng, box, 10, drill=("tilt",))


def test_a_commanded_pitch_decides_the_height():
    """Rearing onto the back legs lifts a cheetah's torso: asked to pitch nose up, the tracking
    reward prefers the reared pose to standing level, height and all; asked for nothing, the
    other way round."""
    from tabrl_core.rewards import contract_for
    from tabrl_core.rewards.sandbox import dummy_batch

    reward = skills.command_tracking_reward("half_cheetah", 0.7)
    s, a, _ = dummy_batch(contract_for("half_cheetah"), n=1)
    still = s._replace(base_lin_vel=np.zeros((1, 3), np.float32),
                       base_ang_vel=np.zeros((1, 3), np.float32))
    level = still._replace(base_rpy=np.zeros((1, 3), np.float32),
                           base_height=np.full(1, 0.7, np.float32))
    reared = still._replace(base_rpy=np.asarray([[0, -0.6, 0]], np.float32),
                            base_height=np.full(1, 0.95, np.float32))
    rear_up, stand = (jnp.asarray([0, 0, 0, 0, 0, p], jnp.float32) for p in (-0.6, 0.0))

    def score(state, command):
        one = type(state)(*[x[0] for x in state])
        return float(reward.fn(one, a[0], a[0], command)[0])

    assert score(reared, rear_up) > score(level, rear_up)
    assert score(level, stand) > score(reared, stand)

def _old_layout_checkpoint(tmp_path):
    """A checkpoint as TabRL wrote them before the command vector: 7 inputs fewer, no layout."""
    size = envlib.observation_size(12) - len(envlib.COMMAND_AXES) - 1
    networks = ppo.make_networks(size, 12, TINY)
    import jax
    agent = ppo.init_agent(jax.random.PRNGKey(3), networks, size, TINY)
    path = save_checkpoint(tmp_path / "old", robot_id="go1", config=TINY, obs_size=size,
                           action_size=12, policy=agent.policy, value=agent.value,
                           normalizer=agent.normalizer, reward_code=None, seed=0, steps_done=0)
    meta = json.loads((path / META_FILE).read_text())
    del meta["obs_layout"]
    (path / META_FILE).write_text(json.dumps(meta))
    return path, networks, agent


def test_an_old_layout_checkpoint_is_refused_with_the_fix(tmp_path):
    path, _, _ = _old_layout_checkpoint(tmp_path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    assert str(path) in str(err.value) and "tabrl pretrain go1" in str(err.value)


def test_seeding_widens_an_old_checkpoint_that_acts_as_before_on_a_zero_command(tmp_path):
    path, networks, agent = _old_layout_checkpoint(tmp_path)
    new = load_checkpoint(seed_checkpoint(path, tmp_path / "new"))
    assert new.obs_size == envlib.observation_size(12)
    n = len(envlib.COMMAND_AXES) + 1
    obs = np.random.default_rng(0).normal(size=(5, new.obs_size)).astype(np.float32)
    obs[:, -n:] = 0.0
    new_networks = ppo.make_networks(new.obs_size, 12, TINY)
    before = ppo.deterministic_actions(networks, agent.normalizer, agent.policy, obs[:, :-n])
    after = ppo.deterministic_actions(new_networks, new.normalizer, new.policy, obs)
    np.testing.assert_allclose(before, after, atol=1e-5)
    obs[:, -n] = 1.0  # a command already moves the widened policy a little
    moved = ppo.deterministic_actions(new_networks, new.normalizer, new.policy, obs)
    assert 0 < float(np.max(np.abs(moved - after))) < 0.5


def test_the_cross_entropy_search_finds_each_rewards_best_command():
    targets = np.asarray([[-0.45, 0, 0, 0, 0, 0], [0.3, 0.2, -1.0, 0, 0, 0]])

    def score(cands):  # a reward per approach that peaks at its target command
        return -np.sum(np.square(cands[None] - targets[:, None, :]), axis=-1)

    back, mixed = skills.search_commands("go1", None, [None, None], score=score, rounds=4)
    np.testing.assert_allclose(back.command, targets[0], atol=0.12)
    np.testing.assert_allclose(mixed.command, targets[1], atol=0.25)
    assert back.label.startswith("backward") and back.score <= 0


def test_the_search_rolls_out_the_base_and_scores_with_each_reward():
    """On the shipped Go1 base: every candidate command is rolled out and scored, a forward
    reward's best score is its velocity, and opposite rewards see opposite signs."""
    rewards = compile_rewards([BACKWARD, FORWARD], "go1")
    base = load_checkpoint(base_policy_path("go1"))
    env = envlib.RobotEnv("go1")
    try:
        commands = np.tile(np.asarray(skills.command_box("go1").default), (3, 1))
        scores = skills._candidate_returns(env, base, rewards, commands, seconds=1.0, seed=0)
    finally:
        env.close()
    assert scores.shape == (2, 3) and np.all(np.isfinite(scores))
    np.testing.assert_allclose(scores[0], -scores[1], rtol=1e-5)
    choices = skills.search_commands("go1", base, rewards, rounds=1, candidates=4)
    assert all(c.score is not None and c.note is None for c in choices)


def test_the_shipped_go1_base_follows_opposite_commands():
    """Forward and backward, left and right, turn left and right: the measured velocities of
    the shipped base differ in sign, and it stays up."""
    from tabrl_core.training.base_policy import measured_command, standing_height
    from tabrl_core.training.rollout import rollout_policies

    commands = [(0.5, 0, 0, 0, 0, 0), (-0.4, 0, 0, 0, 0, 0), (0, 0.3, 0, 0, 0, 0),
                (0, -0.3, 0, 0, 0, 0), (0, 0, 1.0, 0, 0, 0), (0, 0, -1.0, 0, 0, 0)]
    base = load_checkpoint(base_policy_path("go1"))
    trajectories = rollout_policies([base] * len(commands), seconds=2.0, commands=commands)
    height = standing_height("go1")
    m = [measured_command(tr, height) for tr in trajectories]
    assert not any(tr.fell for tr in trajectories)
    assert m[0]["vx"] > 0.2 and m[1]["vx"] < -0.2
    assert m[2]["vy"] > 0.1 and m[3]["vy"] < -0.1
    assert m[4]["yaw_rate"] > 0.4 and m[5]["yaw_rate"] < -0.4


def test_skill_search_picks_a_backward_command_for_a_backward_reward():
    rewards = compile_rewards([BACKWARD, FORWARD, TURN_RIGHT], "go1")
    base = load_checkpoint(base_policy_path("go1"))
    back, forward, right = skills.search_commands("go1", base, rewards, candidates=12)
    assert back.command[0] < -0.2 and back.label.startswith("backward")
    assert forward.command[0] > 0.2
    assert right.command[2] < -0.3 and "turn right" in right.label


def test_pretraining_ships_a_base_with_its_report_and_resumes(tmp_path, monkeypatch):
    """A tiny pretraining run: interrupted after its first resume point, run again it continues
    from there, then ships the base beside the robot with a curve and an evaluation table."""
    from tabrl_core.training import base_policy

    monkeypatch.setattr(base_policy, "base_policy_path", lambda r: tmp_path / r / "base_policy")
    monkeypatch.setattr(base_policy, "PRETRAIN_CONFIG", TINY.with_(skill_search=False))
    monkeypatch.setenv("TABRL_CHECKPOINT_EVERY_S", "0")
    seen = []

    def stop_after_two(p):
        seen.append(p.steps_done[0])
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        base_policy.pretrain("go1", steps=4 * 32, progress=stop_after_two)
    assert (tmp_path / "go1" / ".pretrain" / "run").exists()
    report = base_policy.pretrain("go1", steps=4 * 32,
                                  progress=lambda p: seen.append(p.steps_done[0]))
    assert report["resumed_from_steps"] == 32 and seen[2:] == [64, 96, 128]
    assert load_checkpoint(tmp_path / "go1" / "base_policy").obs_size == \
        envlib.observation_size(12)
    shipped = json.loads((tmp_path / "go1" / "base_policy_report.json").read_text())
    assert set(shipped["evaluation"]["commands"]) == set(base_policy.EVAL_COMMANDS)
    assert shipped["curve"] and not (tmp_path / "go1" / ".pretrain").exists()
    assert [stage["steps"] for stage in shipped["stages"]] == [128]
    again = base_policy.pretrain("go1", steps=32, init=tmp_path / "go1" / "base_policy")
    assert [stage["steps"] for stage in again["stages"]] == [128, 32]
    assert again["total_steps"] == 160


def test_skill_search_falls_back_when_no_command_is_finite():
    never_finite = """
def reward(s, a, prev_a):
    bad = jnp.log(s.upright - 2.0)
    return bad, {"bad": bad}
"""
    from tabrl_core.rewards.compiler import CompiledReward
    from tabrl_core.rewards.validator import validate
    from tabrl_core.rewards.runtime import build_fn

    checked = validate(never_finite)  # valid syntax; NaN on every state (never traced here)
    reward = CompiledReward(never_finite, "go1", "x", checked.components, build_fn(checked))
    base = load_checkpoint(base_policy_path("go1"))
    (choice,) = skills.search_commands("go1", base, [reward], rounds=1, candidates=4)
    assert choice.command == skills.command_box("go1").default
    assert choice.score is None and "default command" in choice.note


def test_fine_tuning_follows_the_searched_command(tmp_path):
    rewards = compile_rewards([BACKWARD], "go1")
    result, = train_population("go1", rewards, 32, out_dirs=[tmp_path / "a"], config=TINY)
    start = result.metrics["start_command"]
    assert start["score"] is not None and start["label"]
    meta = load_checkpoint(result.checkpoint).meta
    np.testing.assert_allclose(meta["command"],
                               [start["command"][axis] for axis in envlib.COMMAND_AXES],
                               atol=1e-3)
    off, = train_population("go1", rewards, 32, out_dirs=[tmp_path / "b"],
                            config=TINY.with_(skill_search=False))
    default = skills.command_box("go1").default
    assert tuple(off.metrics["start_command"]["command"].values()) == default
    assert off.metrics["start_command"]["score"] is None


@pytest.mark.parametrize("robot_id", robot_ids())
def test_solver_settings_load_and_step(robot_id):
    robot = get_robot(robot_id)
    model = load_model(robot)
    settings = robot.solver
    if settings.iterations is not None:
        assert model.opt.iterations == settings.iterations
    if settings.solver is not None:
        assert model.opt.solver == {"newton": mujoco.mjtSolver.mjSOL_NEWTON,
                                    "cg": mujoco.mjtSolver.mjSOL_CG,
                                    "pgs": mujoco.mjtSolver.mjSOL_PGS}[settings.solver]
    data = mujoco.MjData(model)
    rng = np.random.default_rng(0)
    for _ in range(200):
        data.ctrl[:] = rng.uniform(*model.actuator_ctrlrange.T)
        mujoco.mj_step(model, data)
    assert np.all(np.isfinite(data.qpos))


def test_budgets_above_100k_are_accepted_locally():
    check_steps(1_000_000, "local")
    with pytest.raises(ValueError, match="between 10,000 and 1,000,000 on local"):
        check_steps(1_000_001, "local")
    options = budget_options(1_000_000)
    assert options[0] == 10_000 and options[-1] == 1_000_000 and 100_000 in options
    assert len(options) < 100


def test_advanced_settings_reach_the_training_config():
    config = configured("cpu", 10_000, {"learning_rate": 1e-4, "domain_randomization": True})
    assert config.learning_rate == 1e-4 and config.domain_randomization
    assert config.num_envs == TrainConfig().num_envs  # the rest stays the default
    with pytest.raises(ValueError, match="unknown training settings"):
        configured("cpu", 10_000, {"learnin_rate": 1e-4})
    with pytest.raises(ValueError, match="native physics"):
        configured("gpu", 100_000, {"domain_randomization": True})


def test_domain_randomization_varies_models_and_pushes(tmp_path):
    env = envlib.RobotEnv("go1", nthread=1)
    try:
        env.randomize(8, seed=0, variants=4)
        frictions = {float(m.geom_friction[0, 0]) for m in env._models}
        assert len(frictions) == 4 and env.model.geom_friction[0, 0] == 1.0
        states, _ = env.reset_pool(0, size=3)
        before = states.copy()
        env.push(states, np.array([1]), np.random.default_rng(0))
        qvel = 1 + env.model.nq
        assert np.any(states[1, qvel:qvel + 2] != before[1, qvel:qvel + 2])
        np.testing.assert_array_equal(states[[0, 2]], before[[0, 2]])
    finally:
        env.close()
    result, = train_population("go1", compile_rewards([FORWARD], "go1"), 32,
                               out_dirs=[tmp_path / "dr"],
                               config=TINY.with_(domain_randomization=True, skill_search=False))
    assert result.status == "succeeded"


def test_shift_command_moves_only_the_command_inputs():
    obs = jnp.arange(2 * envlib.observation_size(12), dtype=jnp.float32).reshape(2, -1)
    offset = jnp.asarray([0.1, -0.2, 0.3, 0.01, 0.0, -0.05])
    shifted = envlib.shift_command(obs, offset)
    n = len(envlib.COMMAND_AXES)
    np.testing.assert_allclose(shifted[:, -n - 1:-1] - obs[:, -n - 1:-1],
                               np.broadcast_to(offset * jnp.asarray(envlib.COMMAND_OBS_SCALE),
                                               (2, n)), atol=1e-5)
    np.testing.assert_array_equal(shifted[:, :-n - 1], obs[:, :-n - 1])
    np.testing.assert_array_equal(shifted[:, -1], obs[:, -1])


def test_a_learned_command_offset_moves_the_command_inside_the_box(tmp_path):
    """With learn_command_offset PPO moves the command too: from the default command some
    axis moves; from the top corner of Go1's command box no axis leaves it; the saved
    checkpoint follows the learned command and the metrics keep where it started."""
    config = TINY.with_(learn_command_offset=True, learning_rate=3e-3, skill_search=False)
    rewards = compile_rewards([BACKWARD], "go1")
    box = skills.command_box("go1")
    learned, = train_population("go1", rewards, 4 * 32, out_dirs=[tmp_path / "learned"],
                                config=config)
    command = np.asarray(load_checkpoint(learned.checkpoint).meta["command"])
    assert np.max(np.abs(command - box.default)) > 1e-3
    assert np.all(command >= np.asarray(box.low) - 1e-6)
    assert np.all(command <= np.asarray(box.high) + 1e-6)
    assert learned.metrics["start_command"]["command"] == skills.command_dict(box.default)
    assert learned.metrics["learned_command"]["command"] == pytest.approx(
        skills.command_dict(command), abs=1e-6)
    assert learned.metrics["learned_command"]["label"]

    base = load_checkpoint(base_policy_path("go1"))
    corner = save_checkpoint(tmp_path / "corner", robot_id="go1", config=base.config,
                             obs_size=base.obs_size, action_size=base.action_size,
                             policy=base.policy, value=base.value, normalizer=base.normalizer,
                             reward_code=None, seed=0, steps_done=0,
                             extra={"command": list(box.high)})
    pinned, = train_population("go1", rewards, 4 * 32, out_dirs=[tmp_path / "pinned"],
                               config=config, init=corner)
    command = np.asarray(load_checkpoint(pinned.checkpoint).meta["command"])
    assert np.all(command <= np.asarray(box.high) + 1e-6), command
    assert np.any(np.isclose(command, box.high, atol=1e-6)), command

    fixed, = train_population("go1", rewards, 4 * 32, out_dirs=[tmp_path / "fixed"],
                              config=config.with_(learn_command_offset=False), init=corner)
    assert load_checkpoint(fixed.checkpoint).meta["command"] == list(box.high)
    assert "learned_command" not in fixed.metrics
    with pytest.raises(ValueError, match="pretraining"):
        train_population("go1", rewards, 32, out_dirs=[tmp_path / "p"], config=config,
                         command_sampler=lambda rng, n: np.zeros((n, 6)))


def test_a_job_says_where_its_command_started_and_where_ppo_took_it():
    from tabrl_core.jobs.view import started_from

    start = {"command": {"vx": 0.5}, "label": "forward 0.50 m/s", "score": 1.0, "note": None}
    learned = {"command": {"vx": 0.62}, "label": "forward 0.62 m/s"}
    assert started_from({"start_command": start, "stats": {}}) == \
        "started from: forward 0.50 m/s"
    assert started_from({"start_command": None, "stats": {"final": {
        "start_command": start, "learned_command": learned}}}) == \
        "started from: forward 0.50 m/s → learned: forward 0.62 m/s"
    assert started_from({"start_command": None, "stats": {}}) == ""
