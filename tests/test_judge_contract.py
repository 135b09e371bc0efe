"""The judge contract: its docs, its whitelist (the rewards validator with the judge grammar),
the check scores, and the built-in judge's programs."""

from pathlib import Path

import pytest
import yaml

from tabrl_core.rewards import judge_contract as contract
from tabrl_core.judging.builtin import builtin_judge_code
from tabrl_core.rewards.judge_contract import EXAMPLE_JUDGE, FIELD_NAMES, score_check, target_text
from tabrl_core.judging.program import JudgeValidationError, validate_judge
from tabrl_core.rewards.contract import contract_for
from tabrl_core.rewards.validator import validate

CORPUS = Path(__file__).parent / "judge_corpus"
HOSTILE = sorted((CORPUS / "hostile").glob("*.py"))
REWARD_HOSTILE = sorted((Path(__file__).parent / "reward_corpus" / "hostile").glob("*.py"))


def expected_reason(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def test_docs_file_is_generated_from_the_contract():
    assert contract.DOCS_PATH.read_text() == contract.render_docs(), \
        "docs/judging.md is stale: run tabrl_core.rewards.judge_contract.write_docs()"


def test_docs_and_prompt_list_every_field_and_check():
    docs = contract.render_docs()
    prompt = contract.render_judge_contract(contract_for("go1"))
    for name in FIELD_NAMES:
        assert f"`t.{name}`" in docs and f"`t.{name}`" in prompt
    for name in contract.CHECKS:
        assert f"`{name}(" in docs and f"`{name}(" in prompt
    assert "| `t.joint_pos` | (F, 12) |" in prompt
    assert "FR_foot, FL_foot, RR_foot, RL_foot" in prompt


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_judge_is_rejected_with_its_line_and_reason(path):
    with pytest.raises(JudgeValidationError) as caught:
        validate_judge(path.read_text())
    assert expected_reason(path) in str(caught.value)


@pytest.mark.parametrize("path", REWARD_HOSTILE, ids=[p.stem for p in REWARD_HOSTILE])
def test_hostile_reward_bodies_are_rejected_as_judges_too(path):
    """The reward corpus's bodies, re-signed as judges: rejected by the same rules."""
    code = path.read_text().replace("def reward(s, a, prev_a):", "def judge(t):")
    code = code.replace("s.", "t.").replace("reward(", "judge(")
    if "def judge(t):" not in code or path.stem in ("wrong_name", "wrong_signature"):
        pytest.skip("not a reward body")
    with pytest.raises(JudgeValidationError):
        validate_judge(code)


def test_example_validates_and_names_its_checks():
    validated = validate_judge(EXAMPLE_JUDGE)
    assert validated.components == ("backward_distance_m", "upright_fraction", "fell")


def test_reward_validator_is_unchanged_by_the_judge_grammar():
    with pytest.raises(ValueError, match="must be named `reward`"):
        validate(EXAMPLE_JUDGE)


@pytest.mark.parametrize("name", sorted(contract.EXTRA_JNP))
def test_judge_only_functions_pass_for_judges_not_rewards(name):
    judge = (f"def judge(t):\n    x = jnp.{name}(t.base_height)\n"
             "    return {'x': at_least(1.0, 0.0)}\n")
    validate_judge(judge)
    reward = f"def reward(s, a, prev_a):\n    x = jnp.{name}(a)\n    return 1.0, {{'x': 1.0}}\n"
    with pytest.raises(ValueError, match=f"calls jnp.{name}"):
        validate(reward)


def test_check_scores_and_targets():
    assert score_check("at_least", 0.9, (0.8,)) == (True, 1.0)
    met, score = score_check("at_most", 0.9, (-0.5,))
    assert not met and score == pytest.approx(2.718281828 ** (-1.4 / 0.5))
    assert score_check("between", 0.3, (0.2, 0.4)) == (True, 1.0)
    met, score = score_check("between", 0.5, (0.2, 0.4))
    assert not met and 0 < score < 1
    assert score_check("at_least", -2.0, (0.0,))[1] == pytest.approx(2.718281828 ** -20)
    assert target_text("at_most", (-0.5,)) == "<= -0.5"
    assert target_text("between", (0.2, 0.4)) == "in [0.2, 0.4]"


SUITE = yaml.safe_load((Path(__file__).parent / "behaviour_suite.yaml").read_text())


@pytest.mark.parametrize("robot", ["go1", "op3", "ant", "half_cheetah", "humanoid"])
def test_builtin_judge_validates_for_every_suite_sentence(robot):
    for case in (c for c in SUITE if c["robot"] == robot):
        names = validate_judge(builtin_judge_code(robot, case["text"])).components
        assert 2 <= len(names) <= contract.LIMITS.max_components, case["text"]
        can_fall = robot != "half_cheetah"  # the cheetah's episode never ends early
        assert (names[-1] == "fell") == can_fall, case["text"]


SENTENCES = ("walk backwards", "run fast", "turn right", "spin in place", "sidestep left",
             "shake your hips", "dance", "jump", "hop three times", "sit", "lie down",
             "wave a paw", "stand still", "walk forward then turn left", "do a barrel roll",
             "xyzzy plugh")


@pytest.mark.parametrize("robot", ["go1", "op3"])
def test_builtin_judge_validates_for_any_sentence(robot):
    for sentence in SENTENCES:
        names = validate_judge(builtin_judge_code(robot, sentence)).components
        assert names and len(names) <= contract.LIMITS.max_components, sentence
        assert "fell" in names, sentence


def test_builtin_judge_checks_what_the_text_asks():
    def names(sentence: str) -> set[str]:
        return set(validate_judge(builtin_judge_code("go1", sentence)).components)

    assert "backward_distance_m" in names("walk backwards")
    assert "forward_distance_m" in names("walk")
    assert "yaw_turned_rad" in names("turn right")
    assert {"roll_amplitude_rad", "roll_frequency_hz", "yaw_amplitude_rad", "drift_m"} <= names(
        "shake your hips")
    assert "jump_height_m" in names("jump")
    assert "raised_feet_fraction" in names("wave a paw")
    assert {"base_height_m", "pitch_rad"} <= names("sit")
    assert {"upright_fraction", "fell"} <= names("walk backwards")
    assert {"p1_yaw_turned_rad", "p2_drift_m"} <= names("spin one full turn, then stand still")
