"""The built-in judge program for a behaviour spec, in the judge contract's language.

`judge_code(spec, contract)` writes `def judge(t):` with checks per phase, each measured over
that phase's frames (a time window as weights): distance moved in the asked direction, yaw
turned, held height and tilt, jump height, rotation of a flip, raised and planted feet,
oscillation amplitude, staying in place; plus staying upright (outside flips) and not falling.
Pass lines are a share of the spec's targets: a check says whether the robot did the thing.
"""

from __future__ import annotations

from tabrl_core.behaviours.body import body_for
from tabrl_core.behaviours.spec import BehaviourSpec, Phase
from tabrl_core.rewards.contract import RobotContract
from tabrl_core.rewards.primitives import num as _num

SHARE = 0.4  # a motion passes at this share of its target (distance, turn, hop, amplitude)
UPRIGHT_FRACTION = 0.8
STILL_DRIFT_M = 0.3
MAX_CHECKS = 12  # the judge contract's limit
SIGNALS = {"roll": "t.base_rpy[:, 0]", "pitch": "t.base_rpy[:, 1]", "yaw": "t.base_rpy[:, 2]",
           "height": "t.base_height", "lateral": "t.base_pos[:, 1]"}


def _window(i: int, phase: Phase, lines: list[str]) -> tuple[str, str]:
    """Define the phase's frame weights w{i} and their count n{i}; return (mean, integral)
    templates for an expression over frames."""
    end = phase.end + (0.5 if phase.rotation is not None else 0.0)  # a flip may land late
    lines.append(f"w{i} = ((t.time >= {_num(phase.start)}) & (t.time < {_num(end)})) * 1.0")
    lines.append(f"n{i} = jnp.maximum(jnp.sum(w{i}), 1.0)")
    return f"jnp.sum(({{}}) * w{i}) / n{i}", f"jnp.sum(({{}}) * w{i}) * t.dt"


def _phase_checks(i: int, phase: Phase, contract: RobotContract, lines: list[str]) -> list:
    """(priority, name, check) for one phase; lower priority numbers are kept first."""
    mean, integral = _window(i, phase, lines)
    out = []
    span = max(phase.duration, 0.1)
    vx = phase.vx.value if phase.vx else None
    vy = phase.vy.value if phase.vy else None
    for axis, v, ahead, behind in ((0, vx, "forward", "backward"), (1, vy, "left", "right")):
        if v is None:
            continue
        moved = integral.format(f"t.base_lin_vel[:, {axis}]")
        if v:
            goal = SHARE * (phase.distance.value if phase.distance else abs(v) * span)
            name = f"{ahead if v > 0 else behind}_distance_m"
            out.append((0, name, f"at_least({moved}, {_num(goal)})" if v > 0
                        else f"at_most({moved}, {_num(-goal)})"))
        else:
            out.append((2, f"no_{ahead}_motion_m", f"at_most(jnp.abs({moved}), "
                        f"{_num(STILL_DRIFT_M + 0.05 * span)})"))
    turned = integral.format("t.base_ang_vel[:, 2]")
    total = phase.turn.value if phase.turn else (phase.yaw_rate.value * span
                                                 if phase.yaw_rate else None)
    if total:
        name = "yaw_turned_rad"
        out.append((0, name, f"at_least({turned}, {_num(SHARE * total)})" if total > 0
                    else f"at_most({turned}, {_num(SHARE * total)})"))
    elif total is not None:
        out.append((2, "no_turning_rad", f"at_most(jnp.abs({turned}), 0.5)"))
    if phase.rotation is not None:
        k = 1 if phase.rotation.axis == "pitch" else 0
        rotated = integral.format(f"t.base_ang_vel[:, {k}]")
        goal = 0.7 * phase.rotation.total
        out.append((0, f"{phase.rotation.axis}_rotation_rad",
                    f"at_least({rotated}, {_num(goal)})" if goal > 0
                    else f"at_most({rotated}, {_num(goal)})"))
    if phase.hop is not None:
        stand = max(contract.stand_height, 0.1)
        peak = f"jnp.max(t.base_height * w{i} - (1.0 - w{i}) * 100.0)"
        out.append((0, "jump_height_m", f"at_least({peak} - {_num(stand)}, "
                    f"{_num(SHARE * phase.hop.value)})"))
    if phase.height is not None and phase.kind != "jump":
        h, tol = phase.height.value, 2.0 * phase.height.tol
        out.append((1, "base_height_m", f"between({mean.format('t.base_height')}, "
                    f"{_num(h - tol)}, {_num(h + tol)})"))
    for name, target, index in (("roll", phase.roll, 0), ("pitch", phase.pitch, 1)):
        if target is None:
            continue
        if abs(target.value) > 2:  # upside down: the up axis points down
            out.append((1, "upside_down", f"at_most({mean.format('t.upright')}, -0.5)"))
            continue
        lo, hi = sorted((target.value - 2.5 * target.tol, target.value + 2.5 * target.tol))
        out.append((1, f"{name}_rad", f"between({mean.format(f't.base_rpy[:, {index}]')}, "
                    f"{_num(lo)}, {_num(hi)})"))
    for k, osc in enumerate(phase.oscillations):
        if (phase.kind == "jump" and osc.axis == "height") or (osc.axis == "yaw" and total):
            continue  # a jump's hop and a turn's yaw have their own checks
        signal = SIGNALS[osc.axis]
        centered = f"({signal} - {mean.format(signal)})"
        amplitude = f"1.414 * jnp.sqrt({mean.format(f'jnp.square{centered}')})"
        unit = "m" if osc.axis in ("height", "lateral") else "rad"
        out.append((1, f"{osc.axis}_amplitude_{unit}", f"at_least({amplitude}, "
                    f"{_num(SHARE * osc.amplitude)})"))
        if k == 0:  # the rhythm: sign changes of the centred signal, two per cycle
            flips = f"jnp.abs(jnp.diff(jnp.sign({centered}))) * w{i}[1:]"
            freq = f"jnp.sum({flips}) / 4.0 / jnp.maximum(jnp.sum(w{i}) * t.dt, t.dt)"
            out.append((2, f"{osc.axis}_frequency_hz", f"between({freq}, "
                        f"{_num(0.5 * osc.freq)}, {_num(3.0 * osc.freq)})"))
    names = contract.foot_names
    if phase.raised and contract.n_feet:
        mask = "jnp.array([" + ", ".join("1.0" if n in phase.raised else "0.0"
                                         for n in names) + "])"
        up = f"jnp.sum((1.0 - t.foot_contact) * {mask}, axis=1) / {_num(len(phase.raised))}"
        out.append((0 if phase.kind in ("pose", "wave") else 1, "raised_feet_fraction",
                    f"at_least({mean.format(up)}, 0.6)"))
    if phase.arms and body_for(contract).arm_joints:
        arms = body_for(contract).arm_joints
        mask = "jnp.array([" + ", ".join("1.0" if j in arms else "0.0"
                                         for j in range(contract.n_joints)) + "])"
        speed = f"jnp.sum(jnp.abs(t.joint_vel) * {mask}, axis=1) / {_num(len(arms))}"
        out.append((0, "arm_speed_rad_s", f"at_least({mean.format(speed)}, 0.5)"))
    if phase.kind == "still" or (phase.kind in ("pose", "oscillate") and vx is None):
        drift = integral.format("jnp.sqrt(jnp.sum(jnp.square(t.base_lin_vel[:, :2]), axis=1))")
        out.append((0 if phase.kind == "still" else 2, "drift_m",
                    f"at_most({drift}, {_num(STILL_DRIFT_M + 0.1 * span)})"))
    if phase.kind == "lively":
        speed = mean.format("jnp.mean(jnp.abs(t.joint_vel), axis=1)")
        out.append((0, "joint_speed_rad_s", f"at_least({speed}, 0.5)"))
    return out


def judge_code(spec: BehaviourSpec, contract: RobotContract) -> str:
    """The judge program (judge contract: `def judge(t): return {name: check, ...}`) for spec."""
    lines: list[str] = []
    checks: list[tuple[int, str, str]] = []
    many = len(spec.phases) > 1
    for i, phase in enumerate(spec.phases, 1):
        phase_checks = _phase_checks(i, phase, contract, lines)
        if phase.implied:  # the parser's own "stand still" after a timed action: not asked for
            continue
        for priority, name, check in phase_checks:
            label = f"p{i}_{name}" if many else name
            checks.append((priority, label[:40], check))
    upright_phases = [i for i, ph in enumerate(spec.phases, 1)
                      if ph.rotation is None and not (ph.roll and abs(ph.roll.value) > 2)]
    if upright_phases:
        weights = " + ".join(f"w{i}" for i in upright_phases)
        lines.append(f"w_up = jnp.minimum({weights}, 1.0)")
        checks.append((0, "upright_fraction", "at_least(jnp.sum((t.upright > 0.7) * w_up) / "
                       f"jnp.maximum(jnp.sum(w_up), 1.0), {UPRIGHT_FRACTION})"))
    if contract.min_base_height > 0 or contract.min_upright > -1:
        checks.append((0, "fell", "at_most(t.fell, 0.0)"))
    kept = sorted(range(len(checks)), key=lambda k: (checks[k][0], k))[:MAX_CHECKS]
    entries = [checks[k] for k in sorted(kept)]
    seen: dict[str, int] = {}
    body = "\n".join(f"    {line}" for line in lines)
    rows = []
    for _, name, check in entries:
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name[:37]}_{seen[name]}"
        rows.append(f'        "{key}": {check},')
    title = spec.describe().replace('"', "'").replace("\\", "/")[:200]
    return (f'def judge(t):\n    """Built-in judge: {title}."""\n{body}\n'
            "    return {\n" + "\n".join(rows) + "\n    }\n")
