"""The built-in refinement: offline and deterministic, beside the built-in designer.

A built-in approach is one of the designer's strategies applied to a behaviour spec. `refine`
edits that spec with `behaviours.refine_spec`, which reads the user's comment ("faster",
"slower", "backwards", "higher", "lower", "softer", "turn more", "turn the other way", ...)
and the judge's failing checks (with neither a judge nor a comment: the checks the rollout
visibly misses), then
writes the same strategy's approach for the edited spec and says what changed.
"""

from __future__ import annotations

from tabrl_core.behaviours import BehaviourSpec, parse, refine_spec
from tabrl_core.providers.base import Revision
from tabrl_core.providers.builtin import STRATEGIES, STRATEGY_TEXT, design_spec
from tabrl_core.rewards.contract import contract_for

UPRIGHT_MIN = 0.8
"""A rollout upright for less of the time than this counts as a fall."""


def design_of(name: str, robot: str, behavior: str, stored: dict | None = None
              ) -> tuple[str, BehaviourSpec]:
    """(strategy, spec) of a built-in approach: the stored design of a refinement, or, for a
    first design, its strategy (the name's title) and the spec the behaviour parses to."""
    if stored:
        return stored["strategy"], BehaviourSpec.from_dict(stored["spec"])
    title = name.split(":", 1)[0].strip()
    strategy = next((s for s in STRATEGIES if STRATEGY_TEXT[s][0] == title), None)
    if strategy is None:
        raise ValueError(f"{name!r} is not a built-in design, so the built-in designer cannot "
                         "refine it")
    return strategy, parse(behavior, robot)


def rollout_misses(spec: BehaviourSpec, stats: dict) -> list[str]:
    """With no judge: the names of the checks (as the built-in judge names them) that the
    rollout visibly misses: a fall, too little of the asked motion or turn."""
    misses = []
    if stats.get("fell") or stats.get("upright_fraction", 1.0) < UPRIGHT_MIN:
        misses.append("fell")
    seconds = stats.get("seconds") or 0.0
    asked_vx = sum((p.vx.value if p.vx else 0.0) * p.duration for p in spec.phases)
    moved = stats.get("mean_forward_speed", 0.0) * seconds
    if asked_vx and (moved * asked_vx <= 0 or abs(moved) < 0.5 * abs(asked_vx)):
        misses.append("forward_distance" if asked_vx > 0 else "backward_distance")
    asked_turn = sum((p.turn.value if p.turn else p.yaw_rate.value * p.duration
                      if p.yaw_rate else 0.0) for p in spec.phases)
    turned = stats.get("yaw_turned", 0.0)
    if asked_turn and abs(turned) < 0.5 * abs(asked_turn):
        misses.append("yaw_turned")
    return misses


def refine(robot: str, behavior: str, parent: dict, comment: str | None, judge: dict | None,
           stats: dict) -> tuple[Revision, dict]:
    """The built-in revision of `parent` (its approach row: name, code, design) and the new
    design to store. Raises ValueError when the parent is not a built-in design or when
    nothing changes."""
    strategy, spec = design_of(parent["name"], robot, behavior, parent.get("design"))
    if judge and judge.get("passed") is not None:
        failing = [c for c in judge.get("checks", []) if not c.get("passed")]
    else:  # the rollout is the weakest evidence: only when there is no comment either
        failing = [] if comment or not stats else rollout_misses(spec, stats)
    revised, changes = refine_spec(spec, comment, failing)
    changes = list(dict.fromkeys(changes))  # two checks may ask for the same edit
    if revised == spec:
        said = "; ".join(changes) or (
            "the judge's checks all passed" if judge and judge.get("passed") else
            "no failing check or rollout number points at a change it knows")
        raise ValueError(f"the built-in designer found nothing to change: {said}")
    approach = design_spec(revised, contract_for(robot)).approaches[STRATEGIES.index(strategy)]
    if failing and not judge:
        changes.append("(no judge yet: read from the rollout: " + ", ".join(failing) + ")")
    return (Revision(approach, "; ".join(changes), model="builtin"),
            {"strategy": strategy, "spec": revised.to_dict()})
