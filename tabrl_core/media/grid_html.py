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
    judge: dict | None = None
    """The approach's verdict as stored (score, passed, verdict, by, checks, video), if judged."""
    best: bool = False
    """Whether this is the run's best approach (the top of its ranking)."""


def _shown_verdict(judge: dict | None) -> dict | None:
    """The parts of a verdict the cell shows: badge, score, the one-line verdict, who judged,
    the checks and any video judge's opinion."""
    if not judge:
        return None
    checks = [{"name": str(c.get("name", "")), "value": c.get("value"),
               "target": str(c.get("target", "")), "passed": bool(c.get("passed"))}
              for c in judge.get("checks") or []]
    video = judge.get("video") or None
    return {"score": judge.get("score"), "passed": judge.get("passed"),
            "verdict": str(judge.get("verdict") or ""), "by": str(judge.get("by") or ""),
            "checks": checks,
            "video": video and {k: video.get(k) for k in ("score", "reason", "error", "by")}}


def grid_document(cells: list[GridCell], url: Callable[[Path], str],
                  grid_mp4: Path | None = None) -> str:
    """The grid document: one row per provider (in order of appearance), one column per approach;
    `url(path)` is where the page finds each file.

    Every string from a run (approach names, verdicts and check names come from LLMs) travels as
    JSON and is shown as text.
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
            "judge": _shown_verdict(cell.judge),
            "best": cell.best,
        }
    data = {
        "rows": [{"label": label, "cells": row} for label, row in rows.items()],
        "grid_mp4": url(grid_mp4) if grid_mp4 else None,
    }
    payload = json.dumps(data)
    for char in "<>&":  # so no string can close the <script> element it travels in
        payload = payload.replace(char, f"\\u{ord(char):04x}")
    return TEMPLATE.read_text().replace("__GRID_DATA__", payload)
