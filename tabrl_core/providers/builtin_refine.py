"""The built-in refinement: offline and deterministic, beside the built-in designer.

A built-in approach is a `Design`: one of the designer's strategies, the `Intent` it was built
from, and weight factors on its terms. `refine` reads the user's comment (a phrase table:
"faster", "slower", "backwards", "higher", "lower", "softer", "turn more", "turn the other
way", "bigger", "more stable", ...) and the judge's failing checks (or, when no check says
what to do, the rollout against the intent), turns them into edits of that design, writes the revised reward
from the same builders, and says in plain words what it changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from tabrl_core.providers.base import Approach, Revision
from tabrl_core.providers.builtin import (BUILDERS, GENERIC, PROVIDER, STRATEGIES, STRATEGY_TEXT,
                                          Intent, parse_behavior)
from tabrl_core.rewards import primitives as p
from tabrl_core.rewards.contract import RobotContract, contract_for

SPEED_UP, SLOW_DOWN = 1.5, 0.6
MAX_SPEED = 3.0  # m/s, as the designer clips requested speeds
WEIGHT_RANGE = (0.25, 4.0)  # how far refinements may scale one term's weight
ADDABLE: dict[str, Callable[[], p.Term]] = {
    "action_rate": lambda: p.action_rate(-0.05),
    "energy": lambda: p.energy(-0.05),
    "upright": lambda: p.upright(0.2),
}
"""Terms a refinement may add to a strategy that lacks them (at the designer's weights)."""
VELOCITY_TERMS = ("forward_velocity", "backward_velocity", "velocity_tracking")
"""The designer's names for the terms that reward moving in the asked direction."""


@dataclass(frozen=True)
class Design:
    """What a built-in approach is made of: strategy, intent, and per-term weight factors
    (a factor for a term the strategy lacks adds that term from ADDABLE)."""

    strategy: str
    intent: Intent
    weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"strategy": self.strategy, "intent": asdict(self.intent),
                "weights": dict(self.weights)}

    @staticmethod
    def from_dict(data: dict) -> Design:
        intent = dict(data["intent"])
        intent["axes"] = tuple((axis, float(amp)) for axis, amp in intent.get("axes", ()))
        return Design(data["strategy"], Intent(**intent), dict(data.get("weights", {})))


def design_of(name: str, behavior: str, stored: dict | None = None) -> Design:
    """The design of a built-in approach: the stored one of a refinement, or, for a first
    design, its strategy (from the name's title) and the intent the behaviour parses to."""
    if stored:
        return Design.from_dict(stored)
    title = name.split(":", 1)[0].strip()
    strategy = next((s for s in STRATEGIES if STRATEGY_TEXT[s][0] == title), None)
    if strategy is None:
        raise ValueError(f"{name!r} is not a built-in design, so the built-in designer cannot "
                         "refine it")
    return Design(strategy, parse_behavior(behavior) or GENERIC)


def build(design: Design, contract: RobotContract) -> Approach:
    """The approach a design writes: the designer's terms, reweighted, composed into code."""
    terms = BUILDERS[design.intent.kind](design.strategy, design.intent, contract)
    present = {t.name for t in terms}
    extra = [ADDABLE[name]() for name in design.weights if name not in present and name in ADDABLE]
    terms = [replace(t, weight=t.weight * design.weights.get(t.name, 1.0))
             for t in terms[:-1] + extra] + terms[-1:]  # the survival bonus stays last
    terms = _alive_outweighs_penalties(terms)
    title, explain = STRATEGY_TEXT[design.strategy]
    description = (f"{explain.format(label=design.intent.label)} Terms: "
                   + ", ".join(t.name.replace("_", " ") for t in terms) + ".")
    return Approach(PROVIDER, f"{title}: {design.intent.label}", description, p.compose(terms),
                    components=tuple(t.name for t in terms))


def _alive_outweighs_penalties(terms: list[p.Term]) -> list[p.Term]:
    penalties = -sum(t.weight for t in terms if t.weight < 0)
    alive = sum(t.weight for t in terms if t.expr is None)
    if alive > penalties:
        return terms
    scale = 1.25 * penalties / alive
    return [replace(t, weight=t.weight * scale) if t.expr is None else t for t in terms]


# Edits: each takes a design and returns (revised design, what changed) or None if it does
# not apply to this design.

Edit = Callable[[Design], "tuple[Design, str] | None"]


def _with(design: Design, reason: str, **intent_changes) -> tuple[Design, str] | None:
    intent = replace(design.intent, **intent_changes)
    if intent == design.intent:
        return None
    return replace(design, intent=intent), reason


def _reweight(design: Design, name: str, factor: float, reason: str) -> tuple[Design, str]:
    old = design.weights.get(name, 1.0)
    new = min(max(old * factor, WEIGHT_RANGE[0]), WEIGHT_RANGE[1])
    return replace(design, weights={**design.weights, name: new}), reason


def _fmt(x: float) -> str:
    return f"{x:+.2g}" if x else "0"


def _moving(design: Design) -> Design:
    """The design as a locomotion one (a pose or oscillation asked to walk becomes a walk)."""
    if design.intent.kind == "move":
        return design
    return replace(design, intent=Intent(design.intent.label, "move", swing=design.intent.swing))


def _direction(sign: int) -> Edit:
    def edit(design: Design):
        moving = _moving(design)
        vx = moving.intent.vx
        target = sign * max(abs(vx), 0.4 if sign < 0 else 0.5)
        label = "walk backward" if sign < 0 else "walk forward"
        if vx and math.copysign(1, vx) == sign:  # the target is right: pursue it harder
            for name in VELOCITY_TERMS:
                design, _ = _reweight(design, name, 2.0, "")
            return design, f"velocity weight x2 (the robot did not {label})"
        return _with(moving, f"forward velocity target {_fmt(vx)} -> {_fmt(target)} m/s "
                             f"({label})", vx=target, label=label)
    return edit


def _speed(factor: float) -> Edit:
    word = "faster" if factor > 1 else "slower"

    def edit(design: Design):
        i = design.intent
        if i.kind == "move" and (i.vx or i.vy or i.yaw_rate):
            clip = lambda v: math.copysign(min(abs(v) * factor, MAX_SPEED), v)  # noqa: E731
            moves = [(label, old, clip(old), unit) for label, old, unit in (
                ("forward", i.vx, "m/s"), ("sideways", i.vy, "m/s"),
                ("turning", i.yaw_rate, "rad/s")) if old]
            said = ", ".join(f"{label} {_fmt(old)} -> {_fmt(new)} {unit}"
                             for label, old, new, unit in moves)
            return _with(design, f"speed targets x{factor:g} ({word}): {said}",
                         vx=clip(i.vx), vy=clip(i.vy), yaw_rate=clip(i.yaw_rate))
        freq = 2.0 if factor > 1 else 1.0
        return _with(design, f"rhythm {i.freq:g} -> {freq:g} Hz ({word})", freq=freq)
    return edit


def _height(up: bool) -> Edit:
    word = "higher" if up else "lower"

    def edit(design: Design):
        i = design.intent
        if i.kind == "jump":
            lift = (i.height - 1.0) * (SPEED_UP if up else SLOW_DOWN)
            height = round(1.0 + max(lift, 0.03), 3)
            return _with(design, f"jump height target {i.height - 1:+.0%} -> {height - 1:+.0%} "
                                 f"of the standing height ({word})", height=height)
        if i.kind == "oscillate" and any(axis == "height" for axis, _ in i.axes):
            factor = SPEED_UP if up else SLOW_DOWN
            axes = tuple((a, amp * factor if a == "height" else amp) for a, amp in i.axes)
            return _with(design, f"up-and-down amplitude x{factor:g} ({word})", axes=axes)
        if i.kind == "move" and up:
            return _with(design, f"swing-foot height {i.swing:.2g} -> {i.swing * SPEED_UP:.2g} m "
                                 "(lift the feet higher)", swing=i.swing * SPEED_UP)
        height = round(i.height + (0.1 if up else -0.1), 3)
        return _with(design, f"base height target {i.height:.0%} -> {height:.0%} of the "
                             f"standing height ({word})", height=height)
    return edit


def _softer(design: Design):
    for name in ("action_rate", "energy"):
        design, _ = _reweight(design, name, 2.0, "")
    reason = "action-rate and energy penalties x2 (softer, smoother motion)"
    if design.intent.kind == "jump":
        design, _ = _reweight(design, "upright", 1.5, "")
        reason += "; upright weight x1.5 (land on the feet)"
    return design, reason


def _stabler(design: Design):
    return _reweight(design, "upright", 2.0, "upright weight x2 (stay up, do not tip over)")


def _turn_more(design: Design):
    moving = _moving(design)
    rate = moving.intent.yaw_rate
    more = math.copysign(min(max(abs(rate) * SPEED_UP, 1.0), MAX_SPEED), rate or 1.0)
    return _with(moving, f"turning rate target {_fmt(rate)} -> {_fmt(more)} rad/s (turn more)",
                 yaw_rate=more)


def _turn_other_way(design: Design):
    i = design.intent
    rate = -i.yaw_rate if i.yaw_rate else -1.0
    return _with(_moving(design), f"turning rate target {_fmt(i.yaw_rate)} -> {_fmt(rate)} "
                                  "rad/s (turn the other way)", yaw_rate=rate)


def _turn_side(sign: int) -> Edit:
    def edit(design: Design):
        i = design.intent
        rate = sign * max(abs(i.yaw_rate), 1.0)
        side = "left" if sign > 0 else "right"
        return _with(_moving(design), f"turning rate target {_fmt(i.yaw_rate)} -> {_fmt(rate)} "
                                      f"rad/s (turn {side})", yaw_rate=rate)
    return edit


def _amplitude(factor: float) -> Edit:
    word = "bigger" if factor > 1 else "smaller"

    def edit(design: Design):
        i = design.intent
        if not i.axes:
            return None
        axes = tuple((a, amp * factor) for a, amp in i.axes)
        return _with(design, f"oscillation amplitudes x{factor:g} ({word})", axes=axes)
    return edit


# The comment's phrases, most specific first; several may apply to one comment.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"other (way|direction)|opposite (way|direction)|wrong way", "turn_other_way"),
    (r"\bturn\w* (more|faster|harder|further)|more turn|spin (more|faster)", "turn_more"),
    (r"\bturn\w* (to the )?right|clockwise", "turn_right"),
    (r"\bturn\w* (to the )?left|counter.?clockwise", "turn_left"),
    (r"\bback ?wards?\b|\breverse|\bretreat|\bwalk\w* back\b|\bback ?up\b", "backward"),
    (r"\bforwards?\b|\bahead\b", "forward"),
    (r"\b(fast(er)?|quick\w*|speed up|hurry|rapid\w*|sprint)\b", "faster"),
    (r"\b(slow\w*|less fast|lazier|leisurely)\b", "slower"),
    (r"\b(higher|taller|more height|jump more|bigger jump)\b", "higher"),
    (r"\b(lower|less high|get low|crouch\w*)\b", "lower"),
    (r"\b(soft\w*|gentl\w*|smooth\w*|quiet\w*|less jerk\w*|less shak\w*|calm\w*)", "softer"),
    (r"\b(fall\w*|fell|tip\w* over|stabl\w*|steady|steadier|upright|balanc\w*)", "stabler"),
    (r"\b(bigger|wider|larger|more (swing|sway|amplitude)|exaggerat\w*)\b", "bigger"),
    (r"\b(smaller|narrower|subtl\w*|less (swing|sway|amplitude))\b", "smaller"),
)
EDITS: dict[str, Edit] = {
    "turn_other_way": _turn_other_way, "turn_more": _turn_more, "turn_right": _turn_side(-1),
    "turn_left": _turn_side(1), "backward": _direction(-1), "forward": _direction(1),
    "faster": _speed(SPEED_UP), "slower": _speed(SLOW_DOWN), "higher": _height(True),
    "lower": _height(False), "softer": _softer, "stabler": _stabler,
    "bigger": _amplitude(SPEED_UP), "smaller": _amplitude(SLOW_DOWN),
}
# What each edit changes; what the comment asks about a dimension wins over the evidence.
DIMENSIONS = {"forward": "speed", "backward": "speed", "faster": "speed", "slower": "speed",
              "turn_other_way": "turning", "turn_more": "turning", "turn_left": "turning",
              "turn_right": "turning", "higher": "height", "lower": "height",
              "bigger": "amplitude", "smaller": "amplitude", "softer": "softness",
              "stabler": "stability"}


def comment_edits(comment: str | None) -> list[str]:
    """The edits the comment's words ask for, in PHRASES order."""
    words = " ".join(re.findall(r"[a-z0-9']+", (comment or "").lower()))
    return [edit for pattern, edit in PHRASES if re.search(pattern, words)]


_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def _bounds(target: str) -> tuple[float | None, float | None]:
    """(lowest, highest) acceptable value a check's readable target names."""
    numbers = [float(x) for x in re.findall(_NUMBER, str(target))]
    if not numbers:
        return None, None
    if "<" in target:
        return None, numbers[0]
    if ">" in target:
        return numbers[0], None
    return (numbers[0], numbers[1]) if len(numbers) > 1 else (numbers[0], numbers[0])


def check_edits(checks: list[dict]) -> list[tuple[str, str]]:
    """(edit, why) for each failing judge check the built-in refinement understands."""
    found = []
    for check in checks:
        if check.get("passed") or not isinstance(check.get("value"), (int, float)):
            continue
        name, value = check["name"].lower(), float(check["value"])
        low, high = _bounds(check.get("target", ""))
        short = low is not None and value < low  # below the least acceptable value
        over = high is not None and value > high
        why = f"check {check['name']} = {value:.3g}, target {check.get('target')}"
        edit = _check_edit(name, value, low, high, short, over)
        if edit:
            found.append((edit, why))
    return found


def _check_edit(name, value, low, high, short, over) -> str | None:
    if re.search(r"upright|fell|fall|stabl|tilt|roll|pitch", name):
        return "stabler"
    if re.search(r"yaw|turn|spin|rotat|heading", name):
        wanted = low if short else high
        if wanted is not None and wanted * value < 0:
            return "turn_left" if wanted > 0 else "turn_right"
        return "turn_more" if (short and value >= 0) or (over and value < 0) else None
    if re.search(r"height|jump|hop|air|lift|clearance|elevat", name):
        return "higher" if short else "lower" if over else None
    if re.search(r"distance|speed|veloc|displace|forward|backward|progress", name):
        if short:
            return "forward" if value < 0 <= low else "faster"
        if over:
            return "backward" if value > 0 >= high else "faster" if high < 0 else "slower"
    if re.search(r"amplitude|oscillat|swing|wag|shake|sway|wiggl", name):
        return "bigger" if short else "smaller" if over else None
    return None


def rollout_edits(intent: Intent, stats: dict) -> list[tuple[str, str]]:
    """With no judge: (edit, why) from the rollout measured against the intent."""
    found = []
    if stats.get("fell") or stats.get("upright_fraction", 1.0) < 0.8:
        found.append(("stabler", f"the robot fell or tipped (upright "
                                 f"{stats.get('upright_fraction', 0):.0%} of the time)"))
    speed = stats.get("mean_forward_speed")
    if intent.kind == "move" and intent.vx and speed is not None:
        why = f"moved at {speed:+.2g} m/s for a target of {intent.vx:+.2g} m/s"
        if speed * intent.vx < 0:
            found.append(("backward" if intent.vx < 0 else "forward", why))
        elif abs(speed) < 0.5 * abs(intent.vx):
            found.append(("faster", why))
    yaw, seconds = stats.get("yaw_turned"), stats.get("seconds")
    if intent.kind == "move" and intent.yaw_rate and yaw is not None and seconds:
        rate = yaw / seconds
        why = f"turned at {rate:+.2g} rad/s for a target of {intent.yaw_rate:+.2g} rad/s"
        if rate * intent.yaw_rate < 0:
            found.append(("turn_left" if intent.yaw_rate > 0 else "turn_right", why))
        elif abs(rate) < 0.5 * abs(intent.yaw_rate):
            found.append(("turn_more", why))
    return found


def revise_design(design: Design, comment: str | None, judge: dict | None, stats: dict,
                  contract: RobotContract) -> tuple[Design, list[str]]:
    """The design edited by the comment's phrases, then by the judge's failing checks (or the
    rollout, when no check says what to do); each change said in plain words. A failed judge
    that points nowhere still pushes the task's own term harder."""
    asked = comment_edits(comment)
    if judge and judge.get("passed"):
        evidence = []  # nothing is wrong by the judge's rules; only the comment asks
    else:
        evidence = (check_edits(judge["checks"]) if judge and judge.get("checks") else []
                    ) or rollout_edits(design.intent, stats)
    plan = [(edit, "the comment asks for it") for edit in asked]
    commented = {DIMENSIONS[edit] for edit in asked}
    plan += [(edit, why) for edit, why in evidence if DIMENSIONS[edit] not in commented]
    changes, done = [], set()
    for edit, why in plan:
        if edit in done:
            continue
        done.add(edit)
        outcome = EDITS[edit](design)
        if outcome is not None:
            design, what = outcome
            changes.append(f"{what}, because {why}")
    if not changes and judge and judge.get("passed") is False:
        task = BUILDERS[design.intent.kind](design.strategy, design.intent, contract)[0].name
        design, what = _reweight(design, task, SPEED_UP, f"{task} weight x{SPEED_UP:g}")
        changes.append(f"{what}, because the judge failed ({judge.get('score', 0):.2f}) "
                       "without a check that names a change")
    return design, changes


def refine(robot: str, behavior: str, parent: dict, comment: str | None,
           judge: dict | None, stats: dict) -> tuple[Revision, Design]:
    """The built-in revision of `parent` (its approach row: name, code, design) and the new
    design. Raises ValueError when the parent is not a built-in design or nothing changes."""
    contract = contract_for(robot)
    design = design_of(parent["name"], behavior, parent.get("design"))
    judged = judge if judge and judge.get("passed") is not None else None
    revised, changes = revise_design(design, comment, judged, stats, contract)
    approach = build(revised, contract)
    if not changes or approach.code == parent["code"]:
        known = ", ".join(sorted(e.replace("_", " ") for e in EDITS))
        reasons = ["the judge's checks all passed" if (judge or {}).get("passed") else
                   "no failing check or rollout number points at a change it knows"]
        if comment:
            reasons.append(f"the comment names none of the changes it knows ({known})")
        raise ValueError("the built-in designer found nothing to change: " + "; ".join(reasons))
    return Revision(approach, "; ".join(changes), model="builtin"), revised
