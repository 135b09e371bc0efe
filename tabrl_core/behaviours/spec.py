"""The behaviour spec: the plan a sentence is parsed into, between the words and the rewards.

A `BehaviourSpec` is a list of `Phase`s in time order over one episode. Each phase says what the
base should do (planar velocity, turning rate or a total turn, height, roll and pitch, full
rotations), which feet are down or raised, what oscillates, and how (style). Every target comes
with a tolerance, so the designer can shape a reward and the judge can draw a pass line from the
same numbers. Angles are in rad (roll positive leans right, pitch positive tips the nose down,
yaw positive turns left), velocities in m/s in the heading frame (x forward, y left), heights
in m above the floor.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

from tabrl_core.training.config import TrainConfig

EPISODE_S = TrainConfig().episode_seconds
"""How long a behaviour has to show: one training episode, the length of the videos."""


@dataclass(frozen=True)
class Target:
    """A value to reach and how far from it still counts as reached."""

    value: float
    tol: float

    def __str__(self) -> str:
        return f"{self.value:.2g}"


@dataclass(frozen=True)
class Oscillation:
    """A sine about one axis: yaw, roll, pitch (rad), height or lateral (m)."""

    axis: str
    amplitude: float
    freq: float  # Hz


@dataclass(frozen=True)
class Rotation:
    """A full-body rotation: a flip (pitch), a roll or cartwheel (roll), signed total in rad."""

    axis: str  # pitch or roll
    total: float


@dataclass(frozen=True)
class Style:
    """How the motion is done."""

    speed: float = 1.0  # multiplies speeds and frequencies
    size: float = 1.0  # multiplies amplitudes and heights
    smooth: bool = False  # soft, gentle motion: larger smoothness costs
    steady: bool = False  # little wobble, steady heading
    low: bool = False  # close to the ground


@dataclass(frozen=True)
class Phase:
    """One part of the behaviour, from `start` to `end` seconds into the episode."""

    kind: str  # move, turn, jump, flip, oscillate, pose, wave, still or lively
    start: float = 0.0
    end: float = EPISODE_S
    repeat: int = 1  # jumps, flips or turns to do in the phase
    until: str = ""  # the condition that ends the phase, as words ("facing back")
    vx: Target | None = None  # forward velocity, m/s
    vy: Target | None = None  # leftward velocity, m/s
    yaw_rate: Target | None = None  # rad/s, left positive
    turn: Target | None = None  # total yaw over the phase, rad, left positive
    distance: Target | None = None  # distance travelled over the phase, m
    height: Target | None = None  # base height, m
    hop: Target | None = None  # jump height above standing, m
    roll: Target | None = None  # held roll, rad
    pitch: Target | None = None  # held pitch, rad
    rotation: Rotation | None = None
    contact: tuple[str, ...] = ()  # feet that stay on the ground
    raised: tuple[str, ...] = ()  # feet held up
    arms: str = ""  # "raise" or "wave" (robots with arm joints)
    oscillations: tuple[Oscillation, ...] = ()
    gait: str = ""  # trot, pace, bound or pronk; "" = any
    style: Style = field(default_factory=Style)
    implied: bool = False  # added by the parser (e.g. standing still after a timed action)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def short_label(self) -> str:
        """Two or three words naming the phase: 'walk forward', 'backflip', 'jump x3'."""
        if self.rotation is not None:
            return _action_words(self).split(" (")[0]
        vx, vy = (self.vx.value if self.vx else 0.0), (self.vy.value if self.vy else 0.0)
        yaw = self.turn.value if self.turn else self.yaw_rate.value if self.yaw_rate else 0.0
        turning = _signed(yaw, "left", "right") if yaw else ""
        if self.kind == "jump":
            return "jump" + (f" x{self.repeat}" if self.repeat > 1 else "")
        if self.kind in ("move", "turn") and (vx or vy):
            way = _signed(vx, "forward", "backward") if abs(vx) >= abs(vy) else \
                _signed(vy, "left", "right")
            gait = self.gait or ("run" if max(abs(vx), abs(vy)) > 0.9 else "walk")
            return f"{gait} {way}" + (f", turn {turning}" if turning else "")
        if self.kind in ("move", "turn"):
            return f"turn {turning}" if turning else "step in place"
        if self.kind == "pose":
            if self.raised and len(self.raised) > 1 and self.contact:
                return f"stand on {len(self.contact)} feet"
            if self.raised:
                return "raise a foot" if len(self.raised) == 1 else "raise the feet"
            if self.roll is not None and abs(self.roll.value) > 2:
                return "lie on its back"
            if self.roll is not None or self.pitch is not None:
                return "tilt" if self.roll is not None else "pitch pose"
            return f"pose at {self.height.value:.2g} m" if self.height else "hold a pose"
        if self.kind == "oscillate":
            return "+".join(o.axis for o in self.oscillations[:2]) + " oscillation"
        return {"still": "stand still", "wave": "wave", "lively": "lively motion"}.get(
            self.kind, self.kind)

    def describe(self) -> str:
        """What this phase asks for, in plain words."""
        parts = [_action_words(self)]
        if self.contact and self.raised:
            parts.append(f"on {', '.join(self.contact)} with {', '.join(self.raised)} up")
        elif self.raised:
            parts.append(f"{', '.join(self.raised)} up")
        if self.arms:
            parts.append(f"{self.arms} the arms")
        for osc in self.oscillations:
            if self.kind == "jump" and osc.axis == "height":
                parts.append(f"{osc.freq:.2g} jumps/s")
                continue
            unit = "m" if osc.axis in ("height", "lateral") else "rad"
            parts.append(f"{osc.axis} oscillation {osc.amplitude:.2g} {unit} at {osc.freq:.2g} Hz")
        if self.height is not None and self.kind not in ("pose",):
            parts.append(f"height {self.height.value:.2g} m")
        if self.yaw_rate is not None and self.yaw_rate.value == 0 and self.turn is None:
            parts.append("no turning")
        if self.gait:
            parts.append(f"{self.gait} gait")
        style = [w for w, on in (("smooth", self.style.smooth), ("steady", self.style.steady),
                                 ("low", self.style.low)) if on]
        if style:
            parts.append(" and ".join(style))
        if self.until:
            parts.append(f"until {self.until}")
        if self.rotation is None and self.roll is None and self.pitch is None:
            parts.append("upright")
        return ", ".join(parts)


def _signed(value: float, positive: str, negative: str) -> str:
    return positive if value >= 0 else negative


def _action_words(phase: Phase) -> str:
    if phase.rotation is not None:
        rot = phase.rotation
        name = ({True: "front flip", False: "backflip"}[rot.total > 0] if rot.axis == "pitch"
                else _signed(rot.total, "roll right", "roll left"))
        count = abs(rot.total) / (2 * math.pi)
        turns = f", {count:.2g} turn{'' if round(count, 2) == 1 else 's'}" if count >= 1 else ""
        return f"{name} ({abs(rot.total):.2g} rad{turns})"
    words = []
    if phase.kind == "jump" and phase.hop is not None:
        words.append(f"jump {phase.hop.value:.2g} m" + (f" x{phase.repeat}" if phase.repeat > 1
                                                        else ""))
    moves = []
    if phase.vx is not None and phase.vx.value:
        moves.append(f"{_signed(phase.vx.value, 'forward', 'backward')} at "
                     f"{abs(phase.vx.value):.2g} m/s")
    if phase.vy is not None and phase.vy.value:
        moves.append(f"{_signed(phase.vy.value, 'left', 'right')} at "
                     f"{abs(phase.vy.value):.2g} m/s")
    if moves:
        words.append(("walk " if phase.kind == "move" else "move ") + " and ".join(moves))
    if phase.distance is not None:
        words.append(f"for {phase.distance.value:.2g} m")
    if phase.turn is not None:
        words.append(f"turn {abs(phase.turn.value):.2g} rad "
                     f"{_signed(phase.turn.value, 'left', 'right')}")
    elif phase.yaw_rate is not None and phase.yaw_rate.value:
        words.append(f"turn {_signed(phase.yaw_rate.value, 'left', 'right')} at "
                     f"{abs(phase.yaw_rate.value):.2g} rad/s")
    if words and words[-1].startswith("turn") and not moves and phase.kind in ("turn", "move"):
        words[-1] += " in place"
    if phase.kind == "pose":
        pose = []
        if phase.height is not None:
            pose.append(f"base at {phase.height.value:.2g} m")
        if phase.roll is not None and phase.roll.value:
            pose.append(f"roll {phase.roll.value:.2g} rad")
        if phase.pitch is not None and phase.pitch.value:
            pose.append(f"pitch {phase.pitch.value:.2g} rad")
        words.append("hold a pose" + (": " + ", ".join(pose) if pose else ""))
    if phase.kind == "wave":
        words.append("wave")
    if phase.kind == "oscillate" and not words:
        words.append("oscillate in place")
    if not words and phase.kind == "move" and phase.vx is not None:
        words.append("step in place")
    if phase.kind == "still" or (not words and phase.kind in ("move", "turn")):
        words.append("stand still")
    if phase.kind == "lively" and not words:
        words.append("lively, stable motion")
    return "; ".join(words) if words else phase.kind


@dataclass(frozen=True)
class BehaviourSpec:
    """A sentence's behaviour for one robot: phases in time order, and what the parser noted."""

    robot_id: str
    text: str
    phases: tuple[Phase, ...]
    notes: tuple[str, ...] = ()  # unknown words, conflicts and clipping, in plain words
    unknown: tuple[str, ...] = ()  # the words the parser did not understand
    understood: bool = True  # False when nothing in the text was understood (generic set)

    @property
    def label(self) -> str:
        """A few words for approach names (at most 30 characters): 'turn left, then stand'."""
        names = [self.phases[0].short_label()] + [p.short_label() for p in self.phases[1:]
                                                  if not p.implied]
        label = ", then ".join(names)
        return label if len(label) <= 30 else (names[0][:22] + ", then...")

    def describe(self) -> str:
        """The plan in plain text, e.g. 'phase 1, 0-2 s: turn 6.3 rad left in place; ...'."""
        if len(self.phases) == 1:
            return self.phases[0].describe()
        return "; ".join(f"phase {i}, {_seconds(p.start)}-{_seconds(p.end)} s: {p.describe()}"
                         for i, p in enumerate(self.phases, 1))

    def to_dict(self) -> dict:
        """Plain data (JSON-ready): unset targets are left out of each phase."""
        return {"robot_id": self.robot_id, "text": self.text, "understood": self.understood,
                "phases": [_phase_dict(p) for p in self.phases], "notes": list(self.notes),
                "unknown": list(self.unknown), "describe": self.describe()}

    @classmethod
    def from_dict(cls, data: dict) -> "BehaviourSpec":
        """The spec `to_dict` wrote (e.g. a refined spec stored with its job)."""
        phases = tuple(_phase_from_dict(p) for p in data["phases"])
        return cls(data["robot_id"], data["text"], phases, tuple(data.get("notes", ())),
                   tuple(data.get("unknown", ())), data.get("understood", True))

    def with_phases(self, phases, note: str | None = None) -> "BehaviourSpec":
        notes = self.notes + ((note,) if note else ())
        return replace(self, phases=tuple(phases), notes=notes)


def _seconds(t: float) -> str:
    return f"{t:.2g}" if t < 10 else f"{t:.0f}"


def _phase_from_dict(data: dict) -> Phase:
    names = {f.name for f in fields(Phase)}
    values = {}
    for name, value in data.items():
        if name == "style":
            value = Style(**value)
        elif name == "rotation":
            value = Rotation(**value)
        elif name == "oscillations":
            value = tuple(Oscillation(**o) for o in value)
        elif isinstance(value, dict):
            value = Target(**value)
        elif isinstance(value, list):
            value = tuple(value)
        if name in names:
            values[name] = value
    return Phase(**values)


def _phase_dict(phase: Phase) -> dict:
    out = {}
    for f in fields(phase):
        value = getattr(phase, f.name)
        if value is None or value == () or value == "" or (f.name == "implied" and not value):
            continue
        if f.name == "style":
            value = {k: v for k, v in asdict(value).items() if v != getattr(Style(), k)}
            if not value:
                continue
        elif isinstance(value, tuple) and value and hasattr(value[0], "__dataclass_fields__"):
            value = [asdict(v) for v in value]
        elif hasattr(value, "__dataclass_fields__"):
            value = asdict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out
