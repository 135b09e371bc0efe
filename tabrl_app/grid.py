"""The synchronized video grid: artifacts published to static/, embedded as one HTML document.

Streamlit serves files under static/ beside app.py at /app/static/... (with range requests) and
refuses symlinks that leave that folder, so artifacts are hard-linked there (copied across file
systems) under a name that changes whenever the file does, since static files carry no
Cache-Control header.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from tabrl_core.paths import data_dir

APP_DIR = Path(__file__).resolve().parent.parent
PUBLISHED_DIR = APP_DIR / "static" / "artifacts"
# Relative to the page's URL, so it also works under a server.baseUrlPath.
PUBLISHED_URL = "app/static/artifacts"
TEMPLATE = Path(__file__).with_name("grid.html")


@dataclass(frozen=True)
class GridCell:
    """One cell: a provider's approach, with its video or a note saying why there is none."""

    provider: str
    approach: str
    column: int
    video: Path | None = None
    gif: Path | None = None
    poster: Path | None = None
    caption: str = ""
    note: str = ""


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
    """The grid document: one row per provider (in order of appearance), one column per approach.

    Every string from a run (approach names come from LLMs) travels as JSON and is shown as text.
    """
    rows: dict[str, list[dict | None]] = {}
    for cell in cells:
        row = rows.setdefault(cell.provider, [])
        row.extend([None] * (cell.column + 1 - len(row)))
        row[cell.column] = {
            "approach": cell.approach,
            "video": publish(cell.video) if cell.video else None,
            "gif": publish(cell.gif) if cell.gif else None,
            "poster": publish(cell.poster) if cell.poster else None,
            "stats": cell.caption,
            "note": cell.note,
        }
    data = {
        "rows": [{"label": label, "cells": row} for label, row in rows.items()],
        "grid_mp4": publish(grid_mp4) if grid_mp4 else None,
    }
    payload = json.dumps(data)
    for char in "<>&":  # so no string can close the <script> element it travels in
        payload = payload.replace(char, f"\\u{ord(char):04x}")
    return TEMPLATE.read_text().replace("__GRID_DATA__", payload)
