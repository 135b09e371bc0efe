"""Reward terms as source snippets, and `compose`, which writes them into reward code.

Each primitive returns a `Term`: a name (the local variable and the component key), a one-line
comment, and an expression whose value lies in [0, 1]. `compose` multiplies each by its signed
weight, so a reward term adds at most its weight and a penalty takes away at most its weight.
It refuses a design whose constant `alive` bonus does not outweigh all penalties together, so
the total stays positive and falling (which ends the episode) is never the better choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# How to read the base's motion about each oscillation axis: (value, rate).
AXES: dict[str, tuple[str, str]] = {
    "yaw": ("s.base_rpy[2]", "s.base_ang_vel[2]"),
    "roll": ("s.base_rpy[0]", "s.base_ang_vel[0]"),
    "pitch": ("s.base_rpy[1]", "s.base_ang_vel[1]"),
    "height": ("s.base_height", "s.base_lin_vel[2]"),
    "lateral": ("s.base_pos[1]", "s.base_lin_vel[1]"),
}


@dataclass(frozen=True)
class Term:
    """One component: `name = weight * expr` with expr in [0, 1] (None: the constant 1)."""

    name: str
    comment: str
    expr: str | None
    weight: float


UPRIGHT_GATE = "jnp.square(jnp.clip(s.upright, 0.0, 1.0))"
"""Multiplies task terms whose pursuit can tip the robot over: nothing is earned while falling."""


def num(x: float) -> str:
    """A float as a short Python literal."""
    text = f"{x:.4g}"
    return text if any(c in text for c in ".e") else text + ".0"


def _minus(value: str, target: float) -> str:
    """`value - target` as source, or `value` alone when the target is 0."""
    if target == 0:
        return value
    return f"{value} - {num(target)}" if target > 0 else f"{value} + {num(-target)}"


def compose(terms: list[Term]) -> str:
    """Reward source for `terms`: one commented line per term, their sum, and the dict."""
    names = [t.name for t in terms]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate term names: {names}")
    alive = sum(t.weight for t in terms if t.expr is None)
    penalties = -sum(t.weight for t in terms if t.weight < 0)
    if alive <= penalties:
        raise ValueError(f"the alive bonus {alive:g} must outweigh the penalties {penalties:g}")
    lines = ["def reward(s, a, prev_a):"]
    for t in terms:
        value = num(t.weight) if t.expr is None else f"{num(t.weight)} * {t.expr}"
        lines += [f"    # {t.comment}", f"    {t.name} = {value}"]
    lines.append("    total = " + " + ".join(names))
    lines.append("    return total, {")
    lines += [f'        "{n}": {n},' for n in names]
    lines.append("    }")
    return "\n".join(lines) + "\n"


# Survival and posture.

def alive(weight: float) -> Term:
    return Term("alive", "A constant bonus for every step the robot stays up.", None, weight)


def upright(weight: float) -> Term:
    return Term("upright", "Keep the base upright.",
                "jnp.square(jnp.clip(s.upright, 0.0, 1.0))", weight)


def base_height(target: float, sigma: float, weight: float, name: str = "base_height") -> Term:
    return Term(name, f"Hold the base at {target:.3g} m.",
                f"jnp.exp(-jnp.square(s.base_height - {num(target)}) / {num(sigma)})", weight)


def orientation(roll: float, pitch: float, sigma: float, weight: float) -> Term:
    return Term("orientation", f"Hold roll {roll:.2g} rad and pitch {pitch:.2g} rad.",
                f"jnp.exp(-(jnp.square(s.base_rpy[0] - {num(roll)}) + "
                f"jnp.square(s.base_rpy[1] - {num(pitch)})) / {num(sigma)})", weight)


def pose(sigma: float, weight: float) -> Term:
    return Term("pose", "Stay close to the standing joint angles.",
                f"jnp.exp(-jnp.mean(jnp.square(s.joint_pos - s.default_joint_pos)) / {num(sigma)})",
                weight)


def stillness(weight: float, name: str = "stay_in_place") -> Term:
    return Term(name, "Do not drift or turn.",
                "jnp.exp(-jnp.sum(jnp.square(s.base_lin_vel[:2])) / 0.05 "
                "- jnp.square(s.base_ang_vel[2]) / 0.2)", weight)


def anchor(weight: float) -> Term:
    return Term("anchor", "Stay near the starting spot (swinging in place is fine).",
                "jnp.exp(-jnp.sum(jnp.square(s.base_pos[:2])) / 0.1)", weight)


def heading(weight: float) -> Term:
    return Term("heading", "Keep facing the starting direction.",
                "jnp.exp(-jnp.square(jnp.sin(s.base_rpy[2] / 2.0)) / 0.05)", weight)


def calm_joints(weight: float) -> Term:
    return Term("calm_joints", "Keep the joints nearly at rest.",
                "jnp.exp(-jnp.mean(jnp.square(s.joint_vel)) / 0.5)", weight)


# Velocity.

def progress(name: str, velocity: str, target: float, weight: float) -> Term:
    """Reward moving at `velocity` toward the sign of `target`, saturating at |target|."""
    sign = "" if target > 0 else "-"
    return Term(name, f"Reward speed up to {target:.3g} (and no more).",
                f"jnp.clip({sign}{velocity} / {num(abs(target))}, 0.0, 1.0)", weight)


def track(name: str, comment: str, value: str, target: float, sigma: float, weight: float) -> Term:
    return Term(name, comment, f"jnp.exp(-jnp.square({_minus(value, target)}) / {num(sigma)})",
                weight)


def track_planar_velocity(vx: float, vy: float, sigma: float, weight: float,
                          name: str = "velocity_tracking") -> Term:
    return Term(name, f"Track the planar velocity ({vx:.3g}, {vy:.3g}) m/s.",
                f"jnp.exp(-(jnp.square({_minus('s.base_lin_vel[0]', vx)}) + "
                f"jnp.square({_minus('s.base_lin_vel[1]', vy)})) / {num(sigma)})", weight)


# Oscillation.

def oscillation_speed(name: str, axis: str, center: float, amplitude: float, freq: float,
                      weight: float) -> Term:
    """Reward fast motion about `axis` while staying near `center` and upright: only swinging
    pays, and tipping over while swinging does not."""
    value, rate = AXES[axis]
    peak = 2.0 * math.pi * freq * amplitude
    return Term(name, f"Move fast about the {axis} axis ({peak:.2g}/s) but stay near the center, "
                "upright.",
                f"{UPRIGHT_GATE} * jnp.tanh(jnp.abs({rate}) / {num(peak)}) * "
                f"jnp.exp(-jnp.square({_minus(value, center)}) / {num(4.0 * amplitude ** 2)})",
                weight)


def oscillator(name: str, axis: str, center: float, amplitude: float, freq: float,
               weight: float) -> Term:
    """Track `center + amplitude * sin(2 pi freq t)` on `axis`, while upright."""
    value, _ = AXES[axis]
    wave = f"{num(amplitude)} * jnp.sin(2.0 * jnp.pi * {num(freq)} * s.time)"
    return Term(name, f"Follow a {freq:g} Hz sine of amplitude {amplitude:.2g} on the {axis} axis.",
                f"{UPRIGHT_GATE} * jnp.exp(-jnp.square({_minus(value, center)} - {wave}) / "
                f"{num((0.5 * amplitude) ** 2)})", weight)


def joint_oscillator(phases: list[float], amplitude: float, freq: float, weight: float) -> Term:
    """Track sine targets around the standing pose, one phase per joint (a simple CPG)."""
    offsets = "jnp.array([" + ", ".join(num(p) for p in phases) + "])"
    target = f"{num(amplitude)} * jnp.sin(2.0 * jnp.pi * {num(freq)} * s.time + {offsets})"
    return Term("joint_rhythm", f"Follow {freq:g} Hz sine targets around the standing pose.",
                f"jnp.exp(-jnp.mean(jnp.square(s.joint_pos - s.default_joint_pos - {target})) "
                f"/ {num(0.5 * amplitude ** 2)})", weight)


def joint_motion(weight: float) -> Term:
    return Term("joint_motion", "Reward lively joint motion.",
                "jnp.tanh(jnp.mean(jnp.abs(s.joint_vel)) / 2.0)", weight)


# Feet.

def gait_contact(phases: list[float], freq: float, weight: float) -> Term:
    """Reward each foot touching down in the first half of its cycle and lifting in the other."""
    offsets = "jnp.array([" + ", ".join(num(p) for p in phases) + "])"
    stance = f"jnp.sin(2.0 * jnp.pi * {num(freq)} * s.time + {offsets}) > 0.0"
    return Term("gait_contact", f"Step to a {freq:g} Hz contact schedule.",
                f"jnp.mean(jnp.where({stance}, s.foot_contact, 1.0 - s.foot_contact))", weight)


def feet_air_time(weight: float) -> Term:
    return Term("feet_air_time", "Reward steps that stay in the air 0.1 to 0.4 s.",
                "jnp.clip(jnp.sum(jnp.clip(s.foot_air_time - 0.1, 0.0, 0.3) * s.first_contact) "
                "/ 0.3, 0.0, 1.0)", weight)


def swing_height(target: float, weight: float) -> Term:
    return Term("swing_height", f"Lift swinging feet to {target:.2g} m.",
                f"jnp.mean((1.0 - s.foot_contact) * "
                f"jnp.exp(-jnp.square(s.foot_height - {num(target)}) / 0.001))", weight)


def feet_planted(weight: float) -> Term:
    return Term("feet_planted", "Keep every foot on the ground.", "jnp.mean(s.foot_contact)",
                weight)


def airborne(weight: float) -> Term:
    return Term("airborne", "Reward having the feet off the ground.",
                "jnp.mean(1.0 - s.foot_contact)", weight)


def foot_lift(index: int, target: float, weight: float, name: str = "paw_lift") -> Term:
    return Term(name, f"Raise foot {index} to {target:.2g} m.",
                f"jnp.exp(-jnp.square(s.foot_height[{index}] - {num(target)}) / 0.002)", weight)


def other_feet_planted(index: int, n_feet: int, weight: float) -> Term:
    mask = "jnp.array([" + ", ".join("0.0" if i == index else "1.0" for i in range(n_feet)) + "])"
    return Term("support_feet", "Keep the other feet on the ground.",
                f"jnp.sum(s.foot_contact * {mask}) / {num(n_feet - 1.0)}", weight)


# Costs (use negative weights).

def action_rate(weight: float) -> Term:
    return Term("action_rate", "Penalize jerky actions.",
                "jnp.tanh(jnp.mean(jnp.square(a - prev_a)))", weight)


def energy(weight: float) -> Term:
    return Term("energy", "Penalize mechanical power.",
                "jnp.tanh(jnp.mean(jnp.abs(s.joint_torque * s.joint_vel)) / 50.0)", weight)


def vertical_bounce(weight: float) -> Term:
    return Term("lin_vel_z", "Penalize bouncing up and down.",
                "jnp.tanh(jnp.square(s.base_lin_vel[2]) / 0.25)", weight)


def wobble(weight: float) -> Term:
    return Term("ang_vel_xy", "Penalize rolling and pitching rates.",
                "jnp.tanh(jnp.sum(jnp.square(s.base_ang_vel[:2])) / 4.0)", weight)
