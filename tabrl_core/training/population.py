"""Train K reward approaches of one robot together: one rollout, K rewards, one PPO update.

The loop per iteration: collect `unroll_length` control steps of all K x N environments (physics in
C, policy and contract state in one jitted call per step), evaluate each approach's reward on the
stored contract states with its own small jitted function, then update all K learners in one
compiled call. Reward code never enters the big programs, so new rewards train without a long
compile, and the compiled programs are cached on disk. With TrainConfig(physics="mjx") the
collection runs on MJX as one jitted program instead (mjx_collect.py; for GPUs).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from tabrl_core.paths import enable_jax_compilation_cache
from tabrl_core.training import env as envlib
from tabrl_core.training import mjx_collect, ppo, skills
from tabrl_core.training.checkpoint import (Checkpoint, CheckpointError, load_checkpoint,
                                            save_checkpoint)
from tabrl_core.training.config import TrainConfig, iterations_for
from tabrl_core.training.resume import (ResumePoint, checkpoint_every_s, load_resume_point,
                                        save_resume_point, signature)

log = logging.getLogger(__name__)


@dataclass
class TrainProgress:
    """Reported after every iteration."""

    iteration: int  # iterations of this call so far (a resumed population needs fewer)
    iterations: int
    steps_done: list[int]  # per approach (resumed approaches may be ahead of fresh ones)
    total_steps: int  # per approach
    mean_return: list[float | None]
    components: list[dict[str, float]]
    status: list[str]  # running, failed, done (trained its full budget)
    errors: list[str | None]
    env_steps_per_s: float
    elapsed_s: float
    eta_s: float
    start_commands: list[dict | None] = field(default_factory=list)
    """per approach, the command its fine-tuning follows (SkillChoice.to_dict()); None when
    pretraining (a new command every episode)"""


@dataclass
class ApproachResult:
    """How one approach ended."""

    status: str  # succeeded, failed, cancelled
    error: str | None = None
    checkpoint: Path | None = None
    metrics: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    resumed_from: int | None = None  # steps of the resume point it continued from, if any


class EnvCarry(NamedTuple):
    """Per-environment values the jitted step carries between control steps."""

    memory: envlib.FootMemory
    time: jax.Array  # [B]
    prev_action: jax.Array  # [B, A]
    episode_step: jax.Array  # [B]
    command: jax.Array  # [B, C] the command each environment's policy follows


class StepOutput(NamedTuple):
    contract: object  # ContractState [B] after the physics step, before any reset
    terminated: jax.Array  # [B]
    truncated: jax.Array  # [B]
    obs: jax.Array  # [B, obs] for the next action (after resets)
    prev_action: jax.Array  # [B, A] the previous action as the next reward will see it
    action: jax.Array  # [B, A]
    raw_action: jax.Array
    log_prob: jax.Array  # [B]
    logits: jax.Array  # [B, 2A]
    ctrl: jax.Array  # [B, nu]
    command: jax.Array  # [B, C] the command in force during the step `contract` ends
    carry: EnvCarry


def make_env_step(env: envlib.RobotEnv, networks, n_approaches: int, episode_steps: int):
    """The jitted per-control-step function: contract, termination, resets, observation, act."""
    layout, consts = env.layout, env.constants

    def step(agents, carry: EnvCarry, sensors, reset_sensors, reset_commands, force_reset,
             key) -> StepOutput:
        time_now = carry.time + consts.dt
        contract, memory, _ = envlib.contract_state(layout, consts, sensors, carry.memory, time_now)
        term = envlib.terminated(consts, contract)
        trunc = (carry.episode_step + 1 >= episode_steps) & ~term
        done = term | trunc | force_reset
        fresh = envlib.FootMemory(jnp.zeros_like(memory.air_time), jnp.ones_like(memory.contact))
        memory = jax.tree_util.tree_map(lambda f, m: jnp.where(done[:, None], f, m), fresh, memory)
        time_now = jnp.where(done, 0.0, time_now)
        sensors = jnp.where(done[:, None], reset_sensors, sensors)
        current, memory, gravity = envlib.contract_state(layout, consts, sensors, memory, time_now)
        prev_action = jnp.where(done[:, None], 0.0, carry.prev_action)
        command = jnp.where(done[:, None], reset_commands, carry.command)
        seen = command + jnp.repeat(agents.command_offset, command.shape[0] // n_approaches, 0)
        obs = envlib.observe(current, gravity, prev_action, seen)
        keys = jax.random.split(key, n_approaches)
        per_approach = obs.reshape((n_approaches, -1, obs.shape[-1]))
        sampled = jax.vmap(lambda agent, o, k: ppo.sample_actions(networks, agent, o, k))(
            agents, per_approach, keys)
        action, raw, log_prob, logits = [x.reshape((-1,) + x.shape[2:]) for x in sampled]
        new_carry = EnvCarry(memory=memory, time=time_now, prev_action=action,
                             episode_step=jnp.where(done, 0, carry.episode_step + 1),
                             command=command)
        return StepOutput(contract, term, trunc, obs, prev_action, action, raw, log_prob, logits,
                          envlib.action_to_ctrl(consts, action), carry.command, new_carry)

    return jax.jit(step)


def make_rewards_fn(compiled_rewards: Sequence):
    """One jitted call for every approach's reward over its own [T, N] contract states (and
    commands, for a reward that reads them): totals [K, T, N], each reward's component means,
    and whether each total is finite, so an iteration makes one dispatch and one copy back.
    Tracing it never runs reward code: each `fn` calls the program the sandbox exported after
    checking it at this batch shape, under its time and memory limits."""
    fns = [jax.vmap(jax.vmap(r.fn)) for r in compiled_rewards]
    reads = [getattr(r, "reads_command", False) for r in compiled_rewards]

    def all_rewards(contract, action, prev_action, command):
        totals, means, finite = [], [], []
        for i, fn in enumerate(fns):
            args = (jax.tree_util.tree_map(lambda x: x[i], contract), action[i], prev_action[i])
            total, parts = fn(*args + ((command[i],) if reads[i] else ()))
            totals.append(total)
            means.append({name: jnp.mean(v) for name, v in parts.items()})
            finite.append(jnp.all(jnp.isfinite(total)))
        return jnp.stack(totals), means, jnp.stack(finite)

    return jax.jit(all_rewards)


def _stack_agents(agents: Sequence[ppo.AgentState]) -> ppo.AgentState:
    """The population's learner state from K learners (stacked on the host: one copy per leaf,
    no compiled programs)."""
    return jax.tree_util.tree_map(lambda *xs: jnp.asarray(np.stack(xs)), *agents)


def _index_agent(agents: ppo.AgentState, k: int) -> ppo.AgentState:
    """Learner k of the population, as host arrays."""
    return jax.tree_util.tree_map(lambda x: np.asarray(x)[k], agents)


def make_native_step(env_step):
    """`env_step` for native physics in one dispatch per control step: it also draws the
    restart states' sensors from the pool (`pool` [P, S] on the device, `rows` [B]), splits the
    key, and returns what the host needs next (controls and which environments ended)."""

    def step(agents, carry: EnvCarry, sensors, pool, rows, commands, key):
        key, act_key = jax.random.split(key)
        out = env_step(agents, carry, sensors, pool[rows], commands,
                       jnp.zeros(sensors.shape[0], bool), act_key)
        return out, key, out.ctrl, out.terminated | out.truncated

    return jax.jit(step)


@jax.jit
def _stack_steps(steps: list[dict]) -> dict:
    """Per-step records [B, ...] stacked into [T, B, ...], in one call."""
    return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *steps)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _by_approach(k: int, n: int, transitions: dict) -> dict:
    """Every transition array [T, K*N, ...] as [K, T, N, ...]."""
    return jax.tree_util.tree_map(
        lambda x: jnp.swapaxes(x.reshape((x.shape[0], k, n) + x.shape[2:]), 0, 1), transitions)


@jax.jit
def _rollout_of(by_approach: dict, rewards: jax.Array, last_obs: jax.Array) -> ppo.Rollout:
    """The PPO update's [K, N, T] rollouts from [K, T, N] transitions and rewards."""
    k, _, n = rewards.shape
    to_knt = lambda x: jnp.swapaxes(x, 1, 2)  # noqa: E731
    return ppo.Rollout(
        observation=to_knt(by_approach["obs"]), raw_action=to_knt(by_approach["raw_action"]),
        log_prob=to_knt(by_approach["log_prob"]), logits=to_knt(by_approach["logits"]),
        reward=to_knt(rewards),
        termination=to_knt(by_approach["terminated"]).astype(jnp.float32),
        truncation=to_knt(by_approach["truncated"]).astype(jnp.float32),
        last_observation=last_obs.reshape((k, n, -1)))


def base_policy_path(robot_id: str) -> Path:
    """Where a robot's shipped base policy lives (it may not exist)."""
    from tabrl_core.robots import get_robot

    return get_robot(robot_id).base_policy_dir


def initial_agents(robot_id: str, networks, obs_size: int, config: TrainConfig,
                   n_approaches: int, seed: int, init: str | Path | Sequence[str | Path]
                   ) -> tuple[ppo.AgentState, list[str], list[Checkpoint | None]]:
    """K learner states: copies of a trained policy or fresh ones, where each came from, and
    the checkpoint each was copied from (None when fresh).

    init="base": the robot's base policy when it has one whose networks fit, else fresh;
    "scratch": fresh; a checkpoint folder: fine-tune that checkpoint (it must fit, or
    CheckpointError). A sequence gives each approach its own start. A checkpoint from before
    the command-conditioned observation is refused with the fix (`load_checkpoint`).
    """
    inits = [init] * n_approaches if isinstance(init, (str, Path)) else list(init)
    if len(inits) != n_approaches:
        raise ValueError(f"{len(inits)} starts for {n_approaches} approaches")
    keys = jax.random.split(jax.random.PRNGKey(seed), n_approaches)
    fresh = jax.jit(jax.vmap(lambda k: ppo.init_agent(k, networks, obs_size, config)))(keys)
    loaded = functools.lru_cache(maxsize=None)(load_checkpoint)  # one read per folder
    starts = [_start_from(robot_id, _index_agent(fresh, i), obs_size, config, start, loaded)
              for i, start in enumerate(inits)]
    return (_stack_agents([agent for agent, _, _ in starts]),
            [source for _, source, _ in starts], [ckpt for _, _, ckpt in starts])


def _start_from(robot_id: str, fresh: ppo.AgentState, obs_size: int, config: TrainConfig,
                init: str | Path, load=load_checkpoint
                ) -> tuple[ppo.AgentState, str, Checkpoint | None]:
    """One learner: `fresh`, or `fresh` with the weights of the policy `init` names."""
    if init == "scratch" or (init == "base" and not base_policy_path(robot_id).exists()):
        return fresh, "scratch", None
    path = base_policy_path(robot_id) if init == "base" else Path(init)
    start = load(path)
    fits = (start.robot_id == robot_id and start.obs_size == obs_size
            and start.config.policy_hidden == config.policy_hidden
            and start.config.value_hidden == config.value_hidden)
    if not fits:
        if init == "base":
            return fresh, "scratch", None
        raise CheckpointError(f"checkpoint {path} is for {start.robot_id} with networks "
                              f"{start.config.policy_hidden}; cannot fine-tune it here")
    agent = fresh._replace(policy=start.policy, value=start.value, normalizer=start.normalizer)
    return agent, "base" if init == "base" else str(path), start


def start_commands(robot_id: str, rewards: Sequence, starts: Sequence[Checkpoint | None],
                   sources: Sequence[str], config: TrainConfig,
                   seed: int) -> list[skills.SkillChoice]:
    """The command each approach fine-tunes with: found by the skill search (all approaches
    that start from the robot's base together), a checkpoint's own when it fine-tunes one,
    else the robot's default."""
    box = skills.command_box(robot_id)
    choices = []
    for start in starts:
        command = tuple(start.meta.get("command", box.default)) if start else box.default
        choices.append(skills.SkillChoice(command, None, skills.describe_command(command,
                                                                                 robot_id)))
    searched = [i for i, source in enumerate(sources) if source == "base"]
    if searched and config.skill_search and box.searchable:
        found = skills.search_commands(robot_id, starts[searched[0]],
                                       [rewards[i] for i in searched], seed=seed)
        for i, choice in zip(searched, found):
            choices[i] = choice
    return choices


def train_population(robot_id: str, rewards: Sequence, steps: int, *, out_dirs: Sequence[Path],
                     seed: int = 0, config: TrainConfig | None = None,
                     progress: Callable[[TrainProgress], None] | None = None,
                     should_cancel: Callable[[], bool] | None = None,
                     init: str | Path | Sequence[str | Path] = "base",
                     on_resume_point: Callable[[], None] | None = None,
                     command_sampler: Callable | None = None) -> list[ApproachResult]:
    """Train one approach per compiled reward for `steps` env steps each; write checkpoints.

    `init`: "base" (the robot's base policy, when it has one), "scratch", or a checkpoint
    folder to fine-tune; or a sequence of those, one per reward. Each approach follows one
    command (`start_commands`: the skill search picks it when starting from the base),
    reported in its metrics as `start_command`; `command_sampler(rng, n) -> [n, C]` instead
    draws a new command for every episode (pretraining a command-conditioned base, with
    rewards that read the command).

    A reward that turns NaN or infinite fails its approach and the others go on. Cancelling
    (should_cancel() true) stops within one iteration. Every approach's folder in `out_dirs`
    gets a resume point at least every `resume.checkpoint_every_s()` seconds and when training
    stops; an approach whose folder holds one made for the same code, budget and settings
    continues from it (see resume.py) and is logged. `on_resume_point()` runs after each
    write (the Modal function commits its Volume there).
    """
    config = config or TrainConfig()
    enable_jax_compilation_cache()
    trainer = _PopulationTrainer(robot_id, list(rewards), steps, config, seed, init,
                                 command_sampler)
    try:
        return trainer.run([Path(p) for p in out_dirs], progress, should_cancel, on_resume_point)
    finally:
        trainer.env.close()


class _PopulationTrainer:
    """State of one population run; `run` is the training loop."""

    def __init__(self, robot_id, rewards, steps, config: TrainConfig, seed: int,
                 init: str | Path | Sequence[str | Path],
                 command_sampler: Callable | None = None):
        self.robot_id, self.rewards, self.steps, self.config, self.seed = (
            robot_id, rewards, steps, config, seed)
        self.k = len(rewards)
        self.n = config.num_envs
        self.env = envlib.RobotEnv(robot_id, nthread=config.nthread or None)
        self.action_size = self.env.n_joints
        self.networks = ppo.make_networks(self.env.obs_size, self.action_size, config)
        self.agents, self.init_sources, starts = initial_agents(
            robot_id, self.networks, self.env.obs_size, config, self.k, seed, init)
        self.command_sampler = command_sampler
        self.skills = ([] if command_sampler else
                       start_commands(robot_id, rewards, starts, self.init_sources, config,
                                      seed))
        self.commands = (jnp.repeat(jnp.asarray([c.command for c in self.skills], jnp.float32),
                                    self.n, axis=0) if self.skills else None)  # [K*N, C]
        if config.learn_command_offset and command_sampler:
            raise ValueError("learn_command_offset fine-tunes one command per approach; "
                             "pretraining samples a new command every episode")
        if config.learn_command_offset:
            box, starts_at = skills.command_box(robot_id), [c.command for c in self.skills]
            self.offset_bounds = (jnp.asarray(np.subtract(box.low, starts_at), jnp.float32),
                                  jnp.asarray(np.subtract(box.high, starts_at), jnp.float32))
        self.episode_steps = max(1, round(config.episode_seconds / self.env.robot.ctrl_dt))
        self.env_step = make_env_step(self.env, self.networks, self.k, self.episode_steps)
        self.native_step = make_native_step(self.env_step)
        self.update = ppo.make_population_update(self.networks, config)
        self.rewards_fn = make_rewards_fn(rewards)
        self.rng = np.random.default_rng(seed)
        self.key = jax.random.PRNGKey(seed + 1)
        self.pool_states, self.pool_sensors = self.env.reset_pool(seed)
        self.pool_on_device = jnp.asarray(self.pool_sensors, jnp.float32)
        if config.domain_randomization:
            self.env.randomize(self.k * self.n, seed)
        self.push_chance = (self.env.robot.ctrl_dt / envlib.PUSH_INTERVAL_S
                            if config.domain_randomization else 0.0)
        self.mjx = (mjx_collect.MjxCollector(self.env, self.pool_states, self.env_step,
                                             config.unroll_length)
                    if config.physics == "mjx" else None)

    def _reset_rows(self, batch: int) -> np.ndarray:
        return self.rng.integers(0, len(self.pool_states), batch)

    def _reset_commands(self, batch: int) -> jax.Array:
        """[B, C] commands for environments that restart: each approach's own, or (pretraining)
        fresh samples."""
        if self.command_sampler is not None:
            return jnp.asarray(self.command_sampler(self.rng, batch), jnp.float32)
        return self.commands

    def run(self, out_dirs, progress, should_cancel, on_resume_point) -> list[ApproachResult]:
        k, n, cfg = self.k, self.n, self.config
        batch = k * n
        iterations = iterations_for(self.steps, cfg)
        returns = _ReturnTracker(k, n)
        book = self._resume(out_dirs, iterations, returns)
        rows = self._reset_rows(batch)
        states = self.pool_states[rows].copy() if self.mjx is None else self.mjx.start(rows)
        carry = EnvCarry(
            memory=envlib.FootMemory(jnp.zeros((batch, self.env.n_feet)),
                                     jnp.ones((batch, self.env.n_feet))),
            time=jnp.zeros(batch), prev_action=jnp.zeros((batch, self.action_size)),
            episode_step=jnp.zeros(batch, jnp.int32),
            command=jnp.zeros((batch, len(envlib.COMMAND_AXES))))
        self.key, key = jax.random.split(self.key)
        out = self.env_step(self.agents, carry, jnp.asarray(self.pool_sensors[rows], jnp.float32),
                            jnp.asarray(self.pool_sensors[rows], jnp.float32),
                            self._reset_commands(batch), jnp.ones(batch, bool), key)
        start = last_saved = time.monotonic()
        every_s = checkpoint_every_s()
        passes = iterations - min(book.done)
        cancelled, unsaved = False, False
        for it in range(passes):
            if should_cancel is not None and should_cancel():
                cancelled = True
                break
            if "running" not in book.status:  # every approach failed or is done
                break
            transitions, out, states = self._collect(out, states)
            data, rewards, comps = self._evaluate_rewards(transitions, out.obs, book.status,
                                                          book.errors)
            returns.add(rewards, transitions["done"])
            self.key, update_key = jax.random.split(self.key)
            active = jnp.asarray([s == "running" for s in book.status])
            self.agents, _, finite = self.update(
                self.agents, data, jax.random.split(update_key, k), active)
            if cfg.learn_command_offset:  # the command stays inside the box the base knows
                self.agents = self.agents._replace(command_offset=jnp.clip(
                    self.agents.command_offset, *self.offset_bounds))
            book.advance(np.asarray(active), np.asarray(finite), returns.means(), rewards, comps,
                         n * cfg.unroll_length, self.steps)
            if progress is not None:
                elapsed = time.monotonic() - start
                rate = (it + 1) * batch * cfg.unroll_length / max(elapsed, 1e-9)
                progress(TrainProgress(
                    iteration=it + 1, iterations=passes, steps_done=book.steps(),
                    total_steps=self.steps, mean_return=returns.means(), components=comps,
                    status=list(book.status), errors=list(book.errors), env_steps_per_s=rate,
                    elapsed_s=elapsed, eta_s=elapsed / (it + 1) * (passes - it - 1),
                    start_commands=[c.to_dict() for c in self.skills] or [None] * self.k))
            unsaved = True
            if time.monotonic() - last_saved >= every_s:  # after the report, so the curve has it
                self._save_resume_points(out_dirs, book, returns, on_resume_point)
                last_saved, unsaved = time.monotonic(), False
        if unsaved:  # a stopped worker's jobs continue from here when they run again
            self._save_resume_points(out_dirs, book, returns, on_resume_point)
        return self._finish(out_dirs, book, cancelled)

    def _made_for(self, i: int) -> dict:
        made_for = signature(self.robot_id, self.rewards[i].code, self.steps, self.seed,
                             self.config, self.env.obs_size)
        command = json.loads(json.dumps(self._command_meta(i)["command"], default=float))
        return {**made_for, "command": command}

    def _resume(self, out_dirs, iterations: int, returns: "_ReturnTracker") -> "_Book":
        """The population's bookkeeping, with every approach that has a usable resume point in
        its folder restored to it (learner, iterations, curve, status, recent returns) and the
        random state of the most advanced one."""
        template = _index_agent(self.agents, 0)
        points = [load_resume_point(d, template, self._made_for(i)) for i, d in enumerate(out_dirs)]
        book = _Book(self.k, iterations)
        agents = []
        for i, point in enumerate(points):
            agents.append(point.agent if point else _index_agent(self.agents, i))
            if point is not None:
                book.restore(i, point)
                returns.finished[i] = list(point.recent_returns)
                log.info("resuming %s from step %d of %d (iteration %d of %d, %s)", out_dirs[i],
                         point.steps_done, self.steps, point.iteration, iterations, point.status)
        if any(points):
            self.agents = _stack_agents(agents)
            latest = max((p for p in points if p), key=lambda p: p.iteration)
            self.key = latest.key
            self.rng.bit_generator.state = latest.rng_state
        return book

    def _save_resume_points(self, out_dirs, book: "_Book", returns: "_ReturnTracker",
                            on_resume_point) -> None:
        for i, folder in enumerate(out_dirs):
            point = ResumePoint(
                iteration=book.done[i], steps_done=book.steps()[i], status=book.status[i],
                error=book.errors[i], history=book.history[i],
                recent_returns=returns.finished[i][-returns.window:],
                agent=_index_agent(self.agents, i), key=self.key,
                rng_state=self.rng.bit_generator.state)
            save_resume_point(folder, point, self._made_for(i))
        if on_resume_point is not None:
            on_resume_point()

    def _collect(self, out: StepOutput, states):
        """Run `unroll_length` control steps; return the transitions, last output and states
        (native full-physics states [B, ...], or MJX data [B] with physics="mjx")."""
        if self.mjx is not None:
            self.key, key = jax.random.split(self.key)
            return self.mjx(self.agents, out, states, self._reset_commands(states.qpos.shape[0]),
                            key)
        ctrl = out.ctrl
        batch = states.shape[0]
        steps = []
        for _ in range(self.config.unroll_length):
            if self.push_chance:
                self.env.push(states, np.nonzero(self.rng.random(batch) < self.push_chance)[0],
                              self.rng)
            states, sensors = self.env.physics_step(states, np.asarray(ctrl, np.float64))
            rows = self._reset_rows(batch)
            new, self.key, ctrl, done = self.native_step(
                self.agents, out.carry, sensors.astype(np.float32), self.pool_on_device,
                rows.astype(np.int32), self._reset_commands(batch), self.key)
            ctrl, done = jax.device_get((ctrl, done))
            states[done] = self.pool_states[rows[done]]
            steps.append({"obs": out.obs, "raw_action": out.raw_action, "log_prob": out.log_prob,
                          "logits": out.logits, "action": out.action,
                          "prev_action": out.prev_action, "command": new.command,
                          "contract": new.contract, "terminated": new.terminated,
                          "truncated": new.truncated, "done": done})
            out = new
        return _stack_steps(steps), out, states

    def _evaluate_rewards(self, tr: dict, last_obs, status, errors):
        """Each approach's reward on its own environments; [K, N, T] rollouts for the update."""
        by_approach = _by_approach(self.k, self.n, tr)
        totals, means, finite = jax.device_get(self.rewards_fn(
            by_approach["contract"], by_approach["action"], by_approach["prev_action"],
            by_approach["command"]))
        rewards, comps = [], []
        for i in range(self.k):
            total, comp = np.zeros_like(totals[i]), {}
            if status[i] == "running":
                comp = {name: float(v) for name, v in means[i].items()}
                if finite[i]:
                    total = totals[i]
                else:
                    bad = [name for name, v in comp.items() if not np.isfinite(v)]
                    status[i] = "failed"
                    errors[i] = ("reward returned NaN or infinity"
                                 + (f" (components: {', '.join(bad)})" if bad else ""))
            rewards.append(total)
            comps.append(comp)
        return _rollout_of(by_approach, np.stack(rewards), last_obs), rewards, comps

    def _finish(self, out_dirs, book: "_Book", cancelled: bool) -> list[ApproachResult]:
        results = []
        for i, reward in enumerate(self.rewards):
            status = book.status[i]
            if status == "running":
                status = "cancelled" if cancelled else "succeeded"
            elif status == "done":
                status = "succeeded"
            steps_done = book.steps()[i]
            checkpoint = None
            if status == "succeeded":
                agent = _index_agent(self.agents, i)
                checkpoint = save_checkpoint(
                    Path(out_dirs[i]) / "checkpoint", robot_id=self.robot_id, config=self.config,
                    obs_size=self.env.obs_size, action_size=self.action_size,
                    policy=agent.policy, value=agent.value, normalizer=agent.normalizer,
                    reward_code=reward.code, seed=self.seed, steps_done=steps_done,
                    extra={"init": self.init_sources[i], "resumed_from": book.resumed_from[i],
                           **self._command_meta(i), **self._followed(i)})
            last = book.history[i][-1] if book.history[i] else {}
            metrics = {"mean_return": last.get("mean_return"), "components": last.get("components", {})}
            if self.skills:
                metrics["start_command"] = self.skills[i].to_dict()
            if self.config.learn_command_offset:
                learned = self._learned_command(i)
                metrics["learned_command"] = {
                    "command": skills.command_dict(learned),
                    "label": skills.describe_command(learned, self.robot_id)}
            results.append(ApproachResult(status=status, error=book.errors[i], checkpoint=checkpoint,
                                          metrics=metrics, history=book.history[i],
                                          resumed_from=book.resumed_from[i]))
        return results

    def _command_meta(self, i: int) -> dict:
        """What approach i was asked to follow: its start command (with its skill-search
        result), or (pretraining) the robot's default, which rollouts use unless told
        otherwise."""
        if not self.skills:
            return {"command": list(skills.command_box(self.robot_id).default)}
        return {"command": list(self.skills[i].command), "skill": self.skills[i].to_dict()}

    def _followed(self, i: int) -> dict:
        """A checkpoint's `command` once its offset is learned: the command the policy was
        trained to follow, which rollouts give it (the offset folded in)."""
        if not (self.config.learn_command_offset and self.skills):
            return {}
        return {"command": list(self._learned_command(i))}

    def _learned_command(self, i: int) -> tuple[float, ...]:
        """The command approach i's networks see: its start command plus the learned offset."""
        offset = np.asarray(self.agents.command_offset[i], np.float64)
        return tuple(float(c) for c in np.add(self.skills[i].command, offset))


class _Book:
    """Per approach: status, error, iterations done, curve, and the resume point it came from."""

    def __init__(self, k: int, iterations: int):
        self.status = ["running"] * k
        self.errors: list[str | None] = [None] * k
        self.done = [0] * k
        self.history: list[list[dict]] = [[] for _ in range(k)]
        self.resumed_from: list[int | None] = [None] * k
        self.iterations = iterations
        self._steps = [0] * k

    def restore(self, i: int, point: ResumePoint) -> None:
        self.done[i], self._steps[i] = point.iteration, point.steps_done
        self.history[i] = list(point.history)
        self.resumed_from[i] = point.steps_done
        self.status[i], self.errors[i] = point.status, point.error
        if self.status[i] == "running" and self.done[i] >= self.iterations:
            self.status[i] = "done"

    def steps(self) -> list[int]:
        return list(self._steps)

    def advance(self, active, finite, mean_returns, rewards, comps, steps_per_iteration: int,
                total_steps: int) -> None:
        """Record one update: the active approaches did one more iteration (or diverged)."""
        for i, was_active in enumerate(active):
            if not was_active:
                continue
            if self.status[i] == "running" and not finite[i]:
                self.status[i], self.errors[i] = "failed", "training diverged: weights became NaN/inf"
            self.done[i] += 1
            self._steps[i] = min(self.done[i] * steps_per_iteration, total_steps)
            self.history[i].append({"steps": self._steps[i], "mean_return": mean_returns[i],
                                    "mean_reward": float(np.mean(rewards[i])),
                                    "components": comps[i]})
            if self.status[i] == "running" and self.done[i] >= self.iterations:
                self.status[i] = "done"


class _ReturnTracker:
    """Undiscounted episode returns per environment; the mean of recently finished episodes."""

    def __init__(self, k: int, n: int, window: int = 64):
        self.k, self.n, self.window = k, n, window
        self.running = np.zeros(k * n)
        self.finished: list[list[float]] = [[] for _ in range(k)]

    def add(self, rewards: list[np.ndarray], done: jax.Array) -> None:
        reward_tb = np.concatenate([r for r in rewards], axis=1)  # [T, K*N]
        done_tb = np.asarray(done)
        for t in range(reward_tb.shape[0]):
            self.running += reward_tb[t]
            for env in np.nonzero(done_tb[t])[0]:
                self.finished[env // self.n].append(float(self.running[env]))
                self.running[env] = 0.0

    def means(self) -> list[float | None]:
        out = []
        for i, finished in enumerate(self.finished):
            if finished:
                out.append(float(np.mean(finished[-self.window:])))
            else:  # no episode has ended yet: the mean return so far
                out.append(float(np.mean(self.running[i * self.n:(i + 1) * self.n])))
        return out
