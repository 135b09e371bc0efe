"""MuJoCo Menagerie robots: listed offline from the `mujoco-menagerie` registry, downloaded on request.

Nothing here touches the network except `fetch_menagerie_model`. Downloads go to
TABRL_HOME/menagerie/cache (or MENAGERIE_CACHE_DIR); MENAGERIE_BASE_URL points at a mirror of the model
archives and MENAGERIE_ROOT at a Menagerie checkout, as the package documents. A mirror with its
own registry.json is used through TABRL_MENAGERIE_REGISTRY.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import mujoco
import mujoco_menagerie as mm

from tabrl_core.paths import subdir
from tabrl_core.robots.catalog import RobotSpec, UnknownRobotError
from tabrl_core.robots.model import home_data

REGISTRY_ENV = "TABRL_MENAGERIE_REGISTRY"
CATEGORY = {
    "quadruped": "quadruped", "humanoid": "humanoid/biped", "biped": "humanoid/biped",
    "arm": "arm", "dual_arm": "arm", "mobile_manipulator": "arm", "end_effector": "arm",
}
CTRL_DT = 0.02
Progress = Callable[[str, int, int], None]


class MenagerieDownloadError(RuntimeError):
    """A Menagerie robot could not be downloaded; the message names the robot and the reason."""


class RobotNotDownloadedError(LookupError):
    """A Menagerie robot was asked for before it was downloaded."""


def gallery_category(menagerie_category: str) -> str:
    """The gallery category (see catalog.CATEGORIES) of a Menagerie category."""
    return CATEGORY.get(menagerie_category, "other")


def registry() -> mm.Registry:
    """The Menagerie registry: TABRL_MENAGERIE_REGISTRY's file if set, else the package's."""
    path = os.environ.get(REGISTRY_ENV)
    return mm.Registry.load(Path(path)) if path else mm.bundled()


def menagerie_robot(name: str) -> mm.Robot:
    """The registry entry of `name` (no I/O); UnknownRobotError when there is none."""
    try:
        return registry().get(name)
    except mm.UnknownRobotError as exc:
        raise UnknownRobotError(str(exc)) from None


def menagerie_cache() -> mm.Cache:
    """Where downloads go: MENAGERIE_CACHE_DIR if set, else TABRL_HOME/menagerie/cache."""
    return mm.Cache(dir=os.environ.get("MENAGERIE_CACHE_DIR") or subdir("menagerie") / "cache")


def is_downloaded(robot: mm.Robot, cache: mm.Cache) -> bool:
    """Whether the robot's files are in `cache` (or its MENAGERIE_ROOT checkout); no network."""
    return (cache.root / robot.name).is_dir() if cache.root else cache.is_cached(robot)


def download_error(name: str) -> str | None:
    """The reason the last download of `name` failed, or None."""
    path = _error_file(name)
    return json.loads(path.read_text())["error"] if path.is_file() else None


def fetch_menagerie_model(name: str, progress: Progress | None = None) -> Path:
    """Download Menagerie robot `name` (once; cached) and return its model directory.

    Raises MenagerieDownloadError naming the robot and the reason; the failure is remembered for
    the gallery (`download_error`) until a download succeeds. `get_robot(name)` then gives its
    RobotSpec.
    """
    robot = menagerie_robot(name)
    try:
        path = robot.path(menagerie_cache(), progress)
    except (mm.MenagerieError, OSError) as exc:
        message = f"could not download Menagerie robot {name!r}: {exc}"
        _error_file(name).write_text(json.dumps({"error": message}))
        raise MenagerieDownloadError(message) from exc
    _error_file(name).unlink(missing_ok=True)
    return path


def menagerie_spec(name: str) -> RobotSpec:
    """The RobotSpec of a downloaded Menagerie robot, derived from its model.

    Raises RobotNotDownloadedError when it is not downloaded yet, and MuJoCo's ValueError when
    the downloaded model does not compile.
    """
    robot = menagerie_robot(name)
    cache = menagerie_cache()
    if not is_downloaded(robot, cache):
        raise RobotNotDownloadedError(
            f"robot {name!r} comes from MuJoCo Menagerie and is not downloaded yet; download it "
            f"with fetch_menagerie_model({name!r}) or `tabrl models --fetch {name}`")
    return _derive_spec(robot, robot.xml(_entry_point(robot), cache))


def _entry_point(robot: mm.Robot) -> str:
    # Prefer the MJX-ready scene, then the scene with a floor, then the bare robot.
    names = robot.entry_names
    return next((e for e in ("scene_mjx", robot.default_scene) if e in names), robot.default_model)


@lru_cache(maxsize=32)
def _derive_spec(robot: mm.Robot, xml_path: Path) -> RobotSpec:
    model = mujoco.MjModel.from_xml_path(str(xml_path))
    free = [j for j in range(model.njnt) if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE]
    base = model.jnt_bodyid[free[0]] if free else 1
    keys = [model.key(k).name for k in range(model.nkey)]
    keyframe = "home" if "home" in keys else (keys[0] if keys else None)
    data = home_data(model, keyframe)
    sim_dt = float(model.opt.timestep)
    return RobotSpec(
        id=robot.name,
        name=robot.display_name,
        category=gallery_category(robot.category),
        xml_path=Path(xml_path),
        base_body=model.body(base).name,
        joint_names=tuple(model.joint(model.actuator_trnid[i, 0]).name for i in range(model.nu)
                          if model.actuator_trntype[i] == mujoco.mjtTrn.mjTRN_JOINT),
        foot_names=(),
        source="menagerie",
        license=robot.license,
        description=f"{robot.display_name} from MuJoCo Menagerie (meshes; {robot.category}).",
        sim_dt=sim_dt,
        ctrl_dt=sim_dt * max(1, round(CTRL_DT / sim_dt)),
        action_scale=0.5 if _all_position_servos(model) else 0.0,
        min_base_height=0.5 * float(data.xpos[base, 2]) if free else -1.0,
        min_upright=0.3 if free else -1.0,
        keyframe=keyframe,
    )


def _all_position_servos(model: mujoco.MjModel) -> bool:
    affine = model.actuator_biastype == mujoco.mjtBias.mjBIAS_AFFINE
    servo = model.actuator_gainprm[:, 0] == -model.actuator_biasprm[:, 1]
    return bool(model.nu) and bool((affine & servo).all())


def _error_file(name: str) -> Path:
    folder = subdir("menagerie") / "errors"
    folder.mkdir(exist_ok=True)
    return folder / f"{name}.json"
