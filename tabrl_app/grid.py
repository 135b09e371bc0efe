"""The synchronized video grid in the app: artifacts published to static/ for its document.

Streamlit serves files under static/ beside app.py at /app/static/... (with range requests) and
refuses symlinks that leave that folder, so artifacts are hard-linked there (copied across file
systems) under a name that changes whenever the file does, since static files carry no
Cache-Control header.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from tabrl_core.media.grid_html import GridCell, grid_document
from tabrl_core.paths import data_dir

APP_DIR = Path(__file__).resolve().parent.parent
PUBLISHED_DIR = APP_DIR / "static" / "artifacts"
# Relative to the page's URL, so it also works under a server.baseUrlPath.
PUBLISHED_URL = "app/static/artifacts"


def publish(path: Path) -> str:
    """The URL under which the app serves `path`, linking or copying it into static/ if needed."""
    info = path.stat()
    version = f"{path.resolve()}|{info.st_mtime_ns}|{info.st_size}"
    digest = hashlib.sha256(version.encode()).hexdigest()[:16]
    target = PUBLISHED_DIR / f"{path.stem}-{digest}{path.suffix}"
    if not target.exists():
        PUBLISHED_DIR.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{uuid.uuid4().hex}{path.suffix}")
        try:
            os.link(path, partial)
        except OSError:
            shutil.copyfile(path, partial)
        os.replace(partial, target)
    return f"{PUBLISHED_URL}/{target.name}"


def grid_video_path(run_id: str, videos: list[Path]) -> Path:
    """Where the run's grid MP4 of exactly these videos (as they are now) is, or would be, kept."""
    versions = "|".join(f"{v.resolve()}:{v.stat().st_mtime_ns}" for v in videos)
    digest = hashlib.sha256(versions.encode()).hexdigest()[:16]
    return data_dir() / "artifacts" / run_id / f"grid-{digest}.mp4"


def grid_html(cells: list[GridCell], grid_mp4: Path | None = None) -> str:
    """The grid document with every file published to static/ (see `grid_document`)."""
    return grid_document(cells, publish, grid_mp4)
