"""The built-in designer: phrasings, three distinct strategies, and code that always compiles."""

import math

import numpy as np
import pytest

from tabrl_core.behaviours import parse
from tabrl_core.providers.builtin import design, design_for, foot_phases
from tabrl_core.robots.catalog import BUNDLED
from tabrl_core.rewards import CompiledReward, RobotContract, compile_rewards, contract_for
from tabrl_core.rewards import sandbox
from tabrl_core.rewards.contract import ContractState
from tabrl_core.rewards.runtime import build_fn
from tabrl_core.rewards.validator import validate

# Phrasing -> the kind of its (first) phase; the parser suite (tests/behaviour_suite.yaml)
# checks the targets, these check that every kind designs three distinct approaches.
PHRASINGS = {
    "walk forward": "move", "run fast": "move", "walk backward": "move", "moonwalk": "move",
    "turn left": "turn", "turn right": "turn", "spin in place": "turn",
    "sidestep to the right": "move", "shake your hips": "oscillate", "wiggle": "oscillate",
    "dance like nobody is watching": "oscillate", "sway side to side": "oscillate",
    "bounce up and down": "oscillate", "jump as high as you can": "jump", "hop": "jump",
    "stand tall": "pose", "crouch": "pose", "sit": "pose", "lie down": "pose", "bow": "pose",
    "stand still": "still", "trot": "move", "gallop": "move", "pronk": "move",
    "tilt to the left": "pose", "wave a paw": "wave", "march in place": "move",
    "walk in a circle": "move", "zigzag": "move", "crawl": "move", "nod": "oscillate",
    "rear up on your hind legs": "pose", "do a backflip": "flip",
    "stand on the back legs only and hold this pose": "pose",
    "spin one full turn, then stand still": "turn",
    "walk forward for 2 seconds, then turn left 90 degrees": "move",
    "jump three times then lie down": "jump", "lift one paw": "pose",
}
UNKNOWN = ["flibbertigibbet the quux", "", "   ", "42", "🤖🤖🤖", "x" * 5000, "qwertyuiop asdf"]
# Contracts other robots will have: no feet, one foot, biped feet, one joint.
OTHER_ROBOTS = [
    RobotContract("blob", "Blob", ("j0", "j1", "j2"), (), 0.05, stand_height=0.0),
    RobotContract("hopper", "Hopper", ("thigh", "leg", "foot"), ("foot",), 0.008, 1.25, 0.7, 0.98),
    RobotContract("biped", "Biped", tuple(f"j{i}" for i in range(20)), ("left_foot", "right_foot"),
                  0.02, 0.262, 0.15, 0.5),
    RobotContract("cart", "Cart-pole", ("slider",), (), 0.04, 0.0, -1.0, 0.98),
]


@pytest.fixture(scope="module")
def go1_designs():
    return {text: design("go1", text) for text in PHRASINGS}


@pytest.mark.parametrize("text,kind", PHRASINGS.items())
def test_phrasing_maps_to_its_kind(text, kind):
    assert parse(text, "go1").phases[0].kind == kind


@pytest.mark.parametrize("text", PHRASINGS)
def test_three_named_approaches_of_different_strategies(go1_designs, text):
    result = go1_designs[text]
    assert result.provider == "builtin" and result.error is None
    assert result.note is None or result.note.startswith("Plan: ")
    names = [a.name for a in result.approaches]
    assert [n.split(":")[0] for n in names] == ["Direct", "Shaped", "Rhythmic"]
    assert len({a.code for a in result.approaches}) == 3
    for approach in result.approaches:
        assert approach.provider == "builtin" and len(approach.name) <= 40
        assert "\n" not in approach.description and len(approach.description) > 80
        assert approach.components == validate(approach.code).components


def test_different_behaviours_get_different_approaches(go1_designs):
    """Texts whose specs differ get different code triples (synonyms may share them)."""
    by_plan = {}
    for text, result in go1_designs.items():
        plan = repr(parse(text, "go1").to_dict()["phases"])
        by_plan.setdefault(plan, set()).add(tuple(a.code for a in result.approaches))
    assert all(len(triples) == 1 for triples in by_plan.values())
    triples = [next(iter(t)) for t in by_plan.values()]
    assert len(set(triples)) == len(triples) >= 30


def test_shaped_adds_regularizers_and_rhythmic_uses_clocks(go1_designs):
    direct, shaped, rhythmic = go1_designs["walk forward"].approaches
    assert "action_rate" not in direct.components and "action_rate" in shaped.components
    assert {"upright", "base_height", "energy"} <= set(shaped.components)
    assert "gait_contact" in rhythmic.components and "s.time" in rhythmic.code
    assert "s.time" in go1_designs["shake your hips"].approaches[2].code


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_text_gets_a_generic_set_and_a_note(text):
    result = design("go1", text)
    assert len(result.approaches) == 3 and result.error is None
    assert result.note.startswith("The built-in designer did not understand")
    assert all("lively stable motion" in a.name for a in result.approaches)
    if text.strip() and text.isascii() and not text.isdigit():
        assert "words not understood: " in result.note


def test_designs_are_deterministic():
    first = design("go1", "Keep shaking your hips aloha dude!").to_dict()
    assert design("go1", "Keep shaking your hips aloha dude!").to_dict() == first


def test_every_oscillating_axis_is_rewarded_by_every_approach():
    spec = parse("shake your hips", "go1")
    axes = {o.axis for o in spec.phases[0].oscillations}
    assert len(axes) >= 2
    direct, shaped, rhythmic = design("go1", "shake your hips").approaches
    for approach in (direct, shaped):
        assert {f"{a}_oscillation" for a in axes} <= set(approach.components), approach.name
    assert {f"{a}_wave" for a in axes} <= set(rhythmic.components)


def test_phased_designs_window_each_phase_by_time():
    for approach in design("go1", "spin one full turn, then stand still").approaches:
        phases = [c for c in approach.components if c.startswith("phase")]
        assert len(phases) == 2 and "s.time" in approach.code
    direct, shaped, rhythmic = design("go1", "turn left for 2 seconds, then walk").approaches
    assert "s.time >= 2.0" in direct.code and "jnp.tanh((s.time - 2.0) / 0.1)" in rhythmic.code


def test_notes_reach_the_result():
    result = design("go1", "run at 10 m/s")
    assert "clipped to 1.5 m/s" in result.note and result.note.startswith("Plan: ")
    assert "conflict" in design("go1", "walk forward and backward").note
    assert "words not understood: flibber" in design("go1", "walk forward flibber").note


def test_foot_phases_follow_the_gait():
    go1 = contract_for("go1").foot_names  # FR, FL, RR, RL
    assert foot_phases(go1, "trot") == [math.pi, 0.0, 0.0, math.pi]
    assert foot_phases(go1, "pace") == [0.0, math.pi, 0.0, math.pi]
    assert foot_phases(go1, "bound") == [0.0, 0.0, math.pi, math.pi]
    assert foot_phases(go1, "pronk") == [0.0] * 4
    assert foot_phases(("left_foot", "right_foot"), "trot") == [0.0, math.pi]


def test_every_go1_approach_compiles(go1_designs):
    codes = [a.code for result in go1_designs.values() for a in result.approaches]
    codes += [a.code for text in UNKNOWN[:1] for a in design("go1", text).approaches]
    results = compile_rewards(codes, "go1")
    failed = [(code, r) for code, r in zip(codes, results) if not isinstance(r, CompiledReward)]
    assert not failed


@pytest.mark.parametrize("robot", [r.id for r in BUNDLED])
def test_every_catalogued_robot_gets_compiling_approaches(robot):
    texts = ["walk forward", "spin one full turn, then stand still", "do a backflip",
             "stand on the back legs", "jump twice", "wave", "shake your hips", "sidestep left",
             "lie on your back", "qwerty"]
    approaches = [a for text in texts for a in design(robot, text).approaches]
    results = compile_rewards([a.code for a in approaches], robot)
    assert all(isinstance(r, CompiledReward) for r in results), [
        str(r) for r in results if not isinstance(r, CompiledReward)]


@pytest.mark.parametrize("contract", OTHER_ROBOTS, ids=[c.robot_id for c in OTHER_ROBOTS])
def test_approaches_compile_for_robots_of_any_shape(contract):
    texts = ["walk forward", "shake your hips", "jump", "crouch", "stand still", "wave a paw",
             "trot", "do a backflip"]
    approaches = [a for text in texts for a in design_for(contract, text).approaches]
    results = compile_rewards([a.code for a in approaches], contract)
    assert all(isinstance(r, CompiledReward) for r in results), [
        str(r) for r in results if not isinstance(r, CompiledReward)]
    if contract.n_feet == 0:
        assert not any("foot" in a.code for a in approaches)


def test_totals_stay_positive_and_bounded_so_falling_never_pays(go1_designs):
    contract = contract_for("go1")
    rng = np.random.default_rng(1)
    states = [_random_state(contract, rng) for _ in range(20)]
    for result in go1_designs.values():
        for approach in result.approaches:
            fn = build_fn(validate(approach.code), "numpy")
            totals = [float(fn(s, a, prev_a)[0]) for s, a, prev_a in states]
            assert 0.0 < min(totals) and max(totals) < 5.0, approach.name


def _random_state(contract: RobotContract, rng) -> tuple:
    """A wild but finite single state (not just plausible): far off targets, big velocities."""
    s, a, prev_a = sandbox.dummy_batch(contract, n=1, seed=int(rng.integers(1 << 30)))
    wild = {name: np.asarray(value[0] * rng.uniform(-20, 20, np.shape(value[0])), np.float32)
            for name, value in s._asdict().items()}
    wild["foot_contact"] = rng.integers(0, 2, contract.n_feet).astype(np.float32)
    return ContractState(**wild), np.sign(rng.normal(size=contract.n_joints)), -a[0]
