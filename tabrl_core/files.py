"""Files written whole or not at all: a temporary name beside the target, renamed into place,
so a reader never sees half a file. Used from the robots' caches up to the media encoders."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix), renamed onto `path` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_png(pixels, path: Path | str) -> Path:
    """Write one uint8 [H, W, 3] image as a PNG at `path`."""
    import numpy as np
    from PIL import Image

    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(np.asarray(pixels, np.uint8)).save(tmp, format="PNG")
    return path
