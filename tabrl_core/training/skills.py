"""Skills: the command a base policy follows, the reward that teaches it, and the search that
picks, for each approach's reward, the command whose behaviour that reward likes best.

A command-conditioned policy sees a command vector (COMMAND_AXES) at the end of its observation:
planar velocity, turning rate, a base-height offset from standing, roll and pitch. Pretraining
(`tabrl pretrain ROBOT`) samples commands from the robot's `CommandBox` and rewards tracking
them (`command_tracking_reward`); fine-tuning holds one command per approach, which
`search_commands` finds before PPO with a cross-entropy search over the box: candidate commands
rolled out together on the base policy, every rollout scored by every approach's own reward.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from tabrl_core.training import env as envlib
from tabrl_core.training.checkpoint import Checkpoint
from tabrl_core.training.env import COMMAND_AXES
from tabrl_core.training.rollout import policy_step

COMMAND_UNITS = ("m/s", "m/s", "rad/s", "m", "rad", "rad")


@dataclass(frozen=True)
class CommandBox:
    """The commands a robot's base policy is trained on, per axis of COMMAND_AXES."""

    low: tuple[float, ...]
    high: tuple[float, ...]
    default: tuple[float, ...]  # what the base policy does when nothing else is asked

    @property
    def searchable(self) -> bool:
        """False for robots without commands (every axis fixed)."""
        return any(h > lo for lo, h in zip(self.low, self.high))

    def clip(self, commands: np.ndarray) -> np.ndarray:
        return np.clip(commands, self.low, self.high)


def _box(low, high, default) -> CommandBox:
    return CommandBox(tuple(map(float, low)), tuple(map(float, high)), tuple(map(float, default)))


NO_COMMAND = _box([0] * 6, [0] * 6, [0] * 6)
COMMAND_BOXES: dict[str, CommandBox] = {
    # vx, vy, yaw_rate, height offset, roll, pitch
    "go1": _box([-0.6, -0.4, -1.5, -0.08, -0.25, -0.25], [0.8, 0.4, 1.5, 0.03, 0.25, 0.25],
                [0.5, 0, 0, 0, 0, 0]),
    "ant": _box([-0.8, -0.8, -1.5, -0.1, 0, 0], [0.8, 0.8, 1.5, 0.05, 0, 0], [0.5, 0, 0, 0, 0, 0]),
    "half_cheetah": _box([-1.5, 0, 0, -0.1, 0, -1.0], [3.0, 0, 0, 0.1, 0, 1.0],
                         [1.5, 0, 0, 0, 0, 0]),
    "op3": _box([-0.2, -0.1, -0.8, -0.03, 0, 0], [0.3, 0.1, 0.8, 0.0, 0, 0], [0.2, 0, 0, 0, 0, 0]),
    "humanoid": _box([-0.3, -0.2, -0.8, -0.1, 0, 0], [0.8, 0.2, 0.8, 0.0, 0, 0],
                     [0.5, 0, 0, 0, 0, 0]),
}


def command_box(robot_id: str) -> CommandBox:
    """The robot's command box (NO_COMMAND for robots without a command-conditioned base)."""
    return COMMAND_BOXES.get(robot_id, NO_COMMAND)


def describe_command(command: Sequence[float], robot_id: str) -> str:
    """Plain words for a command, e.g. "backward 0.40 m/s, turn left 0.50 rad/s"."""
    box = command_box(robot_id)
    if not box.searchable:
        return "no command"
    vx, vy, yaw, height, roll, pitch = (float(c) for c in command)
    parts = []
    if abs(vx) >= 0.05:
        parts.append(f"{'forward' if vx > 0 else 'backward'} {abs(vx):.2f} m/s")
    if abs(vy) >= 0.05:
        parts.append(f"sideways {'left' if vy > 0 else 'right'} {abs(vy):.2f} m/s")
    if abs(yaw) >= 0.1:
        parts.append(f"turn {'left' if yaw > 0 else 'right'} {abs(yaw):.2f} rad/s")
    if abs(height) >= 0.01:
        parts.append(f"{'higher' if height > 0 else 'lower'} {abs(height):.2f} m")
    if abs(roll) >= 0.05:
        parts.append(f"roll {'right' if roll > 0 else 'left'} {abs(roll):.2f} rad")
    if abs(pitch) >= 0.05:
        parts.append(f"pitch {'nose down' if pitch > 0 else 'nose up'} {abs(pitch):.2f} rad")
    return ", ".join(parts) or "stand still"


def command_dict(command: Sequence[float]) -> dict[str, float]:
    return {axis: round(float(v), 4) for axis, v in zip(COMMAND_AXES, command)}


def sample_commands(rng: np.random.Generator, box: CommandBox, n: int,
                    drill: Sequence[str] = ()) -> np.ndarray:
    """n commands [n, 6] for pretraining: 40 % move along one axis (forward or backward twice
    as often as sideways or turning), 20 % combine the three, 10 % stand still, 20 % hold a
    posture (height, roll, pitch) standing still and 10 % hold one while moving. `drill`
    names axes (COMMAND_AXES) a stage practises: then half of the commands ask for one of
    them alone, anywhere in its range."""
    low, high = np.asarray(box.low), np.asarray(box.high)
    uniform = rng.uniform(low, high, (n, len(COMMAND_AXES)))
    kind = rng.choice(5, n, p=[0.4, 0.2, 0.1, 0.2, 0.1])
    rows = np.arange(n)
    single = np.zeros_like(uniform)
    axis = rng.choice(3, n, p=[0.5, 0.25, 0.25])
    single[rows, axis] = uniform[rows, axis]
    moving = np.where(np.arange(6) < 3, uniform, 0.0)
    posture = np.where(np.arange(6) >= 3, uniform, 0.0)
    commands = np.select([kind[:, None] == k for k in range(4)],
                         [single, moving, np.zeros_like(uniform), posture], uniform)
    if drill:
        unknown = sorted(set(drill) - set(COMMAND_AXES))
        if unknown:
            raise ValueError(f"unknown command axes {unknown}; known: {', '.join(COMMAND_AXES)}")
        drilled = rng.random(n) < 0.5
        axis = rng.choice([COMMAND_AXES.index(a) for a in drill], n)
        practice = np.zeros_like(uniform)
        practice[rows, axis] = uniform[rows, axis]
        commands = np.where(drilled[:, None], practice, commands)
    return box.clip(commands).astype(np.float32)


@dataclass(frozen=True)
class CommandReward:
    """A reward that also reads the command: `fn(s, a, prev_a, command) -> (total, parts)`."""

    robot_id: str
    components: tuple[str, ...]
    fn: Callable
    code: str | None = None
    reads_command = True


def command_tracking_reward(robot_id: str, standing_height: float) -> CommandReward:
    """The pretraining reward: track the commanded velocity, turn rate, height and lean, with a
    steady gait and small penalties, so staying up always pays (in the style of MuJoCo
    Playground's Go1 joystick task)."""

    def fn(s, a, prev_a, command):
        vx, vy, yaw, height, roll, pitch = (command[..., i] for i in range(6))
        parts = {
            # Wide kernels (as Playground's joystick): slowing down already pays when the
            # command is to go the other way, so the gradient leads there.
            "track_lin_vel": jnp.exp(-(jnp.square(s.base_lin_vel[0] - vx)
                                       + jnp.square(s.base_lin_vel[1] - vy)) / 0.25),
            "track_yaw_rate": jnp.exp(-jnp.square(s.base_ang_vel[2] - yaw) / 0.5),
            "track_height": jnp.exp(-jnp.square(s.base_height - standing_height - height)
                                    / 0.0025),
            "track_lean": jnp.exp(-(jnp.square(s.base_rpy[0] - roll)
                                    + jnp.square(s.base_rpy[1] - pitch)) / 0.05),
            # Linear errors too: far from the command the kernels above are flat, these are not.
            "lin_vel_error": jnp.abs(s.base_lin_vel[0] - vx) + jnp.abs(s.base_lin_vel[1] - vy),
            "yaw_rate_error": jnp.abs(s.base_ang_vel[2] - yaw),
            "height_error": jnp.abs(s.base_height - standing_height - height),
            "lean_error": jnp.abs(s.base_rpy[0] - roll) + jnp.abs(s.base_rpy[1] - pitch),
            "upright": s.upright,
            "foot_steps": jnp.sum(jnp.clip(s.foot_air_time - 0.15, -0.15, 0.3)
                                  * s.first_contact),
            "action_rate": jnp.sum(jnp.square(a - prev_a)),
            "torque": jnp.sum(jnp.square(s.joint_torque)),
            "pose": jnp.sum(jnp.square(s.joint_pos - s.default_joint_pos)),
        }
        moving = jnp.abs(vx) + jnp.abs(vy) + jnp.abs(yaw) > 0.05
        # Pitching far lifts or lowers the base (a cheetah rearing onto its back legs raises
        # its torso by a third of a metre), so a large commanded pitch decides the height.
        level = jnp.exp(-jnp.square(pitch) / 0.1)
        total = (2.0 * parts["track_lin_vel"] + 1.0 * parts["track_yaw_rate"]
                 + level * (0.5 * parts["track_height"] - 5.0 * parts["height_error"])
                 + 0.5 * parts["track_lean"]
                 - 1.0 * parts["lin_vel_error"] - 0.3 * parts["yaw_rate_error"]
                 - 1.0 * parts["lean_error"]
                 + 0.3 * parts["upright"] + jnp.where(moving, 1.0, 0.0) * parts["foot_steps"]
                 - 0.02 * parts["action_rate"] - 0.0002 * parts["torque"]
                 - 0.03 * parts["pose"])
        return total, parts

    names = ("track_lin_vel", "track_yaw_rate", "track_height", "track_lean", "lin_vel_error",
             "yaw_rate_error", "height_error", "lean_error", "upright",
             "foot_steps", "action_rate", "torque", "pose")
    return CommandReward(robot_id, names, fn)


@dataclass(frozen=True)
class SkillChoice:
    """The command an approach starts fine-tuning from, and how its reward scored it."""

    command: tuple[float, ...]
    score: float | None  # the reward's mean per control step on the search rollouts
    label: str
    note: str | None = None  # e.g. why the default command was used

    def to_dict(self) -> dict:
        return {"command": command_dict(self.command), "label": self.label,
                "score": self.score, "note": self.note}


def _reward_totals(rewards: Sequence) -> Callable:
    """One jitted call: every reward's totals [K, T, C] on the same [T, C] rollouts (jitted,
    so the compilation cache keeps it between processes)."""
    fns = [jax.vmap(jax.vmap(r.fn)) for r in rewards]
    return jax.jit(lambda s, a, prev_a: jnp.stack([fn(s, a, prev_a)[0] for fn in fns]))


@functools.lru_cache(maxsize=8)
def _search_step(robot_id: str, obs_size: int, action_size: int, config) -> Callable:
    """The base policy's deterministic step on a batch of candidate rollouts [C] (one policy):
    `policy_step` without its policy axis, in one call."""
    act = policy_step(robot_id, obs_size, action_size, config)

    @jax.jit
    def step(params, sensors, memory, time, prev_action, commands):
        s, term, action, ctrl, memory = act(params, sensors[None], memory, time[None],
                                            prev_action[None], commands[None])
        return jax.tree_util.tree_map(lambda x: x[0], (s, term, action, ctrl)) + (memory,)

    return step


def _candidate_returns(env: envlib.RobotEnv, base: Checkpoint, rewards: Sequence,
                       commands: np.ndarray, *, seconds: float, seed: int,
                       totals: Callable | None = None) -> np.ndarray:
    """Mean reward per control step [K, C] of every reward k on the base policy's rollout
    under command c (rollouts depend on the command only, so all rewards score the same
    ones); a rollout that falls scores its steps up to the fall plus zeros. `totals` is
    `_reward_totals(rewards)`, made once for all rounds."""
    batch = len(commands)
    step = _search_step(env.robot.id, base.obs_size, base.action_size, base.config)
    params = jax.tree_util.tree_map(lambda x: x[None], (base.normalizer, base.policy))
    start_states, start_sensors = env.reset_pool(seed, size=1)
    states = np.repeat(start_states, batch, axis=0)
    sensors = np.repeat(start_sensors, batch, axis=0)
    memory = envlib.FootMemory(jnp.zeros((1, batch, env.n_feet)),
                               jnp.ones((1, batch, env.n_feet)))
    prev_action = np.zeros((batch, env.n_joints), np.float32)
    commands = np.asarray(commands, np.float32)
    n_steps = max(2, round(seconds / env.robot.ctrl_dt))
    contracts, actions, prev_actions, alive = [], [], [], []
    living = np.ones(batch, bool)
    for t in range(n_steps):
        *now, memory = step(params, sensors.astype(np.float32), memory,
                            np.full(batch, t * env.robot.ctrl_dt, np.float32), prev_action,
                            commands)
        s, term, action, ctrl = jax.device_get(now)
        if t > 0:
            living &= ~term
            contracts.append(s)
            actions.append(prev_action)
            alive.append(living.copy())
        prev_actions.append(prev_action)
        prev_action = action
        states, sensors = env.physics_step(states, np.asarray(ctrl, np.float64))
        bad = ~np.all(np.isfinite(states), axis=1)
        living &= ~bad
        states[bad], sensors[bad] = start_states[0], start_sensors[0]
    stacked = jax.tree_util.tree_map(lambda *xs: np.stack(xs), *contracts)  # [T, C]
    acts, prevs = np.stack(actions), np.stack(prev_actions[:-1])
    mask = np.stack(alive)  # [T, C]
    totals = (totals or _reward_totals(rewards))(stacked, acts, prevs)
    total = np.where(mask[None], np.asarray(totals, np.float64), 0.0).sum(axis=1) / len(mask)
    return np.where(np.isfinite(total), total, -np.inf)


def _spread(box: CommandBox, n: int, rng: np.random.Generator) -> np.ndarray:
    """n commands spread over the box: the default, each axis alone at half and all of its
    range on either side of zero, then random ones."""
    low, high, default = (np.asarray(v) for v in (box.low, box.high, box.default))
    singles = []
    for axis in np.nonzero(high > low)[0]:
        for end in (low[axis], high[axis]):
            for fraction in (1.0, 0.5):
                command = np.zeros_like(low)
                command[axis] = fraction * end
                singles.append(command)
    fill = rng.uniform(low, high, (max(0, n - 1 - len(singles)), len(low)))
    return np.concatenate([default[None], np.asarray(singles).reshape(-1, len(low)), fill])[:n]


def search_commands(robot_id: str, base: Checkpoint, rewards: Sequence, *, seed: int = 0,
                    candidates: int = 32, rounds: int = 2, elites: int = 4,
                    seconds: float = 1.5, score: Callable | None = None) -> list[SkillChoice]:
    """For each reward, the command of the base policy it scores best: a cross-entropy search
    over the robot's command box from one start state, where every reward scores every rollout.
    Every round rolls out one batch of the same size (so the rollout compiles once):
    max(`candidates`, rewards x `candidates // 3`) commands. Round one spreads them over the
    box (each axis alone at half and all of its range, then random); each later round tries
    an equal share around each reward's elites, topped up with random commands. A reward that
    is never finite keeps the box's default command, with a note saying so.
    `score(commands [C, 6]) -> [K, C]` replaces the rollouts (the base policy's rollouts,
    `seconds` long, scored by each reward)."""
    box = command_box(robot_id)
    default = np.asarray(box.default)
    if not box.searchable or not rewards:
        return [SkillChoice(box.default, None, describe_command(default, robot_id))
                for _ in rewards]
    rng = np.random.default_rng(seed)
    k = len(rewards)
    low, high = np.asarray(box.low), np.asarray(box.high)
    size = max(candidates, k * max(2, candidates // 3))  # every round: one compiled shape
    per = size // k  # commands tried around each reward's elites per round
    env = envlib.RobotEnv(robot_id) if score is None else None
    if score is None:
        score = functools.partial(_candidate_returns, env, base, rewards, seconds=seconds,
                                  seed=seed, totals=_reward_totals(rewards))
    try:
        seen = _spread(box, size, rng)
        scores = score(seen)
        for _ in range(rounds - 1):
            batch = []
            for i in range(k):
                top = np.argsort(-scores[i])[:elites]
                top = top[np.isfinite(scores[i, top])]
                if not len(top):
                    continue
                mean = seen[top].mean(axis=0)
                std = seen[top].std(axis=0) + 0.05 * (high - low)
                around = mean + std * rng.standard_normal((per, len(low)))
                around[0] = mean  # the elites' mean is always tried
                batch.append(box.clip(around))
            if not batch:
                break
            fill = rng.uniform(low, high, (max(0, size - per * len(batch)), len(low)))
            fresh = np.concatenate(batch + [fill])
            seen = np.concatenate([seen, fresh])
            scores = np.concatenate([scores, score(fresh)], axis=1)
    finally:
        if env is not None:
            env.close()
    choices = []
    for i in range(k):
        j = int(np.argmax(scores[i]))
        if np.isfinite(scores[i, j]):
            choices.append(SkillChoice(tuple(float(v) for v in seen[j]), float(scores[i, j]),
                                       describe_command(seen[j], robot_id)))
        else:
            choices.append(SkillChoice(box.default, None, describe_command(default, robot_id),
                                       note="no command gave this reward a finite return; "
                                            "starting from the base's default command"))
    return choices
