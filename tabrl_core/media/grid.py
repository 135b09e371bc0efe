"""The clips of a run tiled into one labelled MP4, to share a comparison as one file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tabrl_core.media.encode import CRF, KEYFRAME_INTERVAL, PRESET, atomic_path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")  # Debian fonts-dejavu-core
LABEL_HEIGHT_FRACTION = 0.08  # label text height per tile height


def grid_export(videos: Sequence[Path | str], labels: Sequence[str], out_path: Path | str,
                columns: int = 3) -> Path:
    """Tile `videos` row by row, `columns` per row, each with its label in the top-left corner,
    into one H.264 yuv420p MP4 as long as the longest; tiles take the first video's size."""
    from moviepy import ColorClip, CompositeVideoClip, TextClip, VideoFileClip, clips_array

    if len(videos) != len(labels) or not videos:
        raise ValueError(f"need one label per video, got {len(videos)} videos, {len(labels)} labels")
    sources = [VideoFileClip(str(path), audio=False) for path in videos]
    try:
        size = sources[0].size
        font_size = max(10, round(size[1] * LABEL_HEIGHT_FRACTION))
        tiles = [
            CompositeVideoClip([
                clip.resized(size) if clip.size != size else clip,
                TextClip(font=str(FONT), text=f" {label} ", font_size=font_size, color="white",
                         bg_color=(0, 0, 0), margin=(4, 4))
                .with_opacity(0.75).with_position((6, 6)).with_duration(clip.duration),
            ], size=size)
            for clip, label in zip(sources, labels)
        ]
        columns = min(columns, len(tiles))
        while len(tiles) % columns:
            tiles.append(ColorClip(size, color=(0, 0, 0), duration=tiles[0].duration))
        grid = clips_array([tiles[i:i + columns] for i in range(0, len(tiles), columns)])
        out_path = Path(out_path)
        with atomic_path(out_path) as tmp:
            grid.write_videofile(
                str(tmp), fps=sources[0].fps, codec="libx264", audio=False, preset=PRESET,
                pixel_format="yuv420p", logger=None,
                ffmpeg_params=["-crf", str(CRF), "-g", str(KEYFRAME_INTERVAL),
                               "-movflags", "+faststart"])
    finally:
        for clip in sources:
            clip.close()
    return out_path
