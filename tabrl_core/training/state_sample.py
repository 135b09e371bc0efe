"""Realistic contract states per robot: where the reward sandbox checks that code stays finite.

`state_sample(contract)` gives LIMITS.trainer_batch states (with this step's and the previous
step's actions) from short rollouts of the robot: its base policy (when it has one), uniform
random actions, and saturated bang-bang actions (every joint at -1 or +1), which make it jump,
fall and lift its feet; plus an episode's first step (clock, velocities and actions at 0) and
edge states derived from rollout states (upside down, base on the floor, every foot in the air,
every action at +-1); clocks are spread over a whole episode. Each state carries the kind it
is, for error messages. The sample is computed once per robot and cached (paths.cache_dir:
TABRL_HOME/cache/reward-states by default); a contract without a catalogued robot gets the
edge states around synthetic ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from tabrl_core.paths import cache_dir
from tabrl_core.rewards.contract import FIELD_NAMES, LIMITS, ContractState, RobotContract

SAMPLE_VERSION = 5  # bump when the recipe below changes, so cached samples are remade
ROLLOUT_ENVS = 32  # per kind of driver
ROLLOUT_STEPS = 48
EDGE_EACH = 16  # states of each edge kind
EPISODE_MAX_S = 10.0  # the longest episode a trainer runs (pretraining's); clocks span it
KINDS = ("an episode's first step", "a rollout of the base policy",
         "a rollout with random actions",
         "a rollout with saturated actions (each joint at -1 or 1)",
         "an upside-down robot", "a robot with its base on the floor",
         "a state with every foot in the air", "a step with every action at -1 or 1")


@dataclasses.dataclass(frozen=True)
class StateSample:
    """`n` states (a ContractState of [n, ...] float32 arrays), actions [n, n_joints] in the
    trainer's range, and each state's kind (an index into KINDS)."""

    s: ContractState
    a: np.ndarray
    prev_a: np.ndarray
    kind: np.ndarray

    def state(self, i: int) -> dict:
        """State i as {field: value}, with "a" and "prev_a"."""
        return {**{k: getattr(self.s, k)[i] for k in FIELD_NAMES}, "a": self.a[i],
                "prev_a": self.prev_a[i]}


def state_sample(contract: RobotContract) -> StateSample:
    """The cached sample for `contract`, made on first use (a few seconds)."""
    path = _cache_path(contract)
    if path.exists():
        try:
            return _load(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is made again
    sample = _make(contract)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, kind=sample.kind, a=sample.a, prev_a=sample.prev_a,
             **{f"s/{k}": getattr(sample.s, k) for k in FIELD_NAMES})
    tmp.replace(path)
    return sample


def _cache_path(contract: RobotContract) -> Path:
    """Keyed by the recipe, the contract and the base policy the rollouts come from."""
    from tabrl_core.training.population import base_policy_path

    try:
        weights = (base_policy_path(contract.robot_id) / "weights.msgpack").read_bytes()
        base = hashlib.sha256(weights).hexdigest()
    except (OSError, ValueError):  # no base policy, or not a catalogued robot
        base = None
    key = json.dumps([SAMPLE_VERSION, LIMITS.trainer_batch, dataclasses.asdict(contract), base])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir("reward-states") / f"{contract.robot_id}-{digest}.npz"


def _load(path: Path) -> StateSample:
    with np.load(path) as f:
        s = ContractState(**{k: f[f"s/{k}"] for k in FIELD_NAMES})
        return StateSample(s, f["a"], f["prev_a"], f["kind"])


def _make(contract: RobotContract) -> StateSample:
    rng = np.random.default_rng(0)
    try:
        base = _rollout_states(contract.robot_id, rng)
    except Exception as e:  # noqa: BLE001 -- no robot model: synthetic states still check a lot
        print(f"reward states for {contract.robot_id}: no rollouts ({e}); synthetic states",
              file=sys.stderr)
        base = _synthetic_states(contract, rng)
    _at_rest(base)
    _spread_clock(base, contract, rng)
    edges = _edge_states(base, contract, rng)
    room = LIMITS.trainer_batch - len(edges[3])
    first = np.flatnonzero(base[3] == 0)
    rest = rng.permutation(np.flatnonzero(base[3] != 0))
    keep = np.concatenate([first[:EDGE_EACH], rest])[:room]
    pick = lambda x: x[keep]  # noqa: E731
    s = ContractState(*[np.concatenate([pick(b), e]).astype(np.float32)
                        for b, e in zip(base[0], edges[0])])
    return StateSample(s, *(np.concatenate([pick(b), e]).astype(np.float32 if i < 2 else np.int8)
                            for i, (b, e) in enumerate(zip(base[1:], edges[1:]))))


def _spread_clock(base, contract: RobotContract, rng: np.random.Generator) -> None:
    """Give rollout states clock values over a whole episode (the rollouts are short): a
    random multiple of dt up to EPISODE_MAX_S."""
    s, _, _, kind = base
    later = kind != 0
    steps = rng.integers(1, round(EPISODE_MAX_S / contract.dt) + 1, int(np.sum(later)))
    s.time[later] = steps * contract.dt


def _at_rest(base) -> None:
    """Make the first-step states exactly at rest in the standing pose, as the contract promises
    code may see: level (upright 1), joints at their defaults, the clock, velocities, air times
    and actions at 0."""
    s, a, prev_a, kind = base
    first = kind == 0
    for name in ("base_lin_vel", "base_ang_vel", "base_rpy", "joint_vel", "foot_air_time",
                 "first_contact", "time"):
        getattr(s, name)[first] = 0.0
    s.upright[first] = 1.0
    s.joint_pos[first] = s.default_joint_pos[first]
    a[first] = 0.0
    prev_a[first] = 0.0


def _rollout_states(robot_id: str, rng: np.random.Generator):
    """(ContractState [n], a, prev_a, kind) from rollouts with four kinds of drivers."""
    import jax
    import jax.numpy as jnp

    from tabrl_core.training import env as envlib

    env = envlib.RobotEnv(robot_id, nthread=1)
    try:
        policy = _base_policy(robot_id, env)
        drivers = [2, 3, 3] if policy is None else [1, 2, 3, 3]  # kinds, ROLLOUT_ENVS each
        batch = ROLLOUT_ENVS * len(drivers)
        states, sensors = env.reset_pool(int(rng.integers(1 << 30)), size=batch)
        contract_fn = jax.jit(lambda sens, mem, t: envlib.contract_state(
            env.layout, env.constants, sens, mem, t))
        ctrl_fn = jax.jit(lambda action: envlib.action_to_ctrl(env.constants, action))
        memory = envlib.FootMemory(jnp.zeros((batch, env.n_feet)), jnp.ones((batch, env.n_feet)))
        kind = np.repeat(drivers, ROLLOUT_ENVS)
        prev = np.zeros((batch, env.n_joints), np.float32)
        saturated = rng.choice([-1.0, 1.0], (batch, env.n_joints))
        out_s, out_a, out_prev, out_kind = [], [], [], []
        s, memory, gravity = contract_fn(jnp.asarray(sensors, jnp.float32), memory,
                                         jnp.zeros(batch))
        for step in range(ROLLOUT_STEPS):
            if step % 6 == 0:
                saturated = rng.choice([-1.0, 1.0], (batch, env.n_joints))
            action = np.where((kind == 3)[:, None], saturated,
                              rng.uniform(-1.0, 1.0, (batch, env.n_joints)))
            if policy is not None:
                mode = np.asarray(policy(s, gravity, jnp.asarray(prev)))
                noisy = np.clip(mode + rng.normal(0.0, 0.2, mode.shape), -1.0, 1.0)
                action[kind == 1] = noisy[kind == 1]
            action = action.astype(np.float32)
            out_s.append(jax.tree_util.tree_map(np.asarray, s))
            out_a.append(action if step else np.zeros_like(action))
            out_prev.append(prev)
            out_kind.append(kind if step else np.zeros_like(kind))
            ctrl = np.asarray(ctrl_fn(jnp.asarray(action)), np.float64)
            states, sensors = env.physics_step(states, ctrl)
            s, memory, gravity = contract_fn(jnp.asarray(sensors, jnp.float32), memory,
                                             jnp.full(batch, (step + 1) * env.robot.ctrl_dt))
            prev = action
    finally:
        env.close()
    stacked = ContractState(*[np.concatenate([getattr(x, k) for x in out_s]) for k in FIELD_NAMES])
    finite = np.all([np.all(np.isfinite(v.reshape(len(v), -1)), axis=1) for v in stacked], axis=0)
    pick = lambda x: x[finite]  # noqa: E731
    return (ContractState(*map(pick, stacked)), pick(np.concatenate(out_a)),
            pick(np.concatenate(out_prev)), pick(np.concatenate(out_kind)))


def _base_policy(robot_id: str, env):
    """The robot's base policy as obs -> mode action, or None when it has none that fits."""
    import jax

    from tabrl_core.training import env as envlib
    from tabrl_core.training import ppo
    from tabrl_core.training.checkpoint import load_checkpoint
    from tabrl_core.training.population import base_policy_path
    from tabrl_core.training.rollout import checkpoint_command

    path = base_policy_path(robot_id)
    if not path.exists():
        return None
    ckpt = load_checkpoint(path)
    if ckpt.obs_size != env.obs_size:
        return None
    networks = ppo.make_networks(ckpt.obs_size, ckpt.action_size, ckpt.config)
    command = jax.numpy.asarray(checkpoint_command(ckpt), jax.numpy.float32)

    def act(s, gravity, prev_action):
        obs = envlib.observe(s, gravity, prev_action, command)
        return ppo.deterministic_actions(networks, ckpt.normalizer, ckpt.policy, obs)

    return jax.jit(act)


def _synthetic_states(contract: RobotContract, rng: np.random.Generator):
    """Plausible states when the robot has no model here: random poses and motions."""
    from tabrl_core.rewards.sandbox import dummy_batch

    n = LIMITS.trainer_batch
    s, a, prev_a = dummy_batch(contract, n, seed=int(rng.integers(1 << 30)))
    kind = np.full(n, 2)
    kind[0] = 0
    return s, a, prev_a, kind


def _edge_states(base, contract: RobotContract, rng: np.random.Generator):
    """EDGE_EACH states of each edge kind, made from random base states."""
    s, a, prev_a, _ = base
    n = EDGE_EACH
    rows = [rng.integers(0, len(a), n) for _ in range(4)]
    parts = [{k: getattr(s, k)[r].copy() for k in FIELD_NAMES} for r in rows]
    flipped, floor, air, _ = parts
    flipped["upright"][:] = -1.0
    flipped["base_rpy"][:, 0] = np.pi
    floor["base_height"][:] = 0.0
    floor["base_pos"][:, 2] = 0.0
    floor["upright"][:] = 0.0
    floor["base_rpy"][:, 0] = np.pi / 2
    air["foot_contact"][:] = 0.0
    air["first_contact"][:] = 0.0
    air["foot_height"][:] = air["foot_height"] + 0.15
    air["foot_air_time"][:] = air["foot_air_time"] + 0.3
    actions = [a[r].copy() for r in rows]
    previous = [prev_a[r].copy() for r in rows]
    signs = rng.choice([-1.0, 1.0], actions[3].shape)
    actions[3], previous[3] = signs, -signs
    states = ContractState(*[np.concatenate([p[k] for p in parts]) for k in FIELD_NAMES])
    kind = np.repeat(np.arange(4, 8), n)
    return states, np.concatenate(actions), np.concatenate(previous), kind
