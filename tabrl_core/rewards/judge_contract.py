"""The judge contract: what judge code may read, what it returns, and how checks are scored.

A judge program is one pure function `def judge(t):` over a rollout's per-frame arrays, written
once per (robot, behaviour) and applied to every approach of a run. This module is the one place
the contract is written down: the prompt (`render_judge_contract`), the validator's whitelist
(`GRAMMAR`, checked by tabrl_core/rewards/validator.py), docs/judging.md (`render_docs`) and
the scores (`score_check`) all read it. The per-frame fields are the reward contract's
FRAME_FIELDS, which rollouts save in trajectory files as `state/<field>`.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from pathlib import Path

from tabrl_core.rewards import contract as reward_contract
from tabrl_core.rewards.contract import (ALLOWED_BUILTINS, ALLOWED_JNP, ALLOWED_JNP_CONSTANTS,
                                         ALLOWED_KEYWORDS, FRAME_FIELDS, Limits, RobotContract)
from tabrl_core.rewards.validator import Grammar

JUDGE_PROVIDER_VAR = "TABRL_JUDGE_PROVIDER"  # the setting: which provider writes judge programs
FPS = 30  # frames per second of the rollout the judge reads (the video's frame rate)
SECONDS = 5.0  # length of that rollout



@dataclass(frozen=True)
class Field:
    """One value of the trajectory `t` that judge code may read."""

    name: str
    shape: str  # "(F,)", "(F, 3)", "(F, n_joints)", "(F, n_feet)" or "()"
    unit: str
    doc: str


def _per_frame(name: str) -> Field:
    source = next(f for f in reward_contract.FIELDS if f.name == name)
    inner = source.shape.strip("()").rstrip(",")
    doc = source.doc + ("; yaw is unwrapped over the rollout (it keeps counting past +-pi)"
                        if name == "base_rpy" else "")
    return Field(name, f"(F, {inner})" if inner else "(F,)", source.unit, doc)


FIELDS: tuple[Field, ...] = tuple(_per_frame(n) for n in FRAME_FIELDS) + (
    Field("time", "(F,)", "s", "time of each frame since the rollout began (0, dt, 2 dt, ...)"),
    Field("dt", "()", "s", f"time between two frames (1/{FPS} s)"),
    Field("fell", "()", "1",
          "1.0 if the robot fell at any point (its episode's end condition was met), else 0.0"),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)

# The trajectory passed as `t`.
JudgeTrajectory = collections.namedtuple("JudgeTrajectory", FIELD_NAMES)

# Beyond the reward contract's functions, judges reduce over frames with these.
EXTRA_JNP: dict[str, str] = {
    "diff": "differences of neighbours along axis 0", "std": "standard deviation",
    "var": "variance", "median": "median", "percentile": "percentile(x, q), q in 0..100",
    "cumsum": "cumulative sum", "any": "whether any element is true",
    "all": "whether every element is true",
}
ALLOWED_JUDGE_JNP: dict[str, str] = {**ALLOWED_JNP, **EXTRA_JNP}

# The check helpers: name -> (number of arguments, how it reads).
CHECKS: dict[str, tuple[int, str]] = {
    "at_least": (2, "`at_least(value, target)`: met when value >= target"),
    "at_most": (2, "`at_most(value, target)`: met when value <= target"),
    "between": (3, "`between(value, lo, hi)`: met when lo <= value <= hi"),
}
SCALE_FLOOR = 0.1  # the smallest distance over which a missed check's score falls by 1/e

LIMITS = Limits(max_source_chars=6_000, max_ast_nodes=1_500, max_components=12,
                trace_timeout_s=10.0, trace_memory_mb=1_024)

GRAMMAR = Grammar(entry="judge", params=("t",), fields=FIELD_NAMES,
                  jnp=tuple(ALLOWED_JUDGE_JNP), jnp_constants=tuple(ALLOWED_JNP_CONSTANTS),
                  builtins=tuple(ALLOWED_BUILTINS), keywords=ALLOWED_KEYWORDS, limits=LIMITS,
                  returns="checks", checks=tuple((n, a) for n, (a, _) in CHECKS.items()),
                  part="check")

SIGNATURE = "def judge(t):"

EXAMPLE_JUDGE = '''def judge(t):
    # Walk backwards: at least 0.5 m behind the start, upright, no fall.
    dx = t.base_pos[-1, 0] - t.base_pos[0, 0]
    upright = jnp.mean(t.upright > 0.7)
    return {
        "backward_distance_m": at_most(dx, -0.5),
        "upright_fraction": at_least(upright, 0.8),
        "fell": at_most(t.fell, 0.0),
    }
'''

SCORE_DOC = (
    "Each check scores 1.0 when met; when missed it scores exp(-d / scale), d being how far the "
    "value is from the target (or from the nearer bound of `between`) and scale the target's "
    f"size (|target|, for `between` the larger of hi - lo and |bound|; at least {SCALE_FLOOR:g}). "
    "The judge's score is the mean of its checks' scores; it passes when every check is met."
)

RULES: tuple[str, ...] = (
    f"Write exactly one function, `{SIGNATURE}`, and nothing else at top level (comments, and a "
    "docstring as the function's first line, are fine).",
    "`t` is the trajectory below; read it only as `t.<field>` and index or slice it "
    "(`t.base_pos[-1, 0]`, `t.foot_height[:, 0]`). F, the number of frames, is about "
    f"{int(FPS * SECONDS)} ({SECONDS:g} s at {FPS} frames per second) but can be smaller when "
    "the physics became unstable: do not assume it.",
    "Use `jnp.<name>` only for the functions and constants listed (they run on NumPy arrays); "
    "no imports, no other modules. The only keyword arguments are "
    + ", ".join(f"`{k}=`" for k in ALLOWED_KEYWORDS) + ".",
    "Allowed: arithmetic, comparisons, `&`, `|`, `~`, `and`/`or`/`not` (element-wise), "
    "`x if c else y` (element-wise, as jnp.where), numeric literals, local variables, tuples, "
    "lists, indexing and slicing, `for i in range(N)` with a literal N <= "
    f"{LIMITS.max_loop_iterations}.",
    "Not allowed: `import`, names that start with `_`, attributes other than `t.<field>` and "
    "`jnp.<function>`, any builtin not listed, `lambda`, nested functions, classes, "
    "comprehensions, `if` statements, `while`, `try`, `with`, `None`, strings outside the check "
    "names, assigning into an array or to `t`, `jnp`, a builtin or a check helper.",
    f"Size: at most {LIMITS.max_source_chars} characters and {LIMITS.max_ast_nodes} syntax "
    f"nodes; constants within +-{LIMITS.max_constant_abs:g}.",
    "The last statement, and the only `return`, is a dict literal `return {\"name\": check, "
    f"...}}` of 1 to {LIMITS.max_components} checks; each name is a distinct identifier "
    f"(letters, digits, `_`; at most {LIMITS.max_component_name_chars} characters) that says "
    "what is measured and in which unit (`forward_distance_m`), and each value is a direct call "
    "of a check helper whose arguments are scalars: "
    + "; ".join(doc for _, doc in CHECKS.values()) + ".",
    "Judge what the behaviour asks for (direction, speed, turning, height, posture, rhythm), "
    "with tolerances a good attempt meets, plus that the robot stays upright and does not fall. "
    "The same judge grades every approach of the run, so it must not depend on any reward.",
    "The code is checked on sample trajectories before it is used and then runs in a separate "
    f"process limited to {LIMITS.trace_timeout_s:g} s per trajectory and "
    f"{LIMITS.trace_memory_mb} MB; every check value must be a finite number.",
)


def target_text(op: str, targets: tuple[float, ...]) -> str:
    """A check's target as text: ">= 0.8", "<= -0.5" or "in [0.2, 0.4]"."""
    if op == "at_least":
        return f">= {targets[0]:.3g}"
    if op == "at_most":
        return f"<= {targets[0]:.3g}"
    return f"in [{targets[0]:.3g}, {targets[1]:.3g}]"


def score_check(op: str, value: float, targets: tuple[float, ...]) -> tuple[bool, float]:
    """(met, soft score in [0, 1]) of one check; see SCORE_DOC."""
    if op == "between":
        lo, hi = sorted(targets)
        distance = max(lo - value, value - hi, 0.0)
        nearer = lo if value < lo else hi
        scale = max(hi - lo, abs(nearer), SCALE_FLOOR)
    else:
        (target,) = targets
        distance = max(target - value, 0.0) if op == "at_least" else max(value - target, 0.0)
        scale = max(abs(target), SCALE_FLOOR)
    return distance == 0.0, math.exp(-distance / scale)


def _signature_lines() -> list[str]:
    return ["```python", SIGNATURE, "    ...",
            "    return {\"check_name\": at_least(value, target), ...}", "```"]


def _field_table(shape_of) -> list[str]:
    lines = ["| field | shape | unit | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `t.{f.name}` | {shape_of(f)} | {f.unit} | {f.doc} |" for f in FIELDS]
    return lines


def _functions_and_rules() -> list[str]:
    lines = ["### Check helpers", ""]
    lines += [f"- {doc}" for _, doc in CHECKS.values()]
    lines += ["", SCORE_DOC, "", "### Functions", "",
              ", ".join(f"`jnp.{n}` ({d})" for n, d in ALLOWED_JUDGE_JNP.items()), "",
              "Constants: " + ", ".join(f"`jnp.{n}`" for n in ALLOWED_JNP_CONSTANTS) + ".", "",
              "Builtins: " + ", ".join(f"`{n}` ({d})" for n, d in ALLOWED_BUILTINS.items()
                                       if n != "len") + ", `len` (length of a field of `t`)",
              "", "### Rules", ""]
    lines += [f"{i}. {rule}" for i, rule in enumerate(RULES, 1)]
    return lines


def field_shape(contract: RobotContract, field: Field) -> str:
    """A field's shape for one robot, e.g. "(F, 12)"."""
    return field.shape.replace("n_joints", str(contract.n_joints)).replace(
        "n_feet", str(contract.n_feet))


def render_judge_contract(contract: RobotContract) -> str:
    """The judge contract for one robot as Markdown: shown in the judge prompt."""
    lines = [f"## Judge contract for {contract.robot_name} (`{contract.robot_id}`)", ""]
    lines += _signature_lines() + [""]
    lines += [
        f"joints, in order: {', '.join(contract.joint_names) or '(none)'}",
        f"feet, in order: {', '.join(contract.foot_names) or '(none)'}",
        f"standing base height = {contract.stand_height:g} m; it falls below "
        f"base_height {contract.min_base_height:g} m or upright {contract.min_upright:g}",
        "", "### Trajectory `t` (one rollout, F frames)", ""]
    lines += _field_table(lambda f: field_shape(contract, f)) + [""]
    lines += ["### Example", "", "```python", EXAMPLE_JUDGE.rstrip(), "```", ""]
    lines += _functions_and_rules()
    return "\n".join(lines)


DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "judging.md"


def render_docs() -> str:
    """The robot-independent reference for judge code (docs/judging.md), from this module."""
    lines = [
        "# Judging",
        "",
        "<!-- Generated by tabrl_core.rewards.judge_contract.write_docs(); do not edit by hand. -->",
        "",
        "Every run gets one judge program, written once for its robot and behaviour (by the "
        "judge provider: an LLM, or the built-in judge from the behaviour spec) and applied to every approach's rollout, so all videos of a run are "
        "graded by the same rules. Judge code is checked against the rules below with the same "
        "validator as reward code and runs only in the sandbox process; an error names the line "
        "and the reason. Each approach's verdict (score, passed, one-line verdict, checks) is "
        "stored with its job and in `summary.json`; the run gets a ranking and a per-provider "
        "scoreboard. `tabrl judge ID [--provider P]` or `tabrl.judge(ID, provider=...)` judges "
        "stored trajectories again without retraining.",
        "",
        "## Signature",
        "",
    ]
    lines += _signature_lines()
    lines += ["", "## Trajectory `t` (one rollout, F frames)", ""]
    lines += _field_table(lambda f: f"`{f.shape}`")
    lines += ["", "Trajectory files (`trajectory.npz`) hold these per-frame fields as "
              "`state/<field>`; files written before the judge existed are re-derived from "
              "their `qpos` and `qvel` with MuJoCo.", ""]
    lines += ["## Example", "", "```python", EXAMPLE_JUDGE.rstrip(), "```", ""]
    lines += [line.replace("### ", "## ") for line in _functions_and_rules()]
    lines += ["", "## Who judges", "",
              "- The judge provider writes the run's program once (a second small request "
              "beside the reward design, with one repair round for an invalid program). It is "
              "the run's `judge_provider` option (`tabrl train --judge P`, "
              "`start_batch(..., judge_provider=P)`), else the `" + JUDGE_PROVIDER_VAR + "` "
              "setting, else the first configured LLM provider, else the built-in judge.",
              "- The built-in judge writes its program from the behaviour spec the built-in "
              "designer designs from (docs/behaviours.md), phase by phase: distance in the asked "
              "direction, turning, height and tilt, oscillation amplitude, jump height, raised "
              "feet and flips, plus staying upright and not falling.",
              "- A program that is still invalid marks every approach `not judged: <reason>`; "
              "the videos are shown all the same.",
              "- The optional video judge (Claude, GPT or Gemini, through their SDKs) sees a "
              "few frames of each clip and adds a score and one sentence under `video`; it is "
              "on when the judge provider is one of them with a key (`--video P` or the "
              "`video_judge` option picks another, `off` turns it off) and never changes the "
              "code judge's verdict."]
    return "\n".join(lines) + "\n"


def write_docs(path: Path = DOCS_PATH) -> Path:
    """Write `render_docs()` to docs/judging.md; run it after changing this module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_docs())
    return path
