"""The parser's phrase tables: every word or phrase it knows, and what it means.

Tables are written in plain words and stemmed at import by the tokenizer's own `stem`, so
"spinning", "spins" and "spin" all match the entry "spin". Longer phrases win over shorter
ones ("turn around" over "turn", "stand still" over "stand").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tabrl_core.behaviours.words import stem

PI = math.pi


@dataclass(frozen=True)
class Action:
    """What an action phrase asks for before modifiers: defaults a phase starts from.

    Heights and hops are fractions of the standing height; oscillation amplitudes are rad for
    angles and fractions of the standing height for height and lateral shifts.
    """

    name: str
    kind: str  # move, turn, jump, flip, oscillate, pose, wave, still, lively, hold or raise
    speed: str = ""  # walk, run or slow: the robot's default speed of that kind
    direction: str = ""  # forward, backward, left or right when the phrase implies one
    yaw: float = 0.0  # turning rate, rad/s, left positive
    turn: float = 0.0  # a total turn, rad
    in_place: bool = False
    gait: str = ""
    height: float = 0.0  # 0: unset
    pitch: float | None = None
    roll: float | None = None
    hop: float = 0.0
    freq: float = 0.0
    axes: tuple[tuple[str, float], ...] = ()
    rotation: tuple[str, float] | None = None  # (axis, signed total rad) of a flip or roll
    feet: str = ""  # "back": on the back feet, "front": on the front feet, "one": one raised
    swing: float = 0.0  # swing-foot height, m


def _a(name: str, kind: str, **kw) -> Action:
    return Action(name, kind, **kw)


ACTIONS: dict[str, Action] = {}
for _phrases, _action in [
    (("walk", "go", "move", "stroll", "advance", "patrol", "proceed", "travel",
      "wander", "come", "locomote", "step forward", "keep going", "get moving"),
     _a("walk", "move", speed="walk")),
    (("run", "sprint", "dash", "race", "hurry", "zoom", "rush", "bolt", "charge", "jog"),
     _a("run", "move", speed="run", swing=0.1)),
    (("trot", "prance", "strut"), _a("trot", "move", speed="walk", gait="trot", swing=0.1)),
    (("gallop", "bound"), _a("gallop", "move", speed="run", gait="bound", swing=0.1)),
    (("pace", "amble"), _a("pace", "move", speed="walk", gait="pace")),
    (("pronk", "stot"), _a("pronk", "move", speed="slow", gait="pronk")),
    (("crawl", "sneak", "creep", "stalk", "prowl", "slink"),
     _a("crawl", "move", speed="slow", height=0.75, swing=0.05)),
    (("moonwalk", "moon walk"), _a("moonwalk", "move", speed="slow", direction="backward",
                                   swing=0.04)),
    (("back up", "reverse", "retreat", "backpedal", "step back"),
     _a("back up", "move", speed="slow", direction="backward")),
    (("sidestep", "side step", "strafe", "shuffle", "crab walk", "scuttle"),
     _a("sidestep", "move", speed="slow", direction="left")),
    (("march", "march in place", "step in place", "walk in place", "jog in place",
      "run in place", "tap", "tap dance", "stomp", "step on the spot", "march on the spot"),
     _a("march", "move", in_place=True, gait="trot", swing=0.1)),
    (("circle", "walk in a circle", "go in a circle", "loop"),
     _a("circle", "move", speed="walk", yaw=0.8)),
    (("run in a circle", "run in circles", "race in a circle"),
     _a("run in a circle", "move", speed="run", yaw=1.2, swing=0.1)),
    (("zigzag", "zig zag", "weave", "slalom", "snake"),
     _a("zigzag", "move", speed="walk", axes=(("yaw", 0.3),), freq=1.0)),
    (("turn", "yaw", "pivot", "rotate", "face"), _a("turn", "turn", yaw=1.0)),
    (("spin", "twirl", "pirouette", "whirl", "spin around", "spin in a circle"),
     _a("spin", "turn", yaw=2.0, in_place=True)),
    (("turn around", "about face", "turn back"), _a("turn around", "turn", turn=PI)),
    (("jump", "leap", "spring", "jump up", "jump in the air", "vault"),
     _a("jump", "jump", hop=0.2, freq=1.0)),
    (("pounce", "lunge", "leap forward"), _a("pounce", "jump", hop=0.2, freq=1.0,
                                            direction="forward")),
    (("hop", "skip"), _a("hop", "jump", hop=0.15, freq=2.0)),
    (("backflip", "back flip", "flip", "flip backward", "backward flip", "backwards flip",
      "flip over", "do a flip"), _a("backflip", "flip", rotation=("pitch", -2 * PI))),
    (("frontflip", "front flip", "forward flip", "flip forward", "somersault",
      "forward roll"), _a("front flip", "flip", rotation=("pitch", 2 * PI))),
    (("cartwheel", "barrel roll", "side flip", "sideflip", "roll", "roll over",
      "log roll"), _a("roll", "flip", rotation=("roll", 2 * PI))),
    (("shake hips", "shake hip", "wiggle hips", "twerk", "swing hips", "sway hips",
      "move hips", "roll hips", "hula", "aloha", "shake butt", "wiggle butt", "shake booty"),
     _a("shake hips", "oscillate", axes=(("roll", 0.15), ("yaw", 0.1)))),
    (("wag", "wag tail"), _a("wag", "oscillate", axes=(("yaw", 0.25),))),
    (("wiggle", "shimmy", "jiggle", "wobble"), _a("wiggle", "oscillate", axes=(("roll", 0.15),))),
    (("dance", "boogie", "groove", "party", "bop"),
     _a("dance", "oscillate", freq=1.0, axes=(("yaw", 0.25), ("height", 0.08)))),
    (("shake", "shiver", "vibrate", "tremble", "quiver", "twist"),
     _a("shake", "oscillate", axes=(("yaw", 0.2), ("roll", 0.1)))),
    (("sway", "side to side", "rock side to side", "lean side to side"),
     _a("sway", "oscillate", freq=1.0, axes=(("lateral", 0.15), ("roll", 0.1)))),
    (("rock", "rock back and forth", "seesaw", "rock forward and back"),
     _a("rock", "oscillate", freq=1.0, axes=(("pitch", 0.15),))),
    (("nod", "headbang", "head bang", "nod head"), _a("nod", "oscillate", axes=(("pitch", 0.12),))),
    (("look around", "scan", "look left and right", "search"),
     _a("look around", "oscillate", freq=1.0, axes=(("yaw", 0.35),))),
    (("bounce", "bob", "push up", "pushup", "push ups", "pushups", "bounce up and down",
      "squat up and down"),
     _a("bounce", "oscillate", axes=(("height", 0.12),))),
    (("lie down", "lie", "lay down", "lie flat", "play dead", "sleep", "nap", "rest",
      "go to sleep", "belly down", "drop", "down on the floor", "down on the ground",
      "lie on the floor", "lie on the ground", "lay on the floor", "lay on the ground"),
     _a("lie down", "pose", height=0.45)),
    (("sit", "sit down"), _a("sit", "pose", height=0.8, pitch=-0.3)),
    (("crouch", "squat", "duck", "kneel", "hunker down", "lower", "go low"),
     _a("crouch", "pose", height=0.75)),
    (("rear up", "rear", "beg", "sit up and beg", "stand up on back legs"),
     _a("rear up", "pose", feet="back")),
    (("handstand", "hand stand"), _a("handstand", "pose", feet="front")),
    (("bow", "play bow", "take a bow"), _a("bow", "pose", height=0.9, pitch=0.3)),
    (("tilt", "lean", "bank"), _a("tilt", "pose", roll=-0.25, direction="left")),
    (("lean forward", "pitch forward", "tip forward", "look down", "nose down", "head down"),
     _a("lean forward", "pose", pitch=0.25)),
    (("lean back", "lean backward", "look up", "nose up", "head up", "tip back"),
     _a("lean back", "pose", pitch=-0.25)),
    (("stand tall", "stretch", "stand up straight", "tiptoe", "stand on tiptoe", "rise",
      "stand up", "grow tall", "reach up"), _a("stand tall", "pose", height=1.12)),
    (("stand still", "hold still", "stay still", "keep still", "freeze", "stand", "stay",
      "balance", "wait", "idle", "statue", "calm", "pause", "stop", "halt", "remain",
      "do nothing", "be still", "stay put", "stand in place", "stand there",
      "keep balance", "stay in place", "land", "land on feet", "come down", "come back down",
      "back down", "return to standing", "on all fours", "get back on all fours"),
     _a("stand still", "still")),
    (("hold", "keep", "maintain", "hold it", "hold that", "hold pose", "hold position",
      "keep it", "keep that", "hold this pose", "keep pose", "stay like that",
      "stay that way", "continue", "keep going like that", "sustain"), _a("hold", "hold")),
    (("wave", "wave hello", "say hello", "greet", "shake hands", "shake paw", "high five",
      "give a paw", "give paw"), _a("wave", "wave", feet="one")),
    (("raise", "lift", "put up", "hold up", "pick up", "kick", "kick up", "raise up"),
     _a("raise", "raise")),
    (("flail", "thrash", "move around", "be lively", "wiggle around", "exercise",
      "show off", "play", "goof around"), _a("lively", "lively")),
]:
    for _phrase in _phrases:
        ACTIONS[_phrase] = _action

# Words that ask for what every design already does (stay up, do not fall): known, no effect.
SAFETY = ("fall", "fall over", "tip over", "stumble", "trip", "crash", "collapse", "topple")

# Direction words: forward, backward, left, right (sideways = left unless said), clockwise
# (turning right), counterclockwise, in place, up and down.
DIRECTIONS: dict[str, str] = {
    "forward": "forward", "forwards": "forward", "ahead": "forward", "straight": "forward",
    "straight ahead": "forward", "onward": "forward", "front": "forward",
    "in a straight line": "forward", "straight line": "forward",
    "backward": "backward", "backwards": "backward", "back": "backward", "in reverse": "backward",
    "left": "left", "to the left": "left", "leftward": "left",
    "right": "right", "to the right": "right", "rightward": "right",
    "sideways": "sideways", "sideway": "sideways", "to the side": "sideways",
    "laterally": "sideways",
    "clockwise": "clockwise", "counterclockwise": "counterclockwise",
    "counter clockwise": "counterclockwise", "anticlockwise": "counterclockwise",
    "anti clockwise": "counterclockwise", "counter-clockwise": "counterclockwise",
    "anti-clockwise": "counterclockwise",
    "in place": "in place", "on the spot": "in place", "in one spot": "in place",
    "on the same spot": "in place", "around": "in place", "where you are": "in place",
    "up": "up", "upward": "up", "into the air": "up", "in the air": "up",
    "off the ground": "up", "down": "down", "downward": "down",
}

# Style words: (attribute, value); speed and size multiply, the rest switch on.
STYLES: dict[str, tuple[str, float]] = {}
for _words, _style in [
    (("fast", "quick", "quickly", "rapid", "rapidly", "speedy", "energetic", "wild", "wildly",
      "crazy", "hard", "vigorous", "vigorously", "briskly", "brisk", "swiftly", "as fast as"),
     ("speed", 1.5)),
    (("slow", "slowly", "lazy", "lazily", "leisurely", "unhurried", "slow pace"), ("speed", 0.5)),
    (("moderate pace", "moderate speed", "normal pace", "normal speed", "steady pace",
      "medium pace", "moderately", "normally", "at a walk"), ("speed", 1.0)),
    (("fast pace", "quick pace", "brisk pace", "high speed", "full speed", "top speed"),
     ("speed", 1.5)),
    (("big", "large", "huge", "wide", "widely", "lots", "a lot", "high", "tall", "far",
      "as high as", "exaggerated", "deep", "deeply"), ("size", 1.5)),
    (("small", "little", "tiny", "slight", "slightly", "subtle", "subtly", "a bit", "short"),
     ("size", 0.6)),
    (("smooth", "smoothly", "gentle", "gently", "graceful", "gracefully", "fluid", "fluidly",
      "soft", "softly", "careful", "carefully", "elegant", "elegantly", "relaxed"),
     ("smooth", 1.0)),
    (("steady", "steadily", "stable", "stably", "controlled", "firmly", "level",
      "confidently"), ("steady", 1.0)),
    (("low", "low to the ground", "close to the ground", "crouched", "hunched", "bent"),
     ("low", 1.0)),
]:
    for _word in _words:
        STYLES[_word] = _style

BODY_QUALIFIERS: dict[str, str] = {
    "front": "front", "fore": "front", "forward": "front", "back": "back", "hind": "back",
    "rear": "back", "left": "left", "right": "right", "both": "all", "all": "all",
    "one": "one", "single": "one", "two": "two", "four": "all",
    "other": "other",
}
BODY_PARTS: dict[str, str] = {
    "leg": "feet", "foot": "feet", "paw": "feet", "hoof": "feet", "toe": "feet", "limb": "feet",
    "arm": "arms", "hand": "arms",
}
# Body words that name the base's ends or sides: (axis, sign) of the tilt they mean.
BASE_PARTS: dict[str, tuple[str, float]] = {
    "nose": ("pitch", 1.0), "head": ("pitch", 1.0), "tail": ("pitch", -1.0),
    "rear end": ("pitch", -1.0), "torso": ("", 0.0),
    "body": ("", 0.0), "belly": ("height", -1.0), "chest": ("pitch", 1.0),
}
# Lying on a side of the body: the held roll, rad.
ON_SIDE: dict[str, float] = {"on back": PI, "on its back": PI, "on your back": PI,
                             "upside down": PI, "on side": PI / 2, "on its side": PI / 2,
                             "on your side": PI / 2}

SEQUENCE = ("then", "and then", "after that", "afterwards", "afterward", "next", "finally",
            "followed by", "before", "later", "after which", "once done", "at the end",
            "and finally", "eventually", "subsequently", "when done", "when finished")
CONCURRENT = ("and", "while", "whilst", "with", "at the same time", "but", "also",
              "plus", "meanwhile", "simultaneously", "all while", "whilst also")
WITHOUT = ("without", "but not", "and not", "and never", "without ever")
NEGATIONS = ("not", "never", "no", "avoid", "nor", "refrain from")
UNTIL = ("until", "till", "til", "up until")
REPEAT = ("again", "repeat", "repeatedly", "over and over", "one more time", "do it again",
          "another", "keep repeating", "in a row", "continuously", "constantly")
RAISE_WORDS = ("raised", "lifted", "held up", "off the ground", "off the floor", "in the air",
               "into the air", "up")
ON_WORDS = ("on", "onto", "upon", "only on", "on only", "standing on")

# Words that carry no meaning here; they are neither actions nor unknown.
FILLERS = frozenset(stem(w) for w in (
    "a an the your you yours its it his her their my me i we us our robot dog doggy "
    "puppy cheetah ant humanoid go1 op3 please just really very so like as can could would "
    "should will shall to of at in for by from some this that these those pose position "
    "is are be being been do does doing did make get try let want yourself itself himself "
    "herself only there here now way manner style kind sort motion movement fashion whole "
    "entire nicely well good pretty kinda thing something period duration each every ok okay "
    "hey buddy friend boy girl bot quadruped biped cool nice fun funny happy excited "
    "proud mode maybe somehow about much more most have has having had start starting begin "
    "beginning full complete possible if when which who what how ever using show us "
    "gonna wanna need needs".split()))


def _stems(phrase: str) -> tuple[str, ...]:
    """The phrase's stems without filler words (matched against a filler-free stream)."""
    words = [stem(w) for w in phrase.replace("-", " ").split()]
    kept = tuple(w for w in words if w not in FILLERS)
    return kept or tuple(words)


def stemmed(table: dict) -> dict:
    """A table keyed by stem tuples."""
    return {_stems(k): v for k, v in table.items()}
