"""Tokens of a behaviour sentence: words (stemmed), numbers with units, clause joiners.

`tokenize` is the first step of the parser: it lowers the text, spells out contractions
("don't" -> "do not"), reads numbers written in digits or words ("0.5", "ninety", "half",
"twice") and attaches the unit that follows ("m/s", "degrees", "seconds", "times", "turns"),
so later steps see one `Quantity` instead of loose words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90, "hundred": 100, "half": 0.5, "quarter": 0.25, "couple": 2, "few": 3,
    "a": 1, "an": 1,
}
# Number words that count only before a unit ("a turn", "half a turn"); alone they are words.
VAGUE_NUMBERS = {"a", "an", "half", "quarter", "couple", "few"}
COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}

# unit word(s) -> (dimension, factor to SI: m/s, m, s, rad, Hz, count, turn = 2 pi rad)
UNITS: dict[tuple[str, ...], tuple[str, float]] = {
    ("m/s",): ("speed", 1.0), ("mps",): ("speed", 1.0), ("m", "/", "s"): ("speed", 1.0),
    ("meters", "per", "second"): ("speed", 1.0), ("meter", "per", "second"): ("speed", 1.0),
    ("metres", "per", "second"): ("speed", 1.0), ("cm/s",): ("speed", 0.01),
    ("km/h",): ("speed", 1 / 3.6), ("kph",): ("speed", 1 / 3.6),
    ("m",): ("distance", 1.0), ("meter",): ("distance", 1.0), ("meters",): ("distance", 1.0),
    ("metre",): ("distance", 1.0), ("metres",): ("distance", 1.0),
    ("cm",): ("distance", 0.01), ("centimeters",): ("distance", 0.01),
    ("centimetres",): ("distance", 0.01), ("centimeter",): ("distance", 0.01),
    ("s",): ("duration", 1.0), ("sec",): ("duration", 1.0), ("secs",): ("duration", 1.0),
    ("second",): ("duration", 1.0), ("seconds",): ("duration", 1.0),
    ("ms",): ("duration", 0.001),
    ("deg",): ("angle", math.pi / 180), ("degree",): ("angle", math.pi / 180),
    ("degrees",): ("angle", math.pi / 180), ("°",): ("angle", math.pi / 180),
    ("rad",): ("angle", 1.0), ("radian",): ("angle", 1.0), ("radians",): ("angle", 1.0),
    ("turn",): ("angle", 2 * math.pi), ("turns",): ("angle", 2 * math.pi),
    ("rotation",): ("angle", 2 * math.pi), ("rotations",): ("angle", 2 * math.pi),
    ("revolution",): ("angle", 2 * math.pi), ("revolutions",): ("angle", 2 * math.pi),
    ("spin",): ("angle", 2 * math.pi), ("spins",): ("angle", 2 * math.pi),
    ("hz",): ("freq", 1.0), ("hertz",): ("freq", 1.0),
    ("times", "per", "second"): ("freq", 1.0), ("times", "a", "second"): ("freq", 1.0),
    ("times",): ("count", 1.0), ("time",): ("count", 1.0),
}
# Words that may sit between a number and its unit ("one full turn", "two complete circles").
UNIT_FILLERS = {"full", "complete", "whole", "entire", "of", "a"}
NUMBER_RE = re.compile(r"^\d+(\.\d+)?$|^\.\d+$")
TOKEN_RE = re.compile(r"\d+(?:\.\d+)?(?:/\d+)?|[a-z]+/[a-z]+|[a-z°]+(?:-[a-z]+)*|[.,;!?]")

# Irregular forms the suffix stripper cannot reach.
IRREGULAR = {"feet": "foot", "teeth": "tooth", "ran": "run", "went": "go", "sat": "sit",
             "stood": "stand", "lay": "lie", "lying": "lie", "laid": "lie", "leapt": "leap",
             "spun": "spin"}


@dataclass(frozen=True)
class Quantity:
    """A number with its dimension, in SI units: speed, distance, duration, angle, freq, count
    or "" (a bare number)."""

    value: float
    dimension: str
    text: str  # as written, for notes


@dataclass(frozen=True)
class Token:
    """One word (with its stem) or one quantity or punctuation mark."""

    text: str
    stem: str = ""
    quantity: Quantity | None = None

    @property
    def is_punct(self) -> bool:
        return self.text in ".,;!?"


def stem(word: str) -> str:
    """A crude, consistent stem: the parser's tables are stemmed by the same function."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    for suffix in ("ingly", "edly", "ing", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def _spell_out(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\bcan'?t\b", "can not", text)
    text = re.sub(r"\bwon'?t\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"\b(dont|doesnt|didnt)\b", lambda m: m.group(1)[:-2] + " not", text)
    return re.sub(r"(\d)\s*(m/s|cm/s|km/h|°)", r"\1 \2", text)


def _number(word: str) -> float | None:
    if NUMBER_RE.match(word):
        return float(word)
    if re.match(r"^\d+/\d+$", word):
        top, bottom = word.split("/")
        return float(top) / float(bottom) if float(bottom) else None
    return NUMBER_WORDS.get(word)


def _unit_at(words: list[str], i: int) -> tuple[tuple[str, float], int] | None:
    """The unit starting at words[i] (after optional fillers) and how many words it spans."""
    j = i
    while j < len(words) and words[j] in UNIT_FILLERS and j - i < 2:
        j += 1
    for start in sorted({i, j}, reverse=True):
        for size in (3, 2, 1):
            key = tuple(words[start:start + size])
            if len(key) == size and key in UNITS:
                return UNITS[key], start + size - i
    return None


def tokenize(text: str) -> list[Token]:
    """Words, quantities and punctuation of `text`, in order."""
    words = TOKEN_RE.findall(_spell_out(str(text)))
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in COUNT_WORDS:
            tokens.append(Token(word, quantity=Quantity(COUNT_WORDS[word], "count", word)))
            i += 1
            continue
        value = _number(word)
        unit = _unit_at(words, i + 1) if value is not None else None
        if unit is not None:
            (dimension, factor), span = unit
            written = " ".join(words[i:i + 1 + span])
            tokens.append(Token(written, quantity=Quantity(value * factor, dimension, written)))
            i += 1 + span
            continue
        if value is not None and word not in VAGUE_NUMBERS:
            tokens.append(Token(word, quantity=Quantity(value, "", word)))
            i += 1
            continue
        tokens.append(Token(word, stem(word)))
        i += 1
    return tokens
