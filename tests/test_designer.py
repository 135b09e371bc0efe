"""The built-in designer: phrasings, three distinct strategies, and code that always compiles."""

import math

import numpy as np
import pytest

from tabrl_core.providers.builtin import design, design_for, foot_phases, parse_behavior
from tabrl_core.rewards import CompiledReward, RobotContract, compile_rewards, contract_for
from tabrl_core.rewards import sandbox
from tabrl_core.rewards.contract import ContractState
from tabrl_core.rewards.runtime import build_fn
from tabrl_core.rewards.validator import validate

# Phrasing -> the behaviour the designer should understand.
PHRASINGS = {
    "walk forward": "walk forward",
    "Go forward please": "walk forward",
    "run fast": "run fast",
    "sprint!": "run fast",
    "walk backward": "walk backward",
    "back up slowly": "walk backward",
    "moonwalk": "moonwalk",
    "turn left": "turn left",
    "turn right": "turn right",
    "spin in place": "spin in place",
    "spin clockwise": "spin in place clockwise",
    "sidestep to the right": "sidestep right",
    "strafe left": "sidestep left",
    "shake your hips": "shake hips",
    "Keep shaking your hips aloha dude!": "shake hips",
    "wiggle": "wiggle",
    "dance like nobody is watching": "dance",
    "sway side to side": "sway",
    "bounce up and down": "bounce",
    "jump as high as you can": "jump",
    "hop": "hop",
    "stand tall": "stand tall",
    "crouch": "crouch",
    "sit": "sit",
    "lie down": "lie down",
    "bow": "bow",
    "stand still": "stand still",
    "balance": "stand still",
    "trot": "trot",
    "gallop": "gallop",
    "pronk": "pronk",
    "tilt to the left": "tilt left",
    "lean right": "tilt right",
    "wave a paw": "wave a paw",
    "shake hands": "wave a paw",
    "march in place": "march in place",
    "walk in a circle": "walk in a circle",
    "zigzag": "zigzag",
    "crawl": "crawl",
    "sneak up on someone": "crawl",
    "rear up on your hind legs": "rear up",
    "nod": "nod",
    "wag your tail": "wag",
    "look around": "look around",
}
UNKNOWN = ["do a backflip", "", "   ", "42", "🤖🤖🤖", "x" * 5000, "qwertyuiop asdf"]
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


def test_understands_at_least_25_behaviours():
    assert len(set(PHRASINGS.values())) >= 25


@pytest.mark.parametrize("text,label", PHRASINGS.items())
def test_phrasing_maps_to_its_behaviour(text, label):
    assert parse_behavior(text).label == label


@pytest.mark.parametrize("text", PHRASINGS)
def test_three_named_approaches_of_different_strategies(go1_designs, text):
    result = go1_designs[text]
    assert result.provider == "builtin" and result.error is None and result.note is None
    names = [a.name for a in result.approaches]
    assert [n.split(":")[0] for n in names] == ["Direct", "Shaped", "Rhythmic"]
    assert len({a.code for a in result.approaches}) == 3
    for approach in result.approaches:
        assert approach.provider == "builtin" and len(approach.name) <= 40
        assert "\n" not in approach.description and len(approach.description) > 80
        assert approach.components == validate(approach.code).components


def test_different_behaviours_get_different_approaches(go1_designs):
    by_label = {}
    for text, label in PHRASINGS.items():
        by_label.setdefault(label, set()).add(tuple(a.code for a in go1_designs[text].approaches))
    codes = [code for variants in by_label.values() for triple in variants for code in triple]
    labels_with_codes = {label: next(iter(v)) for label, v in by_label.items()}
    for label, triple in labels_with_codes.items():
        others = {c for other, t in labels_with_codes.items() if other != label for c in t}
        assert not set(triple) & others, label
    assert len(codes) >= 75


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


def test_designs_are_deterministic():
    first = design("go1", "Keep shaking your hips aloha dude!").to_dict()
    assert design("go1", "Keep shaking your hips aloha dude!").to_dict() == first


def test_modifiers_change_the_targets():
    assert parse_behavior("walk at 1.5 m/s").vx == pytest.approx(1.5)
    assert parse_behavior("walk forward quickly").vx > parse_behavior("walk forward").vx
    assert parse_behavior("walk slowly").vx < parse_behavior("walk forward").vx
    assert parse_behavior("turn right").yaw_rate < 0 < parse_behavior("turn left").yaw_rate
    assert parse_behavior("sidestep right").vy < 0 < parse_behavior("sidestep left").vy
    big = dict(parse_behavior("big bounces").axes)["height"]
    assert big > dict(parse_behavior("bounce").axes)["height"]


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
