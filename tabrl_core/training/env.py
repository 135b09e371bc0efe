"""A batched robot environment: native MuJoCo physics, JAX observation and contract state.

Physics runs in C through `mujoco.rollout` on all CPU threads (on this 2-core CPU it is about 3x
faster than MJX). Everything the learner sees is computed from the sensor readings by pure JAX
functions (`step_observe`), so one jitted call per control step turns the last physics state into
the reward-contract state, the termination flags and the next observation.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
from mujoco import rollout as mj_rollout

from tabrl_core.rewards.contract import ContractState
from tabrl_core.robots import RobotSpec, get_robot
from tabrl_core.robots.model import home_data, load_spec

STATE_SPEC = mujoco.mjtState.mjSTATE_FULLPHYSICS
COMMAND_AXES = ("vx", "vy", "yaw_rate", "height", "roll", "pitch")
"""The command vector at the end of every observation (see training/skills.py): planar velocity
(m/s, heading frame), turning rate (rad/s), base height offset from standing (m), roll, pitch."""
COMMAND_OBS_SCALE = (2.0, 2.0, 1.0, 10.0, 3.0, 3.0)
"""Multiplies each command axis in the observation, so every axis spans about [-1, 1]."""
ELAPSED_FULL_S = 5.0
"""The last observation input, the time since the episode began, reaches 1 after this long (a
video's length): phased rewards ("turn, then stand still") need to know when they are."""
OBS_LAYOUT = "command-v2"
"""Checkpoints record the observation layout they were trained on; older ones cannot be used
(v1 had no elapsed time, v0 no command)."""
TOUCH_THRESHOLD_N = 1.0
RESET_POOL_SIZE = 256
FRICTION_RANGE = (0.6, 1.4)
BASE_MASS_RANGE = (0.85, 1.15)
PUSH_SPEED = 0.5  # m/s
PUSH_INTERVAL_S = 2.0  # mean time between two pushes of one environment


def load_env_model(robot: RobotSpec) -> tuple[mujoco.MjModel, "SensorLayout"]:
    """Compile the robot's model with the sensors the environment reads, and their layout."""
    spec = load_spec(robot)
    base = spec.body(robot.base_body)
    base.add_site(name="tabrl_base", pos=[0, 0, 0], size=[0.005, 0.005, 0.005])
    sensors: list[tuple[str, int]] = []

    def add(name, type_, objtype, objname, dim):
        spec.add_sensor(name=name, type=type_, objtype=objtype, objname=objname)
        sensors.append((name, dim))

    site, joint, actuator = (mujoco.mjtObj.mjOBJ_SITE, mujoco.mjtObj.mjOBJ_JOINT,
                             mujoco.mjtObj.mjOBJ_ACTUATOR)
    add("tabrl_base_pos", mujoco.mjtSensor.mjSENS_FRAMEPOS, site, "tabrl_base", 3)
    add("tabrl_base_quat", mujoco.mjtSensor.mjSENS_FRAMEQUAT, site, "tabrl_base", 4)
    add("tabrl_base_linvel", mujoco.mjtSensor.mjSENS_FRAMELINVEL, site, "tabrl_base", 3)
    add("tabrl_base_gyro", mujoco.mjtSensor.mjSENS_GYRO, site, "tabrl_base", 3)
    for name in robot.joint_names:
        add(f"tabrl_qpos_{name}", mujoco.mjtSensor.mjSENS_JOINTPOS, joint, name, 1)
    for name in robot.joint_names:
        add(f"tabrl_qvel_{name}", mujoco.mjtSensor.mjSENS_JOINTVEL, joint, name, 1)
    for i in range(len(robot.joint_names)):
        spec.add_sensor(name=f"tabrl_force_{i}", type=mujoco.mjtSensor.mjSENS_ACTUATORFRC,
                        objtype=actuator, objname=spec.actuators[i].name)
        sensors.append((f"tabrl_force_{i}", 1))
    for name in robot.foot_names:
        add(f"tabrl_footpos_{name}", mujoco.mjtSensor.mjSENS_FRAMEPOS, site, name, 3)
    for name in robot.foot_names:
        spec.add_sensor(name=f"tabrl_touch_{name}", type=mujoco.mjtSensor.mjSENS_TOUCH,
                        objtype=site, objname=name)
        sensors.append((f"tabrl_touch_{name}", 1))
    model = spec.compile()
    return model, SensorLayout.build(len(robot.joint_names), len(robot.foot_names))


@dataclass(frozen=True)
class SensorLayout:
    """Slices of the sensordata vector, in the order `load_env_model` adds the sensors."""

    base_pos: slice
    base_quat: slice
    base_linvel: slice
    base_gyro: slice
    joint_pos: slice
    joint_vel: slice
    joint_force: slice
    foot_pos: slice
    foot_touch: slice
    size: int

    @staticmethod
    def build(n_joints: int, n_feet: int) -> "SensorLayout":
        sizes = [3, 4, 3, 3, n_joints, n_joints, n_joints, 3 * n_feet, n_feet]
        starts = np.cumsum([0] + sizes)
        slices = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
        return SensorLayout(*slices, size=int(starts[-1]))


class EnvConstants(NamedTuple):
    """Per-robot constants the jitted functions read (arrays, so they are traced, not baked)."""

    default_joint_pos: jax.Array  # [n]
    default_ctrl: jax.Array  # [n]
    ctrl_low: jax.Array  # [n]
    ctrl_high: jax.Array  # [n]
    action_scale: jax.Array  # ()
    dt: jax.Array  # ()
    min_base_height: jax.Array  # ()
    min_upright: jax.Array  # ()


class FootMemory(NamedTuple):
    """What the contract needs to remember between steps, per env."""

    air_time: jax.Array  # [B, n_feet]
    contact: jax.Array  # [B, n_feet]


class RobotEnv:
    """One robot's batched environment: the compiled model, reset states and physics stepping."""

    def __init__(self, robot_id: str, nthread: int | None = None):
        self.robot = get_robot(robot_id)
        self.model, self.layout = load_env_model(self.robot)
        self.nthread = nthread or min(os.cpu_count() or 1, 16)
        self.n_joints = len(self.robot.joint_names)
        self.n_feet = len(self.robot.foot_names)
        self.n_substeps = self.robot.n_substeps
        self._datas = [mujoco.MjData(self.model) for _ in range(self.nthread)]
        self._rollout = mj_rollout.Rollout(nthread=self.nthread)
        self._models: list[mujoco.MjModel] = []
        self.home_data = home_data(self.model, self.robot.keyframe)
        self.constants = self._constants()
        self.obs_size = observation_size(self.n_joints)

    def _constants(self) -> EnvConstants:
        joint_qpos = [self.model.joint(n).qposadr[0] for n in self.robot.joint_names]
        low, high = self.model.actuator_ctrlrange[: self.n_joints].T
        limited = self.model.actuator_ctrllimited[: self.n_joints].astype(bool)
        low = np.where(limited, low, -1.0)
        high = np.where(limited, high, 1.0)
        default_ctrl = np.clip(self.home_data.ctrl[: self.n_joints], low, high)
        as_f32 = lambda x: jnp.asarray(x, jnp.float32)  # noqa: E731
        return EnvConstants(
            default_joint_pos=as_f32(self.home_data.qpos[joint_qpos]),
            default_ctrl=as_f32(default_ctrl), ctrl_low=as_f32(low), ctrl_high=as_f32(high),
            action_scale=as_f32(self.robot.action_scale), dt=as_f32(self.robot.ctrl_dt),
            min_base_height=as_f32(self.robot.min_base_height),
            min_upright=as_f32(self.robot.min_upright))

    def reset_pool(self, seed: int, size: int = RESET_POOL_SIZE) -> tuple[np.ndarray, np.ndarray]:
        """`size` start states near the home pose, with their sensor readings."""
        rng = np.random.default_rng(seed)
        data = mujoco.MjData(self.model)
        states = np.empty((size, mujoco.mj_stateSize(self.model, STATE_SPEC)))
        sensors = np.empty((size, self.model.nsensordata))
        free = self.model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
        first_joint = 7 if free else 0
        noise = self.robot.reset_noise
        for i in range(size):
            mujoco.mj_resetData(self.model, data)
            data.qpos[:] = self.home_data.qpos
            data.ctrl[:] = self.home_data.ctrl
            data.qpos[first_joint:] += rng.uniform(-noise, noise, self.model.nq - first_joint)
            data.qvel[:] = rng.uniform(-noise, noise, self.model.nv)
            mujoco.mj_forward(self.model, data)
            mujoco.mj_getState(self.model, data, states[i], STATE_SPEC)
            sensors[i] = data.sensordata
        return states, sensors

    def randomize(self, batch: int, seed: int, variants: int = 16) -> None:
        """Domain randomisation: environment b steps a copy of the model whose floor friction
        and base mass are scaled by random factors (FRICTION_RANGE, BASE_MASS_RANGE)."""
        rng = np.random.default_rng(seed)
        base = self.model.body(self.robot.base_body).id
        copies = []
        for _ in range(variants):
            model = copy.copy(self.model)
            model.geom_friction = self.model.geom_friction * rng.uniform(*FRICTION_RANGE)
            model.body_mass = self.model.body_mass.copy()
            model.body_mass[base] *= rng.uniform(*BASE_MASS_RANGE)
            copies.append(model)
        self._models = [copies[b % variants] for b in range(batch)]

    def push(self, states: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Domain randomisation: add a random horizontal velocity (up to PUSH_SPEED) to the base
        of the environments `rows`, in place (full-physics states)."""
        if not len(rows):
            return
        free = self.model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
        dofs = 2 if free else 1  # x and y of a free base; the first slide of a planar one
        start = 1 + self.model.nq  # the state is [time, qpos, qvel, ...]
        states[rows, start:start + dofs] += rng.uniform(-PUSH_SPEED, PUSH_SPEED, (len(rows), dofs))

    def physics_step(self, states: np.ndarray, ctrl: np.ndarray,
                     substeps: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Hold `ctrl` [B, nu] for one control period; returns the new states and sensors
        ([B, ...] after the period, or every physics substep [B, n_substeps, ...])."""
        batch = states.shape[0]
        if len(self._models) != batch:  # unless randomize() made one model per environment
            self._models = [self.model] * batch
        controls = np.ascontiguousarray(np.repeat(ctrl[:, None, :], self.n_substeps, axis=1),
                                        dtype=np.float64)
        state = np.empty((batch, self.n_substeps, states.shape[1]))
        sensordata = np.empty((batch, self.n_substeps, self.model.nsensordata))
        self._rollout.rollout(self._models, self._datas, np.ascontiguousarray(states), controls,
                              nstep=self.n_substeps, state=state, sensordata=sensordata,
                              skip_checks=True)
        if substeps:
            return state, sensordata
        return state[:, -1], sensordata[:, -1]

    def close(self) -> None:
        self._rollout.close()


def observation_size(n_joints: int) -> int:
    """Length of the observation vector built by `observe`."""
    return 1 + 3 + 3 + 3 + 3 * n_joints + 4 + len(COMMAND_AXES) + 1


def _quat_to_rpy_up(q: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    roll = jnp.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = jnp.arcsin(jnp.clip(2 * (w * y - z * x), -1.0, 1.0))
    yaw = jnp.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    # Gravity seen from the base frame: the world's -z axis expressed in body coordinates.
    gravity = -jnp.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1)
    return jnp.stack([roll, pitch, yaw], -1), -gravity[..., 2], gravity


def contract_state(layout: SensorLayout, c: EnvConstants, sensors: jax.Array,
                   memory: FootMemory, time: jax.Array) -> tuple[ContractState, FootMemory, jax.Array]:
    """The reward-contract state of a batch [B] from its sensors; also the new foot memory and
    the gravity vector in the base frame (for observations)."""
    n_feet = memory.air_time.shape[-1]
    rpy, upright, gravity = _quat_to_rpy_up(sensors[..., layout.base_quat])
    v = sensors[..., layout.base_linvel]
    cy, sy = jnp.cos(rpy[..., 2]), jnp.sin(rpy[..., 2])
    lin_vel = jnp.stack([cy * v[..., 0] + sy * v[..., 1], -sy * v[..., 0] + cy * v[..., 1],
                         v[..., 2]], -1)
    foot_pos = sensors[..., layout.foot_pos].reshape(sensors.shape[:-1] + (n_feet, 3))
    contact = (sensors[..., layout.foot_touch] > TOUCH_THRESHOLD_N).astype(jnp.float32)
    flight = memory.air_time + c.dt
    first_contact = contact * (1.0 - memory.contact)
    air_time = jnp.where(contact > 0, 0.0, flight)
    base_pos = sensors[..., layout.base_pos]
    batch = sensors.shape[:-1]
    state = ContractState(
        base_pos=base_pos, base_height=base_pos[..., 2], base_lin_vel=lin_vel,
        base_ang_vel=sensors[..., layout.base_gyro], base_rpy=rpy, upright=upright,
        joint_pos=sensors[..., layout.joint_pos],
        default_joint_pos=jnp.broadcast_to(c.default_joint_pos, batch + c.default_joint_pos.shape),
        joint_vel=sensors[..., layout.joint_vel], joint_torque=sensors[..., layout.joint_force],
        foot_contact=contact, foot_height=foot_pos[..., 2],
        foot_air_time=jnp.where(first_contact > 0, flight, air_time),
        first_contact=first_contact, time=time, dt=jnp.broadcast_to(c.dt, batch))
    return state, FootMemory(air_time=air_time, contact=contact), gravity


def terminated(c: EnvConstants, s: ContractState) -> jax.Array:
    """True where the robot fell (base too low or tipped over) or the physics blew up."""
    fell = (s.base_height < c.min_base_height) | (s.upright < c.min_upright)
    blew_up = ~jnp.all(jnp.isfinite(s.base_pos), axis=-1) | (jnp.abs(s.base_height) > 100.0)
    return fell | blew_up


def observe(s: ContractState, gravity: jax.Array, prev_action: jax.Array,
            command: jax.Array) -> jax.Array:
    """The policy's observation: base height and motion, gravity, joints, last action, clocks,
    the command [..., len(COMMAND_AXES)] it is asked to follow, and the elapsed time."""
    phase = 2.0 * jnp.pi * s.time[..., None] * jnp.array([1.0, 2.0])
    command = jnp.broadcast_to(command, prev_action.shape[:-1] + (len(COMMAND_AXES),))
    obs = jnp.concatenate([
        s.base_height[..., None], s.base_lin_vel, s.base_ang_vel * 0.25, gravity,
        s.joint_pos - s.default_joint_pos, s.joint_vel * 0.05, prev_action,
        jnp.sin(phase), jnp.cos(phase), command * jnp.array(COMMAND_OBS_SCALE),
        jnp.clip(s.time[..., None] / ELAPSED_FULL_S, 0.0, 1.0)], axis=-1)
    return jnp.nan_to_num(jnp.clip(obs, -100.0, 100.0))


def shift_command(obs: jax.Array, offset: jax.Array) -> jax.Array:
    """`obs` [..., obs] as if its command were `offset` [C] (command units) larger."""
    at = obs.shape[-1] - 1 - len(COMMAND_AXES)  # the command sits just before the elapsed time
    shift = offset * jnp.array(COMMAND_OBS_SCALE)
    return obs.at[..., at:at + len(COMMAND_AXES)].add(shift)


def action_to_ctrl(c: EnvConstants, action: jax.Array) -> jax.Array:
    """Actions in [-1, 1] to actuator controls: position offsets from the standing pose, or the
    actuator's range for torque-controlled robots (action_scale == 0)."""
    position = c.default_ctrl + c.action_scale * action
    torque = c.ctrl_low + (action + 1.0) * 0.5 * (c.ctrl_high - c.ctrl_low)
    ctrl = jnp.where(c.action_scale > 0, position, torque)
    return jnp.clip(ctrl, c.ctrl_low, c.ctrl_high)
