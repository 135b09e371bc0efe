"""Open-loop motion without a policy: sinusoidal actuator targets simulated in native MuJoCo.

Each `pattern` seeds different amplitudes, one frequency and per-actuator phases, so different
patterns move differently; bench/render.py and the media tests use them as stand-in policies.
"""

from __future__ import annotations

import mujoco
import numpy as np

from tabrl_core.robots import get_robot, load_model
from tabrl_core.training import Trajectory

AMPLITUDE = (0.03, 0.08)  # of each actuator's half control range


def sinusoid_trajectory(robot_id: str = "go1", pattern: int = 0, seconds: float = 5.0,
                        fps: int = 30) -> Trajectory:
    """Simulate `seconds` of sinusoidal targets around the robot's keyframe (or the middle of
    the control ranges), sampled at `fps`. Components: "forward", the first velocity coordinate
    (the base's x velocity for a floating base), and "height", the base's height.
    """
    robot = get_robot(robot_id)
    model = load_model(robot)
    data = mujoco.MjData(model)
    low, high = model.actuator_ctrlrange.T
    center = (low + high) / 2
    if robot.keyframe is not None:
        mujoco.mj_resetDataKeyframe(model, data, model.key(robot.keyframe).id)
        center = data.ctrl.copy()
    mujoco.mj_forward(model, data)
    rng = np.random.default_rng(pattern)
    amplitude = rng.uniform(*AMPLITUDE, model.nu) * (high - low) / 2
    frequency, phase = rng.uniform(1.0, 3.0), rng.uniform(0, 2 * np.pi, model.nu)
    base = model.body(robot.base_body).id
    frames = int(seconds * fps)
    qpos, qvel = np.empty((frames, model.nq)), np.empty((frames, model.nv))
    height = np.empty(frames)
    for k in range(frames):
        while data.time < k / fps:
            data.ctrl[:] = center + amplitude * np.sin(2 * np.pi * frequency * data.time + phase)
            mujoco.mj_step(model, data)
        qpos[k], qvel[k], height[k] = data.qpos, data.qvel, data.xpos[base, 2]
    forward = qvel[:, 0]
    return Trajectory(robot_id=robot_id, fps=fps, qpos=qpos, qvel=qvel,
                      time=np.arange(frames) / fps, reward=forward + height,
                      components={"forward": forward, "height": height},
                      fell=bool(np.any(height < robot.min_base_height)))
