"""Headless OpenGL for MuJoCo: pick EGL, fall back to OSMesa, before mujoco is imported.

MuJoCo reads MUJOCO_GL once, when `mujoco` is first imported, so `choose_gl_backend` must run
before that; `tabrl_core.media` calls it on import, and render processes inherit the choice.
"""

from __future__ import annotations

import ctypes.util
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
        return mujoco.Renderer(model, height=height, width=width)
    except Exception as exc:  # the GL stack reports many different exception types
        raise RendererUnavailableError(f"{GL_HELP} ({type(exc).__name__}: {exc})") from exc
