"""Headless OpenGL for MuJoCo: pick EGL, fall back to OSMesa, before mujoco is imported."""

from __future__ import annotations

import os

GL_BACKENDS = ("egl", "osmesa")
GL_HELP = (
    "MuJoCo could not open a headless OpenGL context. Set MUJOCO_GL to one of "
    f"{', '.join(GL_BACKENDS)} and install the Debian packages for it: "
    "libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0 (egl) or libosmesa6 (osmesa)."
)


class RendererUnavailableError(RuntimeError):
    """No headless GL backend works on this machine."""


def choose_gl_backend() -> str:
    """Set MUJOCO_GL (and PYOPENGL_PLATFORM) unless the user chose one; return the choice."""
    chosen = os.environ.get("MUJOCO_GL")
    if chosen:
        os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
        return chosen
    for backend in GL_BACKENDS:
        if _loads(backend):
            os.environ["MUJOCO_GL"] = backend
            os.environ["PYOPENGL_PLATFORM"] = backend
            return backend
    raise RendererUnavailableError(GL_HELP)


def _loads(backend: str) -> bool:
    import ctypes.util

    library = {"egl": "EGL", "osmesa": "OSMesa"}[backend]
    return ctypes.util.find_library(library) is not None


def make_renderer(model, width: int, height: int):
    """A mujoco.Renderer on the chosen backend, or RendererUnavailableError naming the fix."""
    choose_gl_backend()
    import mujoco

    try:
        return mujoco.Renderer(model, height=height, width=width)
    except Exception as exc:  # the GL stack reports many different exception types
        raise RendererUnavailableError(f"{GL_HELP} ({type(exc).__name__}: {exc})") from exc
