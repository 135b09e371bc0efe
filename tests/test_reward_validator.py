"""Static checks on reward code: the hostile corpus, the whitelist against the contract, docs."""

import pickle
from pathlib import Path

import pytest

from tabrl_core.rewards import contract
from tabrl_core.rewards.contract import (ALLOWED_BUILTINS, ALLOWED_JNP, ALLOWED_KEYWORDS,
                                         EXAMPLE_REWARD, FIELD_NAMES, LIMITS)
from tabrl_core.rewards.validator import RewardValidationError, validate

CORPUS = Path(__file__).parent / "reward_corpus"
HOSTILE = sorted((CORPUS / "hostile").glob("*.py"))


def expected_reason(path: Path) -> str:
    """The `# expect: ...` first line of a corpus file."""
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def program(body: str) -> str:
    return "def reward(s, a, prev_a):\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_program_is_rejected_with_its_line_and_reason(path):
    code = "" if path.stem == "empty_code" else path.read_text()
    with pytest.raises(RewardValidationError) as caught:
        validate(code)
    assert expected_reason(path) in str(caught.value)


def test_error_carries_line_and_reason_and_survives_pickling():
    with pytest.raises(RewardValidationError) as caught:
        validate(program("x = 1.0\ny = open('/tmp/x', 'w')\nreturn x, {'x': x}"))
    error = caught.value
    assert (error.line, str(error)) == (3, f"line 3: {error.reason}")
    assert error.reason.startswith("calls open(), which is not allowed; allowed functions: ")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.line, copy.reason) == (error.line, error.reason)


def test_example_and_components_in_dict_order():
    validated = validate(EXAMPLE_REWARD)
    assert validated.components == ("forward", "upright", "smooth")
    assert validated.return_line == 6


@pytest.mark.parametrize("name", sorted(ALLOWED_JNP))
def test_every_allowed_jnp_function_passes(name):
    validate(program(f"x = jnp.{name}(a)\nreturn 1.0, {{'x': 1.0}}"))


@pytest.mark.parametrize("name", ["ones", "zeros", "empty", "full", "arange", "load", "save",
                                  "frombuffer", "vectorize", "asarray", "reshape", "tile"])
def test_other_jnp_functions_fail(name):
    with pytest.raises(RewardValidationError, match=f"calls jnp.{name}\\(\\), which is not"):
        validate(program(f"x = jnp.{name}(a)\nreturn 1.0, {{'x': 1.0}}"))


@pytest.mark.parametrize("name", sorted(set(ALLOWED_BUILTINS) - {"range", "len"}))
def test_allowed_builtins_pass(name):
    validate(program(f"x = {name}(s.time)\nreturn 1.0, {{'x': x}}"))


@pytest.mark.parametrize("keyword", ALLOWED_KEYWORDS)
def test_allowed_keywords_pass(keyword):
    validate(program(f"x = jnp.sum(a, {keyword}=0)\nreturn 1.0, {{'x': 1.0}}"))


@pytest.mark.parametrize("field", FIELD_NAMES)
def test_every_contract_field_reads(field):
    validate(program(f"x = s.{field}\nreturn 1.0, {{'x': 1.0}}"))


def test_limits_are_enforced_at_the_edge():
    at_limit = program("\n".join(["x = 0.0", "for i in range(4):",
                                  "    for j in range(2, 6):", "        x = x + 1e6",
                                  "return x, {'x': x}"]))
    validate(at_limit)
    too_long = program("x = 1.0\n" * 1000 + "return x, {'x': x}")
    with pytest.raises(RewardValidationError, match=f"the limit is {LIMITS.max_source_chars}"):
        validate(too_long)
    many_nodes = program("x = " + " + ".join(["s.time"] * 700) + "\nreturn x, {'x': x}")
    with pytest.raises(RewardValidationError, match=f"the limit is {LIMITS.max_ast_nodes}"):
        validate(many_nodes)


def test_rules_name_what_the_validator_rejects():
    rules = " ".join(contract.RULES)
    for word in ("`import`", "`lambda`", "`while`", "`try`", "`with`", "`global`", "f-strings",
                 "comprehensions", "`if` statements", "`yield`", "`del`", "`raise`", "`None`"):
        assert word in rules
    assert f"N <= {LIMITS.max_loop_iterations}" in rules


def test_docs_file_is_generated_from_the_contract():
    committed = contract.DOCS_PATH.read_text()
    assert committed == contract.render_docs(), \
        "docs/rewards.md is stale: run tabrl_core.rewards.contract.write_docs()"


def test_render_contract_shows_robot_facts():
    text = contract.render_contract(contract.contract_for("go1"))
    assert "standing base height = 0.285 m" in text
    assert "the episode ends when base_height < 0.12 m or upright < 0.3" in text
    assert "FR_foot, FL_foot, RR_foot, RL_foot" in text
    assert text.count("| `s.") == len(FIELD_NAMES)


def test_reserved_component_names_cover_what_clips_and_trajectory_files_hold(tmp_path):
    import numpy as np

    from tabrl_core.media.trajectory import save_trajectory, trajectory_stats
    from tabrl_core.robots import get_robot
    from tabrl_core.robots.model import home_data, load_model
    from tabrl_core.training.rollout import Trajectory

    robot = get_robot("go1")
    model = load_model(robot)
    qpos = np.repeat(home_data(model, robot.keyframe).qpos[None], 3, axis=0)
    traj = Trajectory("go1", 30, qpos, np.zeros((3, model.nv)), np.arange(3) / 30,
                      np.zeros(3), {"forward": np.zeros(3)})
    with np.load(save_trajectory(traj, tmp_path / "t.npz")) as saved:
        file_keys = {k for k in saved.files if "/" not in k}
    used = (set(trajectory_stats(traj)) | file_keys | {"step", "steps", "mean_return"}) \
        - {"components"}
    assert used <= set(contract.RESERVED_COMPONENT_NAMES)


@pytest.mark.parametrize("name", ["step", "Total", "MEAN_RETURN", "time"])
def test_reserved_component_names_are_refused_in_any_case(name):
    with pytest.raises(RewardValidationError, match=f"component name '{name}' is reserved"):
        validate(program(f"x = s.upright\nreturn x, {{'{name}': x}}"))
