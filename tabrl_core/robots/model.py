"""A robot's model as every user builds it: its MJCF plus TabRL's load-time fixes, and checks.

The environment, the thumbnails and the renderer all call `load_spec`, so they see the same model:
the MJCF files TabRL reads but does not own (brax's classics, Menagerie downloads) are adjusted
here, in code, never by editing the files.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import mujoco
import numpy as np

from tabrl_core.files import atomic_path
from tabrl_core.paths import subdir
from tabrl_core.robots.catalog import RobotSpec, SolverSettings

TRACK_CAMERA = "track"
SKY_RGB = ((0.42, 0.56, 0.72), (0.9, 0.93, 0.96))
GRID_RGB = ((0.36, 0.42, 0.48), (0.46, 0.52, 0.58), (0.6, 0.66, 0.7))  # two squares, edge
HEADLIGHT = ((0.45, 0.45, 0.45), (0.6, 0.6, 0.6), (0.0, 0.0, 0.0))  # ambient, diffuse, specular
CAMERA_DIRECTION = np.array([0.6, -0.8, 0.6])  # from the robot towards a new track camera
CAMERA_DISTANCE = 2.4  # in robot radii: fits the robot in a 45-degree view
SITE_GROUP = 5  # added sites go in a group the renderer hides


def load_spec(robot: RobotSpec) -> mujoco.MjSpec:
    """The robot's MJCF as an editable MjSpec, with TabRL's fixes applied.

    Fixes, each done only where needed: the timestep set to `robot.sim_dt` and the solver
    options to `robot.solver`; unnamed actuators
    named after their joint (sensors refer to actuators by name); brax's deprecated
    `settotalmass` replaced by scaled geom masses; the keyframe `robot.keyframe` made from brax's
    `init_qpos`; foot sites wrapped around `robot.foot_geoms`; TabRL's sky, grid floor, headlight
    and no shadows; a "track" camera (trackcom) on the base when the model has none.
    """
    spec = mujoco.MjSpec.from_file(str(robot.xml_path))
    spec.option.timestep = robot.sim_dt
    apply_solver(spec.option, robot.solver)
    _name_actuators(spec)
    _replace_settotalmass(spec)
    _add_keyframe_from_init_qpos(spec, robot.keyframe)
    _add_foot_sites(spec, robot)
    _apply_look(spec)
    if spec.camera(TRACK_CAMERA) is None:
        _add_track_camera(spec, robot.base_body, robot.keyframe)
    return spec


SOLVERS = {"newton": mujoco.mjtSolver.mjSOL_NEWTON, "cg": mujoco.mjtSolver.mjSOL_CG,
           "pgs": mujoco.mjtSolver.mjSOL_PGS}
INTEGRATORS = {"euler": mujoco.mjtIntegrator.mjINT_EULER,
               "implicitfast": mujoco.mjtIntegrator.mjINT_IMPLICITFAST}


def apply_solver(option, settings: SolverSettings) -> None:
    """Set the solver options `settings` names on `option` (an MjSpec's `option` or a compiled
    model's `opt`); the others stay as they are."""
    if settings.solver is not None:
        option.solver = SOLVERS[settings.solver]
    if settings.iterations is not None:
        option.iterations = settings.iterations
    if settings.ls_iterations is not None:
        option.ls_iterations = settings.ls_iterations
    if settings.integrator is not None:
        option.integrator = INTEGRATORS[settings.integrator]


def load_model(robot: RobotSpec) -> mujoco.MjModel:
    """The compiled model of `load_spec(robot)`."""
    return load_spec(robot).compile()


def model_key(spec: mujoco.MjSpec) -> str:
    """A short hash of a loaded model (its MJCF with the fixes) and of MuJoCo's version."""
    return hashlib.sha256((spec.to_xml() + mujoco.__version__).encode()).hexdigest()[:16]


def home_data(model: mujoco.MjModel, keyframe: str | None) -> mujoco.MjData:
    """MjData at the keyframe (or qpos0 when None), with kinematics computed."""
    data = mujoco.MjData(model)
    if keyframe is not None:
        mujoco.mj_resetDataKeyframe(model, data, model.key(keyframe).id)
    mujoco.mj_forward(model, data)
    return data


def check_robot(robot: RobotSpec | str) -> list[str]:
    """Why the robot cannot be trained (load, MJX and catalogue problems); empty when it can."""
    return check_robots([robot])[0]


def check_robots(robots: list[RobotSpec | str]) -> list[list[str]]:
    """`check_robot` for each robot. Results are cached as TABRL_HOME/checks/<id>-<model
    hash>.json; the MJX checks of the uncached ones run together in one child process."""
    from tabrl_core.robots import get_robot

    robots = [get_robot(r) if isinstance(r, str) else r for r in robots]
    results: dict[int, list[str]] = {}
    todo: dict[int, tuple[mujoco.MjModel, list[str], object]] = {}
    for i, robot in enumerate(robots):
        try:
            spec = load_spec(robot)
            model = spec.compile()
        except Exception as exc:  # MuJoCo reports parse and compile errors as several types
            results[i] = [f"does not load in MuJoCo: {exc}"]
            continue
        path = subdir("checks") / f"{robot.id}-{model_key(spec)}.json"
        if path.is_file():
            results[i] = json.loads(path.read_text())
        else:
            todo[i] = (model, spec_mismatches(robot, model), path)
    mjx = _mjx_problems({str(i): model for i, (model, _, _) in todo.items()}) if todo else {}
    for i, (_, mismatches, path) in todo.items():
        results[i] = mismatches + mjx[str(i)]
        with atomic_path(path) as partial:
            partial.write_text(json.dumps(results[i]))
    return [results[i] for i in range(len(robots))]


def _mjx_problems(models: dict[str, mujoco.MjModel]) -> dict[str, list[str]]:
    """MJX's verdict on each model, from one child process: MJX imports JAX, which must stay
    out of the app's page process. Models travel as self-contained MJB files."""
    with tempfile.TemporaryDirectory(prefix="tabrl-mjx-check-") as tmp:
        paths = {}
        for key, model in models.items():
            paths[key] = str(Path(tmp) / f"{key}.mjb")
            mujoco.mj_saveModel(model, paths[key], None)
        done = subprocess.run([sys.executable, "-m", "tabrl_core.robots.mjx_check"],
                              input=json.dumps(paths), capture_output=True, text=True,
                              timeout=600)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {key: [f"the MJX check crashed: {reason}"] for key in models}
    return json.loads(done.stdout.strip().splitlines()[-1])


def spec_mismatches(robot: RobotSpec, model: mujoco.MjModel) -> list[str]:
    """Where the catalogue entry disagrees with the compiled model."""
    problems = []

    def missing(kind: mujoco.mjtObj, name: str) -> bool:
        return mujoco.mj_name2id(model, kind, name) < 0

    if missing(mujoco.mjtObj.mjOBJ_BODY, robot.base_body):
        problems.append(f"no base body {robot.base_body!r}")
    is_joint = model.actuator_trntype == mujoco.mjtTrn.mjTRN_JOINT
    if not is_joint.all():
        others = [model.actuator(i).name for i in np.flatnonzero(~is_joint)]
        problems.append(f"actuators {others} do not drive a joint (TabRL trains joint actuators)")
    actuated = tuple(model.joint(model.actuator_trnid[i, 0]).name for i in np.flatnonzero(is_joint))
    if actuated != robot.joint_names:
        problems.append(f"actuators drive {list(actuated)}, the catalogue lists "
                        f"{list(robot.joint_names)}")
    problems += [f"no foot site {name!r}" for name in robot.foot_names
                 if missing(mujoco.mjtObj.mjOBJ_SITE, name)]
    if robot.keyframe is not None and missing(mujoco.mjtObj.mjOBJ_KEY, robot.keyframe):
        problems.append(f"no keyframe {robot.keyframe!r}")
    if abs(robot.n_substeps * robot.sim_dt - robot.ctrl_dt) > 1e-9:
        problems.append(f"ctrl_dt {robot.ctrl_dt} is not a multiple of sim_dt {robot.sim_dt}")
    return problems


def _name_actuators(spec: mujoco.MjSpec) -> None:
    for actuator in spec.actuators:
        if not actuator.name:
            actuator.name = actuator.target


def _replace_settotalmass(spec: mujoco.MjSpec) -> None:
    # MuJoCo 4 deprecates <compiler settotalmass>; scale the geoms' masses to the same total.
    total = spec.compiler.settotalmass
    if total <= 0:
        return
    spec.compiler.settotalmass = -1
    scale = total / spec.compile().body_subtreemass[0]
    for geom in spec.geoms:
        geom.density *= scale
        if geom.mass > 0:
            geom.mass *= scale


def _add_keyframe_from_init_qpos(spec: mujoco.MjSpec, keyframe: str | None) -> None:
    # brax keeps a model's start pose in <numeric name="init_qpos">; make it a keyframe.
    init = spec.numeric("init_qpos")
    if keyframe is None or init is None or spec.key(keyframe) is not None:
        return
    spec.add_key(name=keyframe, qpos=list(init.data))


def _add_foot_sites(spec: mujoco.MjSpec, robot: RobotSpec) -> None:
    if not robot.foot_geoms:
        return
    model = spec.compile()
    for site_name, geom_name in zip(robot.foot_names, robot.foot_geoms, strict=True):
        geom = model.geom(geom_name)
        size = np.array(geom.size)
        size[0] = size[0] * 1.2 + 0.005  # a little larger than the foot, so contacts fall inside
        spec.geom(geom_name).parent.add_site(
            name=site_name, type=mujoco.mjtGeom(geom.type[0]), size=size,
            pos=geom.pos, quat=geom.quat, group=SITE_GROUP)


def _apply_look(spec: mujoco.MjSpec) -> None:
    # TabRL's look (as in go1.xml): gradient sky, grid floor without reflections, a bright
    # headlight, no shadows (they cost most on a CPU renderer).
    sky = next((t for t in spec.textures if t.type == mujoco.mjtTexture.mjTEXTURE_SKYBOX), None)
    if sky is None:
        sky = spec.add_texture(name="tabrl_sky", type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
                               width=256, height=256)
    sky.builtin = mujoco.mjtBuiltin.mjBUILTIN_GRADIENT
    sky.rgb1, sky.rgb2 = SKY_RGB
    floors = [g for g in spec.worldbody.geoms if g.type == mujoco.mjtGeom.mjGEOM_PLANE]
    if not floors:
        floors = [_add_visual_floor(spec)]
    grid = _grid_material(spec)
    for floor in floors:
        floor.material = grid
        floor.rgba = [1, 1, 1, 1]
    headlight = spec.visual.headlight
    headlight.ambient, headlight.diffuse, headlight.specular = HEADLIGHT
    spec.visual.quality.shadowsize = 0


def _grid_material(spec: mujoco.MjSpec) -> str:
    if spec.material("grid") is not None:
        return "grid"
    (rgb1, rgb2, mark) = GRID_RGB
    spec.add_texture(name="tabrl_grid", type=mujoco.mjtTexture.mjTEXTURE_2D,
                     builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER, width=256, height=256,
                     rgb1=rgb1, rgb2=rgb2, mark=mujoco.mjtMark.mjMARK_EDGE, markrgb=mark)
    material = spec.add_material(name="tabrl_grid", texrepeat=[8, 8], texuniform=True,
                                 reflectance=0)
    material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "tabrl_grid"
    return "tabrl_grid"


def _add_visual_floor(spec: mujoco.MjSpec) -> mujoco.MjsGeom:
    # A floor to see, not to touch, just below the model's lowest point.
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    bottom = np.min(data.geom_xpos[:, 2] - model.geom_rbound)
    return spec.worldbody.add_geom(name="tabrl_floor", type=mujoco.mjtGeom.mjGEOM_PLANE,
                                   size=[0, 0, 0.05], pos=[0, 0, bottom - 0.05],
                                   contype=0, conaffinity=0)


def _add_track_camera(spec: mujoco.MjSpec, base_body: str, keyframe: str | None) -> None:
    # Look at the robot from the front right and above, from a distance that fits it in view.
    model = spec.compile()
    data = home_data(model, keyframe if keyframe and spec.key(keyframe) else None)
    target, radius = _robot_bounds(model, data)
    direction = CAMERA_DIRECTION / np.linalg.norm(CAMERA_DIRECTION)
    eye = target + CAMERA_DISTANCE * radius * direction
    right = np.cross(-direction, [0, 0, 1])
    right /= np.linalg.norm(right)
    up = np.cross(right, -direction)
    base = model.body(base_body).id
    to_base = data.xmat[base].reshape(3, 3).T  # world -> base frame
    quat = np.empty(4)
    mujoco.mju_mat2Quat(quat, (to_base @ np.column_stack([right, up, direction])).ravel())
    spec.body(base_body).add_camera(name=TRACK_CAMERA, mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM,
                                    pos=to_base @ (eye - data.xpos[base]), quat=quat)


def _robot_bounds(model: mujoco.MjModel, data: mujoco.MjData) -> tuple[np.ndarray, float]:
    # Centre and radius of the box around the geoms of moving bodies (not the floor or arena).
    moving = model.geom_bodyid > 0
    low = (data.geom_xpos[moving] - model.geom_rbound[moving, None]).min(axis=0)
    high = (data.geom_xpos[moving] + model.geom_rbound[moving, None]).max(axis=0)
    return (low + high) / 2, float(np.linalg.norm(high - low) / 2)


def base_poses(model: mujoco.MjModel, body: str, qpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World position [F, 3] and rotation matrix [F, 3, 3] of `body` at each row of qpos."""
    data = mujoco.MjData(model)
    index = model.body(body).id
    position, rotation = np.empty((len(qpos), 3)), np.empty((len(qpos), 3, 3))
    for k, row in enumerate(qpos):
        data.qpos[:] = row
        mujoco.mj_kinematics(model, data)
        position[k], rotation[k] = data.xpos[index], data.xmat[index].reshape(3, 3)
    return position, rotation
