"""The robot catalogue: every robot TabRL can train, with the facts the gallery shows."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

ROBOTS_DIR = Path(__file__).resolve().parent
CATEGORIES = ("quadruped", "humanoid/biped", "arm", "classic", "other")


def _brax_assets() -> Path:
    """The MJCF folder inside brax's installed wheel, found without importing brax (and JAX)."""
    found = importlib.util.find_spec("brax")
    root = Path(found.origin).parent if found and found.origin else Path("brax-is-not-installed")
    return root / "envs" / "assets"


BRAX_ASSETS = _brax_assets()


class UnknownRobotError(ValueError):
    """Raised for a robot id that is not in the catalogue; the message lists the valid ids."""


@dataclass(frozen=True)
class SolverSettings:
    """MuJoCo solver options a robot trains with, chosen per robot by bench/solver.py (the
    fastest measured that keeps its behaviour); None fields keep the MJCF's own value."""

    solver: str | None = None  # "newton", "cg" or "pgs"
    iterations: int | None = None
    ls_iterations: int | None = None
    integrator: str | None = None  # "euler" or "implicitfast"


@dataclass(frozen=True)
class RobotSpec:
    """One trainable robot: where its MJCF lives and how its environment reads it."""

    id: str
    name: str
    category: str  # one of CATEGORIES
    xml_path: Path
    base_body: str  # the body whose pose is the robot's base
    joint_names: tuple[str, ...]  # actuated joints, in actuator order
    foot_names: tuple[str, ...]  # sites at the feet (contact, height); may be empty
    source: str = "bundled"  # bundled or menagerie
    license: str = "Apache-2.0"
    description: str = ""
    default: bool = False
    sim_dt: float = 0.004
    ctrl_dt: float = 0.02
    action_scale: float = 0.5  # position-target offset (rad) per unit action; 0 = torque control
    min_base_height: float = 0.0  # the episode ends below this height ...
    min_upright: float = -1.0  # ... or when the base tilts below this up-axis z
    reset_noise: float = 0.05
    keyframe: str | None = "home"
    tags: tuple[str, ...] = field(default_factory=tuple)
    foot_geoms: tuple[str, ...] = ()  # geoms load_spec wraps in the foot sites, if the MJCF has none
    solver: SolverSettings = SolverSettings()  # what load_spec sets over the MJCF's options

    @property
    def base_policy_dir(self) -> Path:
        """Where the robot's base policy ships (made by `tabrl pretrain`; it may not exist)."""
        return ROBOTS_DIR / self.id / "base_policy"

    @property
    def has_base_policy(self) -> bool:
        return (self.base_policy_dir / "checkpoint.json").exists()

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
    default=True,
    min_base_height=0.12,
    min_upright=0.3,
    # bench/solver.py: CG ran 71K physics steps/s against Newton's 57K with the base's
    # behaviour unchanged, and PGS 82K, but MJX lacks PGS and its CG's contacts differ from
    # native CG's by up to 6 % (tests/test_mjx_collect.py), so Go1 keeps Newton for now.
)

OP3 = RobotSpec(
    id="op3",
    name="Robotis OP3 (simplified)",
    category="humanoid/biped",
    xml_path=ROBOTS_DIR / "op3" / "op3.xml",
    base_body="torso",
    joint_names=tuple(
        f"{side}_{part}" for side in ("left", "right")
        for part in ("hip_yaw", "hip_roll", "hip_pitch", "knee", "ankle_pitch", "ankle_roll")
    ) + tuple(
        f"{side}_{part}" for side in ("left", "right")
        for part in ("shoulder_pitch", "shoulder_roll", "elbow")
    ) + ("head_pan", "head_tilt"),
    foot_names=("left_foot", "right_foot"),
    license="Apache-2.0 (TabRL's own MJCF)",
    description="20-DoF small humanoid, 0.5 m and 3.2 kg, PD position control around a crouch.",
    action_scale=0.3,
    min_base_height=0.15,
    min_upright=0.5,
)

BRAX_LICENSE = "Apache-2.0 (brax)"

ANT = RobotSpec(
    id="ant",
    name="Ant",
    category="classic",
    xml_path=BRAX_ASSETS / "ant.xml",
    base_body="torso",
    joint_names=("hip_4", "ankle_4", "hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3"),
    foot_names=("foot_4", "foot_1", "foot_2", "foot_3"),
    foot_geoms=("fourth_foot_geom", "left_foot_geom", "right_foot_geom", "third_foot_geom"),
    license=BRAX_LICENSE,
    description="The classic four-legged ant: 8 torque-controlled joints, a ball for a body.",
    sim_dt=0.01,
    ctrl_dt=0.05,
    action_scale=0.0,
    min_base_height=0.2,
    reset_noise=0.1,
    tags=("gym",),
)

HALF_CHEETAH = RobotSpec(
    id="half_cheetah",
    name="Half Cheetah",
    category="classic",
    xml_path=BRAX_ASSETS / "half_cheetah.xml",
    base_body="torso",
    joint_names=("bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"),
    foot_names=("back_foot", "front_foot"),
    foot_geoms=("bfoot", "ffoot"),
    license=BRAX_LICENSE,
    description="The classic planar cheetah: 6 torque-controlled joints; it never falls over.",
    sim_dt=0.01,
    ctrl_dt=0.05,
    action_scale=0.0,
    min_base_height=-1.0,
    reset_noise=0.1,
    keyframe=None,
    tags=("gym", "planar"),
)

HOPPER = RobotSpec(
    id="hopper",
    name="Hopper",
    category="classic",
    xml_path=BRAX_ASSETS / "hopper.xml",
    base_body="torso",
    joint_names=("thigh_joint", "leg_joint", "foot_joint"),
    foot_names=("foot",),
    foot_geoms=("foot_geom",),
    license=BRAX_LICENSE,
    description="The classic planar one-legged hopper: 3 torque-controlled joints.",
    sim_dt=0.002,
    ctrl_dt=0.008,
    action_scale=0.0,
    min_base_height=0.7,
    min_upright=0.98,  # brax's healthy pitch range, |pitch| < 0.2 rad
    reset_noise=0.005,
    keyframe=None,
    tags=("gym", "planar"),
)

WALKER2D = RobotSpec(
    id="walker2d",
    name="Walker2d",
    category="classic",
    xml_path=BRAX_ASSETS / "walker2d.xml",
    base_body="torso",
    joint_names=("thigh_joint", "leg_joint", "foot_joint",
                 "thigh_left_joint", "leg_left_joint", "foot_left_joint"),
    foot_names=("right_foot", "left_foot"),
    foot_geoms=("foot_geom", "foot_left_geom"),
    license=BRAX_LICENSE,
    description="The classic planar two-legged walker: 6 torque-controlled joints.",
    sim_dt=0.002,
    ctrl_dt=0.008,
    action_scale=0.0,
    min_base_height=0.8,
    min_upright=0.54,  # brax's healthy pitch range, |pitch| < 1 rad
    reset_noise=0.005,
    keyframe=None,
    tags=("gym", "planar"),
)

HUMANOID = RobotSpec(
    id="humanoid",
    name="Humanoid",
    category="humanoid/biped",
    xml_path=BRAX_ASSETS / "humanoid.xml",
    base_body="torso",
    joint_names=("abdomen_y", "abdomen_z", "abdomen_x",
                 "right_hip_x", "right_hip_z", "right_hip_y", "right_knee",
                 "left_hip_x", "left_hip_z", "left_hip_y", "left_knee",
                 "right_shoulder1", "right_shoulder2", "right_elbow",
                 "left_shoulder1", "left_shoulder2", "left_elbow"),
    foot_names=("right_foot", "left_foot"),
    foot_geoms=("right_foot", "left_foot"),
    license=BRAX_LICENSE,
    description="The classic 3D humanoid: 17 torque-controlled joints, 1.4 m tall.",
    sim_dt=0.003,
    ctrl_dt=0.015,
    action_scale=0.0,
    min_base_height=1.0,
    reset_noise=0.01,
    keyframe=None,
    tags=("gym",),
)

SWIMMER = RobotSpec(
    id="swimmer",
    name="Swimmer",
    category="classic",
    xml_path=BRAX_ASSETS / "swimmer.xml",
    base_body="torso",
    joint_names=("rot2", "rot3"),
    foot_names=(),
    license=BRAX_LICENSE,
    description="The classic three-link swimmer in a viscous fluid: 2 torque-controlled joints.",
    sim_dt=0.01,
    ctrl_dt=0.04,
    action_scale=0.0,
    min_base_height=-1.0,
    reset_noise=0.1,
    keyframe=None,
    tags=("gym", "planar"),
)

REACHER = RobotSpec(
    id="reacher",
    name="Reacher",
    category="arm",
    xml_path=BRAX_ASSETS / "reacher.xml",
    base_body="body0",
    joint_names=("joint0", "joint1"),
    foot_names=(),
    license=BRAX_LICENSE,
    description="The classic two-link planar arm with a target to reach: 2 torque-controlled joints.",
    sim_dt=0.01,
    ctrl_dt=0.02,
    action_scale=0.0,
    min_base_height=-1.0,
    reset_noise=0.1,
    tags=("gym", "fixed base"),
)

PUSHER = RobotSpec(
    id="pusher",
    name="Pusher",
    category="arm",
    xml_path=BRAX_ASSETS / "pusher.xml",
    base_body="r_shoulder_pan_link",
    joint_names=("r_shoulder_pan_joint", "r_shoulder_lift_joint", "r_upper_arm_roll_joint",
                 "r_elbow_flex_joint", "r_forearm_roll_joint", "r_wrist_flex_joint",
                 "r_wrist_roll_joint"),
    foot_names=(),
    license=BRAX_LICENSE,
    description="The classic 7-DoF arm that pushes a puck to a goal on a table (no gravity).",
    sim_dt=0.01,
    ctrl_dt=0.05,
    action_scale=0.0,
    min_base_height=-1.0,
    keyframe=None,
    tags=("gym", "fixed base"),
)

INVERTED_PENDULUM = RobotSpec(
    id="inverted_pendulum",
    name="Inverted Pendulum",
    category="classic",
    xml_path=BRAX_ASSETS / "inverted_pendulum.xml",
    base_body="pole",
    joint_names=("slider",),
    foot_names=(),
    license=BRAX_LICENSE,
    description="The classic cart-pole: push the cart to keep the pole up.",
    sim_dt=0.02,
    ctrl_dt=0.04,
    action_scale=0.0,
    min_base_height=-1.0,
    min_upright=0.98,  # brax ends the episode when the pole leans more than 0.2 rad
    reset_noise=0.01,
    keyframe=None,
    tags=("gym",),
)

INVERTED_DOUBLE_PENDULUM = RobotSpec(
    id="inverted_double_pendulum",
    name="Inverted Double Pendulum",
    category="classic",
    xml_path=BRAX_ASSETS / "inverted_double_pendulum.xml",
    base_body="pole2",
    joint_names=("slider",),
    foot_names=(),
    license=BRAX_LICENSE,
    description="The classic double cart-pole: push the cart to balance two poles on top of it.",
    sim_dt=0.01,
    ctrl_dt=0.02,
    action_scale=0.0,
    min_base_height=0.5,  # roughly brax's end: the tip falls below 1 m
    min_upright=0.5,
    reset_noise=0.01,
    keyframe=None,
    tags=("gym",),
)

BUNDLED: tuple[RobotSpec, ...] = (
    GO1, OP3, ANT, HALF_CHEETAH, HOPPER, WALKER2D, HUMANOID, SWIMMER, REACHER, PUSHER,
    INVERTED_PENDULUM, INVERTED_DOUBLE_PENDULUM,
)
