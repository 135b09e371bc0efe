"""Sentence -> behaviour spec, in four steps that each do one thing:

1. `tokenize` (words.py): words with stems, numbers with units.
2. `_match`: the longest phrase of the tables (phrases.py) at each position becomes an `Item`
   (an action, a direction, a style, a body group, a connector, a quantity, or an unknown word).
3. `_clauses`: items are cut at connectors; "then" (and sentence ends) start a new phase, "and",
   "while", "with" add to the current one, "without" adds negated.
4. `_phase` reads a phase's clauses into targets for the robot (`body_for`): the main action
   gives defaults, directions, numbers, styles and body groups adjust them, negations become
   zero targets, contradictions are noted (the first-mentioned part is kept) and targets beyond
   the robot's ranges are clipped with a note. `_schedule` then lays the phases out in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from tabrl_core.behaviours import phrases as ph
from tabrl_core.behaviours.body import Body, body_for
from tabrl_core.behaviours.spec import (EPISODE_S, BehaviourSpec, Oscillation, Phase, Rotation,
                                        Style, Target)
from tabrl_core.behaviours.words import Quantity, Token, tokenize
from tabrl_core.rewards.contract import RobotContract, contract_for

PI = math.pi
MAX_WORDS = 200  # longer texts are read up to here, with a note
TURN_RATE = 1.5  # rad/s: how fast a turn by an angle goes when the text gives no time
MAX_PHASES = 6  # more are dropped with a note (each phase is one reward component)


@dataclass(frozen=True)
class Item:
    """One matched phrase: its category, what it means, and the words it covered."""

    cat: str
    value: object
    text: str


@dataclass(frozen=True)
class BodyWords:
    """A body group as written: "front legs", "one paw", "left foot", "arms"."""

    part: str  # feet or arms
    front: bool | None = None
    left: bool | None = None
    count: int | None = None


def _table() -> dict[tuple[str, ...], tuple[str, object]]:
    """Every phrase, by stems; when a phrase is in two tables the earlier category wins."""
    table: dict[tuple[str, ...], tuple[str, object]] = {}
    sources = [
        ("seq", {p: None for p in ph.SEQUENCE}), ("without", {p: None for p in ph.WITHOUT}),
        ("and", {p: None for p in ph.CONCURRENT}), ("neg", {p: None for p in ph.NEGATIONS}),
        ("safety", {p: None for p in ph.SAFETY}),
        ("until", {p: None for p in ph.UNTIL}), ("repeat", {p: None for p in ph.REPEAT}),
        ("on_side", ph.ON_SIDE), ("action", ph.ACTIONS), ("style", ph.STYLES),
        ("direction", ph.DIRECTIONS), ("raise_word", {p: None for p in ph.RAISE_WORDS}),
        ("on_word", {p: None for p in ph.ON_WORDS}), ("base_part", ph.BASE_PARTS),
        ("part", ph.BODY_PARTS),
    ]
    for cat, entries in sources:
        for key, value in ph.stemmed(entries).items():
            table.setdefault(key, (cat, value))
    return table


TABLE = _table()
QUALIFIERS = ph.stemmed(ph.BODY_QUALIFIERS)
PARTS = ph.stemmed(ph.BODY_PARTS)
LONGEST = max(len(k) for k in TABLE)


def _body_at(tokens: list[Token], i: int) -> tuple[Item, int] | None:
    """A body group starting at tokens[i] ("front left paw", "2 legs"), and its length."""
    quals, j = [], i
    while j < len(tokens):
        tok = tokens[j]
        if tok.quantity is not None and tok.quantity.dimension == "" and not quals:
            quals.append(str(int(tok.quantity.value)))
        elif tok.quantity is None and (tok.stem,) in QUALIFIERS:
            quals.append(QUALIFIERS[(tok.stem,)])
        else:
            break
        j += 1
    if not quals or j >= len(tokens) or tokens[j].quantity is not None:
        return None
    part = PARTS.get((tokens[j].stem,))
    if part is None:
        return None
    counts = {"one": 1, "1": 1, "two": 2, "2": 2, "3": 3}
    count = next((counts[q] for q in quals if q in counts), None)
    if count is None and "all" not in quals and not _plural(tokens[j].text):
        count = 1
    words = BodyWords(part, front=True if "front" in quals else False if "back" in quals else None,
                      left=True if "left" in quals else False if "right" in quals else None,
                      count=count)
    return Item("body", words, " ".join(t.text for t in tokens[i:j + 1])), j + 1 - i


def _plural(word: str) -> bool:
    return word.endswith("s") or word == "feet"


def _match(tokens: list[Token]) -> list[Item]:
    """The longest known phrase at each position; unknown words become "unknown" items."""
    tokens = [t for t in tokens if t.quantity is not None or t.is_punct
              or t.stem not in ph.FILLERS]
    items, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        body = _body_at(tokens, i)
        if body is not None:
            items.append(body[0])
            i += body[1]
            continue
        if tok.quantity is not None:
            items.append(Item("quantity", tok.quantity, tok.text))
            i += 1
            continue
        if tok.is_punct:
            items.append(Item("seq" if tok.text in ".;!?" else "and", None, tok.text))
            i += 1
            continue
        for size in range(min(LONGEST, len(tokens) - i), 0, -1):
            window = tokens[i:i + size]
            if any(t.quantity is not None or t.is_punct for t in window):
                continue
            key = tuple(t.stem for t in window)
            if key not in TABLE:
                continue
            cat, value = TABLE[key]
            after = tokens[i + size] if i + size < len(tokens) else None
            if cat == "on_side" and after is not None and (after.stem,) in PARTS:
                cat, value, size = "on_word", None, 1  # "on (the) back legs": a body group
                window = window[:1]
            if cat == "part":
                value = BodyWords(value, count=None if _plural(tok.text) else 1)
            items.append(Item(cat, value, " ".join(t.text for t in window)))
            i += size
            break
        else:
            items.append(Item("unknown", tok.text, tok.text))
            i += 1
    return items


@dataclass
class Use:
    """One action as used in a clause, with the modifiers written next to it."""

    action: ph.Action
    negated: bool
    text: str
    directions: list[tuple[str, str]] = field(default_factory=list)  # (direction, words)
    quantities: list[Quantity] = field(default_factory=list)


@dataclass
class Clause:
    """What one clause says."""

    joiner: str  # start, seq, and or without
    uses: list[Use] = field(default_factory=list)
    free_directions: list[tuple[str, str]] = field(default_factory=list)  # before any action
    negated_directions: list[str] = field(default_factory=list)
    duration: float | None = None
    until: list[Item] = field(default_factory=list)
    styles: list[tuple[str, float]] = field(default_factory=list)
    body: list[tuple[BodyWords, str]] = field(default_factory=list)  # (group, on/raised/"")
    tilt: list[tuple[str, float]] = field(default_factory=list)  # (axis, value)
    repeat: bool = False
    unknown: list[str] = field(default_factory=list)
    free_quantities: list[Quantity] = field(default_factory=list)


def _clauses(items: list[Item]) -> list[Clause]:
    """Items cut into clauses at connectors ("then", "and", "without", punctuation); each
    clause read into a `Clause`. Connectors with nothing before them only set the joiner."""
    clauses, joiner, part = [], "start", []
    for item in items + [Item("seq", None, "")]:
        if item.cat not in ("seq", "and", "without"):
            part.append(item)
            continue
        if any(i.cat != "neg" for i in part):
            clauses.append(_read_clause(joiner, part))
            joiner, part = item.cat, []
        elif joiner != "start" and item.cat != "and":
            joiner = item.cat
    return clauses or [Clause("start")]


def _read_clause(joiner: str, items: list[Item]) -> Clause:
    """One clause's items: each action collects the directions and numbers after it (those
    before the first action go to it too); "not" negates the next action or direction."""
    clause = Clause(joiner)
    negate = joiner == "without"
    for k, item in enumerate(items):
        after = items[k + 1] if k + 1 < len(items) else None
        if clause.until:
            clause.until.append(item)
        elif item.cat == "neg":
            negate = True
        elif item.cat == "action":
            use = Use(item.value, negate, item.text)
            if not clause.uses:
                use.directions, use.quantities = clause.free_directions, clause.free_quantities
                clause.free_directions, clause.free_quantities = [], []
            clause.uses.append(use)
            negate = False
        elif item.cat == "direction":
            if negate:
                clause.negated_directions.append(item.value)
            elif clause.uses:
                clause.uses[-1].directions.append((item.value, item.text))
            else:
                clause.free_directions.append((item.value, item.text))
        elif item.cat == "quantity":
            _read_quantity(clause, item.value)
        elif item.cat in ("body", "part"):
            before = items[k - 1].cat if k else ""
            clause.body.append((item.value, "on" if before == "on_word" else
                                "raised" if _raises(after) else ""))
        else:
            _read_modifier(clause, item, after)
    return clause


def _read_quantity(clause: Clause, q: Quantity) -> None:
    if q.dimension == "duration":
        clause.duration = q.value
    elif clause.uses:
        clause.uses[-1].quantities.append(q)
    else:
        clause.free_quantities.append(q)


def _raises(after: Item | None) -> bool:
    """Whether the words after a body group lift it ("front legs up", "paw raised")."""
    return after is not None and (after.cat == "raise_word" or after.value == "up"
                                  or (after.cat == "action" and after.value.kind == "raise"))


def _read_modifier(clause: Clause, item: Item, after: Item | None) -> None:
    if item.cat == "style":
        clause.styles.append(item.value)
    elif item.cat == "on_side":
        clause.tilt.append(("roll", item.value))
    elif item.cat == "base_part":  # "nose down", "tail up"
        axis, sign = item.value
        if axis and after is not None and after.value in ("up", "down"):
            clause.tilt.append((axis, sign * (0.25 if after.value == "down" else -0.25)))
    elif item.cat == "until":
        clause.until.append(item)
    elif item.cat == "repeat":
        clause.repeat = True
    elif item.cat == "unknown":
        clause.unknown.append(item.value)


# Phase building.

KIND_PRIORITY = ("flip", "jump", "wave", "move", "turn", "oscillate", "pose", "raise", "lively",
                 "still", "hold")


@dataclass
class Draft:
    """A phase being built: mutable fields, frozen into a `Phase` at the end."""

    kind: str
    vx: float | None = None
    vy: float | None = None
    yaw: float | None = None
    turn: float | None = None
    distance: float | None = None
    height: float | None = None  # fraction of the standing height
    hop: float | None = None  # fraction of the standing height
    height_m: float | None = None  # a height the text gives in metres (wins over `height`)
    hop_m: float | None = None  # a jump height the text gives in metres
    roll: float | None = None
    pitch: float | None = None
    rotation: tuple[str, float] | None = None
    contact: tuple[int, ...] = ()
    raised: tuple[int, ...] = ()
    arms: str = ""
    axes: list[tuple[str, float]] = field(default_factory=list)
    freq: float = 0.0
    gait: str = ""
    repeat: int = 1
    duration: float | None = None
    until: str = ""
    speed: float = 1.0
    size: float = 1.0
    smooth: bool = False
    steady: bool = False
    low: bool = False
    default_speed: float = 0.0  # a move with no direction goes forward at this speed
    exact_speed: bool = False  # the text gave the speed in m/s
    exact_freq: bool = False  # the text gave the frequency in Hz
    notes: list[str] = field(default_factory=list)
    set_by: dict[str, str] = field(default_factory=dict)  # field -> the words that set it

    def put(self, name: str, value, words: str) -> None:
        """Set a target; a second, different value for it is a conflict: keep the first."""
        old = getattr(self, name)
        if old is not None and name in self.set_by:
            if not _same(old, value):
                self.notes.append(f"'{self.set_by[name]}' and '{words}' conflict; kept "
                                  f"'{self.set_by[name]}'.")
            return
        setattr(self, name, value)
        self.set_by.setdefault(name, words)


def _same(a, b) -> bool:
    """Same-signed numbers agree (the first is kept, quietly); opposite ones conflict."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, abs_tol=1e-9) or a * b > 0
    return a == b


def _direction_velocity(direction: str) -> tuple[float, float] | None:
    return {"forward": (1.0, 0.0), "backward": (-1.0, 0.0), "left": (0.0, 1.0),
            "right": (0.0, -1.0), "sideways": (0.0, 1.0)}.get(direction)


def _apply_use(d: Draft, use: Use, body: Body, has_body: bool) -> None:
    a = use.action
    speed = {"walk": body.ranges.walk, "run": body.ranges.run,
             "slow": 0.6 * body.ranges.walk, "": body.ranges.walk}[a.speed]
    dirs = [x for x, _ in use.directions]
    words = " ".join([use.text] + [w for _, w in use.directions])
    if a.kind in ("move", "jump", "turn", "flip"):
        travel = [x for x in dirs if _direction_velocity(x)] or ([a.direction] if a.direction
                                                                else [])
        if "sideways" in travel and ({"left", "right"} & set(travel)):
            travel.remove("sideways")  # "sideways to the right"
        if a.kind == "turn" and any(x in ("left", "right") for x in travel) and \
                not any(_direction_velocity(x) and x not in ("left", "right") for x in travel):
            travel = [x for x in travel if x not in ("left", "right")]
        if a.kind == "move" and not travel and not a.in_place and "in place" not in dirs:
            d.default_speed = d.default_speed or speed  # forward, unless another part says
        for x in travel:
            ux, uy = _direction_velocity(x)
            if a.kind == "flip":
                continue
            if ux:
                d.put("vx", ux * speed, words)
            if uy:
                d.put("vy", uy * speed, words)
        if a.kind == "move" and (a.in_place or "in place" in dirs):
            d.put("vx", 0.0, words)
            d.put("vy", 0.0, words)
    turn_sign = -1.0 if any(x in ("right", "clockwise") for x in dirs) else 1.0
    if a.kind == "turn" or a.yaw:
        if a.turn:
            d.put("turn", turn_sign * a.turn, words)
        else:
            d.put("yaw", turn_sign * (a.yaw or 1.0), words)
    if a.height:
        d.put("height", a.height, words)
    if a.pitch is not None:
        d.put("pitch", a.pitch, words)
    if a.roll is not None:
        sign = 1.0 if "right" in dirs or a.direction != "left" else -1.0  # roll > 0 leans right
        d.put("roll", sign * abs(a.roll), words)
    if a.hop:
        d.put("hop", a.hop, words)
    if a.rotation:
        axis, total = a.rotation
        if axis == "roll" and "left" in dirs:
            total = -total
        d.put("rotation", (axis, total), words)
    if a.axes:
        d.axes += [ax for ax in a.axes if ax[0] not in dict(d.axes)]
    if a.freq and not d.freq:
        d.freq = a.freq
    if a.gait:
        d.put("gait", a.gait, words)
    if a.feet == "back":
        d.contact, d.raised = body.select(front=False), body.select(front=True)
        d.put("pitch", -0.5, words)
        d.put("height", 1.1, words)
    elif a.feet == "front":
        d.contact, d.raised = body.select(front=True), body.select(front=False)
        d.put("pitch", 0.5, words)
    elif (a.feet == "one" or a.kind == "raise") and not has_body:
        if body.arm_joints and a.kind in ("wave", "raise"):
            d.arms = "wave" if a.kind == "wave" else "raise"
        elif body.feet and not d.raised:
            d.raised = body.select(front=True, count=1) or (body.feet[0].index,)
            d.contact = tuple(f.index for f in body.feet if f.index not in d.raised)
    _apply_quantities(d, use)


def _apply_quantities(d: Draft, use: Use) -> None:
    for q in use.quantities:
        a = use.action
        if q.dimension == "speed":  # exact: the style's speed factor does not apply
            d.exact_speed = True
            vx, vy = d.vx or 0.0, d.vy or 0.0
            if vy and not vx:
                d.vy = math.copysign(q.value, vy)
            else:
                d.vx = math.copysign(q.value, vx or 1.0)
        elif q.dimension == "angle":
            if a.kind == "flip":
                axis, total = d.rotation or a.rotation
                d.rotation = (axis, math.copysign(q.value, total))
            elif a.kind == "pose":
                if d.roll is not None:
                    d.roll = math.copysign(q.value, d.roll)
                elif d.pitch is not None:
                    d.pitch = math.copysign(q.value, d.pitch)
            else:
                sign = math.copysign(1.0, d.yaw if d.yaw is not None else d.turn or 1.0)
                d.turn = sign * q.value
        elif q.dimension == "count" or (q.dimension == "" and 1 <= q.value <= 20):
            d.repeat = max(1, int(round(q.value)))
        elif q.dimension == "distance":
            if a.kind == "jump":
                d.hop_m = q.value
            elif a.kind == "pose":
                d.height_m = q.value
            else:
                d.distance = q.value
        elif q.dimension == "freq":
            d.freq, d.exact_freq = q.value, True


def _apply_body(d: Draft, clause: Clause, body: Body, main: str) -> None:
    for words, role in clause.body:
        if words.part == "arms":
            if body.arm_joints:
                still = role == "raised" or main in ("raise", "pose", "still", "hold")
                d.arms = d.arms or ("raise" if still else "wave")
            else:
                d.notes.append(f"{body.robot_id} has no arms; ignored the arm words.")
            continue
        chosen = body.select(words.front, words.left, words.count)
        if not chosen:
            continue
        raising = role == "raised" or (role != "on" and main in ("raise", "wave"))
        if raising:
            d.raised = chosen
            d.contact = tuple(f.index for f in body.feet if f.index not in chosen)
        else:
            d.contact = chosen
            d.raised = tuple(f.index for f in body.feet if f.index not in chosen)
        if body.feet and all(f.front is not None for f in body.feet) and d.raised:
            fronts = {body.feet[i].front for i in d.raised}
            backs = {body.feet[i].front for i in d.contact}
            if fronts == {True} and backs == {False}:  # rearing up on the back feet
                d.put("pitch", -0.5, "front feet up")
                d.put("height", 1.1, "front feet up")
            elif fronts == {False} and backs == {True}:  # a handstand on the front feet
                d.put("pitch", 0.5, "back feet up")
        if d.kind in ("still", "hold", "raise", "lively"):
            d.kind = "pose"


def _apply_negations(d: Draft, clause: Clause, body: Body) -> None:
    for use in clause.uses:
        if not use.negated:
            continue
        a, dirs = use.action, [x for x, _ in use.directions]
        dirs += clause.negated_directions
        if a.kind in ("move",) or dirs:
            axes = {_direction_velocity(x) for x in dirs if _direction_velocity(x)}
            if not axes or any(ux for ux, _ in axes):
                _zero(d, "vx", use.text)
            if not axes or any(uy for _, uy in axes):
                _zero(d, "vy", use.text)
        if a.kind == "turn" or a.yaw:
            _zero(d, "yaw", use.text)
        if a.kind in ("jump", "flip"):
            d.contact = tuple(f.index for f in body.feet)
        if a.kind == "oscillate":
            d.axes = [ax for ax in d.axes if ax not in a.axes]
    for x in clause.negated_directions:
        vel = _direction_velocity(x)
        if vel and vel[0]:
            _zero(d, "vx", x)


def _zero(d: Draft, name: str, words: str) -> None:
    value = getattr(d, name)
    if value:
        d.notes.append(f"'not {words}' conflicts with the request to move; kept "
                       f"'{d.set_by.get(name, words)}'.")
        return
    setattr(d, name, 0.0)
    d.set_by.setdefault(name, "not " + words)


def _main_kind(clauses: list[Clause]) -> str:
    kinds = [u.action.kind for c in clauses for u in c.uses if not u.negated]
    if not kinds:
        if any(c.body for c in clauses) or any(c.tilt for c in clauses):
            return "pose"
        dirs = [x for c in clauses for x, _ in c.free_directions]
        if any(_direction_velocity(x) for x in dirs):
            return "move"
        if any(x in ("clockwise", "counterclockwise") for x in dirs):
            return "turn"
        if any(u.negated for c in clauses for u in c.uses):
            return "still"
        return ""
    return min(kinds, key=KIND_PRIORITY.index)


def _check_still_conflict(d: Draft, clauses: list[Clause]) -> None:
    still = [u for c in clauses for u in c.uses if u.action.kind == "still" and not u.negated]
    moving = [u for c in clauses for u in c.uses
              if u.action.kind == "move" and not u.negated and not u.action.in_place]
    if still and moving and d.kind == "move":
        first = min(still + moving, key=lambda u: _order(clauses, u))
        if first in still:
            d.kind = "still"
            d.vx = d.vy = None
        d.notes.append(f"'{still[0].text}' and '{moving[0].text}' conflict; kept "
                       f"'{first.text}'.")


def _order(clauses: list[Clause], use: Use) -> int:
    flat = [u for c in clauses for u in c.uses]
    return next(i for i, u in enumerate(flat) if u is use)


def _read_phase(clauses: list[Clause], body: Body) -> Draft | None:
    kind = _main_kind(clauses)
    if not kind:
        return None
    d = Draft(kind)
    for clause in clauses:
        for x, w in clause.free_directions:
            vel = _direction_velocity(x)
            if vel and kind in ("move", "pose", "still", "jump"):
                if kind in ("pose", "still"):
                    continue
                speed = body.ranges.walk
                if vel[0]:
                    d.put("vx", vel[0] * speed, w)
                if vel[1]:
                    d.put("vy", vel[1] * speed, w)
            elif x in ("clockwise", "counterclockwise") and kind in ("turn", "move", "jump"):
                d.put("yaw", 1.0 if x == "counterclockwise" else -1.0, w)
        for use in clause.uses:
            if not use.negated:
                _apply_use(d, use, body, any(c.body for c in clauses))
        for q in clause.free_quantities:
            _apply_quantities(d, Use(ph.Action("", kind), False, "", quantities=[q]))
        for axis, value in clause.tilt:
            d.put(axis, value, "tilt words")
            if axis == "roll" and abs(value) > 2:
                d.put("height", 0.45, "lying on the back")
            if d.kind in ("still", "hold", "lively"):
                d.kind = "pose"
        _apply_body(d, clause, body, kind)
        for attr, value in clause.styles:
            if attr in ("speed", "size"):
                setattr(d, attr, getattr(d, attr) * value)
            else:
                setattr(d, attr, True)
        if clause.duration is not None:
            d.duration = clause.duration
        if clause.until:
            _read_until(d, clause.until)
    if d.kind == "move" and d.vx is None and d.vy is None and d.default_speed:
        d.put("vx", d.default_speed, "forward")
    for clause in clauses:
        _apply_negations(d, clause, body)
    _check_still_conflict(d, clauses)
    if d.kind == "turn" and (d.vx or d.vy):
        d.kind = "move"
    if d.kind == "hold":
        d.kind = "still"
    if d.kind == "raise":  # raising a foot or the arms and holding them there
        d.kind = "pose"
    return d


def _read_until(d: Draft, items: list[Item]) -> None:
    words = " ".join(i.text for i in items[1:])
    d.until = words
    for item in items[1:]:
        if item.cat == "quantity":
            q = item.value
            if q.dimension == "duration":
                d.duration = q.value
            elif q.dimension == "angle":
                d.turn = math.copysign(q.value, d.yaw or 1.0)
            elif q.dimension == "distance":
                d.distance = q.value
        elif item.cat == "direction" and item.value == "backward" and d.kind == "turn":
            d.turn = math.copysign(PI, d.yaw or 1.0)


# Targets for the robot, clipped to its ranges.

def _phase_from(d: Draft, body: Body, contract: RobotContract) -> tuple[Phase, list[str]]:
    """The draft's targets in the robot's units, within its ranges; and the notes made."""
    notes = list(d.notes)
    stand = body.stand_height
    if body.planar:
        _flatten(d, contract.robot_id, notes)
    vx, vy, yaw = _velocities(d, body, notes)
    if d.kind in ("move", "turn") and vx is None and vy is None and yaw is None and not d.turn:
        d.kind = "still"  # nothing of the motion is left (a planar robot's sidestep)
    height, hop = _heights(d, body, contract, notes)
    roll, pitch = _tilts(d, body, contract, notes)
    osc = _oscillations(d, body, contract.robot_id, notes)
    if d.kind == "jump":
        osc += (Oscillation("height", hop if hop else 0.05, round(d.freq or 1.0, 3)),)
    rotation = Rotation(d.rotation[0], round(d.rotation[1] * d.repeat, 4)) if d.rotation \
        else None
    turn = None if d.turn is None else d.turn * (d.repeat if d.kind == "turn" else 1)
    phase = Phase(
        kind=d.kind, repeat=d.repeat, until=d.until,
        vx=_target(vx, max(0.25 * abs(vx or 0), 0.1)),
        vy=_target(vy, max(0.25 * abs(vy or 0), 0.1)),
        yaw_rate=_target(yaw, max(0.3 * abs(yaw or 0), 0.3)),
        turn=_target(turn, max(0.25 * abs(turn or 0), 0.3)),
        distance=_target(d.distance, max(0.3 * (d.distance or 0), 0.1)),
        height=_target(height, 0.1 * stand), hop=_target(hop, 0.5 * (hop or 0)),
        roll=_target(roll, 0.15), pitch=_target(pitch, 0.15), rotation=rotation,
        contact=body.foot_names(d.contact), raised=body.foot_names(d.raised), arms=d.arms,
        oscillations=osc, gait=d.gait if contract.n_feet else "",
        style=Style(speed=round(d.speed, 3), size=round(d.size, 3), smooth=d.smooth,
                    steady=d.steady, low=d.low))
    return phase, notes


def _flatten(d: Draft, robot_id: str, notes: list[str]) -> None:
    """A planar robot has no sideways motion, turning or roll: drop them with a note."""
    for name, value in (("sideways motion", d.vy), ("turning", d.yaw or d.turn),
                        ("roll", d.roll)):
        if value:
            notes.append(f"{robot_id} moves in a plane: it cannot do {name}; dropped.")
    d.vy = d.vy if not d.vy else None
    d.yaw = d.yaw if not d.yaw else None
    d.turn = d.turn if not d.turn else None
    d.roll = d.roll if not d.roll else None
    if d.rotation and d.rotation[0] == "roll":
        notes.append(f"{robot_id} moves in a plane: a roll becomes a flip.")
        d.rotation = ("pitch", -abs(d.rotation[1]))


def _velocities(d: Draft, body: Body, notes: list[str]):
    """vx, vy and yaw rate with the style's speed factor (not on a speed given in m/s)."""
    r, factor = body.ranges, 1.0 if d.exact_speed else d.speed
    vx = None if d.vx is None else d.vx * factor
    vy = None if d.vy is None else d.vy * factor
    yaw = None if d.yaw is None else d.yaw * d.speed
    return (_clip(vx, -r.max_backward, r.max_forward, "forward speed", "m/s", notes),
            _clip(vy, -r.max_sideways, r.max_sideways, "sideways speed", "m/s", notes),
            _clip(yaw, -r.max_yaw_rate, r.max_yaw_rate, "turning rate", "rad/s", notes))


def _heights(d: Draft, body: Body, contract: RobotContract, notes: list[str]):
    """Base height and jump height in metres, sized by the style and kept where the
    episode does not end."""
    stand, height, hop = body.stand_height, None, None
    if d.height_m is not None or d.height is not None:
        value = d.height_m if d.height_m is not None else \
            stand + (d.height * stand - stand) * d.size
        floor = max(contract.min_base_height, 0.0)
        lowest = floor + 0.3 * (stand - floor) if stand > floor else 0.3 * stand
        height = _clip(value, lowest, 1.3 * stand, "base height", "m", notes)
    elif d.low:
        height = 0.8 * stand
    if d.hop_m is not None or d.hop is not None:
        value = d.hop_m if d.hop_m is not None else d.hop * stand * d.size
        hop = _clip(value, 0.02, body.ranges.max_hop, "jump height", "m", notes)
    return height, hop


def _tilts(d: Draft, body: Body, contract: RobotContract, notes: list[str]):
    """Roll and pitch within the robot's range and, where tipping over ends the episode,
    short of that tilt (a full flip then cannot finish: say so)."""
    tilt = body.ranges.max_tilt if abs(d.roll or 0) < 2 else PI  # "on its back": upside down
    if contract.min_upright > -1:
        tilt = min(tilt, math.acos(min(contract.min_upright, 1.0)) - 0.1)
        if d.rotation:
            notes.append(f"{contract.robot_id}'s episode ends when it tips past upright "
                         f"{contract.min_upright:g}, so a full rotation cannot finish in "
                         "training; the reward still pays rotating toward it.")
    return (_clip(d.roll, -tilt, tilt, "roll", "rad", notes),
            _clip(d.pitch, -tilt, tilt, "pitch", "rad", notes))


def _oscillations(d: Draft, body: Body, robot_id: str, notes: list[str]):
    """The draft's oscillations in rad or m, at the frequency the words and style give."""
    freq = d.freq or 1.0
    if not d.exact_freq and d.speed != 1.0:
        freq = min(2.0 * freq, 3.0) if d.speed > 1 else 0.5 * freq
    scale = lambda axis: body.stand_height if axis in ("height", "lateral") else 1.0  # noqa: E731
    osc = tuple(Oscillation(axis, round(amp * scale(axis) * d.size, 4), round(freq, 3))
                for axis, amp in d.axes
                if not (body.planar and axis in ("roll", "yaw", "lateral")))
    if body.planar and len(osc) < len(d.axes):
        notes.append(f"{robot_id} moves in a plane: kept only pitch and height oscillations.")
        osc = osc or (Oscillation("pitch", round(0.15 * d.size, 4), round(freq, 3)),)
    return osc


def _target(value: float | None, tol: float) -> Target | None:
    return None if value is None else Target(round(value, 4), round(tol, 4))


def _clip(value, low, high, what, unit, notes):
    if value is None:
        return None
    clipped = min(max(value, low), high)
    if not math.isclose(clipped, value, abs_tol=1e-9):
        notes.append(f"{what} {value:.3g} {unit} is beyond this robot's range "
                     f"[{low:.3g}, {high:.3g}]; clipped to {clipped:.3g} {unit}.")
    return clipped


# Time.

def _natural_duration(phase: Phase, body: Body) -> float | None:
    """How long a phase takes when the text gives no time: turns, jumps, flips, distances."""
    if phase.rotation is not None:
        return 1.5 * max(1.0, abs(phase.rotation.total) / (2 * PI))
    if phase.turn is not None:  # at the phrase's rate, at least TURN_RATE
        rate = max(abs(phase.yaw_rate.value) if phase.yaw_rate else 0.0, TURN_RATE)
        return abs(phase.turn.value) / min(rate, body.ranges.max_yaw_rate or rate)
    if phase.kind == "jump" and phase.repeat > 1:
        rate = next((o.freq for o in phase.oscillations if o.axis == "height"), 1.0)
        return phase.repeat / rate
    if phase.distance is not None:
        speed = abs((phase.vx.value if phase.vx else 0) or (phase.vy.value if phase.vy else 0))
        return phase.distance.value / max(speed, 0.1)
    return None


def _schedule(phases: list[tuple[Phase, float | None]], body: Body,
              notes: list[str]) -> tuple[Phase, ...]:
    """Start and end times: given durations, then natural ones, the rest shared evenly; a
    timed last phase is followed by an implied 'stand still'."""
    wanted = [d if d is not None else _natural_duration(p, body) for p, d in phases]
    fixed = sum(w for w in wanted if w is not None)
    if fixed > EPISODE_S:
        scale = EPISODE_S / fixed
        notes.append(f"the phases take {fixed:.3g} s, longer than the {EPISODE_S:g} s episode; "
                     "they were shortened to fit.")
        wanted = [None if w is None else w * scale for w in wanted]
        fixed = EPISODE_S
    free = [i for i, w in enumerate(wanted) if w is None]
    share = (EPISODE_S - fixed) / len(free) if free else 0.0
    if free and share < 0.5:
        share = 0.5
    out, t = [], 0.0
    for (phase, _), w in zip(phases, wanted):
        end = min(t + (share if w is None else w), EPISODE_S)
        out.append(_timed(phase, t, end))
        t = end
    if t < EPISODE_S - 1e-6:
        out.append(Phase("still", start=round(t, 3), end=EPISODE_S, implied=True))
    return tuple(out)


def _timed(phase: Phase, start: float, end: float) -> Phase:
    start, end = round(start, 3), round(end, 3)
    changes = {"start": start, "end": end}
    duration = max(end - start, 1e-3)
    if phase.turn is not None:
        rate = phase.turn.value / duration
        changes["yaw_rate"] = Target(round(rate, 4), round(max(0.3 * abs(rate), 0.3), 4))
    if phase.kind == "jump" and phase.repeat > 1:
        hops = tuple(o for o in phase.oscillations if o.axis == "height")
        others = tuple(o for o in phase.oscillations if o.axis != "height")
        changes["oscillations"] = tuple(replace(o, freq=round(phase.repeat / duration, 3))
                                        for o in hops) + others
    return replace(phase, **changes)


# The entry point.

def parse(text: str, robot: str | RobotContract) -> BehaviourSpec:
    """The behaviour spec `text` asks of the robot (an id or a contract); never raises for text.

    Words it does not know are listed in `unknown` and named in `notes`; text it cannot read
    at all gives one 'lively, stable motion' phase with `understood=False`.
    """
    contract = robot if isinstance(robot, RobotContract) else contract_for(robot)
    body = body_for(contract)
    text = str(text)
    notes: list[str] = []
    tokens = tokenize(text)
    if len(tokens) > MAX_WORDS:
        notes.append(f"the text is long; read only its first {MAX_WORDS} words.")
        tokens = tokens[:MAX_WORDS]
    clauses = _clauses(_match(tokens))
    unknown = tuple(dict.fromkeys(w for c in clauses for w in c.unknown))
    groups: list[list[Clause]] = []
    for clause in clauses:
        if clause.joiner in ("start", "seq") or not groups or _turn_then_move(groups[-1], clause):
            groups.append([clause])
        else:
            groups[-1].append(clause)
    phases: list[tuple[Phase, float | None]] = []
    for group in groups:
        if any(c.repeat for c in group) and not any(c.uses for c in group) and phases:
            phases.append(phases[-1])
            continue
        draft = _read_phase(group, body)
        if draft is None:
            continue
        if draft.kind == "still" and phases and _only_holds(group):
            phase, duration = phases[-1]
            phases[-1] = (phase, None if draft.duration is None and duration is None else
                          (duration or 0.0) + (draft.duration or 0.0) or None)
            continue
        phase, phase_notes = _phase_from(draft, body, contract)
        notes += phase_notes
        phases.append((phase, draft.duration))
    if len(phases) > MAX_PHASES:
        notes.append(f"the text has {len(phases)} parts; kept the first {MAX_PHASES}.")
        phases = phases[:MAX_PHASES]
    if unknown:
        notes.insert(0, "words not understood: " + ", ".join(unknown) + ".")
    if not phases:
        notes.append("nothing in the text was understood; proposing lively, stable motion.")
        return BehaviourSpec(contract.robot_id, text, (Phase("lively"),), tuple(notes), unknown,
                             understood=False)
    return BehaviourSpec(contract.robot_id, text, _schedule(phases, body, notes), tuple(notes),
                         unknown)


def _turn_then_move(group: list[Clause], clause: Clause) -> bool:
    """'turn around and walk back': a turn by an angle, then a move, reads as a sequence."""
    turns = any(u.action.turn or any(q.dimension == "angle" for q in u.quantities)
                for c in group for u in c.uses if u.action.kind == "turn")
    return turns and any(u.action.kind == "move" and not u.negated for u in clause.uses)


def _only_holds(group: list[Clause]) -> bool:
    """A clause that only says to keep what came before ("hold this pose", "stay like that")."""
    uses = [u for c in group for u in c.uses]
    return bool(uses) and all(u.action.kind == "hold" for u in uses) and \
        not any(c.body or c.tilt for c in group)
