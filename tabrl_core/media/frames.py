"""Frames of a trajectory: MuJoCo's offscreen renderer, one per thread, reused across clips.

Render settings, chosen by measurement on a 2-core CPU with Mesa's llvmpipe (bench/render.py
--sweep, 9 Go1 clips at 480x360 rendered and encoded in one process: 127 fps with these):
- no multisampling: 4x MSAA gave 73 fps, for slightly softer edges that H.264 softens anyway;
- an infinite floor plane is drawn as a finite one (RENDER_FLOOR): MuJoCo tessellates an infinite
  plane into a dense grid (96 fps with it; about 40% of a frame's CPU time). Planes collide as
  infinite whatever their size, and only this renderer's copy of the model changes; the horizon
  haze, drawn for infinite planes only, goes;
- no shadows or reflections (the robot model's look, tabrl_core.robots.model); sites hidden
  (they are sensing volumes, not the robot's body).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator

import mujoco
import numpy as np

from tabrl_core.gl import make_renderer
from tabrl_core.robots import get_robot, load_model
from tabrl_core.robots.model import TRACK_CAMERA

OFFSCREEN_SAMPLES = 0
RENDER_FLOOR = (50.0, 50.0, 1.0)  # half-lengths and grid spacing (m) of an infinite floor


class FrameRenderer:
    """Renders poses of one model from its "track" camera at a fixed size.

    It changes `model` for rendering: the offscreen buffer to the frame size, multisampling to
    OFFSCREEN_SAMPLES, infinite planes to RENDER_FLOOR.
    """

    def __init__(self, model: mujoco.MjModel, width: int, height: int):
        model.vis.global_.offwidth, model.vis.global_.offheight = width, height
        model.vis.quality.offsamples = OFFSCREEN_SAMPLES
        infinite = (model.geom_type == mujoco.mjtGeom.mjGEOM_PLANE) & (model.geom_size[:, 0] <= 0)
        model.geom_size[infinite] = RENDER_FLOOR
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


_local = threading.local()  # each thread's renderer: a GL context is current in one thread


def frame_renderer(robot_id: str, width: int, height: int) -> FrameRenderer:
    """This thread's renderer for the robot and size; its previous one is closed if different."""
    key = (robot_id, width, height)
    if getattr(_local, "key", None) != key:
        close_renderer()
        _local.renderer = FrameRenderer(load_model(get_robot(robot_id)), width, height)
        _local.key = key
    return _local.renderer


@atexit.register
def close_renderer() -> None:
    """Close this thread's cached renderer, if any (at exit: the main thread's)."""
    renderer = getattr(_local, "renderer", None)
    _local.renderer = _local.key = None
    if renderer is not None:
        renderer.close()


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
