"""Robots: the catalogue, bundled MJCF, Menagerie downloads, and their compiled models."""

import difflib

from tabrl_core.robots.catalog import BUNDLED, CATEGORIES, RobotSpec, UnknownRobotError
from tabrl_core.robots.menagerie import (
    MenagerieDownloadError, RobotNotDownloadedError, fetch_menagerie_model, menagerie_spec, registry,
)
from tabrl_core.robots.model import check_robot, check_robots, load_model, load_spec

_BY_ID = {r.id: r for r in BUNDLED}


def get_robot(robot_id: str) -> RobotSpec:
    """The robot `robot_id`: a bundled one, or a downloaded MuJoCo Menagerie one.

    Raises UnknownRobotError listing the valid ids, or RobotNotDownloadedError for a Menagerie
    robot that is not downloaded yet.
    """
    if robot_id in _BY_ID:
        return _BY_ID[robot_id]
    menagerie = registry().names()
    if robot_id in menagerie:
        return menagerie_spec(robot_id)
    close = difflib.get_close_matches(robot_id, [*_BY_ID, *menagerie], n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise UnknownRobotError(
        f"unknown robot {robot_id!r}; valid ids: {', '.join(robot_ids())}, or one of the "
        f"{len(menagerie)} MuJoCo Menagerie robots that `tabrl models` lists.{hint}")


def robot_ids() -> list[str]:
    """Ids of every bundled robot (trainable offline), default first."""
    return [r.id for r in sorted(BUNDLED, key=lambda r: not r.default)]


__all__ = [
    "CATEGORIES", "MenagerieDownloadError", "RobotNotDownloadedError", "RobotSpec",
    "UnknownRobotError", "check_robot", "check_robots", "fetch_menagerie_model", "get_robot", "load_model",
    "load_spec", "robot_ids",
]
