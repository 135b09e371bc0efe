"""The built-in refinement: a comment and the judge's failing checks edit a behaviour spec.

`refine_spec(spec, comment, failing_checks)` reads the comment with the same tokenizer and
phrase tables as the parser ("faster", "slower", "backwards", "higher", "lower", "softer" /
"land softer", "turn more", "turn the other way", "bigger", "smaller", "steadier", "smoother")
and pushes the targets of failed judge checks (a missed distance or turn gets a larger
target, a missed height or tilt a further one), then returns the new spec and one line per
change. The refine helper trains the designer's approaches for the new spec.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tabrl_core.behaviours.body import body_for
from tabrl_core.behaviours.spec import BehaviourSpec, Oscillation, Phase, Target
from tabrl_core.behaviours.words import tokenize
from tabrl_core.rewards.contract import contract_for

# Comment phrases (stems, as the tokenizer writes them) -> the edit they ask for.
EDITS: dict[tuple[str, ...], str] = {
    ("fast",): "faster", ("faster",): "faster", ("quick",): "faster", ("quicker",): "faster",
    ("speed", "up"): "faster", ("more", "speed"): "faster",
    ("slow",): "slower", ("slower",): "slower", ("slow", "down"): "slower",
    ("backward",): "reverse", ("backwards",): "reverse", ("back",): "reverse",
    ("revers",): "reverse", ("other", "direction"): "reverse", ("opposit", "direction"): "reverse",
    ("forward",): "forward", ("forwards",): "forward",
    ("higher",): "higher", ("high",): "higher", ("taller",): "higher", ("up",): "higher",
    ("lower",): "lower", ("low",): "lower", ("down",): "lower",
    ("softer",): "softer", ("soft",): "softer", ("gentler",): "softer", ("gentl",): "softer",
    ("smoother",): "softer", ("smooth",): "softer",
    ("turn", "more"): "turn more", ("more", "turn"): "turn more", ("spin", "more"): "turn more",
    ("turn", "less"): "turn less", ("less", "turn"): "turn less",
    ("other", "way"): "flip turn", ("turn", "other", "way"): "flip turn",
    ("turn", "right"): "turn right", ("turn", "left"): "turn left",
    ("bigger",): "bigger", ("big",): "bigger", ("larger",): "bigger", ("more",): "bigger",
    ("smaller",): "smaller", ("small",): "smaller", ("less",): "smaller",
    ("steadier",): "steadier", ("steady",): "steadier", ("stabl",): "steadier",
    ("wobbl", "less"): "steadier", ("less", "wobbl"): "steadier",
}
# The same phrases as the tokenizer stems them ("more" -> "mor"), which is how comments arrive.
_STEMMED = {tuple(t.stem for t in tokenize(" ".join(k))): edit for k, edit in EDITS.items()}
LONGEST = max(len(k) for k in _STEMMED)


def _edits(comment: str) -> list[str]:
    stems = [t.stem for t in tokenize(comment or "") if t.quantity is None]
    found, i = [], 0
    while i < len(stems):
        for size in range(min(LONGEST, len(stems) - i), 0, -1):
            key = tuple(stems[i:i + size])
            if key in _STEMMED:
                found.append(_STEMMED[key])
                i += size
                break
        else:
            i += 1
    return list(dict.fromkeys(found))


def _scaled(target: Target | None, factor: float) -> Target | None:
    if target is None:
        return None
    return Target(round(target.value * factor, 4), round(target.tol * abs(factor), 4))


def _apply(phase: Phase, edit: str, stand: float, ranges) -> tuple[Phase, str]:
    """One edit on one phase: the new phase and what changed ('' when nothing applies)."""
    moving = any(t is not None and t.value for t in (phase.vx, phase.vy))
    turning = phase.yaw_rate is not None and phase.yaw_rate.value
    if edit in ("faster", "slower") and (moving or turning):
        f = 1.4 if edit == "faster" else 0.7
        vx = _scaled(phase.vx, f)
        if vx is not None:
            vx = replace(vx, value=round(min(max(vx.value, -ranges.max_backward),
                                             ranges.max_forward), 4))
        return replace(phase, vx=vx, vy=_scaled(phase.vy, f), yaw_rate=_scaled(phase.yaw_rate, f),
                       turn=_scaled(phase.turn, f),
                       style=replace(phase.style, speed=round(phase.style.speed * f, 3))), \
            f"speeds x{f:g}"
    if edit in ("reverse", "forward") and phase.vx is not None and phase.vx.value:
        if edit == "forward" and phase.vx.value > 0:
            return phase, ""
        return replace(phase, vx=_scaled(phase.vx, -1.0), distance=phase.distance), \
            f"forward velocity {phase.vx.value:g} -> {-phase.vx.value:g} m/s"
    if edit in ("flip turn", "turn right", "turn left") and (turning or phase.turn):
        sign = (phase.turn or phase.yaw_rate).value
        if (edit == "turn right" and sign < 0) or (edit == "turn left" and sign > 0):
            return phase, ""
        return replace(phase, yaw_rate=_scaled(phase.yaw_rate, -1.0),
                       turn=_scaled(phase.turn, -1.0)), "turning direction reversed"
    if edit in ("turn more", "turn less") and (turning or phase.turn):
        f = 1.5 if edit == "turn more" else 0.6
        return replace(phase, yaw_rate=_scaled(phase.yaw_rate, f), turn=_scaled(phase.turn, f)), \
            f"turn x{f:g}"
    if edit in ("higher", "lower"):
        f = 1.4 if edit == "higher" else 0.7
        if phase.hop is not None:
            hop = min(phase.hop.value * f, ranges.max_hop)
            osc = tuple(replace(o, amplitude=round(hop, 4)) if o.axis == "height" else o
                        for o in phase.oscillations)
            return replace(phase, hop=Target(round(hop, 4), round(0.5 * hop, 4)),
                           oscillations=osc), f"jump height {phase.hop.value:.3g} -> {hop:.3g} m"
        if phase.kind in ("pose", "still", "move", "oscillate"):
            h = phase.height.value if phase.height else stand
            new = h + (0.1 if edit == "higher" else -0.15) * stand
            return replace(phase, height=Target(round(new, 4), round(0.1 * stand, 4))), \
                f"base height {h:.3g} -> {new:.3g} m"
    if edit == "softer":
        return replace(phase, style=replace(phase.style, smooth=True)), "smoother, softer motion"
    if edit == "steadier":
        return replace(phase, style=replace(phase.style, steady=True)), "steadier posture"
    if edit == "tilt more" and (phase.roll is not None or phase.pitch is not None):
        tilt = lambda t: None if t is None or abs(t.value) > 2 else replace(  # noqa: E731
            t, value=round(max(min(t.value * 1.3, ranges.max_tilt), -ranges.max_tilt), 4))
        return replace(phase, roll=tilt(phase.roll) or phase.roll,
                       pitch=tilt(phase.pitch) or phase.pitch), "tilt x1.3"
    if edit in ("bigger", "smaller") and phase.oscillations:
        f = 1.4 if edit == "bigger" else 0.7
        osc = tuple(Oscillation(o.axis, round(o.amplitude * f, 4), o.freq)
                    for o in phase.oscillations)
        return replace(phase, oscillations=osc), f"oscillation amplitude x{f:g}"
    return phase, ""


# A failed judge check's name -> the edit that pushes its target.
CHECK_EDITS = (("forward_distance", "faster"), ("backward_distance", "faster"),
               ("left_distance", "faster"), ("right_distance", "faster"),
               ("yaw_turned", "turn more"), ("jump_height", "higher"),
               ("amplitude", "bigger"), ("upright", "steadier"), ("fell", "steadier"),
               ("drift", "steadier"), ("no_turning", "steadier"), ("roll_rad", "tilt more"),
               ("pitch_rad", "tilt more"))


def _check_plan(check) -> list[tuple[str, int | None]]:
    """The edits a failed check asks for, and the phase it names (None: every phase). A
    missed height says which way from its measured value and its target ("in [lo, hi]")."""
    name = check.get("name", "") if isinstance(check, dict) else str(check)
    index = int(name[1]) - 1 if name[:1] == "p" and name[1:2].isdigit() else None
    edits = [edit for key, edit in CHECK_EDITS if key in name]
    if "base_height" in name and isinstance(check, dict) and check.get("value") is not None:
        bounds = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", str(check.get("target")))]
        if bounds:
            edits.append("lower" if float(check["value"]) > max(bounds) else "higher")
    return [(edit, index) for edit in edits]


def refine_spec(spec: BehaviourSpec, comment: str | None = None,
                failing_checks=()) -> tuple[BehaviourSpec, list[str]]:
    """The spec edited by `comment` and by the judge's failing checks, and the changes made.

    `failing_checks` are check names or the judge's check dicts ({"name", "value", "target",
    ...}), e.g. "p1_yaw_turned_rad"; a "pN_" prefix limits the push to phase N; a missed base
    height moves the height target away from where the robot stood. The comment applies to
    every phase it fits ("faster" speeds up the moves, "higher" raises jumps and poses);
    "softer", "land softer" and "steadier" change the style.
    """
    contract = contract_for(spec.robot_id)
    body = body_for(contract)
    phases = list(spec.phases)
    changes: list[str] = []
    plan = [(edit, None) for edit in _edits(comment or "")]
    for check in failing_checks:
        plan += _check_plan(check)
    for edit, index in plan:
        for i, phase in enumerate(phases):
            if (index is not None and i != index) or phase.implied and index is None:
                continue
            new, what = _apply(phase, edit, body.stand_height, body.ranges)
            if what:
                phases[i] = new
                changes.append(f"phase {i + 1}: {what} ({edit})")
    if comment and not plan:
        changes.append("the comment asked for nothing the built-in refinement knows "
                       "(it knows faster, slower, backwards, higher, lower, softer, turn more, "
                       "turn the other way, bigger, smaller, steadier); nothing changed")
    return spec.with_phases(phases), changes

