"""The built-in reward designer: offline and deterministic, from the behaviour text alone.

`design` parses the text into a behaviour spec (`tabrl_core.behaviours.parse`: phases with
targets for speed, turning, height, tilt, rotations, feet and oscillations) and writes three
approaches that differ in strategy, each composed from the reward primitives for the robot's
contract:

1. direct: the task objective itself plus a survival bonus;
2. shaped: the task tracked smoothly, with posture, height, smoothness and energy terms;
3. rhythmic: time-based targets (a gait's foot-contact clock, sine oscillators, pose ramps)
   and, for a spec of several phases, soft phase windows read from `s.time`.

A spec of several phases gets one component per phase, active in that phase's time window
(direct and shaped: a hard window; rhythmic: a soft one). Every term is bounded and the
survival bonus outweighs the penalties, so the total stays positive and a fall (which ends
the episode) never pays. Text it does not understand yields a generic lively-but-stable set
with a note naming the words it did not understand.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from tabrl_core.behaviours import BehaviourSpec, Oscillation, Phase, parse
from tabrl_core.behaviours.body import body_for
from tabrl_core.providers.base import Approach, ProviderResult
from tabrl_core.rewards import primitives as p
from tabrl_core.rewards.contract import RobotContract, contract_for

PROVIDER = "builtin"
PI = math.pi
ALIVE_BONUS = 0.5  # outweighs every design's penalties together (compose checks it)
SHARED = ("alive", "upright", "action_rate", "energy", "ang_vel_xy", "lin_vel_z")
"""Terms a phased design writes once for the whole episode rather than once per phase."""


def design(robot_id: str, behavior: str) -> ProviderResult:
    """Three approaches for `behavior` on robot `robot_id`, offline and deterministic."""
    return design_for(contract_for(robot_id), behavior)


def design_for(contract: RobotContract, behavior: str) -> ProviderResult:
    """`design` for an explicit contract (any joint and foot counts)."""
    return design_spec(parse(behavior, contract), contract)


def design_spec(spec: BehaviourSpec, contract: RobotContract) -> ProviderResult:
    """The three approaches for a parsed (or refined) spec; the note carries the spec's notes."""
    if not spec.understood:
        words = ", ".join(spec.unknown) or "(none)"
        note = (f"The built-in designer did not understand {_quote(spec.text)} (words not "
                f"understood: {words}), so it proposes lively, stable motion. It knows words "
                "such as walk, run, turn, spin, sidestep, trot, jump, flip, shake, wiggle, "
                "dance, sway, bounce, crouch, sit, lie down, bow, tilt, wave, stand on the "
                "back legs and stand still, joined by 'then', 'and', 'while' or 'without'.")
    else:
        note = ("Plan: " + spec.describe() + ". " + " ".join(spec.notes)).strip() \
            if spec.notes else None
    approaches = [_approach(strategy, spec, contract) for strategy in STRATEGIES]
    return ProviderResult(provider=PROVIDER, approaches=approaches, note=note, model="builtin")


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _val(target) -> float:
    return target.value if target is not None else 0.0


# Approaches.

def _approach(strategy: str, spec: BehaviourSpec, contract: RobotContract) -> Approach:
    title, explain = STRATEGY_TEXT[strategy]
    label = spec.label if spec.understood else "lively stable motion"
    terms = _terms(strategy, spec, contract)
    code = p.compose(terms)
    description = (f"{explain.format(label=label)} Plan: {spec.describe()}. Terms: "
                   + ", ".join(t.name.replace("_", " ") for t in terms) + ".")
    return Approach(PROVIDER, _name(title, label), description, code,
                    components=tuple(t.name for t in terms))


def _name(title: str, label: str) -> str:
    name = f"{title}: {label}"
    return name if len(name) <= 40 else name[:37].rstrip() + "..."


STRATEGIES = ("direct", "shaped", "rhythmic")
STRATEGY_TEXT = {
    "direct": ("Direct", "Rewards the objective of '{label}' itself, plus a bonus for every step "
                         "the robot stays up, and nothing else: the policy is free to find its "
                         "own way, with few terms to trade off."),
    "shaped": ("Shaped", "Tracks '{label}' with smooth, bounded targets and adds regularizers "
                         "(upright posture, base height, action smoothness and energy) so the "
                         "motion stays stable and clean while it is learned."),
    "rhythmic": ("Rhythmic", "Structures '{label}' in time: targets follow clocks the policy can "
                             "see (foot contact schedules, sine oscillators, pose ramps and the "
                             "phase schedule), which gives a dense signal at every step."),
}


def _terms(strategy: str, spec: BehaviourSpec, contract: RobotContract) -> list[p.Term]:
    """One phase: its builder's terms. Several: one windowed component per phase, plus the
    shared posture, smoothness and survival terms once."""
    if len(spec.phases) == 1:
        phase = spec.phases[0]
        return _styled(BUILDERS[phase.kind](strategy, phase, contract), phase)
    merged, shared = [], {}
    for i, phase in enumerate(spec.phases, 1):
        terms = BUILDERS[phase.kind](strategy, phase, contract)
        task = [t for t in terms if t.name not in SHARED and t.weight > 0 and t.expr]
        for t in terms:
            if t.name in SHARED:
                shared.setdefault(t.name, t)
        if task:
            merged.append(_windowed(i, phase, task, soft=strategy == "rhythmic"))
    penalties = [shared[n] for n in SHARED if n in shared and n != "alive"]
    return _styled(merged + penalties + _survival(), spec.phases[0])


def _windowed(index: int, phase: Phase, terms: list[p.Term], soft: bool) -> p.Term:
    """The phase's task terms as one component: their weighted mean, inside the time window."""
    total = sum(t.weight for t in terms)
    mean = " + ".join(f"{p.num(t.weight / total)} * ({t.expr})" for t in terms)
    t0, t1 = phase.start, phase.end
    if soft:  # ramps over 0.1 s at each edge: a dense signal around the switch
        window = (f"0.5 * (jnp.tanh((s.time - {p.num(t0)}) / 0.1) - "
                  f"jnp.tanh((s.time - {p.num(t1)}) / 0.1))")
    else:
        window = f"jnp.where((s.time >= {p.num(t0)}) & (s.time < {p.num(t1)}), 1.0, 0.0)"
    words = re.sub(r"[^a-z]+", "_", phase.describe().split(",")[0].lower()).strip("_")
    name = f"phase{index}_{words}"[:40].rstrip("_")
    return p.Term(name, f"Phase {index}, {t0:g}-{t1:g} s: {phase.describe()}.",
                  f"jnp.clip({window}, 0.0, 1.0) * ({mean})", 1.0)


def _styled(terms: list[p.Term], phase: Phase) -> list[p.Term]:
    """Smooth doubles the smoothness cost; steady the wobble cost (still within the bonus)."""
    out = []
    for t in terms:
        if phase.style.smooth and t.name == "action_rate":
            t = replace(t, weight=2.0 * t.weight)
        if phase.style.steady and t.name == "ang_vel_xy":
            t = replace(t, weight=2.0 * t.weight)
        out.append(t)
    return out


def _survival() -> list[p.Term]:
    return [p.alive(ALIVE_BONUS)]


def _regularizers(contract: RobotContract, keep_height: bool = True) -> list[p.Term]:
    terms = [p.upright(0.2)]
    if keep_height:
        terms.append(p.base_height(_stand(contract), _height_sigma(contract), 0.15))
    return terms + [p.action_rate(-0.06), p.energy(-0.06), p.wobble(-0.04)]


def _stand(contract: RobotContract) -> float:
    """The standing base height, at least 0.1 m (fixed-base and planar robots may report 0)."""
    return max(contract.stand_height, 0.1)


def _height_sigma(contract: RobotContract) -> float:
    return (0.1 * _stand(contract)) ** 2


def _swing(phase: Phase, contract: RobotContract) -> float:
    """Swing-foot height: higher when running, lower when low or slow."""
    base = 0.05 if phase.style.low or _val(phase.vx) < 0 else 0.1 if phase.style.speed > 1 \
        else 0.08
    return min(base * phase.style.size, 0.3 * _stand(contract))


def _move(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return _move_direct(phase, contract) + _survival()
    tracking = _move_tracking(phase)
    keep_height = phase.height is None
    if strategy == "shaped":
        extra = [p.vertical_bounce(-0.04)] if phase.gait != "pronk" else []
        return (tracking + _named_gait(phase, contract) + _regularizers(contract, keep_height)
                + _crouch(phase, contract) + extra + _survival())
    rhythm = _gait(phase, contract)
    return ([replace(t, weight=0.6 * t.weight) for t in tracking] + rhythm
            + [p.upright(0.2), p.action_rate(-0.05)] + _survival())


def _move_direct(phase: Phase, contract: RobotContract) -> list[p.Term]:
    vx, vy, yaw = _val(phase.vx), _val(phase.vy), _val(phase.yaw_rate)
    terms = []
    if vx:
        name = "forward_velocity" if vx > 0 else "backward_velocity"
        terms.append(p.progress(name, "s.base_lin_vel[0]", vx, 1.0))
    if vy:
        name = "left_velocity" if vy > 0 else "right_velocity"
        terms.append(p.progress(name, "s.base_lin_vel[1]", vy, 1.0))
    if yaw:
        terms.append(p.progress("turn_rate", "s.base_ang_vel[2]", yaw, 1.0))
    elif phase.yaw_rate is not None:  # "without turning"
        terms.append(p.track("no_turning", "Do not turn.", "s.base_ang_vel[2]", 0.0, 0.25, 0.3))
    if not (vx or vy):
        terms.append(p.Term("stay_in_place", "Do not drift.",
                            "jnp.exp(-jnp.sum(jnp.square(s.base_lin_vel[:2])) / 0.05)", 0.5))
    if not (vx or vy or yaw):
        terms.append(p.feet_air_time(1.0) if contract.n_feet else p.joint_motion(1.0))
    waves = [o for o in phase.oscillations if o.axis != "height"]
    if waves:
        o = waves[0]
        terms.append(p.oscillation_speed("weave", o.axis, 0.0, o.amplitude, o.freq, 0.5))
    return terms + _right_way(phase) + _named_gait(phase, contract) + _crouch(phase, contract)


def _right_way(phase: Phase) -> list[p.Term]:
    """Full while not moving against the asked direction, falling to 0 at the target speed the
    wrong way: a policy that starts out walking forward gets a signal when asked to go back."""
    wrong = [f"jnp.clip({'-' if target > 0 else ''}{value} / {p.num(abs(target))}, 0.0, 1.0)"
             for value, target in (("s.base_lin_vel[0]", _val(phase.vx)),
                                   ("s.base_lin_vel[1]", _val(phase.vy)),
                                   ("s.base_ang_vel[2]", _val(phase.yaw_rate))) if target]
    if not wrong:
        return []
    mean = wrong[0] if len(wrong) == 1 else f"({' + '.join(wrong)}) / {len(wrong)}.0"
    return [p.Term("right_way", "Do not move against the asked direction.", f"(1.0 - {mean})",
                   0.4)]


def _named_gait(phase: Phase, contract: RobotContract) -> list[p.Term]:
    """When the text names a gait, its contact pattern is part of the objective."""
    if not (phase.gait and contract.n_feet):
        return []
    return [p.gait_contact(foot_phases(contract.foot_names, phase.gait), _gait_freq(phase), 0.5)]


def _gait_freq(phase: Phase) -> float:
    return 2.0 if phase.style.speed >= 1 else 1.0


def _move_tracking(phase: Phase) -> list[p.Term]:
    vx, vy, yaw = _val(phase.vx), _val(phase.vy), _val(phase.yaw_rate)
    speed = max(abs(vx), abs(vy), 0.3)
    terms = [p.track_planar_velocity(vx, vy, speed ** 2, 1.0)]
    waves = [o for o in phase.oscillations if o.axis != "height"]
    if waves:
        o = waves[0]
        terms.append(p.oscillator("weave", o.axis, 0.0, o.amplitude, o.freq, 0.5))
    else:
        sigma = max(abs(yaw), 0.5) ** 2
        terms.append(p.track("yaw_rate", f"Track the turning rate {yaw:.2g} rad/s.",
                             "s.base_ang_vel[2]", yaw, sigma, 0.5))
    return terms + _right_way(phase)


def _crouch(phase: Phase, contract: RobotContract) -> list[p.Term]:
    if phase.height is None:
        return []
    return [p.base_height(phase.height.value, _height_sigma(contract), 0.3, name="crouch")]


def _gait(phase: Phase, contract: RobotContract) -> list[p.Term]:
    """Foot-contact clock, swing height and air time; a joint CPG for robots without feet."""
    freq = _gait_freq(phase)
    if contract.n_feet == 0:
        phases = [PI * (i % 2) for i in range(contract.n_joints)]
        return [p.joint_oscillator(phases, 0.25, freq, 0.6)]
    terms = [p.gait_contact(foot_phases(contract.foot_names, phase.gait or "trot"), freq, 0.6),
             p.swing_height(_swing(phase, contract), 0.3)]
    terms.append(p.airborne(0.2) if phase.gait == "pronk" else p.feet_air_time(0.2))
    return terms


def foot_phases(feet: tuple[str, ...], gait: str) -> list[float]:
    """Clock offsets per foot for `gait`: feet with the same offset touch down together."""
    if gait == "pronk":
        return [0.0] * len(feet)
    contract = RobotContract("", "", (), tuple(feet), 0.02)
    sides = [(f.front, f.left) for f in body_for(contract).feet]
    if any(front is None or left is None for front, left in sides):
        return [PI * (i % 2) for i in range(len(feet))]  # alternate neighbours (bipeds)
    pick = {"trot": lambda front, left: front != left, "pace": lambda front, left: left,
            "bound": lambda front, left: not front}[gait]
    return [PI if pick(front, left) else 0.0 for front, left in sides]


def _oscillate(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    waves = list(phase.oscillations) or [Oscillation("pitch", 0.15, 1.0)]
    swings = [p.oscillation_speed(re.sub(r"[^a-z]+", "_", o.axis + "_oscillation"), o.axis,
                                  _center(o.axis, contract), o.amplitude, o.freq,
                                  1.0 / len(waves)) for o in waves]
    if strategy == "direct":
        return swings + _survival()
    level = all(o.axis != "height" for o in waves)  # no bounce: the base keeps its height
    if strategy == "shaped":
        return swings + [p.anchor(0.3)] + _regularizers(contract, level) + _survival()
    oscillators = [p.oscillator(f"{o.axis}_wave", o.axis, _center(o.axis, contract),
                                o.amplitude, o.freq, 1.0 / len(waves)) for o in waves]
    feet = [p.feet_planted(0.3)] if contract.n_feet and level else []
    return oscillators + feet + [p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _center(axis: str, contract: RobotContract) -> float:
    return _stand(contract) if axis == "height" else 0.0


def _jump(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    stand = _stand(contract)
    lift = max(_val(phase.hop), 0.02)
    freq = next((o.freq for o in phase.oscillations if o.axis == "height"), 1.0)
    takeoff = math.sqrt(2.0 * 9.81 * lift)
    rise = p.Term("upward_velocity", f"Reward pushing upward, up to take-off at {takeoff:.2g} m/s.",
                  f"{p.UPRIGHT_GATE} * "
                  f"jnp.tanh(jnp.maximum(s.base_lin_vel[2], 0.0) / {p.num(takeoff)})", 1.0)
    gain = p.Term("height_gain", f"Reward rising above the standing height by up to {lift:.2g} m.",
                  f"{p.UPRIGHT_GATE} * "
                  f"jnp.clip((s.base_height - {p.num(stand)}) / {p.num(lift)}, 0.0, 1.0)", 1.0)
    travel = _jump_travel(phase)
    if strategy == "direct":
        return [rise, gain] + travel + _survival()
    if strategy == "shaped":
        feet = [p.airborne(0.3)] if contract.n_feet else []
        soft = [p.vertical_bounce(-0.04)] if phase.style.smooth else []
        return ([rise, replace(gain, weight=0.7)] + travel + feet + [p.heading(0.2)]
                + _regularizers(contract, keep_height=False) + soft + _survival())
    clock = f"jnp.sin(2.0 * jnp.pi * {p.num(freq)} * (s.time - {p.num(phase.start)}))"
    hop = p.Term("jump_height", f"Follow a {freq:.2g} Hz hop: up in the first half-cycle.",
                 f"{p.UPRIGHT_GATE} * "
                 f"jnp.exp(-jnp.square(s.base_height - {p.num(stand)} - {p.num(lift)} * "
                 f"jnp.maximum({clock}, 0.0)) / {p.num((0.5 * lift) ** 2)})", 1.0)
    terms = [hop] + travel
    if contract.n_feet:
        terms.append(p.Term("flight_phase", "Feet up while the clock says up, down otherwise.",
                            f"jnp.mean(jnp.where({clock} > 0.3, 1.0 - s.foot_contact, "
                            "s.foot_contact))", 0.4))
    return terms + [p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _jump_travel(phase: Phase) -> list[p.Term]:
    """Jumping forward, backward, sideways or while turning: track that motion too."""
    vx, vy, yaw = _val(phase.vx), _val(phase.vy), _val(phase.yaw_rate)
    terms = []
    if vx or vy:
        terms.append(p.track_planar_velocity(vx, vy, max(abs(vx), abs(vy), 0.3) ** 2, 0.5,
                                             name="jump_travel"))
    if yaw:
        terms.append(p.progress("jump_turn", "s.base_ang_vel[2]", yaw, 0.5))
    return terms


def _flip(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    """A full rotation about pitch or roll within the phase: spin that way while airborne,
    then land (the next phase holds the landing)."""
    rot = phase.rotation
    k = 1 if rot.axis == "pitch" else 0
    duration = max(phase.duration, 0.3)
    rate = rot.total / duration
    stand = _stand(contract)
    spin = p.Term("flip_rotation", f"Rotate about {rot.axis} at {rate:.2g} rad/s.",
                  f"jnp.clip({'' if rate > 0 else '-'}s.base_ang_vel[{k}] / {p.num(abs(rate))}, "
                  "0.0, 1.0)", 1.0)
    lift = p.Term("flip_height", "Get the base up off the ground to rotate.",
                  f"jnp.clip((s.base_height - {p.num(stand)}) / {p.num(0.3 * stand)}, 0.0, 1.0)",
                  0.5)
    if strategy == "direct":
        return [spin, lift] + _survival()
    if strategy == "shaped":
        takeoff = p.Term("takeoff", "Push upward to start the flip.",
                         "jnp.tanh(jnp.maximum(s.base_lin_vel[2], 0.0) / 2.0)", 0.5)
        feet = [p.airborne(0.3)] if contract.n_feet else []
        return [spin, lift, takeoff] + feet + [p.action_rate(-0.03)] + _survival()
    progress = (f"jnp.clip((s.time - {p.num(phase.start)}) / {p.num(duration)}, 0.0, 1.0)")
    follow = p.Term("flip_profile", "Follow the flip's tilt over the phase: upright, upside "
                    "down halfway, upright again.",
                    f"jnp.exp(-jnp.square(s.upright - jnp.cos({p.num(abs(rot.total))} * "
                    f"{progress})) / 0.1)", 1.0)
    return [follow, replace(spin, weight=0.5), lift] + [p.action_rate(-0.03)] + _survival()


def _feet_pattern(phase: Phase, contract: RobotContract) -> list[p.Term]:
    """Raised feet up, contact feet down (stand on the back legs, one paw up)."""
    if not (phase.raised and contract.n_feet):
        return []
    mask = [1.0 if name in phase.raised else 0.0 for name in contract.foot_names]
    raised = "jnp.array([" + ", ".join(p.num(m) for m in mask) + "])"
    height = min(0.5 * _stand(contract), 0.15)
    return [p.Term("feet_pattern", f"Feet {', '.join(phase.raised)} up, the others down.",
                   f"jnp.mean({raised} * (1.0 - s.foot_contact) + (1.0 - {raised}) * "
                   "s.foot_contact)", 0.6),
            p.Term("raised_height", f"Lift the raised feet toward {height:.2g} m.",
                   f"jnp.sum({raised} * jnp.tanh(jnp.maximum(s.foot_height, 0.0) / "
                   f"{p.num(height)})) / {p.num(sum(mask))}", 0.6)]


def _arms(phase: Phase, contract: RobotContract, strategy: str) -> list[p.Term]:
    """Raise or wave the arms (shoulder and elbow joints)."""
    arms = body_for(contract).arm_joints
    if not (phase.arms and arms):
        return []
    mask = "jnp.array([" + ", ".join("1.0" if i in arms else "0.0"
                                     for i in range(contract.n_joints)) + "])"
    n = p.num(float(len(arms)))
    offset = "s.joint_pos - s.default_joint_pos"
    if phase.arms == "raise":
        return [p.Term("arms_raised", "Move the arms well away from the standing pose.",
                       f"jnp.tanh(jnp.sum({mask} * jnp.abs({offset})) / {n} / 0.8)", 1.0)]
    if strategy == "rhythmic":
        return [p.Term("arm_wave", "Swing the arms on a 1 Hz sine.",
                       f"jnp.exp(-jnp.sum({mask} * jnp.square({offset} - 0.6 * "
                       f"jnp.sin(2.0 * jnp.pi * s.time))) / {n} / 0.1)", 1.0)]
    return [p.Term("arm_wave", "Keep the arms moving.",
                   f"jnp.tanh(jnp.sum({mask} * jnp.abs(s.joint_vel)) / {n} / 3.0)", 1.0)]


def _pose(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    stand = _stand(contract)
    target = phase.height.value if phase.height is not None else stand
    sigma = _height_sigma(contract)
    roll, pitch = _val(phase.roll), _val(phase.pitch)
    tilted = bool(roll or pitch)
    feet = _feet_pattern(phase, contract) + _arms(phase, contract, strategy)
    if strategy == "rhythmic":
        ramp_t = f"jnp.clip(s.time - {p.num(phase.start)}, 0.0, 1.0)"
        terms = [p.Term("pose_ramp", f"Move from standing to {target:.2g} m over the first second.",
                        f"jnp.exp(-jnp.square(s.base_height - ({p.num(stand)} + "
                        f"{p.num(target - stand)} * {ramp_t})) / {p.num(sigma)})", 1.0)]
        if tilted:
            terms.append(p.Term("tilt_ramp", "Tilt gradually over the first second.",
                                f"jnp.exp(-(jnp.square(s.base_rpy[0] - {p.num(roll)} * {ramp_t}) "
                                f"+ jnp.square(s.base_rpy[1] - {p.num(pitch)} * {ramp_t})) / "
                                "0.02)", 0.8))
        planted = [p.feet_planted(0.3)] if contract.n_feet and not phase.raised else []
        return terms + feet + planted + [p.calm_joints(0.2)] + _survival()
    terms = [p.base_height(target, sigma, 1.0, name="height")]
    if tilted:
        terms.append(p.orientation(roll, pitch, 0.02, 0.8))
    if strategy == "direct":
        return terms + feet + _survival()
    posture = [] if tilted else [p.upright(0.2)]
    return (terms + feet + posture + [p.stillness(0.3), p.action_rate(-0.06), p.energy(-0.06)]
            + _survival())


def _still(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return [p.stillness(1.0, name="stillness")] + _survival()
    if strategy == "shaped":
        return ([p.stillness(1.0, name="stillness"), p.pose(0.05, 0.3)]
                + _regularizers(contract) + _survival())
    feet = [p.feet_planted(0.5)] if contract.n_feet else []
    return feet + [p.calm_joints(0.6), p.pose(0.05, 0.4), p.heading(0.2)] + _survival()


def _wave(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    if phase.arms:
        arms = _arms(phase, contract, strategy)
        extra = [p.stillness(0.3)] if strategy != "direct" else []
        regs = _regularizers(contract) if strategy == "shaped" else \
            [p.upright(0.2), p.action_rate(-0.05)] if strategy == "rhythmic" else []
        return arms + extra + regs + _survival()
    if contract.n_feet < 2 or not phase.raised:
        return _lively(strategy, phase, contract)
    index = contract.foot_names.index(phase.raised[0])
    height = min(0.5 * _stand(contract), 0.15)  # how high the paw goes
    support = p.other_feet_planted(index, contract.n_feet, 0.4)
    if strategy == "direct":
        lift = p.Term("paw_lift", f"Reward raising foot {index} off the ground.",
                      f"jnp.tanh(jnp.maximum(s.foot_height[{index}] - 0.03, 0.0) / "
                      f"{p.num(height)})", 1.0)
        return [lift] + _survival()
    if strategy == "shaped":
        return ([p.foot_lift(index, height, 1.0), support, p.stillness(0.3)]
                + _regularizers(contract) + _survival())
    freq = 1.0 if phase.style.speed < 1 else 2.0
    wave = p.Term("paw_wave", f"Wave foot {index} up and down at {freq:g} Hz.",
                  f"jnp.exp(-jnp.square(s.foot_height[{index}] - {p.num(0.8 * height)} - "
                  f"{p.num(0.3 * height)} * jnp.sin(2.0 * jnp.pi * {p.num(freq)} * "
                  "s.time)) / 0.002)", 1.0)
    return [wave, support, p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _lively(strategy: str, phase: Phase, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return [p.joint_motion(1.0)] + _survival()
    if strategy == "shaped":
        return [p.joint_motion(1.0), p.stillness(0.2)] + _regularizers(contract) + \
            _survival()
    phases = [PI * (i % 2) for i in range(contract.n_joints)]
    return [p.joint_oscillator(phases, 0.3, 1.0, 1.0), p.upright(0.2),
            p.action_rate(-0.05)] + _survival()


BUILDERS = {"move": _move, "turn": _move, "oscillate": _oscillate, "jump": _jump,
            "flip": _flip, "pose": _pose, "still": _still, "wave": _wave, "lively": _lively}
