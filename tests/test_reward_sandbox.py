"""Tracing in the child process, compile_rewards batches, and the compiled functions."""

import json
import os
import math
from pathlib import Path

import jax
import numpy as np
import pytest

from tabrl_core.rewards import (CompiledReward, RewardValidationError, RobotContract,
                                compile_reward, compile_rewards, contract_for)
from tabrl_core.rewards import compiler, sandbox
from tabrl_core.rewards.contract import EXAMPLE_REWARD, ContractState

CORPUS = Path(__file__).parent / "reward_corpus"
HOSTILE = sorted((CORPUS / "hostile").glob("*.py")) + sorted((CORPUS / "traced").glob("*.py"))
VALID = sorted((CORPUS / "valid").glob("*.py"))
ESCAPES = [Path("/tmp/tabrl_escape_open.txt"), Path("/tmp/tabrl_escape_with.txt"),
           Path("/tmp/tabrl_escape_import"), Path("/tmp/tabrl_escape_subprocess")]
SLOW = """def reward(s, a, prev_a):
    n = 9
    big = n ** n ** n
    return 1.0, {"x": 1.0}
"""


def expected_reason(path: Path) -> str:
    return path.read_text().splitlines()[0].removeprefix("# expect: ")


@pytest.fixture(scope="module")
def corpus():
    """Every hostile and valid program, compiled in one batch: {path stem: result}."""
    for path in ESCAPES:
        path.unlink(missing_ok=True)
    paths = HOSTILE + VALID
    codes = [p.read_text() for p in paths] + [EXAMPLE_REWARD]
    results = compile_rewards(codes, "go1")
    return dict(zip([p.stem for p in paths] + ["example"], results))


def test_corpus_sizes():
    assert len(HOSTILE) >= 30 and len(VALID) + 1 >= 10


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_program_is_rejected(corpus, path):
    result = corpus[path.stem]
    assert isinstance(result, RewardValidationError)
    assert expected_reason(path) in str(result)


def test_hostile_programs_left_no_trace():
    for path in ESCAPES:
        assert not path.exists()


@pytest.mark.parametrize("name", [p.stem for p in VALID] + ["example"])
def test_valid_program_compiles_jits_and_vmaps(corpus, name):
    result = corpus[name]
    assert isinstance(result, CompiledReward), result
    s, a, prev_a = sandbox.dummy_batch(contract_for("go1"))
    total, parts = jax.jit(jax.vmap(result.fn))(s, a, prev_a)
    assert total.shape == (sandbox.BATCH,) and total.dtype == np.float32
    assert tuple(parts) == tuple(sorted(result.components))  # JAX returns dicts sorted
    assert all(v.shape == (sandbox.BATCH,) for v in parts.values())
    assert np.all(np.isfinite(total))
    assert result.robot_id == "go1" and len(result.sha256) == 64


def test_playground_port_computes_the_published_terms(corpus):
    compiled = corpus["playground_go1_joystick"]
    assert compiled.components[:3] == ("tracking_lin_vel", "tracking_ang_vel", "lin_vel_z")
    s = _state(base_lin_vel=[0.8, 0.0, 0.5], base_ang_vel=[0.0, 0.0, 0.5], upright=0.6)
    total, parts = jax.jit(compiled.fn)(s, np.zeros(12, np.float32), np.full(12, 0.5, np.float32))
    assert parts["tracking_lin_vel"] == pytest.approx(1.0)
    assert parts["tracking_ang_vel"] == pytest.approx(0.5 * math.exp(-1.0), rel=1e-5)
    assert parts["lin_vel_z"] == pytest.approx(-0.125)
    assert parts["orientation"] == pytest.approx(-5.0 * 0.64, rel=1e-5)
    assert parts["action_rate"] == pytest.approx(-0.01 * 3.0)
    expected = sum(float(v) for v in parts.values()) * 0.02
    assert float(total) == pytest.approx(max(expected, 0.0), rel=1e-5)


def test_conditionals_are_lowered_to_element_wise_jnp():
    code = """def reward(s, a, prev_a):
    fast = 2.0 if s.base_lin_vel[0] > 0.5 else -1.0
    both = (s.time > 1.0) and not (s.upright < 0.5)
    inside = 0.2 < s.base_height < 0.4
    return fast, {"fast": fast, "both": both, "inside": inside}
"""
    compiled = compile_reward(code, "go1")
    batch = ContractState(*[np.stack([v, v]) for v in _state()])
    batch = batch._replace(base_lin_vel=np.array([[1.0, 0, 0], [0.0, 0, 0]], np.float32),
                           time=np.array([2.0, 0.0], np.float32),
                           base_height=np.array([0.3, 0.5], np.float32))
    actions = np.zeros((2, 12), np.float32)
    total, parts = jax.jit(jax.vmap(compiled.fn))(batch, actions, actions)
    assert total.tolist() == [2.0, -1.0]
    assert parts["both"].tolist() == [1.0, 0.0]
    assert parts["inside"].tolist() == [1.0, 0.0]


def test_slow_program_times_out_and_the_batch_goes_on():
    results = compile_rewards([SLOW, EXAMPLE_REWARD.replace("0.5)", "0.6)")], "go1", timeout_s=8)
    assert "tracing took longer than 8 s" in str(results[0])
    assert isinstance(results[1], CompiledReward)


def test_a_child_that_dies_blames_the_program_it_was_on(monkeypatch):
    ready = json.dumps({"ready": True})
    monkeypatch.setattr(sandbox, "CHILD_ARGS", (
        "-c", f"import os, sys; sys.stdin.read(); print({ready!r}, flush=True); "
              "os.kill(os.getpid(), 9)"))
    verdicts = sandbox.trace(contract_for("go1"), ["first", "second"])
    assert [str(v) for v in verdicts] == [
        "the sandbox process died (signal SIGKILL) while tracing; the code probably needs more "
        "than 4096 MB"] * 2


def test_a_child_that_cannot_start_is_an_error_not_a_verdict(monkeypatch):
    monkeypatch.setattr(sandbox, "CHILD_ARGS", ("-c", "import sys; sys.exit('no jax here')"))
    with pytest.raises(RuntimeError, match="the reward sandbox did not start: no jax here"):
        sandbox.trace(contract_for("go1"), ["code"])


def test_clean_traces_are_remembered(monkeypatch, corpus):
    def no_child(*args):
        raise AssertionError("the sandbox ran again")

    monkeypatch.setattr(sandbox, "run_in_child", no_child)
    again = compile_reward(EXAMPLE_REWARD, "go1")
    assert again.components == ("forward", "upright", "smooth")


def test_compile_reward_raises_the_first_error():
    with pytest.raises(RewardValidationError) as caught:
        compile_reward("def reward(s, a, prev_a):\n    return s.joint_pos, {}\n", "go1")
    assert caught.value.line == 2
    assert "the total has shape (12,)" in caught.value.reason


def test_any_contract_works_including_robots_without_feet():
    footless = RobotContract("blob", "Blob", ("j0", "j1", "j2"), (), 0.05, stand_height=0.4)
    code = """def reward(s, a, prev_a):
    lifted = jnp.sum(1.0 - s.foot_contact)
    effort = jnp.sum(jnp.square(a))
    return 1.0 - 0.1 * effort + lifted, {"lifted": lifted, "effort": effort}
"""
    compiled = compile_reward(code, footless)
    assert compiled.robot_id == "blob"
    s, a, prev_a = sandbox.dummy_batch(footless)
    assert s.foot_contact.shape == (sandbox.BATCH, 0) and a.shape == (sandbox.BATCH, 3)
    total, parts = jax.vmap(compiled.fn)(s, a, prev_a)
    assert np.all(parts["lifted"] == 0.0) and total.shape == (sandbox.BATCH,)


def _state(**overrides) -> ContractState:
    """One standing Go1 state, with `overrides`, as float32 arrays."""
    values = dict(base_pos=[0.0, 0.0, 0.285], base_height=0.285, base_lin_vel=[0.0] * 3,
                  base_ang_vel=[0.0] * 3, base_rpy=[0.0] * 3, upright=1.0,
                  joint_pos=[0.0, 0.9, -1.8] * 4, default_joint_pos=[0.0, 0.9, -1.8] * 4,
                  joint_vel=[0.0] * 12, joint_torque=[0.0] * 12, foot_contact=[1.0] * 4,
                  foot_height=[0.02] * 4, foot_air_time=[0.0] * 4, first_contact=[0.0] * 4,
                  time=1.0, dt=0.02)
    values.update(overrides)
    return ContractState(**{k: np.asarray(v, np.float32) for k, v in values.items()})


def test_compiled_reward_is_hashable_and_compares_by_code(corpus):
    first = corpus["example"]
    assert first == compiler.CompiledReward(first.code, "go1", first.sha256, first.components,
                                            fn=None)
    assert len({first, first}) == 1


def test_the_child_sees_only_the_environment_it_needs(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-FAKE-must-not-leak")
    monkeypatch.setenv("TABRL_OPENAI_COMPATIBLE", "http://127.0.0.1:1/v1|sk-FAKE-leak")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-FAKE-leak")
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    report = ("import json, os, sys; sys.stdin.read(); print(json.dumps({'ready': True}));"
              "print(json.dumps({'ok': False, 'line': None,"
              " 'reason': json.dumps(dict(os.environ))}), flush=True)")
    monkeypatch.setattr(sandbox, "CHILD_ARGS", ("-c", report))
    (verdict,) = sandbox.trace(contract_for("go1"), ["code"])
    seen = json.loads(verdict.reason)
    assert not {"ANTHROPIC_API_KEY", "TABRL_OPENAI_COMPATIBLE", "MODAL_TOKEN_SECRET"} & set(seen)
    assert "FAKE" not in verdict.reason
    assert seen["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=false"
    assert seen["JAX_PLATFORMS"] == "cpu" and seen["JAX_ENABLE_X64"] == "0"
    assert seen["TABRL_HOME"] == os.environ["TABRL_HOME"]
    assert set(seen) <= set(sandbox.CHILD_ENV_NAMES) | {"PYTHONPATH", "PYTHONUNBUFFERED"} | {
        k for k in seen if k.startswith(sandbox.CHILD_ENV_PREFIXES)} | {"LC_CTYPE"}


def test_the_trainer_batch_in_the_limits_is_the_trainers():
    from tabrl_core.rewards.contract import LIMITS
    from tabrl_core.training.config import TrainConfig

    assert LIMITS.trainer_batch == TrainConfig().unroll_length * TrainConfig().num_envs


def test_compiled_rewards_run_the_exported_program_and_never_trace_the_code(monkeypatch, corpus):
    from tabrl_core.rewards import runtime

    compiled = corpus["example"]
    assert len(compiled.program) > 0

    def no_tracing(*args):
        raise AssertionError("reward code was traced outside the sandbox")

    monkeypatch.setattr(runtime, "build_fn", no_tracing)
    s, a, prev_a = sandbox.dummy_batch(contract_for("go1"))
    grid = jax.tree_util.tree_map(lambda x: x.reshape((2, 4) + x.shape[1:]), (s, a, prev_a))
    jaxpr = jax.make_jaxpr(jax.vmap(jax.vmap(compiled.fn)))(*grid)
    calls = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert "custom_vmap_call" in calls and "exp" not in calls  # one opaque call, no reward ops
    total, parts = jax.jit(jax.vmap(jax.vmap(compiled.fn)))(*grid)
    again = runtime.load_program(compiled.program, compiled.components)
    expected, _ = jax.vmap(again)(s, a, prev_a)
    np.testing.assert_allclose(np.asarray(total).ravel(), np.asarray(expected), rtol=1e-6)
    assert compiled.batched is compiled.batched  # the rollout's jitted function is made once
    assert compiled.batched(s, a, prev_a)[0].shape == (sandbox.BATCH,)


def test_a_passing_program_is_stored_so_a_later_process_skips_the_sandbox(monkeypatch, tmp_path):
    monkeypatch.setenv("TABRL_CACHE_DIR", str(tmp_path))
    code = EXAMPLE_REWARD.replace("0.5)", "0.55)")
    broken = (CORPUS / "traced" / "data_dependent_shape.py").read_text()  # fails in the child
    first, failed = compile_rewards([code, broken], "go1")
    assert isinstance(first, CompiledReward) and isinstance(failed, RewardValidationError)
    assert len(list((tmp_path / "reward-programs").glob("*.jaxexport"))) == 1  # no failure kept

    monkeypatch.setattr(compiler, "_TRACED", {})  # a new process: nothing traced in memory
    traced = []
    real_trace = sandbox.trace
    monkeypatch.setattr(sandbox, "trace", lambda contract, codes, timeout_s=None: (
        traced.extend(codes) or real_trace(contract, codes, timeout_s)))
    again, failed_again = compile_rewards([code, broken], "go1")
    assert traced == [broken]  # the failing program is checked again, the stored one is not
    assert isinstance(failed_again, RewardValidationError)
    state, action, prev = sandbox.dummy_batch(contract_for("go1"))
    assert np.allclose(np.asarray(first.batched(state, action, prev)[0]),
                       np.asarray(again.batched(state, action, prev)[0]))

    ant = compile_rewards([code], "ant")[0]  # another robot's contract is another entry
    assert isinstance(ant, CompiledReward) and code in traced

    monkeypatch.setattr(compiler, "_TRACED", {})
    for entry in (tmp_path / "reward-programs").glob("*.jaxexport"):
        entry.write_bytes(b"not an exported program")
    traced.clear()
    assert isinstance(compile_rewards([code], "go1")[0], CompiledReward)
    assert traced == [code]  # a damaged entry is checked again, and replaced
