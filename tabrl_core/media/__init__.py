"""Media: a trajectory becomes an H.264 MP4, a GIF, a thumbnail, a .npz and stats; clips tile
into one grid video.

Importing this package sets MUJOCO_GL (EGL, else OSMesa) unless it is set, because MuJoCo reads
it when it is first imported. Names are imported on first use (the GL choice lives in `tabrl_core.gl`).
"""

from __future__ import annotations

from tabrl_core.lazy import lazy_exports
from tabrl_core.gl import RendererUnavailableError, choose_gl_backend

choose_gl_backend()

_EXPORTS = {
    "ClipJob": ".clip", "RenderResult": ".clip", "render_checkpoint": ".clip",
    "render_clip": ".clip", "render_many": ".clip",
    "EncodingError": ".encode", "encode_gif": ".encode", "encode_mp4": ".encode",
    "render_frames": ".frames",
    "grid_export": ".grid",
    "save_trajectory": ".trajectory", "trajectory_stats": ".trajectory",
}

__all__ = sorted([*_EXPORTS, "RendererUnavailableError", "choose_gl_backend"])
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
