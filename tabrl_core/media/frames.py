"""Frames of a trajectory: MuJoCo's offscreen renderer, one per process, reused across clips.

Render settings, chosen by measurement on a 2-core CPU with Mesa's llvmpipe (bench/render.py):
no multisampling (4x MSAA cut the frame rate 2-4x for slightly softer edges; H.264 softens them
anyway), no shadows or reflections (the robot model's look, tabrl_core.robots.model), and sites
hidden (they are sensing spheres, not the robot's body).
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator

import mujoco
import numpy as np

from tabrl_core.media.gl import make_renderer
from tabrl_core.robots import get_robot
from tabrl_core.robots.model import TRACK_CAMERA, load_model

OFFSCREEN_SAMPLES = 0


class FrameRenderer:
    """Renders poses of one model from its "track" camera at a fixed size.

    It sets the model's offscreen buffer to the frame size and its multisampling to
    OFFSCREEN_SAMPLES.
    """

    def __init__(self, model: mujoco.MjModel, width: int, height: int):
        model.vis.global_.offwidth, model.vis.global_.offheight = width, height
        model.vis.quality.offsamples = OFFSCREEN_SAMPLES
        self.model = model
        self.data = mujoco.MjData(model)
        self.width, self.height = width, height
        self._renderer = make_renderer(model, width, height)
        self._option = mujoco.MjvOption()
        self._option.sitegroup[:] = 0

    def render(self, qpos: np.ndarray) -> np.ndarray:
        """One uint8 [H, W, 3] frame of the model at `qpos`."""
        self.data.qpos[:] = qpos
        # Positions only: body poses, the centre of mass the camera tracks, the camera itself.
        mujoco.mj_kinematics(self.model, self.data)
        mujoco.mj_comPos(self.model, self.data)
        mujoco.mj_camlight(self.model, self.data)
        self._renderer.update_scene(self.data, TRACK_CAMERA, self._option)
        return self._renderer.render()

    def close(self) -> None:
        """Free the GL context (OSMesa complains at exit otherwise)."""
        self._renderer.close()


_cached: dict[tuple[str, int, int], FrameRenderer] = {}


def frame_renderer(robot_id: str, width: int, height: int) -> FrameRenderer:
    """This process's renderer for the robot and size; the previous one is closed if different."""
    key = (robot_id, width, height)
    if key not in _cached:
        close_renderers()
        _cached[key] = FrameRenderer(load_model(get_robot(robot_id)), width, height)
    return _cached[key]


@atexit.register
def close_renderers() -> None:
    """Close this process's cached renderer, if any."""
    while _cached:
        _cached.popitem()[1].close()


def iter_frames(robot_id: str, qpos: np.ndarray, width: int = 480,
                height: int = 360) -> Iterator[np.ndarray]:
    """Yield one uint8 [H, W, 3] frame per row of `qpos` [F, nq], rendered as it is asked for."""
    renderer = frame_renderer(robot_id, width, height)
    for row in qpos:
        yield renderer.render(row)


def render_frames(robot_id: str, qpos: np.ndarray, width: int = 480,
                  height: int = 360) -> np.ndarray:
    """uint8 [F, H, W, 3] frames of the robot at each row of `qpos` [F, nq]."""
    frames = np.empty((len(qpos), height, width, 3), np.uint8)
    for k, frame in enumerate(iter_frames(robot_id, qpos, width, height)):
        frames[k] = frame
    return frames
