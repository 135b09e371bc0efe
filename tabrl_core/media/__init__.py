"""Media: a trajectory becomes an H.264 MP4, a GIF, a thumbnail, a .npz and stats; clips tile
into one grid video.

Importing this package sets MUJOCO_GL (EGL, else OSMesa) unless it is set, because MuJoCo reads
it when it is first imported. Names are imported on first use, so `tabrl_core.media.gl` stays
light for the modules that only need the GL choice.
"""

from __future__ import annotations

from tabrl_core.lazy import lazy_exports
from tabrl_core.media.gl import RendererUnavailableError, choose_gl_backend

choose_gl_backend()

_EXPORTS = {
    "ClipJob": ".clip", "RenderResult": ".clip", "render_checkpoint": ".clip",
    "render_clip": ".clip", "render_many": ".clip",
    "EncodingError": ".encode", "encode_gif": ".encode", "encode_mp4": ".encode",
    "save_thumbnail": ".encode",
    "render_frames": ".frames",
    "grid_export": ".grid",
    "save_trajectory": ".trajectory", "trajectory_stats": ".trajectory",
}

__all__ = sorted([*_EXPORTS, "RendererUnavailableError", "choose_gl_backend"])
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
