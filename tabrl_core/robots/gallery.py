"""The robot gallery: one record per robot for the app, the notebook API and `tabrl models`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mujoco_menagerie import Robot

from tabrl_core.files import write_png
from tabrl_core.paths import subdir
from tabrl_core.robots.catalog import BUNDLED, RobotSpec
from tabrl_core.robots.menagerie import (
    MenagerieDownloadError, download_error, fetch_menagerie_model, gallery_category,
    is_downloaded, menagerie_cache, menagerie_spec, registry,
)
from tabrl_core.robots.model import TRACK_CAMERA, check_robots, home_data, load_spec, model_key

THUMBNAIL_SIZE = (320, 240)
TABLE_COLUMNS = ("id", "name", "category", "dof", "source", "offline", "trainable", "license")


def list_models() -> list[dict]:
    """Every robot: the bundled ones (Go1 first, the default), then MuJoCo Menagerie's.

    Each record has id, name, category, dof, has_base_policy, source ("bundled" or "menagerie"),
    license, thumbnail (a PNG path, or None), default, offline, description, trainable (None
    until a Menagerie robot is downloaded), problems (why it cannot train), download (None for
    bundled robots; else state "not downloaded" / "downloaded" / "failed", size_bytes and error)
    and tags. Never touches the network; renders missing thumbnails (cached by model hash).
    """
    bundled = sorted(BUNDLED, key=lambda r: not r.default)
    problems = check_robots(bundled)
    return [_robot_record(r, p) for r, p in zip(bundled, problems)] + _menagerie_records()


def thumbnail(robot: RobotSpec) -> Path | None:
    """A 320x240 PNG of the robot at its home pose from its "track" camera, rendered once.

    Cached as TABRL_HOME/thumbnails/<id>-<model hash>.png; None when no renderer works here.
    """
    from tabrl_core.gl import RendererUnavailableError, make_renderer

    spec = load_spec(robot)
    path = subdir("thumbnails") / f"{robot.id}-{model_key(spec)}.png"
    if path.is_file():
        return path
    model = spec.compile()
    try:
        renderer = make_renderer(model, *THUMBNAIL_SIZE)
    except RendererUnavailableError:
        return None
    with renderer:
        renderer.update_scene(home_data(model, robot.keyframe), camera=TRACK_CAMERA,
                              scene_option=_no_sites())
        pixels = renderer.render()
    return write_png(pixels, path)


def add_models_command(subparsers: argparse._SubParsersAction) -> None:
    """Add `tabrl models [--json] [--fetch ID]`; the parser's `func(args)` returns an exit code."""
    parser = subparsers.add_parser("models", help="list the robots TabRL can train")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.add_argument("--fetch", metavar="ID", help="download a MuJoCo Menagerie robot first")
    parser.set_defaults(func=_models_command)


def _robot_record(robot: RobotSpec, problems: list[str], download: dict | None = None) -> dict:
    try:
        thumb = thumbnail(robot)
    except (ValueError, KeyError):  # the model does not load; `problems` says why
        thumb = None
    return {
        "id": robot.id, "name": robot.name, "category": robot.category, "dof": robot.dof,
        "has_base_policy": robot.has_base_policy, "source": robot.source,
        "license": robot.license, "thumbnail": str(thumb) if thumb else None,
        "default": robot.default, "offline": True, "description": robot.description,
        "trainable": not problems, "problems": problems, "download": download,
        "tags": list(robot.tags),
    }


def _menagerie_records() -> list[dict]:
    cache = menagerie_cache()
    records = []
    for robot in sorted(registry().robots.values(), key=lambda r: r.name):
        error = download_error(robot.name)
        download = {"state": "failed" if error else "not downloaded",
                    "size_bytes": robot.download_size, "error": error}
        if not is_downloaded(robot, cache):
            records.append(_menagerie_stub(robot, download, problems=[]))
            continue
        download["state"] = "downloaded"
        try:
            spec = menagerie_spec(robot.name)
        except ValueError as exc:  # the downloaded model does not compile in this MuJoCo
            records.append(_menagerie_stub(robot, download, [f"does not load in MuJoCo: {exc}"]))
        else:
            records.append(_robot_record(spec, check_robots([spec])[0], download))
    return records


def _menagerie_stub(robot: Robot, download: dict, problems: list[str]) -> dict:
    # The record of a Menagerie robot without a usable model: from the registry alone.
    downloaded = download["state"] == "downloaded"
    size_mb = (robot.download_size or 0) / 2**20
    return {
        "id": robot.name, "name": robot.display_name,
        "category": gallery_category(robot.category), "dof": None, "has_base_policy": False,
        "source": "menagerie", "license": robot.license, "thumbnail": None, "default": False,
        "offline": downloaded,
        "description": f"{robot.display_name} from MuJoCo Menagerie: download on first use "
                       f"({size_mb:.1f} MB).",
        "trainable": False if downloaded else None, "problems": problems, "download": download,
        "tags": [],
    }


def _no_sites():
    import mujoco

    option = mujoco.MjvOption()
    option.sitegroup[:] = 0
    return option


def _models_command(args: argparse.Namespace) -> int:
    if args.fetch:
        try:
            fetch_menagerie_model(args.fetch)
        except MenagerieDownloadError as exc:
            print(f"error: {exc}")
            return 1
    records = list_models()
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    rows = [TABLE_COLUMNS] + [tuple(_cell(r[c]) for c in TABLE_COLUMNS) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
