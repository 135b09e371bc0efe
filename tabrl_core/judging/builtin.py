"""The built-in judge: a judge program written from the built-in designer's reading of the text.

`builtin_judge_code` parses the behaviour into the same `Intent` the built-in designer builds
rewards from and writes judge code (the judge contract's language, run through the same
validator and sandbox as an LLM's judge) with a check per thing the intent asks for: direction
and speed, turning, height, roll and pitch, oscillation amplitude and frequency, hop height and
paw lift, plus staying upright without a fall. Tolerances are loose on purpose: a check says
whether the robot did the thing, not whether it hit the designer's exact target.
"""

from __future__ import annotations

from tabrl_core.providers.builtin import GENERIC, Intent, parse_behavior
from tabrl_core.rewards.contract import RobotContract, contract_for

SPEED_SHARE = 0.4  # a move passes at this share of the intent's speed or turning rate
AMPLITUDE_SHARE = 0.4  # an oscillation passes at this share of the intent's amplitude
HOP_SHARE = 0.4  # a jump passes at this share of the intent's rise
PAW_SHARE = 0.4  # a wave passes at this share of the intended paw lift
UPRIGHT_FRACTION = 0.8  # share of frames with the base's up axis within ~45 degrees of vertical
MAX_DRIFT_M = 0.5  # an in-place behaviour's base may wander this far
STILL_DRIFT_M = 0.25
SETTLE_S = 1.0  # steady-state measures skip the first second

# Expressions the checks are built from (judge-contract code).
PREAMBLE = (f"late = (t.time >= {SETTLE_S}) * 1.0",  # the frames after settling, as weights
            "n_late = jnp.maximum(jnp.sum(late), 1.0)",
            "span = jnp.maximum(t.time[-1] - t.time[0], t.dt)")
DRIFT = "jnp.norm(t.base_pos[-1, :2] - t.base_pos[0, :2])"
SIGNALS = {  # oscillation axis -> (per-frame signal, unit)
    "roll": ("t.base_rpy[:, 0]", "rad"), "pitch": ("t.base_rpy[:, 1]", "rad"),
    "yaw": ("t.base_rpy[:, 2] - t.base_rpy[0, 2] - (t.base_rpy[-1, 2] - t.base_rpy[0, 2]) * "
            "(t.time - t.time[0]) / span", "rad"),  # the wobble around a steady turn
    "height": ("t.base_height", "m"), "lateral": ("t.base_pos[:, 1] - t.base_pos[0, 1]", "m"),
}


def builtin_judge_code(robot_id: str, behavior: str) -> str:
    """The built-in judge program for `behavior` on robot `robot_id`."""
    return judge_code_for(parse_behavior(behavior) or GENERIC, contract_for(robot_id))


def judge_code_for(intent: Intent, contract: RobotContract) -> str:
    """Judge code with one check per part of `intent`, for `contract`'s robot."""
    lines: list[str] = list(PREAMBLE)
    checks: dict[str, str] = {}
    KINDS[intent.kind](intent, contract, lines, checks)
    checks["upright_fraction"] = f"at_least(jnp.mean(t.upright > 0.7), {UPRIGHT_FRACTION})"
    checks["fell"] = "at_most(t.fell, 0.0)"
    body = "\n".join(f"    {line}" for line in lines)
    entries = "\n".join(f'        "{name}": {check},' for name, check in checks.items())
    return (f'def judge(t):\n    """Built-in judge: {intent.label}."""\n{body}\n'
            f"    return {{\n{entries}\n    }}\n")


def _num(x: float) -> str:
    return f"{x:.4g}"


def _stand(contract: RobotContract) -> float:
    return max(contract.stand_height, 0.1)


def _late_mean(expr: str) -> str:
    return f"jnp.sum(({expr}) * late) / n_late"


def _move(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    for axis, target, ahead, behind in ((0, intent.vx, "forward", "backward"),
                                        (1, intent.vy, "left", "right")):
        if target:
            speed = _late_mean(f"t.base_lin_vel[:, {axis}]")
            name = ahead if target > 0 else behind
            sign = "" if target > 0 else "-"
            checks[f"{name}_speed_mps"] = (f"at_least({sign}{speed}, "
                                           f"{_num(SPEED_SHARE * abs(target))})")
    if intent.yaw_rate:
        sign = "" if intent.yaw_rate > 0 else "-"
        side = "left" if intent.yaw_rate > 0 else "right"
        checks[f"turn_{side}_radps"] = (f"at_least({sign}(t.base_rpy[-1, 2] - t.base_rpy[0, 2])"
                                        f" / span, {_num(SPEED_SHARE * abs(intent.yaw_rate))})")
    if not (intent.vx or intent.vy):
        checks["drift_m"] = f"at_most({DRIFT}, {_num(MAX_DRIFT_M)})"
    if intent.height != 1.0:
        top = (intent.height + 0.1) * _stand(contract)
        checks["mean_height_m"] = f"at_most({_late_mean('t.base_height')}, {_num(top)})"
    if intent.axes:
        _oscillation(intent, contract, lines, checks, with_frequency=False)
    if intent.gait == "pronk" and contract.n_feet:
        airborne = "jnp.mean(jnp.sum(t.foot_contact, axis=1) < 0.5)"
        checks["airborne_fraction"] = f"at_least({airborne}, 0.05)"
    elif not (intent.vx or intent.vy or intent.yaw_rate) and contract.n_feet:
        _foot_lift(contract, lines, checks, 0.5 * intent.swing, "step_height_m", every_foot=True)


def _oscillation(intent: Intent, contract: RobotContract, lines: list[str], checks: dict,
                 with_frequency: bool = True) -> None:
    for i, (axis, amplitude) in enumerate(intent.axes):
        signal, unit = SIGNALS[axis]
        size = amplitude * _stand(contract) if axis in ("height", "lateral") else amplitude
        spread = _late_mean(f"jnp.square({axis} - {axis}_mean)")
        lines += [f"{axis} = {signal}", f"{axis}_mean = {_late_mean(axis)}",
                  f"{axis}_amplitude = jnp.sqrt(2.0 * {spread})"]
        checks[f"{axis}_amplitude_{unit}"] = (f"at_least({axis}_amplitude, "
                                              f"{_num(AMPLITUDE_SHARE * size)})")
        if with_frequency and i == 0:
            crossings = (f"jnp.sum(jnp.abs(jnp.diff(jnp.sign({axis} - {axis}_mean) * "
                         "late)) > 1.5)")
            lines.append(f"{axis}_frequency = {crossings} / (2.0 * jnp.maximum(jnp.sum(late) * "
                         "t.dt, t.dt))")
            checks[f"{axis}_frequency_hz"] = (f"between({axis}_frequency, "
                                              f"{_num(0.4 * intent.freq)}, "
                                              f"{_num(3.0 * intent.freq)})")


def _oscillate(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    _oscillation(intent, contract, lines, checks)
    checks["drift_m"] = f"at_most({DRIFT}, {_num(MAX_DRIFT_M)})"


def _jump(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    rise = (intent.height - 1.0) * _stand(contract)
    checks["hop_height_m"] = (f"at_least(jnp.max(t.base_height) - {_num(_stand(contract))}, "
                              f"{_num(HOP_SHARE * rise)})")


def _pose(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    stand = _stand(contract)
    floor = max(contract.min_base_height, 0.0)
    target = max(intent.height * stand, floor + 0.3 * (stand - floor))  # as the designer aims
    if intent.height != 1.0:
        tolerance = 0.1 * stand
        checks["mean_height_m"] = (f"between({_late_mean('t.base_height')}, "
                                   f"{_num(target - tolerance)}, {_num(target + tolerance)})")
    for axis, angle in ((0, intent.roll), (1, intent.pitch)):
        if angle:
            name = ("mean_roll_rad", "mean_pitch_rad")[axis]
            low, high = sorted((0.4 * angle, 1.8 * angle))
            checks[name] = (f"between({_late_mean(f't.base_rpy[:, {axis}]')}, {_num(low)}, "
                            f"{_num(high)})")
    checks["drift_m"] = f"at_most({DRIFT}, {_num(MAX_DRIFT_M)})"


def _still(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    checks["drift_m"] = f"at_most({DRIFT}, {_num(STILL_DRIFT_M)})"
    speed = _late_mean("jnp.norm(t.base_lin_vel[:, :2], axis=1)")
    checks["mean_speed_mps"] = f"at_most({speed}, 0.15)"
    checks["mean_height_m"] = (f"at_least({_late_mean('t.base_height')}, "
                               f"{_num(0.8 * _stand(contract))})")


def _foot_lift(contract: RobotContract, lines: list[str], checks: dict, target: float,
               name: str, every_foot: bool = False) -> None:
    lift = ("jnp.mean(jnp.max(t.foot_height, axis=0) - jnp.min(t.foot_height, axis=0))"
            if every_foot else "jnp.max(t.foot_height[:, 0]) - jnp.min(t.foot_height[:, 0])")
    checks[name] = f"at_least({lift}, {_num(target)})"


def _wave(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    if contract.n_feet < 2:
        return _lively(intent, contract, lines, checks)
    height = min(0.5 * _stand(contract), 0.15)  # how high the designer's paw goes
    _foot_lift(contract, lines, checks, PAW_SHARE * height, "paw_lift_m")
    checks["drift_m"] = f"at_most({DRIFT}, {_num(MAX_DRIFT_M)})"


def _lively(intent: Intent, contract: RobotContract, lines: list[str], checks: dict) -> None:
    speed = _late_mean("jnp.mean(jnp.abs(t.joint_vel), axis=1)")
    checks["joint_speed_radps"] = f"at_least({speed}, 0.3)"
    checks["drift_m"] = f"at_most({DRIFT}, {_num(2 * MAX_DRIFT_M)})"


KINDS = {"move": _move, "oscillate": _oscillate, "jump": _jump, "pose": _pose, "still": _still,
         "wave": _wave, "lively": _lively}
