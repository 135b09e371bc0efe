"""The built-in reward designer: offline and deterministic, from the behaviour text alone.

`design` maps the text to an `Intent` (what to do, with target speed, direction, frequency and
amplitude) and writes three approaches that differ in strategy, each composed from the reward
primitives for the robot's contract:

1. direct: the task objective itself plus a survival bonus;
2. shaped: the task tracked smoothly, with posture, height, smoothness and energy terms;
3. rhythmic: time-based targets (a gait's foot-contact clock, sine oscillators, pose ramps).

Every term is bounded and the survival bonus outweighs the penalties, so the total stays positive
and a fall (which ends the episode) never pays. Text it does not understand yields a generic
lively-but-stable set with a note saying so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from tabrl_core.providers.base import Approach, ProviderResult
from tabrl_core.rewards import primitives as p
from tabrl_core.rewards.contract import RobotContract, contract_for

PROVIDER = "builtin"
PI = math.pi
ALIVE_BONUS = 0.5  # outweighs every design's penalties together (compose checks it)


@dataclass(frozen=True)
class Intent:
    """What the behaviour text asks for, as the parameters the approach builders read."""

    label: str  # short words for names and descriptions, e.g. "walk forward"
    kind: str  # move, oscillate, jump, pose, still, wave or lively
    vx: float = 0.0  # forward velocity target, m/s
    vy: float = 0.0  # leftward velocity target, m/s
    yaw_rate: float = 0.0  # turning rate target, rad/s (left is positive)
    gait: str = ""  # foot pattern the text names (trot, pace, bound, pronk); "" = trot, unnamed
    height: float = 1.0  # base height target as a fraction of the standing height
    roll: float = 0.0  # rad; positive leans right
    pitch: float = 0.0  # rad; positive tips the nose down
    axes: tuple[tuple[str, float], ...] = ()  # oscillations: (axis, amplitude in rad or m/stand)
    freq: float = 2.0  # Hz of gaits and oscillations (the policy sees 1 and 2 Hz clocks)
    swing: float = 0.08  # swing-foot height target, m


# Phrases, most specific first: the first pattern found in the text picks the intent.
PHRASES: tuple[tuple[str, Intent], ...] = (
    (r"\bmoon ?walk", Intent("moonwalk", "move", vx=-0.35, swing=0.04)),
    (r"\b(wave|waving|paw|high five)|shake hands|\b(lift|raise)\w* (a |one )?(leg|foot)",
     Intent("wave a paw", "wave")),
    (r"\b(shak|wiggl|twerk|swing|sway|roll|mov)\w* (\w+ )?(hips?|butt|booty|bum)\b|\bhula|\baloha",
     Intent("shake hips", "oscillate", axes=(("roll", 0.15), ("yaw", 0.1)))),
    (r"\bwag", Intent("wag", "oscillate", axes=(("yaw", 0.25),))),
    (r"\b(wiggl|shimmy|jiggl)", Intent("wiggle", "oscillate", axes=(("roll", 0.15),))),
    (r"\b(danc|boogie|groov|party)", Intent("dance", "oscillate", freq=1.0,
                                            axes=(("yaw", 0.25), ("height", 0.08)))),
    (r"\b(shak|shiver|vibrat|tremble)", Intent("shake", "oscillate",
                                               axes=(("yaw", 0.2), ("roll", 0.1)))),
    (r"\bsway|\brock\w* (side|back)|side to side", Intent("sway", "oscillate", freq=1.0,
                                                         axes=(("lateral", 0.15), ("roll", 0.1)))),
    (r"\b(nod|headbang|head bang)", Intent("nod", "oscillate", axes=(("pitch", 0.12),))),
    (r"\blook around|\bscan", Intent("look around", "oscillate", freq=1.0,
                                     axes=(("yaw", 0.35),))),
    (r"\b(bounc|bob)|\bpush ?ups?", Intent("bounce", "oscillate", axes=(("height", 0.12),))),
    (r"\b(pronk|stot)", Intent("pronk", "move", vx=0.3, gait="pronk")),
    (r"\b(gallop|bound)", Intent("gallop", "move", vx=1.2, gait="bound", swing=0.1)),
    (r"\b(pace|amble)", Intent("pace", "move", vx=0.5, gait="pace")),
    (r"\b(trot|prance|strut)", Intent("trot", "move", vx=0.6, gait="trot", swing=0.1)),
    (r"\bmarch|\b(step|stomp|jog|run|walk)\w* (on the spot|in place)|\btap",
     Intent("march in place", "move", gait="trot", swing=0.1)),
    (r"\b(hop|skip)", Intent("hop", "jump", freq=2.0, height=1.08)),
    (r"\b(jump|leap|spring)", Intent("jump", "jump", freq=1.0, height=1.2)),
    (r"\b(spin|twirl|pirouette|rotat)|turn\w* around|in place.*turn",
     Intent("spin in place", "move", yaw_rate=2.0)),
    (r"\bcircle", Intent("walk in a circle", "move", vx=0.4, yaw_rate=0.8)),
    (r"\b(zig ?zag|weav|slalom)", Intent("zigzag", "move", vx=0.4, axes=(("yaw", 0.3),),
                                        freq=1.0)),
    (r"\b(turn|yaw)", Intent("turn left", "move", yaw_rate=1.0)),
    (r"\b(sidestep|side step|strafe|sideways|crab|slide)", Intent("sidestep left", "move", vy=0.3)),
    (r"\b(crawl|sneak|creep|stalk|prowl)", Intent("crawl", "move", vx=0.3, height=0.75,
                                                  swing=0.05)),
    (r"\bback ?(up|wards?)\b|\b(reverse|retreat)", Intent("walk backward", "move", vx=-0.4)),
    (r"\b(run|sprint|dash|rac(e|ing)|fast|hurry|zoom)", Intent("run fast", "move", vx=1.0,
                                                               swing=0.1)),
    (r"\b(walk|go|move|forward|advance|stroll|head|patrol|come)\b",
     Intent("walk forward", "move", vx=0.5)),
    (r"\b(lie|lay|lying|flat|rest|sleep|nap|play dead)", Intent("lie down", "pose", height=0.45)),
    (r"\bsit", Intent("sit", "pose", height=0.8, pitch=-0.3)),
    (r"\b(crouch|squat|duck|lower|get low|kneel)", Intent("crouch", "pose", height=0.75)),
    (r"\brear|\bhind legs|\bbeg\b", Intent("rear up", "pose", height=1.05, pitch=-0.35)),
    (r"\b(bow|pitch forward|lean forward|nose down)", Intent("bow", "pose", height=0.9,
                                                            pitch=0.3)),
    (r"\b(tilt|lean|bank)", Intent("tilt left", "pose", roll=-0.25)),
    (r"\b(tall|stretch|straight|proud|tiptoe|stand up)", Intent("stand tall", "pose",
                                                                height=1.12)),
    (r"\b(still|balanc|stay|freeze|statue|stand|wait|idle|hold|calm|steady)",
     Intent("stand still", "still")),
)

GENERIC = Intent("lively stable motion", "lively", freq=1.0)


def design(robot_id: str, behavior: str) -> ProviderResult:
    """Three approaches for `behavior` on robot `robot_id`, offline and deterministic."""
    return design_for(contract_for(robot_id), behavior)


def design_for(contract: RobotContract, behavior: str) -> ProviderResult:
    """`design` for an explicit contract (any joint and foot counts)."""
    intent = parse_behavior(behavior)
    note = None
    if intent is None:
        intent = GENERIC
        note = (f"The built-in designer did not understand {_quote(behavior)}, so it proposes "
                "lively, stable motion. It knows words such as walk, run, turn, spin, sidestep, "
                "trot, jump, shake, wiggle, dance, sway, bounce, crouch, sit, lie down, bow, "
                "tilt, wave and stand still.")
    approaches = [_approach(strategy, intent, contract) for strategy in STRATEGIES]
    return ProviderResult(provider=PROVIDER, approaches=approaches, note=note, model="builtin")


def parse_behavior(text: str) -> Intent | None:
    """The intent the text asks for, with its modifiers applied; None when not understood."""
    words = " ".join(re.findall(r"[a-z0-9.]+", str(text).lower()))
    for pattern, intent in PHRASES:
        if re.search(pattern, words):
            return _modified(intent, words)
    return None


def _modified(intent: Intent, words: str) -> Intent:
    speed, size = 1.0, 1.0
    if re.search(r"fast|quick|rapid|hard|wild|crazy|energetic|hurry", words):
        speed = 1.5
    if re.search(r"slow|gentl|calm|lazy|careful", words):
        speed = 0.5
    if re.search(r"\b(big|wide|large|huge|high|lots)", words):
        size = 1.5
    if re.search(r"\b(small|little|tiny|slight|subtle)", words):
        size = 0.6
    changes = dict(vx=intent.vx * speed, vy=intent.vy * speed, yaw_rate=intent.yaw_rate * speed,
                   axes=tuple((axis, amp * size) for axis, amp in intent.axes),
                   freq=2.0 if speed > 1 else 1.0 if speed < 1 else intent.freq)
    requested = re.search(r"(\d+(?:\.\d+)?) ?(m/s|m s|meters? per second|mps)", words)
    if requested and intent.kind == "move" and (intent.vx or intent.vy):
        target = min(max(float(requested.group(1)), 0.1), 3.0)
        changes.update(vx=math.copysign(target, intent.vx) if intent.vx else 0.0,
                       vy=0.0 if intent.vx else math.copysign(target, intent.vy))
    changed = replace(intent, **changes)
    return _sided(changed, words)


def _sided(intent: Intent, words: str) -> Intent:
    """Mirror left-handed intents when the text says right."""
    if not re.search(r"\bright\b|clockwise", words) or re.search(r"counter.?clockwise", words):
        return intent
    if intent.label in ("turn left", "sidestep left", "tilt left"):
        return replace(intent, label=intent.label.replace("left", "right"), vy=-intent.vy,
                       yaw_rate=-intent.yaw_rate, roll=-intent.roll)
    if intent.label in ("spin in place", "walk in a circle"):
        return replace(intent, label=intent.label + " clockwise", yaw_rate=-intent.yaw_rate)
    return intent


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= 80 else text[:77] + "...")


# Approaches.

def _approach(strategy: str, intent: Intent, contract: RobotContract) -> Approach:
    title, explain = STRATEGY_TEXT[strategy]
    terms = BUILDERS[intent.kind](strategy, intent, contract)
    code = p.compose(terms)
    description = (f"{explain.format(label=intent.label)} Terms: "
                   + ", ".join(t.name.replace("_", " ") for t in terms) + ".")
    return Approach(PROVIDER, f"{title}: {intent.label}", description, code,
                    components=tuple(t.name for t in terms))


STRATEGIES = ("direct", "shaped", "rhythmic")
STRATEGY_TEXT = {
    "direct": ("Direct", "Rewards the objective of '{label}' itself, plus a bonus for every step "
                         "the robot stays up, and nothing else: the policy is free to find its "
                         "own way, with few terms to trade off."),
    "shaped": ("Shaped", "Tracks '{label}' with smooth, bounded targets and adds regularizers "
                         "(upright posture, base height, action smoothness and energy) so the "
                         "motion stays stable and clean while it is learned."),
    "rhythmic": ("Rhythmic", "Structures '{label}' in time: targets follow clocks the policy can "
                             "see (foot contact schedules, sine oscillators or a pose ramp), "
                             "which gives a dense signal at every step of the cycle."),
}


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


def _move(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return _move_direct(intent, contract) + _survival()
    tracking = _move_tracking(intent)
    if strategy == "shaped":
        extra = [p.vertical_bounce(-0.04)] if intent.gait != "pronk" else []
        return (tracking + _named_gait(intent, contract)
                + _regularizers(contract, intent.height == 1.0)
                + _crouch(intent, contract) + extra + _survival())
    rhythm = _gait(intent, contract)
    return ([replace(t, weight=0.6 * t.weight) for t in tracking] + rhythm
            + [p.upright(0.2), p.action_rate(-0.05)] + _survival())


def _move_direct(intent: Intent, contract: RobotContract) -> list[p.Term]:
    terms = []
    if intent.vx:
        name = "forward_velocity" if intent.vx > 0 else "backward_velocity"
        terms.append(p.progress(name, "s.base_lin_vel[0]", intent.vx, 1.0))
    if intent.vy:
        name = "left_velocity" if intent.vy > 0 else "right_velocity"
        terms.append(p.progress(name, "s.base_lin_vel[1]", intent.vy, 1.0))
    if intent.yaw_rate:
        terms.append(p.progress("turn_rate", "s.base_ang_vel[2]", intent.yaw_rate, 1.0))
    if not (intent.vx or intent.vy):
        terms.append(p.Term("stay_in_place", "Do not drift.",
                            "jnp.exp(-jnp.sum(jnp.square(s.base_lin_vel[:2])) / 0.05)", 0.5))
    if not (intent.vx or intent.vy or intent.yaw_rate):
        terms.append(p.feet_air_time(1.0) if contract.n_feet else p.joint_motion(1.0))
    if intent.axes:
        axis, amplitude = intent.axes[0]
        terms.append(p.oscillation_speed("weave", axis, 0.0, amplitude, intent.freq, 0.5))
    return terms + _named_gait(intent, contract)


def _named_gait(intent: Intent, contract: RobotContract) -> list[p.Term]:
    """When the text names a gait, its contact pattern is part of the objective."""
    if not (intent.gait and contract.n_feet):
        return []
    return [p.gait_contact(foot_phases(contract.foot_names, intent.gait), intent.freq, 0.5)]


def _move_tracking(intent: Intent) -> list[p.Term]:
    speed = max(abs(intent.vx), abs(intent.vy), 0.3)
    terms = [p.track_planar_velocity(intent.vx, intent.vy, speed ** 2, 1.0)]
    if intent.axes:
        axis, amplitude = intent.axes[0]
        terms.append(p.oscillator("weave", axis, 0.0, amplitude, intent.freq, 0.5))
    else:
        sigma = max(abs(intent.yaw_rate), 0.5) ** 2
        terms.append(p.track("yaw_rate", f"Track the turning rate {intent.yaw_rate:.2g} rad/s.",
                             "s.base_ang_vel[2]", intent.yaw_rate, sigma, 0.5))
    return terms


def _crouch(intent: Intent, contract: RobotContract) -> list[p.Term]:
    if intent.height == 1.0:
        return []
    return [p.base_height(_height_target(intent, contract), _height_sigma(contract), 0.3)]


def _gait(intent: Intent, contract: RobotContract) -> list[p.Term]:
    """Foot-contact clock, swing height and air time; a joint CPG for robots without feet."""
    freq = intent.freq
    if contract.n_feet == 0:
        phases = [PI * (i % 2) for i in range(contract.n_joints)]
        return [p.joint_oscillator(phases, 0.25, freq, 0.6)]
    terms = [p.gait_contact(foot_phases(contract.foot_names, intent.gait or "trot"), freq, 0.6),
             p.swing_height(min(intent.swing, 0.3 * _stand(contract)), 0.3)]
    if intent.gait != "pronk":
        terms.append(p.feet_air_time(0.2))
    else:
        terms.append(p.airborne(0.2))
    return terms


def foot_phases(feet: tuple[str, ...], gait: str) -> list[float]:
    """Clock offsets per foot for `gait`: feet with the same offset touch down together."""
    sides = [_foot_side(name) for name in feet]
    if gait == "pronk":
        return [0.0] * len(feet)
    if None in sides:  # unknown layout: alternate neighbours (left/right for bipeds)
        return [PI * (i % 2) for i in range(len(feet))]
    pick = {"trot": lambda front, left: front != left, "pace": lambda front, left: left,
            "bound": lambda front, left: not front}[gait]
    return [PI if pick(front, left) else 0.0 for front, left in sides]


def _foot_side(name: str) -> tuple[bool, bool] | None:
    """(front, left) from a foot name such as FR_foot, rear_left or hind_right; None if unsure."""
    lowered = name.lower()
    words = set(re.split(r"[^a-z]+", lowered))
    code = re.match(r"([fhrb])([lr])(_|$)", lowered)
    if code:
        return code.group(1) == "f", code.group(2) == "l"
    front = words & {"front", "fore"}
    back = words & {"rear", "hind", "back"}
    left, right = "left" in words, "right" in words
    if (front or back) and (left or right):
        return bool(front), left
    return None


def _oscillate(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    waves = [(axis, _amplitude(axis, amp, contract)) for axis, amp in intent.axes]
    name = intent.label.replace(" ", "_")
    if strategy == "direct":
        axis, amplitude = waves[0]
        return [p.oscillation_speed(name, axis, _center(axis, contract), amplitude, intent.freq,
                                    1.0)] + _survival()
    if strategy == "shaped":
        axis, amplitude = waves[0]
        keep_height = all(axis != "height" for axis, _ in waves)
        return ([p.oscillation_speed(name, axis, _center(axis, contract), amplitude,
                                     intent.freq, 1.0)]
                + [p.anchor(0.3)] + _regularizers(contract, keep_height) + _survival())
    oscillators = [p.oscillator(f"{name}_{axis}", axis, _center(axis, contract), amplitude,
                                intent.freq, 1.0 / len(waves)) for axis, amplitude in waves]
    feet = [p.feet_planted(0.3)] if contract.n_feet and "height" not in dict(waves) else []
    return oscillators + feet + [p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _amplitude(axis: str, amplitude: float, contract: RobotContract) -> float:
    """Angles are in rad; heights and side shifts are fractions of the standing height."""
    return amplitude * _stand(contract) if axis in ("height", "lateral") else amplitude


def _center(axis: str, contract: RobotContract) -> float:
    return _stand(contract) if axis == "height" else 0.0


def _jump(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    stand = _stand(contract)
    lift = (intent.height - 1.0) * stand
    takeoff = math.sqrt(2.0 * 9.81 * lift)
    rise = p.Term("upward_velocity", f"Reward pushing upward, up to take-off at {takeoff:.2g} m/s.",
                  f"{p.UPRIGHT_GATE} * "
                  f"jnp.tanh(jnp.maximum(s.base_lin_vel[2], 0.0) / {p.num(takeoff)})", 1.0)
    gain = p.Term("height_gain", f"Reward rising above the standing height by up to {lift:.2g} m.",
                  f"{p.UPRIGHT_GATE} * "
                  f"jnp.clip((s.base_height - {p.num(stand)}) / {p.num(lift)}, 0.0, 1.0)", 1.0)
    if strategy == "direct":
        return [rise, gain] + _survival()
    if strategy == "shaped":
        feet = [p.airborne(0.3)] if contract.n_feet else []
        return ([rise, replace(gain, weight=0.7)] + feet + [p.heading(0.2)]
                + _regularizers(contract, keep_height=False) + _survival())
    hop = p.Term("jump_height", f"Follow a {intent.freq:g} Hz hop: up in the first half-cycle.",
                 f"{p.UPRIGHT_GATE} * "
                 f"jnp.exp(-jnp.square(s.base_height - {p.num(stand)} - {p.num(lift)} * "
                 f"jnp.maximum(jnp.sin(2.0 * jnp.pi * {p.num(intent.freq)} * s.time), 0.0)) / "
                 f"{p.num((0.5 * lift) ** 2)})", 1.0)
    terms = [hop]
    if contract.n_feet:
        terms.append(p.Term("flight_phase", "Feet up while the clock says up, down otherwise.",
                            f"jnp.mean(jnp.where(jnp.sin(2.0 * jnp.pi * {p.num(intent.freq)} * "
                            "s.time) > 0.3, 1.0 - s.foot_contact, s.foot_contact))", 0.4))
    return terms + [p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _height_target(intent: Intent, contract: RobotContract) -> float:
    """The pose's base height, kept well above the height where the episode ends."""
    stand = _stand(contract)
    floor = max(contract.min_base_height, 0.0)
    return max(intent.height * stand, floor + 0.3 * (stand - floor))


def _pose(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    target = _height_target(intent, contract)
    sigma = _height_sigma(contract)
    tilted = bool(intent.roll or intent.pitch)
    if strategy == "rhythmic":
        stand = _stand(contract)
        ramp = p.Term("pose_ramp", f"Move from standing to {target:.2g} m over the first second.",
                      f"jnp.exp(-jnp.square(s.base_height - ({p.num(stand)} + "
                      f"{p.num(target - stand)} * jnp.minimum(s.time, 1.0))) / {p.num(sigma)})",
                      1.0)
        terms = [ramp]
        if tilted:
            terms.append(p.Term("tilt_ramp", "Tilt gradually over the first second.",
                                f"jnp.exp(-(jnp.square(s.base_rpy[0] - {p.num(intent.roll)} * "
                                f"jnp.minimum(s.time, 1.0)) + jnp.square(s.base_rpy[1] - "
                                f"{p.num(intent.pitch)} * jnp.minimum(s.time, 1.0))) / 0.02)",
                                0.8))
        feet = [p.feet_planted(0.3)] if contract.n_feet else []
        return terms + feet + [p.calm_joints(0.2)] + _survival()
    terms = [p.base_height(target, sigma, 1.0, name="height")]
    if tilted:
        terms.append(p.orientation(intent.roll, intent.pitch, 0.02, 0.8))
    if strategy == "direct":
        return terms + _survival()
    posture = [] if tilted else [p.upright(0.2)]
    return (terms + posture + [p.stillness(0.3), p.action_rate(-0.06), p.energy(-0.06)]
            + _survival())


def _still(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return [p.stillness(1.0, name="stillness")] + _survival()
    if strategy == "shaped":
        return ([p.stillness(1.0, name="stillness"), p.pose(0.05, 0.3)]
                + _regularizers(contract) + _survival())
    feet = [p.feet_planted(0.5)] if contract.n_feet else []
    return feet + [p.calm_joints(0.6), p.pose(0.05, 0.4), p.heading(0.2)] + _survival()


def _wave(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    if contract.n_feet < 2:
        return _lively(strategy, intent, contract)
    index = 0  # the first foot: front right on Go1, left on bipeds
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
    wave = p.Term("paw_wave", f"Wave foot {index} up and down at {intent.freq:g} Hz.",
                  f"jnp.exp(-jnp.square(s.foot_height[{index}] - {p.num(0.8 * height)} - "
                  f"{p.num(0.3 * height)} * jnp.sin(2.0 * jnp.pi * {p.num(intent.freq)} * "
                  "s.time)) / 0.002)", 1.0)
    return [wave, support, p.upright(0.2), p.action_rate(-0.05)] + _survival()


def _lively(strategy: str, intent: Intent, contract: RobotContract) -> list[p.Term]:
    if strategy == "direct":
        return [p.joint_motion(1.0)] + _survival()
    if strategy == "shaped":
        return [p.joint_motion(1.0), p.stillness(0.2)] + _regularizers(contract) + \
            _survival()
    phases = [PI * (i % 2) for i in range(contract.n_joints)]
    return [p.joint_oscillator(phases, 0.3, intent.freq, 1.0), p.upright(0.2),
            p.action_rate(-0.05)] + _survival()


BUILDERS = {"move": _move, "oscillate": _oscillate, "jump": _jump, "pose": _pose,
            "still": _still, "wave": _wave, "lively": _lively}
