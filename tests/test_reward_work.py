"""Work per state (FLOPs, live memory) and the realistic states rewards are checked on."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tabrl_core.rewards import RobotContract, contract_for, work
from tabrl_core.rewards.contract import FIELD_NAMES, LIMITS
from tabrl_core.rewards.validator import RewardValidationError
from tabrl_core.training import state_sample


def test_estimate_counts_dot_flops_and_frees_values_after_their_last_use():
    def chain(m):
        for _ in range(3):
            m = m @ m
        return jnp.sum(m)

    estimated = work.estimate(jax.make_jaxpr(chain)(jnp.ones((10, 10), jnp.float32)))
    assert 3 * 2 * 10**3 <= estimated.flops <= 3 * 2 * 10**3 + 200
    assert estimated.peak_bytes <= 3 * 400  # input, one product, the next: never all four

    def keep_all(x):
        parts = [jnp.sin(x + i) for i in range(6)]
        return sum(jnp.sum(p) for p in parts)

    many = work.estimate(jax.make_jaxpr(keep_all)(jnp.ones(1000, jnp.float32)))
    assert many.peak_bytes >= 6 * 4000


@pytest.mark.parametrize("decompose", [lambda m: jnp.linalg.svd(m)[1].sum(),
                                       lambda m: jnp.linalg.norm(m, ord=2),
                                       lambda m: jnp.linalg.eigh(m)[0].sum(),
                                       lambda m: jnp.linalg.solve(m, m[0]).sum()])
def test_decompositions_are_refused_by_name(decompose):
    closed = jax.make_jaxpr(decompose)(jnp.eye(4, dtype=jnp.float32))
    with pytest.raises(RewardValidationError, match="matrix decomposition or loop"):
        work.estimate(closed)


def test_xla_analysis_is_per_state_and_check_names_measure_and_limit():
    batch = 64
    compiled = jax.jit(jax.vmap(lambda m: jnp.sum(m @ m @ m))).lower(
        jax.ShapeDtypeStruct((batch, 16, 16), jnp.float32)).compile()
    measured = work.measure_compiled(compiled, batch)
    assert 2 * 2 * 16**3 <= measured.flops <= 3 * 2 * 16**3
    work.check(measured, "XLA")
    with pytest.raises(RewardValidationError) as caught:
        work.check(work.Work(flops=123_456, peak_bytes=0), "XLA's analysis")
    assert caught.value.reason.startswith(
        f"the code needs 123,456 floating-point operations per state (XLA's analysis); the "
        f"limit is {LIMITS.max_flops_per_state:,}")
    with pytest.raises(RewardValidationError, match=r"keeps 64\.0 KiB of values alive"):
        work.check(work.Work(flops=0, peak_bytes=64 * 1024), "estimated")


def test_state_sample_holds_every_kind_in_the_trainers_dtypes_and_is_cached(monkeypatch):
    contract = contract_for("go1")
    sample = state_sample.state_sample(contract)
    n = LIMITS.trainer_batch
    assert len(sample.a) == n and sample.a.dtype == np.float32
    assert all(getattr(sample.s, f).dtype == np.float32 and len(getattr(sample.s, f)) == n
               for f in FIELD_NAMES)
    assert set(np.unique(sample.kind)) == set(range(len(state_sample.KINDS)))  # has a policy
    assert np.all(np.isfinite(sample.a)) and np.max(np.abs(sample.a)) == 1.0
    assert np.mean(np.abs(sample.a) == 1.0) > 0.25  # saturated actions are common
    assert sample.s.upright.min() == -1.0 and sample.s.upright.max() > 0.99
    assert np.any(np.all(sample.s.foot_contact == 0, axis=1))  # all feet in the air
    assert np.any(sample.s.base_height < contract.min_base_height)  # fallen
    first = sample.kind == 0
    assert np.all(sample.s.time[first] == 0) and np.all(sample.a[first] == 0)
    assert not np.all(sample.s.time == sample.s.time[0])

    def no_rollouts(*args):
        raise AssertionError("the sample was made again")

    monkeypatch.setattr(state_sample, "_rollout_states", no_rollouts)
    again = state_sample.state_sample(contract)
    np.testing.assert_array_equal(again.s.joint_pos, sample.s.joint_pos)


def test_a_contract_without_a_robot_model_gets_synthetic_and_edge_states():
    blob = RobotContract("blob", "Blob", ("j0", "j1", "j2"), ("foot",), 0.05, stand_height=0.4)
    sample = state_sample.state_sample(blob)
    assert sample.a.shape == (LIMITS.trainer_batch, 3)
    assert {0, 4, 5, 6, 7} <= set(np.unique(sample.kind))
    assert sample.state(0).keys() == set(FIELD_NAMES) | {"a", "prev_a"}
