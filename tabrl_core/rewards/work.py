"""The work a reward program does per state: FLOPs and peak live memory, bounded by LIMITS.

Two measurements, both per state: `estimate` walks the traced program (the jaxpr of ONE state,
before anything is compiled, so a program that would keep XLA busy for minutes is refused in
milliseconds), and `measure_compiled` reads XLA's own cost and memory analysis of the program
compiled at the trainer's batch shape. `check` refuses a program above either limit, and any
operation that needs a matrix decomposition or a loop, with the measured value and the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tabrl_core.rewards.contract import LIMITS
from tabrl_core.rewards.validator import RewardValidationError

# Primitives whose cost is a matrix decomposition, a solve or a loop: reward code never needs
# them (they come from norms of matrices, for example), and their cost does not show in sizes.
DECOMPOSITIONS = frozenset({
    "svd", "eig", "eigh", "eigh_jacobi", "qr", "geqrf", "geqp3", "householder_product", "lu",
    "lu_pivots_to_permutation", "cholesky", "cholesky_update", "triangular_solve", "schur",
    "hessenberg", "tridiagonal", "tridiagonal_solve", "custom_linear_solve", "while", "scan",
    "fori_loop", "cond", "sort", "top_k"})


@dataclass(frozen=True)
class Work:
    """Work per state: floating-point operations, and bytes of values alive at once."""

    flops: float
    peak_bytes: float


def estimate(closed_jaxpr) -> Work:
    """FLOPs and peak live bytes of a program traced for one state (its jaxpr); raises
    RewardValidationError when it uses a decomposition or a loop (see DECOMPOSITIONS)."""
    flops, peak = _walk(closed_jaxpr.jaxpr)
    consts = sum(_bytes(c) for c in closed_jaxpr.consts)
    return Work(flops, peak + consts)


def measure_compiled(compiled, batch: int) -> Work:
    """XLA's FLOPs and temporary bytes of `compiled` (a jax Compiled for `batch` states), per
    state."""
    costs = compiled.cost_analysis()
    costs = costs[0] if isinstance(costs, (list, tuple)) else costs
    flops = float(costs.get("flops", 0.0)) + float(costs.get("transcendentals", 0.0))
    memory = compiled.memory_analysis()
    temp = float(getattr(memory, "temp_size_in_bytes", 0) or 0)
    return Work(flops / batch, temp / batch)


def check(work: Work, where: str) -> None:
    """Raise RewardValidationError if `work` is above LIMITS; `where` says which measurement."""
    if work.peak_bytes > LIMITS.max_live_bytes_per_state:
        raise RewardValidationError(
            None, f"the code keeps {work.peak_bytes / 1024:,.1f} KiB of values alive at once per "
                  f"state ({where}); the limit is {LIMITS.max_live_bytes_per_state / 1024:,.0f} "
                  "KiB: reduce large intermediates (jnp.sum, jnp.mean) before making more")
    if work.flops > LIMITS.max_flops_per_state:
        raise RewardValidationError(
            None, f"the code needs {work.flops:,.0f} floating-point operations per state "
                  f"({where}); the limit is {LIMITS.max_flops_per_state:,}: it runs for every "
                  "robot at every control step, so keep it to a few vector operations")


def _walk(jaxpr) -> tuple[float, float]:
    """(FLOPs, peak live bytes) of a jaxpr, walking nested jaxprs; values die after their last
    use."""
    last_use: dict = {}
    for index, eqn in enumerate(jaxpr.eqns):
        for var in eqn.invars:
            if not _is_literal(var):
                last_use[var] = index
    keep = {v for v in jaxpr.outvars if not _is_literal(v)}
    live = sum(_bytes(v.aval) for v in list(jaxpr.invars) + list(jaxpr.constvars))
    flops, peak = 0.0, live
    for index, eqn in enumerate(jaxpr.eqns):
        name = eqn.primitive.name
        if name in DECOMPOSITIONS:
            raise RewardValidationError(
                None, f"the code uses `{name}`, a matrix decomposition or loop whose cost grows "
                      "with the cube of the size (from a matrix norm, for example); reward code "
                      "may only use element-wise operations, sums and dot products")
        out = sum(_bytes(v.aval) for v in eqn.outvars)
        inner_flops, inner_peak = 0.0, 0.0
        for sub in _sub_jaxprs(eqn):
            sub_flops, sub_peak = _walk(sub)
            inner_flops += sub_flops
            inner_peak = max(inner_peak, sub_peak)
        flops += inner_flops if inner_flops else _flops(eqn)
        peak = max(peak, live + max(out, inner_peak))
        live += out
        for var in eqn.invars:
            if not _is_literal(var) and last_use.get(var) == index and var not in keep:
                live -= _bytes(var.aval)
        live -= sum(_bytes(v.aval) for v in eqn.outvars if v not in last_use and v not in keep)
    return flops, peak


def _flops(eqn) -> float:
    """Operations of one primitive: 2*M*N*K for a dot, the input size for a reduction, the
    output size for anything element-wise."""
    name = eqn.primitive.name
    if name == "dot_general":
        (contract_lhs, _), _ = eqn.params["dimension_numbers"]
        lhs_shape = eqn.invars[0].aval.shape
        inner = math.prod(lhs_shape[d] for d in contract_lhs)
        return 2.0 * _size(eqn.outvars[0].aval) * inner
    if name.startswith("reduce") or name.startswith("argm") or name == "cumsum":
        return float(sum(_size(v.aval) for v in eqn.invars))
    return float(sum(_size(v.aval) for v in eqn.outvars))


def _sub_jaxprs(eqn):
    from jax.extend.core import ClosedJaxpr, Jaxpr

    for param in eqn.params.values():
        for sub in param if isinstance(param, (tuple, list)) else [param]:
            if isinstance(sub, ClosedJaxpr):
                yield sub.jaxpr
            elif isinstance(sub, Jaxpr):
                yield sub


def _is_literal(var) -> bool:
    from jax.extend.core import Literal

    return isinstance(var, Literal)


def _size(aval) -> int:
    return int(math.prod(getattr(aval, "shape", ()) or ()))


def _bytes(value) -> float:
    aval = getattr(value, "aval", value)
    dtype = getattr(aval, "dtype", None)
    itemsize = getattr(dtype, "itemsize", 4) if dtype is not None else 4
    return float(_size(aval) * itemsize)
