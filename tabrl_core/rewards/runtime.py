"""Turn validated reward source into a jittable function with restricted globals.

The validated syntax tree is lowered so Python control on arrays traces (`x if c else y` becomes
jnp.where, `and`/`or`/`not` and chained comparisons become jnp.logical_*), then compiled and run
with no builtins but the allowed ones and a `jnp` namespace that holds only the allowed
functions (from jax.numpy, or from NumPy for the sandbox's quick evaluation). Only code that
passed `validator.validate` reaches `build_fn`.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import types
from typing import Callable

from tabrl_core.rewards.validator import REWARD, Grammar, ValidatedReward

# Names the lowering introduces; reward code cannot spell them (names starting with `_` are
# rejected by the validator).
WHERE, AND, OR, NOT = "_where", "_and", "_or", "_not"


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

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        lefts = [node.left] + node.comparators[:-1]
        pairs = [ast.copy_location(ast.Compare(left, [op], [right]), node)
                 for left, op, right in zip(lefts, node.ops, node.comparators)]
        return _fold(AND, pairs, node)


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
    functions = {name: xp.linalg.norm if name == "norm" else getattr(xp, name)
                 for name in grammar.jnp}
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
    })


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
    """fn(s, a, prev_a) -> (total, {name: value}) as float32 scalars, for ONE robot-step.

    backend "jax" gives the jittable, vmappable function; "numpy" runs the same code on NumPy
    arrays, which the sandbox uses to evaluate a program quickly without compiling it.
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
