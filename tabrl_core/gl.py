"""Headless OpenGL for MuJoCo: pick EGL, fall back to OSMesa, before mujoco is imported.

MuJoCo reads MUJOCO_GL once, when `mujoco` is first imported, to pick the GL context class of
`mujoco.Renderer`. `tabrl_core.media` calls `choose_gl_backend` on import, render processes
inherit the choice, and `make_renderer` (used by the media renderer and the robot gallery's
thumbnails) points MuJoCo at the chosen headless backend when mujoco was imported before
MUJOCO_GL was set.
"""

from __future__ import annotations

import ctypes.util
import importlib
import os

GL_BACKENDS = ("egl", "osmesa")
GL_LIBRARIES = {"egl": "EGL", "osmesa": "OSMesa"}
GL_HELP = (
    "MuJoCo could not open a headless OpenGL context. Set MUJOCO_GL to one of "
    f"{', '.join(GL_BACKENDS)} before mujoco is imported, and install the Debian packages for it: "
    "libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0 (egl) or libosmesa6 (osmesa)."
)


class RendererUnavailableError(RuntimeError):
    """No headless GL backend works on this machine."""


def choose_gl_backend() -> str | None:
    """Set MUJOCO_GL (and PYOPENGL_PLATFORM) unless the user chose one; return the choice.

    The first backend in GL_BACKENDS whose library is installed wins; None when none is.
    """
    chosen = os.environ.get("MUJOCO_GL")
    if chosen:
        os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
        return chosen
    for backend in GL_BACKENDS:
        if ctypes.util.find_library(GL_LIBRARIES[backend]) is not None:
            os.environ["MUJOCO_GL"] = backend
            os.environ["PYOPENGL_PLATFORM"] = backend
            return backend
    return None


def make_renderer(model, width: int, height: int):
    """A mujoco.Renderer on the chosen backend, or RendererUnavailableError naming the fix."""
    if choose_gl_backend() is None:
        raise RendererUnavailableError(GL_HELP)
    import mujoco

    try:
        _use_backend(os.environ["MUJOCO_GL"])
        return mujoco.Renderer(model, height=height, width=width)
    except Exception as exc:  # the GL stack reports many different exception types
        raise RendererUnavailableError(f"{GL_HELP} ({type(exc).__name__}: {exc})") from exc


def _use_backend(backend: str) -> None:
    # mujoco.Renderer reads its context class from this module when it is created; if mujoco was
    # imported while MUJOCO_GL was unset it holds GLFW's, which needs a display.
    from mujoco.rendering.classic import gl_context

    if backend in GL_BACKENDS and gl_context.GLContext.__module__ != f"mujoco.{backend}":
        gl_context.GLContext = importlib.import_module(f"mujoco.{backend}").GLContext
