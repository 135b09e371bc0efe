"""Robots: the catalogue, bundled MJCF, and their compiled models."""

from tabrl_core.robots.catalog import BUNDLED, RobotSpec, UnknownRobotError

_BY_ID = {r.id: r for r in BUNDLED}


def get_robot(robot_id: str) -> RobotSpec:
    """The catalogued robot `robot_id`; UnknownRobotError lists the valid ids otherwise."""
    try:
        return _BY_ID[robot_id]
    except KeyError:
        valid = ", ".join(sorted(_BY_ID))
        raise UnknownRobotError(f"unknown robot {robot_id!r}; valid ids: {valid}") from None


def robot_ids() -> list[str]:
    """Ids of every catalogued robot, default first."""
    return [r.id for r in sorted(BUNDLED, key=lambda r: not r.default)]


__all__ = ["RobotSpec", "UnknownRobotError", "get_robot", "robot_ids"]
