"""Turn validated program source into a function, and a reward into an exported program.

The validated syntax tree is lowered so Python control on arrays traces (`x if c else y` becomes
jnp.where, `and`/`or`/`not` and chained comparisons become jnp.logical_*, and indexing checks
integer indices against the array's shape, where JAX would clamp them), then compiled and run
with no builtins but the allowed ones and a `jnp` namespace that holds only the allowed
functions (from jax.numpy, or NumPy). Only validated code reaches `define`, and for rewards only
the sandbox child runs it: it traces the code once, under limits, into a serialised jax.export
program (`export_program`); trainers and rollouts load that (`load_program`) and never trace
reward code.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import types
from typing import Callable

from tabrl_core.rewards.contract import FIELD_NAMES, ContractState, RobotContract
from tabrl_core.rewards.validator import REWARD, Grammar, RewardValidationError, ValidatedReward

# Where exported reward programs can run: the sandbox child exports on the CPU, trainers run on
# the CPU or (Modal) an NVIDIA GPU.
EXPORT_PLATFORMS = ("cpu", "cuda")

# Names the lowering introduces; reward code cannot spell them (names starting with `_` are
# rejected by the validator).
WHERE, AND, OR, NOT, INDEX, SLICE = "_where", "_and", "_or", "_not", "_index", "_slice"


class _Lower(ast.NodeTransformer):
    """Rewrite Python boolean control into element-wise jnp calls."""

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return _call(WHERE, [node.test, node.body, node.orelse], node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        return _fold(AND if isinstance(node.op, ast.And) else OR, node.values, node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return _call(NOT, [node.operand], node) if isinstance(node.op, ast.Not) else node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        return _call(INDEX, [node.value, _key(node.slice)], node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        lefts = [node.left] + node.comparators[:-1]
        pairs = [ast.copy_location(ast.Compare(left, [op], [right]), node)
                 for left, op, right in zip(lefts, node.ops, node.comparators)]
        return _fold(AND, pairs, node)


def _key(node: ast.expr) -> ast.expr:
    """An index expression as a value: `a:b:c` becomes _slice(a, b, c)."""
    if isinstance(node, ast.Slice):
        parts = [part or ast.Constant(None) for part in (node.lower, node.upper, node.step)]
        return _call(SLICE, parts, node)
    if isinstance(node, ast.Tuple):
        return ast.copy_location(ast.Tuple([_key(e) for e in node.elts], ast.Load()), node)
    return node


def _call(name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), args, []), where)


def _fold(name: str, values: list[ast.expr], where: ast.AST) -> ast.expr:
    return functools.reduce(lambda acc, value: _call(name, [acc, value], where), values)


def lower(tree: ast.Module) -> ast.Module:
    """A copy of `tree` with conditionals, boolean operators and chained comparisons lowered."""
    return ast.fix_missing_locations(_Lower().visit(copy.deepcopy(tree)))


@functools.cache
def program_globals(grammar: Grammar, backend: str) -> types.MappingProxyType:
    """The globals a program of `grammar` runs with: its builtins, its `jnp` namespace (from
    jax.numpy or NumPy) and the lowering's helpers."""
    xp = _array_module(backend)
    functions = {name: functools.partial(_vector_norm, xp) if name == "norm"
                 else getattr(xp, name) for name in grammar.jnp}
    constants = {name: getattr(xp, name) for name in grammar.jnp_constants}
    builtins = {"range": range, "len": len, "abs": xp.abs,
                "float": lambda x: xp.asarray(x, xp.float32),
                "min": functools.partial(_extreme, xp, True),
                "max": functools.partial(_extreme, xp, False)}
    missing = set(grammar.builtins) - set(builtins)
    assert not missing, f"update runtime with the contract: {missing}"
    return types.MappingProxyType({
        "__builtins__": {name: builtins[name] for name in grammar.builtins},
        "jnp": types.SimpleNamespace(**functions, **constants),
        WHERE: xp.where, AND: xp.logical_and, OR: xp.logical_or, NOT: xp.logical_not,
        INDEX: _checked_index, SLICE: slice,
    })


def _checked_index(x, key):
    """x[key], refusing an integer index outside the array (JAX would clamp it silently)."""
    shape = getattr(x, "shape", ())
    for axis, part in enumerate(key if isinstance(key, tuple) else (key,)):
        if isinstance(part, int) and axis < len(shape) and not -shape[axis] <= part < shape[axis]:
            raise IndexError(f"index {part} is out of bounds for axis {axis} with size "
                             f"{shape[axis]}")
    return x[key]


def _vector_norm(xp, x, ord=None, axis=None, keepdims=False):  # noqa: A002 -- jnp's own name
    """xp.linalg.norm for vector norms only: a matrix norm (`ord=` over a 2-D array, or a pair
    of axes) needs a matrix decomposition, which costs far more than a program may."""
    ndim = xp.ndim(x)
    if isinstance(axis, (tuple, list)) or (ndim >= 2 and axis is None and ord is not None):
        raise RewardValidationError(
            None, f"jnp.norm computes a matrix norm here (ord={ord!r} over a {ndim}-D array"
                  + (f", axis={tuple(axis)}" if isinstance(axis, (tuple, list)) else "")
                  + "), which needs a matrix decomposition; matrix norms are not allowed: take "
                    "vector norms (a 1-D array, or one `axis=`)")
    return xp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def define(validated: ValidatedReward, backend: str, extra: dict | None = None) -> Callable:
    """The program's function, compiled from its lowered tree with `program_globals` (plus
    `extra` names, such as the judge's check helpers). Only validated code reaches here."""
    grammar = validated.grammar
    namespace = dict(program_globals(grammar, backend)) | (extra or {})
    code = compile(lower(validated.tree), f"<{grammar.entry}>", "exec")
    exec(code, namespace)  # noqa: S102 (validated against the grammar)
    return namespace[grammar.entry]


def _array_module(backend: str):
    return importlib.import_module({"jax": "jax.numpy", "numpy": "numpy"}[backend])


def _extreme(xp, smallest: bool, *xs):
    """Python's min/max for arrays: of one sequence's elements, or element-wise of several."""
    if len(xs) == 1:
        values = xp.asarray(xs[0])
        return xp.min(values) if smallest else xp.max(values)
    return functools.reduce(xp.minimum if smallest else xp.maximum, xs)


def build_fn(validated: ValidatedReward, backend: str = "jax") -> Callable:
    """fn(s, a, prev_a) -> (total, {name: value}) as float32 scalars, for ONE robot-step, from
    the reward's Python code: only the sandbox child (which traces untrusted code under limits)
    and tests call this; everyone else runs the exported program (`load_program`).

    backend "jax" gives the jittable, vmappable function; "numpy" runs the same code on NumPy
    arrays.
    """
    assert validated.grammar == REWARD
    xp = _array_module(backend)
    raw = define(validated, backend)
    names = validated.components

    def fn(s, a, prev_a):
        total, parts = raw(s, a, prev_a)
        return (xp.asarray(total, xp.float32),
                {name: xp.asarray(parts[name], xp.float32) for name in names})

    return fn


def export_program(validated: ValidatedReward, contract: RobotContract):
    """The reward as a jax.export.Exported over a batch of any size: (s fields..., a, prev_a),
    each [b, ...] float32 -> (total [b], components [b, n_components]). Traces the code."""
    import jax
    import jax.numpy as jnp
    from jax import export

    # jaxlib imports some modules from C++ on its first jitted call, through the calling
    # frame's builtins, which reward code does not have (no `__import__`): make that call here.
    jnp.abs(jnp.zeros(())).block_until_ready()
    fn = build_fn(validated)
    names = validated.components

    def program(*flat):
        total, parts = jax.vmap(fn)(ContractState(*flat[:-2]), flat[-2], flat[-1])
        stacked = (jnp.stack([parts[n] for n in names], axis=-1) if names
                   else jnp.zeros(total.shape + (0,), jnp.float32))
        return total, stacked

    (batch,) = export.symbolic_shape("b")
    return export.export(jax.jit(program), platforms=EXPORT_PLATFORMS)(
        *program_inputs(contract, batch))


def program_inputs(contract: RobotContract, batch) -> list:
    """The exported program's argument shapes for `batch` states (an int or a symbol)."""
    import jax
    import jax.numpy as jnp

    shapes = [contract.field_shape(name) for name in FIELD_NAMES] + [(contract.n_joints,)] * 2
    return [jax.ShapeDtypeStruct((batch,) + shape, jnp.float32) for shape in shapes]


def load_program(serialized: bytes, components: tuple[str, ...]) -> Callable:
    """fn(s, a, prev_a) -> (total, {name: value}) for ONE state, running the exported program;
    jittable and vmappable (any number of vmaps become one call over the flattened batch), and
    tracing it never runs reward code."""
    import jax
    import jax.numpy as jnp
    from jax import export

    batched = _vmappable(export.deserialize(bytearray(serialized)).call)

    def fn(s, a, prev_a):
        flat = [jnp.asarray(x, jnp.float32)[None] for x in (*s, a, prev_a)]
        total, stacked = batched(*flat)
        return total[0], {name: stacked[0, i] for i, name in enumerate(components)}

    return fn


def _vmappable(call: Callable) -> Callable:
    """`call` over arrays with one leading batch axis, made vmappable: under vmap the batch
    axes are merged into one and `call` runs once on the whole batch."""
    import jax
    import jax.numpy as jnp
    from jax.custom_batching import custom_vmap

    @custom_vmap
    def batched(*args):
        return call(*args)

    @batched.def_vmap
    def rule(axis_size, in_batched, *args):
        args = [x if b else jnp.broadcast_to(x, (axis_size,) + x.shape)
                for x, b in zip(args, in_batched)]
        out = batched(*[x.reshape((axis_size * x.shape[1],) + x.shape[2:]) for x in args])
        split = jax.tree_util.tree_map(
            lambda y: y.reshape((axis_size, y.shape[0] // axis_size) + y.shape[1:]), out)
        return split, jax.tree_util.tree_map(lambda _: True, out)

    return batched
