"""The synchronized video grid as one HTML document (Play all / Pause all / Reset), the same for
the app and for notebooks. How a file becomes a URL is the caller's choice: the app serves files
from static/, a notebook embeds them in the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


def grid_document(cells: list[GridCell], url: Callable[[Path], str],
                  grid_mp4: Path | None = None) -> str:
    """The grid document: one row per provider (in order of appearance), one column per approach;
    `url(path)` is where the page finds each file.

    Every string from a run (approach names come from LLMs) travels as JSON and is shown as text.
    """
    rows: dict[str, list[dict | None]] = {}
    for cell in cells:
        row = rows.setdefault(cell.provider, [])
        row.extend([None] * (cell.column + 1 - len(row)))
        row[cell.column] = {
            "approach": cell.approach,
            "video": url(cell.video) if cell.video else None,
            "gif": url(cell.gif) if cell.gif else None,
            "poster": url(cell.poster) if cell.poster else None,
            "files": {kind: path.name for kind, path in (("video", cell.video), ("gif", cell.gif))
                      if path},
            "stats": cell.caption,
            "note": cell.note,
        }
    data = {
        "rows": [{"label": label, "cells": row} for label, row in rows.items()],
        "grid_mp4": url(grid_mp4) if grid_mp4 else None,
    }
    payload = json.dumps(data)
    for char in "<>&":  # so no string can close the <script> element it travels in
        payload = payload.replace(char, f"\\u{ord(char):04x}")
    return TEMPLATE.read_text().replace("__GRID_DATA__", payload)
