"""What a robot's body words mean, and what it can do, read from its contract.

`body_for(contract)` places each foot (front or back, left or right) from its name ("FR_foot",
"left_foot", "back_foot") or, for catalogued robots whose names do not say (the ant's foot_1..4),
from where the foot sits in the home pose. It also says whether the robot is planar (no roll,
turning or sideways motion), which joints are arms, and the ranges targets are clipped to.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tabrl_core.rewards.contract import RobotContract


@dataclass(frozen=True)
class Foot:
    """One foot of the contract, by index, and where it sits (None: the layout does not say)."""

    index: int
    name: str
    front: bool | None
    left: bool | None


@dataclass(frozen=True)
class Ranges:
    """Targets a robot can reach; a request beyond them is clipped with a note."""

    walk: float  # the default walking speed, m/s
    run: float  # the default running speed, m/s
    max_forward: float  # m/s
    max_backward: float  # m/s
    max_sideways: float  # m/s (0 for planar robots)
    max_yaw_rate: float  # rad/s (0 for planar robots)
    max_hop: float  # jump height above standing, m
    max_tilt: float  # a held roll or pitch, rad


# Per catalogued robot; other robots get ranges scaled from their standing height.
RANGES: dict[str, Ranges] = {
    "go1": Ranges(0.5, 1.0, 1.5, 1.0, 0.6, 3.0, 0.25, 0.6),
    "op3": Ranges(0.15, 0.3, 0.4, 0.25, 0.2, 1.5, 0.08, 0.4),
    "ant": Ranges(0.5, 1.5, 3.0, 3.0, 3.0, 3.0, 0.5, 0.6),
    "half_cheetah": Ranges(1.0, 3.0, 10.0, 5.0, 0.0, 0.0, 0.6, 1.2),
    "humanoid": Ranges(0.4, 1.0, 2.0, 1.0, 0.6, 2.0, 0.3, 0.5),
    "hopper": Ranges(0.5, 1.5, 3.0, 1.0, 0.0, 0.0, 0.4, 0.2),
    "walker2d": Ranges(0.5, 1.5, 3.0, 1.0, 0.0, 0.0, 0.3, 0.8),
    "swimmer": Ranges(0.1, 0.3, 0.5, 0.3, 0.0, 0.5, 0.0, 0.0),
}


@dataclass(frozen=True)
class Body:
    """The body words of one robot."""

    robot_id: str
    feet: tuple[Foot, ...]
    arm_joints: tuple[int, ...]  # indices of shoulder/elbow joints (a biped's arms)
    planar: bool  # moves in the x-z plane only: no roll, yaw or sideways motion
    ranges: Ranges
    stand_height: float

    def select(self, front: bool | None = None, left: bool | None = None,
               count: int | None = None) -> tuple[int, ...]:
        """Indices of the feet matching the words (front/back, left/right, how many)."""
        chosen = [f.index for f in self.feet
                  if (front is None or f.front in (front, None))
                  and (left is None or f.left in (left, None))]
        if front is not None and all(self.feet[i].front is None for i in chosen):
            chosen = chosen[:1] if front else chosen[1:2]  # no front/back: pick by order
        return tuple(chosen[:count] if count else chosen)

    def foot_names(self, indices: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(self.feet[i].name for i in indices)


def _side_from_name(name: str) -> tuple[bool | None, bool | None]:
    lowered = name.lower()
    code = re.match(r"([fhrb])([lr])(_|$)", lowered)
    if code:
        return code.group(1) == "f", code.group(2) == "l"
    words = set(re.split(r"[^a-z]+", lowered))
    front = True if words & {"front", "fore"} else False if words & {"rear", "hind", "back"} \
        else None
    left = True if "left" in words else False if "right" in words else None
    return front, left


@functools.cache
def _home_foot_offsets(robot_id: str) -> tuple[tuple[float, float], ...] | None:
    """(x, y) of each foot site relative to the base in the home pose, for catalogued robots."""
    robot = _catalogued(robot_id)
    if robot is None:
        return None
    from tabrl_core.robots.model import home_data, load_model

    model = load_model(robot)
    data = home_data(model, robot.keyframe)
    base = data.xpos[model.body(robot.base_body).id]
    return tuple((float(data.site_xpos[model.site(f).id][0] - base[0]),
                  float(data.site_xpos[model.site(f).id][1] - base[1]))
                 for f in robot.foot_names)


def _feet(contract: RobotContract) -> tuple[Foot, ...]:
    sides = [_side_from_name(n) for n in contract.foot_names]
    if any(front is None and left is None for front, left in sides) and contract.n_feet > 1:
        offsets = _home_foot_offsets(contract.robot_id)
        if offsets and len(offsets) == contract.n_feet:
            reach = max(max(abs(x), abs(y)) for x, y in offsets) or 1.0
            sides = [(x > 0 if abs(x) > 0.2 * reach else None,
                      y > 0 if abs(y) > 0.2 * reach else None) for x, y in offsets]
    return tuple(Foot(i, n, front, left) for i, (n, (front, left))
                 in enumerate(zip(contract.foot_names, sides)))


def _catalogued(robot_id: str):
    """The catalogue's RobotSpec, or None for a contract made up outside it."""
    from tabrl_core.robots import RobotNotDownloadedError, UnknownRobotError, get_robot

    try:
        return get_robot(robot_id)
    except (UnknownRobotError, RobotNotDownloadedError):
        return None


def _is_planar(robot_id: str) -> bool:
    robot = _catalogued(robot_id)
    return robot is not None and "planar" in robot.tags


def _scaled_ranges(stand: float) -> Ranges:
    scale = min(max(stand, 0.1) / 0.3, 4.0)
    return Ranges(0.4 * scale, 0.8 * scale, 1.5 * scale, 1.0 * scale, 0.5 * scale, 2.0, 0.2 * scale,
                  0.5)


@functools.cache
def body_for(contract: RobotContract) -> Body:
    """The body map of the robot the contract is for."""
    arms = tuple(i for i, name in enumerate(contract.joint_names)
                 if re.search(r"shoulder|elbow|arm", name.lower()))
    planar = _is_planar(contract.robot_id)
    ranges = RANGES.get(contract.robot_id) or _scaled_ranges(contract.stand_height)
    return Body(contract.robot_id, _feet(contract), arms, planar, ranges,
                max(contract.stand_height, 0.1))
