"""The robot catalogue: every robot TabRL can train, with the facts the gallery shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROBOTS_DIR = Path(__file__).resolve().parent


class UnknownRobotError(ValueError):
    """Raised for a robot id that is not in the catalogue; the message lists the valid ids."""


@dataclass(frozen=True)
class RobotSpec:
    """One trainable robot: where its MJCF lives and how its environment reads it."""

    id: str
    name: str
    category: str  # quadruped, humanoid/biped, arm, classic
    xml_path: Path
    base_body: str  # the body whose pose is the robot's base
    joint_names: tuple[str, ...]  # actuated joints, in actuator order
    foot_names: tuple[str, ...]  # sites at the feet (contact, height); may be empty
    source: str = "bundled"  # bundled or menagerie
    license: str = "Apache-2.0"
    description: str = ""
    has_base_policy: bool = False
    default: bool = False
    sim_dt: float = 0.004
    ctrl_dt: float = 0.02
    action_scale: float = 0.5  # position-target offset (rad) per unit action; 0 = torque control
    min_base_height: float = 0.0  # the episode ends below this height ...
    min_upright: float = -1.0  # ... or when the base tilts below this up-axis z
    reset_noise: float = 0.05
    keyframe: str | None = "home"
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dof(self) -> int:
        return len(self.joint_names)

    @property
    def n_substeps(self) -> int:
        return max(1, round(self.ctrl_dt / self.sim_dt))


def _legs(prefixes: tuple[str, ...], parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{leg}_{part}_joint" for leg in prefixes for part in parts)


GO1 = RobotSpec(
    id="go1",
    name="Unitree Go1",
    category="quadruped",
    xml_path=ROBOTS_DIR / "go1" / "go1.xml",
    base_body="trunk",
    joint_names=_legs(("FR", "FL", "RR", "RL"), ("hip", "thigh", "calf")),
    foot_names=("FR_foot", "FL_foot", "RR_foot", "RL_foot"),
    license="Apache-2.0 (TabRL's own MJCF)",
    description="12-DoF quadruped, 12.7 kg, PD position control around a standing pose.",
    has_base_policy=True,
    default=True,
    min_base_height=0.12,
    min_upright=0.3,
)

BUNDLED: tuple[RobotSpec, ...] = (GO1,)
