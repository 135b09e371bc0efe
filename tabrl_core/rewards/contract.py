"""The reward contract: what reward code may read and what it must return.

This module is the one place the contract is written down. The LLM prompt (`render_contract`),
the validator (`FIELDS`, `ALLOWED_JNP`, `LIMITS`) and the environments (`ContractState`) all read
it, so they cannot disagree.
"""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Field:
    """One value of the state `s` that reward code may read."""

    name: str
    shape: str  # "()", "(3,)", "(n_joints,)" or "(n_feet,)"
    unit: str
    doc: str


FIELDS: tuple[Field, ...] = (
    Field("base_pos", "(3,)", "m", "world position of the base (torso); z is its height"),
    Field("base_height", "()", "m", "height of the base above the floor"),
    Field("base_lin_vel", "(3,)", "m/s",
          "base linear velocity in the heading frame: x forward, y left, z up"),
    Field("base_ang_vel", "(3,)", "rad/s",
          "base angular velocity in the base frame: x roll rate, y pitch rate, z yaw rate"),
    Field("base_rpy", "(3,)", "rad", "roll, pitch and yaw of the base"),
    Field("upright", "()", "1",
          "z of the base's up axis in the world: 1 upright, 0 on its side, -1 upside down"),
    Field("joint_pos", "(n_joints,)", "rad", "actuated joint angles"),
    Field("default_joint_pos", "(n_joints,)", "rad", "the standing pose's joint angles"),
    Field("joint_vel", "(n_joints,)", "rad/s", "actuated joint velocities"),
    Field("joint_torque", "(n_joints,)", "N m", "actuator torques"),
    Field("foot_contact", "(n_feet,)", "1", "1.0 where a foot touches the ground, else 0.0"),
    Field("foot_height", "(n_feet,)", "m", "height of each foot above the floor"),
    Field("foot_air_time", "(n_feet,)", "s",
          "seconds each foot has been in the air; on the landing step, the flight just ended"),
    Field("first_contact", "(n_feet,)", "1", "1.0 on the step a foot lands, else 0.0"),
    Field("time", "()", "s", "time since the episode began"),
    Field("dt", "()", "s", "control period (time between two calls)"),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
# The fields a rollout keeps at every video frame (trajectory files' `state/<field>` arrays);
# the judge contract (tabrl_core/rewards/judge_contract.py) reads them.
FRAME_FIELDS: tuple[str, ...] = ("base_pos", "base_height", "base_lin_vel", "base_ang_vel",
                                 "base_rpy", "upright", "joint_pos", "joint_vel", "foot_contact",
                                 "foot_height")

# The state passed as `s`; a namedtuple, so JAX treats it as a pytree.
ContractState = collections.namedtuple("ContractState", FIELD_NAMES)

# jnp functions reward code may call, with the one line the prompt shows for each.
ALLOWED_JNP: dict[str, str] = {
    "abs": "absolute value", "sign": "sign (-1, 0, 1)", "square": "x**2", "sqrt": "square root",
    "exp": "e**x", "log": "natural log", "tanh": "hyperbolic tangent",
    "sin": "sine", "cos": "cosine", "arctan2": "arctan2(y, x)",
    "minimum": "element-wise min of two", "maximum": "element-wise max of two",
    "clip": "clip(x, lo, hi)", "where": "where(cond, x, y)",
    "sum": "sum of elements", "mean": "mean of elements", "prod": "product of elements",
    "min": "smallest element", "max": "largest element",
    "dot": "dot product", "norm": "vector norm (jnp.linalg.norm; no matrix norms)",
    "array": "array from a list of numbers or scalars", "zeros_like": "zeros of x's shape",
    "ones_like": "ones of x's shape", "exp2": "2**x", "cosh": "hyperbolic cosine",
}
ALLOWED_JNP_CONSTANTS: dict[str, str] = {"pi": "3.14159...", "e": "2.71828..."}
ALLOWED_BUILTINS: dict[str, str] = {
    "range": "range(n) with a literal n <= 16, only in for-loops",
    "len": "length of a state field, `a` or `prev_a`",
    "float": "float of a number", "abs": "absolute value", "min": "min of scalars",
    "max": "max of scalars",
}
# Component names the app, the store and the stats already use beside the components (the
# curves' x axis and columns, metrics rows, training history, trajectory files, clip stats),
# compared case-insensitively; a component with one of these names would replace that value.
RESERVED_COMPONENT_NAMES: tuple[str, ...] = (
    "step", "steps", "total", "reward", "mean_return", "mean_reward", "episode_return",
    "components", "time", "iteration", "job", "attempt", "id", "elapsed", "env_steps_per_s",
    "qpos", "qvel", "fps", "robot_id", "fell", "unstable", "frames", "seconds",
    "distance_travelled", "displacement", "mean_forward_speed", "yaw_turned",
    "upright_fraction", "mean_height", "judge", "score")
# Keyword arguments `jnp` calls may take (e.g. jnp.sum(x, axis=0), jnp.clip(x, min=0.0)).
ALLOWED_KEYWORDS: tuple[str, ...] = ("axis", "keepdims", "ord", "min", "max")


@dataclass(frozen=True)
class Limits:
    """Bounds on reward source, checked before anything runs."""

    max_source_chars: int = 8_000
    max_ast_nodes: int = 2_000
    max_components: int = 12
    max_constant_abs: float = 1e6
    max_nesting_depth: int = 100  # of the syntax tree
    max_component_name_chars: int = 40
    max_loop_iterations: int = 16
    max_array_elements: int = 4_096  # no intermediate value may hold more
    max_flops_per_state: int = 20_000  # the corpus and the built-in designer stay under 400
    max_live_bytes_per_state: int = 32 * 1024  # values alive at once; they stay under 1 KiB
    trainer_batch: int = 512  # states per reward call in training (unroll_length x num_envs)
    trace_timeout_s: float = 20.0
    trace_memory_mb: int = 4_096


LIMITS = Limits()

SIGNATURE = "def reward(s, a, prev_a):"

EXAMPLE_REWARD = '''def reward(s, a, prev_a):
    # Walk forward at 0.5 m/s: a bounded tracking term, a small upright bonus, a smoothness cost.
    forward = jnp.exp(-jnp.square(s.base_lin_vel[0] - 0.5) / 0.25)
    upright = 0.2 * jnp.clip(s.upright, 0.0, 1.0)
    smooth = -0.01 * jnp.sum(jnp.square(a - prev_a))
    return forward + upright + smooth, {"forward": forward, "upright": upright, "smooth": smooth}
'''

RETURN_DOC = (
    "return total, {\"component_name\": value, ...}: `total` is a scalar; the dict holds up to "
    f"{LIMITS.max_components} named scalar components (string literal keys), which are logged "
    "during training and drawn as curves."
)

RULES: tuple[str, ...] = (
    "Write exactly one function, `def reward(s, a, prev_a):`, and nothing else at top level "
    "(comments, and a docstring as the function's first line, are fine).",
    "`s` is the state below; read it only as `s.<field>` (and index it, e.g. `s.base_lin_vel[0]`).",
    "`a` and `prev_a` are this step's and the previous step's actions, shape (n_joints,), "
    "in [-1, 1].",
    "Use `jnp.<name>` only for the functions and constants listed; no imports, no other modules. "
    "The only keyword arguments are " + ", ".join(f"`{k}=`" for k in ALLOWED_KEYWORDS) + ".",
    "Allowed: arithmetic (`+ - * / // % ** @`), comparisons, `&`, `|`, `~`, `and`/`or`/`not` "
    "(element-wise: lowered to jnp.logical_and/or/not), `x if c else y` (lowered to "
    "jnp.where), numeric literals, local variables, tuples, lists, indexing and slicing of "
    f"arrays, `for i in range(N)` with a literal N <= {LIMITS.max_loop_iterations} (nested "
    f"loops: at most {LIMITS.max_loop_iterations} iterations in all).",
    "Not allowed: `import`, names that start with `_`, attributes other than `s.<field>` and "
    "`jnp.<function>`, `getattr`/`eval`/`exec`/`open`/`print` or any other builtin not listed, "
    "`lambda`, nested functions, classes, comprehensions, `if` statements (use `x if c else y`), "
    "`global`/`nonlocal`, `while`, `try`, `with`, `raise`, `assert`, `del`, `yield`, `None`, "
    "strings outside the component names, f-strings, `*` unpacking, assigning into an array "
    "(`x[0] = ...`), assigning to `s`, `a`, `prev_a`, `jnp` or a builtin, calling `reward`.",
    f"Size: at most {LIMITS.max_source_chars} characters and {LIMITS.max_ast_nodes} syntax "
    f"nodes, nesting depth at most {LIMITS.max_nesting_depth}, constants within "
    f"+-{LIMITS.max_constant_abs:g}, no array of more than {LIMITS.max_array_elements} "
    "elements.",
    "The last statement, and the only `return`, is `return total, {\"name\": value, ...}` with a "
    f"dict literal: at most {LIMITS.max_components} names, each a distinct identifier (letters, "
    f"digits, `_`; at most {LIMITS.max_component_name_chars} characters), none of them a name "
    "TabRL already uses (" + ", ".join(f"`{n}`" for n in RESERVED_COMPONENT_NAMES) + "; in any "
    "case); `total` and every value are scalars.",
    "Before training, the code is traced once in a separate process, limited to "
    f"{LIMITS.trace_timeout_s:g} s and {LIMITS.trace_memory_mb} MB, compiled for the trainer's "
    f"batch of {LIMITS.trainer_batch} states and run in float32 (the trainer's dtype) on "
    "realistic states of the robot: rollouts with its base policy, random and saturated "
    "actions (every action at -1 or 1), falls, upside-down and airborne states, and an "
    "episode's first step (where `time`, velocities, actions and air times are 0). The total "
    "and every component must be finite on every one of them.",
    f"Work per state: at most {LIMITS.max_flops_per_state:,} floating-point operations and "
    f"{LIMITS.max_live_bytes_per_state // 1024} KiB of values alive at once (a sensible reward "
    "needs a few hundred operations and under 1 KiB); no matrix norms (`jnp.norm` with `ord=` "
    "on a 2-D array, or over two axes) or other matrix decompositions.",
    "Reward code runs once per robot per control step: keep it cheap and smooth. "
    "Prefer bounded terms such as jnp.exp(-err**2 / sigma) for targets.",
)


# What happens to reward code before it trains, in order (docs/rewards.md).
CHECKS: tuple[str, ...] = (
    "Static: the syntax tree is checked against the rules above (validator.py); nothing runs.",
    "In a child process (sandbox.py) started with an environment built from nothing (PATH, "
    "HOME, TMPDIR, PYTHONPATH, TabRL's data and cache folders, JAX/XLA settings; no provider "
    "keys), capped at the time and memory above: the code is traced for one state (array "
    "sizes, scalar outputs, out-of-range indices), and its work per state is estimated from "
    "the traced program (work.py): FLOPs, values alive at once, and no matrix decompositions "
    "or loops.",
    "It is exported (jax.export, for CPU and CUDA) and compiled for the trainer's batch; XLA's "
    "own cost and memory analysis, per state, must stay within the same limits.",
    "The compiled program runs in float32 on realistic states of the robot (training/"
    "state_sample.py: rollouts of its base policy, random and saturated actions, falls, "
    "upside-down and airborne states, first steps; made once per robot and cached, by default "
    "under TABRL_HOME/cache/reward-states, or TABRL_CACHE_DIR). A NaN or infinity in the "
    "total or any component rejects the code with the count and an example state, so a "
    "repair round can fix it.",
    "Trainers and video rollouts run only that exported program: reward code is never traced "
    "outside the sandbox.",
)


def _resolve_shape(shape: str, n_joints: int, n_feet: int) -> tuple[int, ...]:
    text = shape.replace("n_joints", str(n_joints)).replace("n_feet", str(n_feet))
    return tuple(int(x) for x in text.strip("()").split(",") if x.strip())


@dataclass(frozen=True)
class RobotContract:
    """The contract bound to one robot: its joint and foot names fix the field shapes."""

    robot_id: str
    robot_name: str
    joint_names: tuple[str, ...]
    foot_names: tuple[str, ...]
    dt: float
    stand_height: float = 0.0  # base height in the standing (home) pose, m
    min_base_height: float = 0.0  # the episode ends below this base height ...
    min_upright: float = -1.0  # ... or below this `upright`

    @property
    def n_joints(self) -> int:
        return len(self.joint_names)

    @property
    def n_feet(self) -> int:
        return len(self.foot_names)

    def field_shape(self, name: str) -> tuple[int, ...]:
        """The concrete shape of field `name` for this robot."""
        field = next(f for f in FIELDS if f.name == name)
        return _resolve_shape(field.shape, self.n_joints, self.n_feet)


@functools.cache
def contract_for(robot_id: str) -> RobotContract:
    """The contract of a catalogued robot (raises UnknownRobotError for an unknown id)."""
    from tabrl_core.robots import get_robot

    robot = get_robot(robot_id)
    return RobotContract(robot.id, robot.name, robot.joint_names, robot.foot_names, robot.ctrl_dt,
                         stand_height=_stand_height(robot), min_base_height=robot.min_base_height,
                         min_upright=robot.min_upright)


def _stand_height(robot) -> float:
    """Height of the robot's base body in its home pose (keyframe, or qpos0 without one)."""
    from tabrl_core.robots.model import home_data, load_model

    model = load_model(robot)
    data = home_data(model, robot.keyframe)
    return round(float(data.xpos[model.body(robot.base_body).id][2]), 4)


def _signature_lines() -> list[str]:
    return ["```python", SIGNATURE, "    ...", "    return total, {\"component_name\": value, ...}",
            "```", "", RETURN_DOC]


def _field_table(shape_of) -> list[str]:
    lines = ["| field | shape | unit | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `s.{f.name}` | {shape_of(f)} | {f.unit} | {f.doc} |" for f in FIELDS]
    return lines


def _functions_and_rules() -> list[str]:
    lines = ["### Functions", "",
             ", ".join(f"`jnp.{n}` ({d})" for n, d in ALLOWED_JNP.items()), "",
             "Constants: " + ", ".join(f"`jnp.{n}`" for n in ALLOWED_JNP_CONSTANTS) + ".", "",
             "Builtins: " + ", ".join(f"`{n}` ({d})" for n, d in ALLOWED_BUILTINS.items()),
             "", "### Rules", ""]
    lines += [f"{i}. {rule}" for i, rule in enumerate(RULES, 1)]
    return lines


def _robot_facts(contract: RobotContract) -> list[str]:
    ends = [f"base_height < {contract.min_base_height:g} m" if contract.min_base_height > 0 else "",
            f"upright < {contract.min_upright:g}" if contract.min_upright > -1 else ""]
    ends = [e for e in ends if e]
    return [
        f"n_joints = {contract.n_joints}; joints, in order: "
        + (", ".join(contract.joint_names) or "(none)"),
        f"n_feet = {contract.n_feet}; feet, in order: " + (", ".join(contract.foot_names) or "(none)"),
        f"control period dt = {contract.dt:g} s",
        f"standing base height = {contract.stand_height:g} m",
        "the episode ends when " + (" or ".join(ends) if ends else "its time is up"),
    ]


def render_contract(contract: RobotContract) -> str:
    """The contract as Markdown: shown in the LLM prompt and in the reward editor's help."""
    lines = [f"## Reward contract for {contract.robot_name} (`{contract.robot_id}`)", ""]
    lines += _signature_lines() + [""] + _robot_facts(contract)
    lines += ["", "### State `s` (one robot, one step)", ""]
    lines += _field_table(lambda f: contract.field_shape(f.name)) + [""]
    lines += _functions_and_rules()
    return "\n".join(lines)


DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "rewards.md"


def render_docs() -> str:
    """The robot-independent reference for reward code (docs/rewards.md), from this module."""
    lines = [
        "# Writing reward code",
        "",
        "<!-- Generated by tabrl_core.rewards.contract.write_docs(); do not edit by hand. -->",
        "",
        "TabRL trains a robot on a reward function written in a small, checked subset of Python. "
        "Every reward (from an LLM, the built-in designer or the custom reward editor) is checked "
        "against these rules before it runs; an error names the line and the reason. For one "
        "robot, `render_contract` gives this text with the robot's shapes, joint and foot names "
        "filled in; the LLM prompt and the reward editor's help show that.",
        "",
        "## Signature",
        "",
    ]
    lines += _signature_lines()
    lines += ["", "## State `s` (one robot, one step)", ""]
    lines += _field_table(lambda f: f"`{f.shape}`")
    lines += ["", "## Example", "", "```python", EXAMPLE_REWARD.rstrip(), "```", ""]
    lines += [line.replace("### ", "## ") for line in _functions_and_rules()]
    lines += ["", "## How reward code is checked", ""] + [f"- {step}" for step in CHECKS]
    return "\n".join(lines) + "\n"


def write_docs(path: Path = DOCS_PATH) -> Path:
    """Write `render_docs()` to docs/rewards.md; run it after changing this module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_docs())
    return path
