"""Behaviour specs: a sentence parsed into a phased plan that designs, judges and refines.

    spec = parse("spin one full turn, then stand still", "go1")
    spec.describe()  # 'phase 1, 0-3.1 s: turn 6.3 rad left in place, upright; phase 2, ...'

The built-in designer writes its reward approaches from the spec (providers/builtin.py),
`judge_code` writes the built-in judge program, and `refine_spec` applies a comment
("faster", "turn the other way", "land softer") or failing judge checks to it.
"""

from tabrl_core.behaviours.judge import judge_code
from tabrl_core.behaviours.parser import parse
from tabrl_core.behaviours.refine import refine_spec
from tabrl_core.behaviours.spec import (EPISODE_S, BehaviourSpec, Oscillation, Phase, Rotation,
                                        Style, Target)

__all__ = ["EPISODE_S", "BehaviourSpec", "Oscillation", "Phase", "Rotation", "Style", "Target",
           "judge_code", "parse", "refine_spec"]
