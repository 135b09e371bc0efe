"""Static checks on reward source: an AST whitelist generated from the contract.

`validate` parses reward code and accepts only what `contract.RULES` allow. Nothing runs here:
anything outside the whitelist is rejected with the line and the reason, before the code is
traced in the sandbox or compiled for training. The whitelist is a `Grammar`: `REWARD` is the
reward contract's; the judge contract (tabrl_core/rewards/judge_contract.py) passes its own.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from tabrl_core.rewards.contract import (ALLOWED_BUILTINS, ALLOWED_JNP, ALLOWED_JNP_CONSTANTS,
                                         ALLOWED_KEYWORDS, FIELD_NAMES, LIMITS,
                                         RESERVED_COMPONENT_NAMES, Limits)

COMPONENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Grammar:
    """What one kind of program may contain: its signature, what it reads, how it returns."""

    entry: str  # the one function's name
    params: tuple[str, ...]  # its parameters; the first is the state
    fields: tuple[str, ...]  # what `<state>.<field>` may read
    jnp: tuple[str, ...]  # jnp functions it may call
    jnp_constants: tuple[str, ...]
    builtins: tuple[str, ...]
    keywords: tuple[str, ...]  # keyword arguments of jnp calls
    limits: Limits
    # The final return: "total_and_parts" is `return total, {"name": value}`; "checks" is
    # `return {"name": check(...)}`, each value a call of one of `checks` ((name, arg count)).
    returns: str = "total_and_parts"
    checks: tuple[tuple[str, int], ...] = ()
    part: str = "component"  # what the returned dict's entries are called in messages

    @property
    def state(self) -> str:
        return self.params[0]

    @property
    def signature(self) -> str:
        return f"def {self.entry}({', '.join(self.params)}):"

    @property
    def return_shape(self) -> str:
        if self.returns == "checks":
            return '{"name": ' + "(...) | ".join(self.check_arity) + '(...), ...}'
        return 'total, {"name": value, ...}'

    @property
    def reserved(self) -> frozenset[str]:
        return (frozenset(self.params) | {"jnp", self.entry} | set(self.builtins)
                | set(self.check_arity))

    @property
    def check_arity(self) -> dict[str, int]:
        return dict(self.checks)

    @property
    def allowed_calls(self) -> str:
        return (", ".join(f"jnp.{n}" for n in self.jnp) + "; builtins: "
                + ", ".join(n for n in self.builtins if n != "range"))


REWARD = Grammar(entry="reward", params=("s", "a", "prev_a"), fields=FIELD_NAMES,
                 jnp=tuple(ALLOWED_JNP), jnp_constants=tuple(ALLOWED_JNP_CONSTANTS),
                 builtins=tuple(ALLOWED_BUILTINS), keywords=ALLOWED_KEYWORDS, limits=LIMITS)

BINARY_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
              ast.BitAnd, ast.BitOr, ast.BitXor)
UNARY_OPS = (ast.UAdd, ast.USub, ast.Not, ast.Invert)
COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)

# Statements and expressions outside the whitelist, with the reason the error gives.
FORBIDDEN: dict[type, str] = {
    ast.Import: "import is not allowed; `jnp` is already available and nothing else can be "
                "imported",
    ast.ImportFrom: "import is not allowed; `jnp` is already available and nothing else can be "
                    "imported",
    ast.FunctionDef: "nested functions are not allowed",
    ast.AsyncFunctionDef: "nested functions are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ClassDef: "classes are not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.While: "while loops are not allowed; use `for i in range(N)` with a literal "
               f"N <= {LIMITS.max_loop_iterations}",
    ast.If: "if statements are not allowed (conditions are arrays); use `x if c else y` "
            "or jnp.where(c, x, y)",
    ast.Try: "try is not allowed",
    ast.With: "with is not allowed",
    ast.AsyncWith: "with is not allowed",
    ast.AsyncFor: "async for is not allowed",
    ast.Raise: "raise is not allowed",
    ast.Assert: "assert is not allowed",
    ast.Delete: "del is not allowed",
    ast.Break: "break is not allowed",
    ast.Continue: "continue is not allowed",
    ast.Match: "match is not allowed",
    ast.AnnAssign: "annotations are not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Await: "await is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "`:=` is not allowed",
    ast.Starred: "`*` unpacking is not allowed",
    ast.ListComp: "comprehensions are not allowed; use `for i in range(N)`",
    ast.SetComp: "comprehensions are not allowed; use `for i in range(N)`",
    ast.DictComp: "comprehensions are not allowed; use `for i in range(N)`",
    ast.GeneratorExp: "comprehensions are not allowed; use `for i in range(N)`",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are only allowed in the return value",
}


class RewardValidationError(ValueError):
    """Reward code that breaks the contract; `line` (or None) and `reason` say where and why."""

    def __init__(self, line: int | None, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)

    def __reduce__(self):
        return type(self), (self.line, self.reason)


@dataclass(frozen=True)
class ValidatedReward:
    """Source that passed the static checks (reward code, or judge code with its grammar)."""

    code: str
    tree: ast.Module
    components: tuple[str, ...]  # the returned dict's names, in order
    return_line: int
    grammar: Grammar = REWARD


def validate(code: str, grammar: Grammar = REWARD) -> ValidatedReward:
    """Parse `code` and check it against `grammar`'s whitelist; raises RewardValidationError."""
    tree = _parse(code, grammar)
    func = _the_function(tree, grammar)
    checker = _Checker(grammar)
    body = func.body[1:] if _is_docstring(func.body[0]) else func.body
    if not body or not isinstance(body[-1], ast.Return):
        raise RewardValidationError(func.body[-1].end_lineno, "the function must end with "
                                                              f"`return {grammar.return_shape}`")
    for stmt in body[:-1]:
        checker.statement(stmt, loop_iterations=1)
    components = checker.final_return(body[-1])
    return ValidatedReward(code, tree, components, body[-1].lineno, grammar)


def _parse(code: str, grammar: Grammar) -> ast.Module:
    limits = grammar.limits
    if not isinstance(code, str):
        raise RewardValidationError(None, f"{grammar.entry} code must be text, not "
                                          f"{type(code).__name__}")
    if len(code) > limits.max_source_chars:
        raise RewardValidationError(
            None, f"the code has {len(code)} characters; the limit is {limits.max_source_chars}")
    try:
        tree = ast.parse(code, f"<{grammar.entry}>")
    except SyntaxError as e:
        raise RewardValidationError(e.lineno, f"syntax error: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise RewardValidationError(None, f"the code cannot be parsed: {e}") from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > limits.max_ast_nodes:
        raise RewardValidationError(
            None, f"the code has {n_nodes} syntax nodes; the limit is {limits.max_ast_nodes}")
    _check_depth(tree, limits.max_nesting_depth)
    return tree


def _check_depth(tree: ast.AST, max_depth: int) -> None:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise RewardValidationError(
                getattr(node, "lineno", None),
                f"the code is nested more than {max_depth} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _the_function(tree: ast.Module, grammar: Grammar) -> ast.FunctionDef:
    signature = grammar.signature
    if not tree.body:
        raise RewardValidationError(None, f"the code is empty; write `{signature}`")
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise RewardValidationError(node.lineno, FORBIDDEN[ast.Import])
        if not isinstance(node, ast.FunctionDef):
            raise RewardValidationError(
                node.lineno, f"only `{signature}` may appear at top level")
    if len(tree.body) > 1:
        raise RewardValidationError(tree.body[1].lineno,
                                    f"write exactly one function, `{grammar.entry}`")
    func = tree.body[0]
    if func.name != grammar.entry:
        raise RewardValidationError(func.lineno, f"the function must be named `{grammar.entry}`, "
                                                 f"not `{func.name}`")
    if func.decorator_list:
        raise RewardValidationError(func.lineno, "decorators are not allowed")
    args = func.args
    names = tuple(arg.arg for arg in args.args)
    extras = (args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults
              or func.returns or any(arg.annotation for arg in args.args))
    if names != grammar.params or extras:
        raise RewardValidationError(func.lineno, f"the signature must be exactly `{signature}`")
    return func


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _fail(node: ast.AST, reason: str):
    raise RewardValidationError(getattr(node, "lineno", None), reason)


class _Checker:
    """Walks the function body in order, tracking which local names are assigned."""

    def __init__(self, grammar: Grammar):
        self.grammar = grammar
        self.defined: set[str] = set(grammar.params)

    # Statements.

    def statement(self, node: ast.stmt, loop_iterations: int) -> None:
        if isinstance(node, ast.Assign):
            self.expression(node.value)
            for target in node.targets:
                self.assign_target(target)
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name):
                _fail(node, "assigning into an array (`x[...] = ...`) is not allowed; arrays are "
                            "immutable")
            self.operator(node, node.op, BINARY_OPS)
            self.name(node.target)
            self.expression(node.value)
            self.assign_target(node.target)
        elif isinstance(node, ast.For):
            self.for_loop(node, loop_iterations)
        elif isinstance(node, ast.Return):
            _fail(node, f"`return` is only allowed as the last statement of "
                        f"`{self.grammar.entry}`")
        elif isinstance(node, ast.Expr):
            self.bare_expression(node)
        elif not isinstance(node, ast.Pass):
            _fail(node, FORBIDDEN.get(type(node), f"{type(node).__name__} is not allowed"))

    def bare_expression(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            _fail(node, f"strings are only allowed as {self.grammar.part} names in the return "
                        "value")
        if type(value) in FORBIDDEN:
            _fail(node, FORBIDDEN[type(value)])
        self.expression(value)
        _fail(node, "a bare expression does nothing; assign it to a name or return it")

    def assign_target(self, target: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign_target(element)
            return
        if isinstance(target, ast.Starred):
            _fail(target, FORBIDDEN[ast.Starred])
        if not isinstance(target, ast.Name):
            _fail(target, "assigning into an array or attribute is not allowed; assign to a "
                          "local name")
        if target.id.startswith("_"):
            _fail(target, f"names that start with `_` are not allowed (`{target.id}`)")
        if target.id in self.grammar.reserved:
            _fail(target, f"`{target.id}` cannot be assigned; pick another name")
        self.defined.add(target.id)

    def for_loop(self, node: ast.For, loop_iterations: int) -> None:
        if node.orelse:
            _fail(node, "for ... else is not allowed")
        max_iterations = self.grammar.limits.max_loop_iterations
        n = _range_length(node.iter, self.grammar.limits)
        total = loop_iterations * n
        if total > max_iterations:
            _fail(node, f"loops run {total} iterations in all; the limit is {max_iterations}")
        if not isinstance(node.target, ast.Name):
            _fail(node, "the loop variable must be a single name")
        self.assign_target(node.target)
        for stmt in node.body:
            self.statement(stmt, total)

    def final_return(self, node: ast.Return) -> tuple[str, ...]:
        grammar, value = self.grammar, node.value
        if grammar.returns == "checks":
            if not isinstance(value, ast.Dict):
                _fail(node, f"the return value must be `{grammar.return_shape}` with a dict "
                            "literal")
            parts = value
        else:
            if not (isinstance(value, ast.Tuple) and len(value.elts) == 2
                    and isinstance(value.elts[1], ast.Dict)):
                _fail(node, f"the return value must be `{grammar.return_shape}` with a dict "
                            "literal")
            total, parts = value.elts
            self.expression(total)
        names = [self.component_name(key, node) for key in parts.keys]
        if not names and grammar.returns == "checks":
            _fail(node, f"return at least one {grammar.part}")
        if len(set(names)) != len(names):
            _fail(node, f"{grammar.part} names must be distinct")
        if len(names) > grammar.limits.max_components:
            _fail(node, f"{len(names)} {grammar.part}s; the limit is "
                        f"{grammar.limits.max_components}")
        for item in parts.values:
            if grammar.returns == "checks":
                self.check_call(item)
            else:
                self.expression(item)
        return tuple(names)

    def check_call(self, node: ast.expr) -> None:
        """A returned check: a direct call of a check helper with positional arguments."""
        checks = self.grammar.check_arity
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Name) and func.id in checks):
            _fail(node, "each returned value must be a call of " + ", ".join(
                f"`{n}(...)`" for n in checks))
        if node.keywords or len(node.args) != checks[func.id]:
            _fail(node, f"{func.id}() takes exactly {checks[func.id]} positional arguments")
        for arg in node.args:
            self.expression(arg)

    def component_name(self, key: ast.expr | None, node: ast.Return) -> str:
        part, max_chars = self.grammar.part, self.grammar.limits.max_component_name_chars
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            _fail(key or node, f"{part} names must be string literals")
        name = key.value
        if not COMPONENT_NAME.match(name) or len(name) > max_chars:
            _fail(key, f"{part} name {name[:60]!r} must be an identifier (letters, digits, `_`) "
                       f"of at most {max_chars} characters")
        if self.grammar.returns == "total_and_parts" and name.lower() in RESERVED_COMPONENT_NAMES:
            _fail(key, f"component name {name!r} is reserved: TabRL already uses it beside the "
                       "components (curves, metrics, stats); pick another name, e.g. "
                       f"{name.lower() + '_term'!r}")
        return name

    # Expressions.

    def expression(self, node: ast.expr) -> None:
        if type(node) in FORBIDDEN:
            _fail(node, FORBIDDEN[type(node)])
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            _fail(node, f"{type(node).__name__} expressions are not allowed")
        method(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str):
            _fail(node, f"strings are only allowed as {self.grammar.part} names in the return "
                        "value")
        if value is None or value is Ellipsis:
            _fail(node, f"`{value!r}` is not allowed")
        if not isinstance(value, (int, float)):
            _fail(node, f"{type(value).__name__} literals are not allowed; use numbers")
        limit = self.grammar.limits.max_constant_abs
        if abs(value) > limit:
            _fail(node, f"the constant {value:g} is outside +-{limit:g}")

    def visit_Name(self, node: ast.Name) -> None:
        self.name(node)

    def name(self, node: ast.Name) -> None:
        name, grammar = node.id, self.grammar
        if name.startswith("_"):
            _fail(node, f"names that start with `_` are not allowed (`{name}`)")
        if name == grammar.state:
            _fail(node, f"`{name}` can only be read as `{name}.<field>`")
        if name == "jnp":
            _fail(node, "`jnp` can only be used as `jnp.<function>(...)`, `jnp.pi` or `jnp.e`")
        if name == grammar.entry:
            _fail(node, f"`{name}` cannot call itself (no recursion)")
        if name in grammar.builtins:
            _fail(node, f"`{name}` can only be called")
        if name in grammar.check_arity:
            _fail(node, f"`{name}(...)` can only be a value of the returned dict")
        if name not in self.defined:
            if hasattr(builtins, name):
                _fail(node, f"the builtin `{name}` is not allowed; allowed functions: "
                            f"{grammar.allowed_calls}")
            _fail(node, f"`{name}` is not defined here; assign it before using it")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base, grammar = node.value, self.grammar
        if node.attr.startswith("_"):
            _fail(node, f"names that start with `_` are not allowed (`.{node.attr}`)")
        if isinstance(base, ast.Name) and base.id == grammar.state:
            if node.attr not in grammar.fields:
                _fail(node, f"`{grammar.state}` has no field `{node.attr}`; fields: "
                            f"{', '.join(grammar.fields)}")
        elif isinstance(base, ast.Name) and base.id == "jnp":
            if node.attr in grammar.jnp:
                _fail(node, f"`jnp.{node.attr}` must be called, not used as a value")
            if node.attr not in grammar.jnp_constants:
                _fail(node, f"`jnp.{node.attr}` is not allowed; allowed functions: "
                            f"{grammar.allowed_calls}")
        else:
            _fail(node, f"attribute `.{node.attr}` is not allowed; only `{grammar.state}.<field>`"
                        " and `jnp.<function>` may be read")

    def visit_Call(self, node: ast.Call) -> None:
        func, grammar = node.func, self.grammar
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id == "jnp" and func.attr in grammar.jnp:
            self.arguments(node, keywords_allowed=True)
        elif isinstance(func, ast.Name) and func.id in grammar.builtins:
            self.builtin_call(node, func.id)
        elif isinstance(func, ast.Name) and func.id == grammar.entry:
            _fail(node, f"`{func.id}` cannot call itself (no recursion)")
        elif isinstance(func, ast.Name) and func.id in grammar.check_arity:
            _fail(node, f"`{func.id}(...)` can only be a value of the returned dict")
        else:
            if _mentions_private_name(func):
                self.expression(func)
            shown = ast.unparse(func)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            _fail(node, f"calls {shown}(), which is not allowed; allowed functions: "
                        f"{grammar.allowed_calls}")

    def builtin_call(self, node: ast.Call, name: str) -> None:
        if name == "range":
            _fail(node, "range() is only allowed as `for i in range(N)`")
        if name == "len":
            state, others = self.grammar.state, self.grammar.params[1:]
            arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
            is_field = (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                        and arg.value.id == state)
            is_param = isinstance(arg, ast.Name) and arg.id in others
            if not (is_field or is_param):
                _fail(node, f"len() takes one state field (`{state}.<field>`)"
                            + "".join(f", `{p}`" for p in others[:-1])
                            + (f" or `{others[-1]}`" if others else ""))
        if not node.args:
            _fail(node, f"{name}() needs an argument")
        self.arguments(node, keywords_allowed=False)

    def arguments(self, node: ast.Call, keywords_allowed: bool) -> None:
        for arg in node.args:
            self.expression(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                _fail(node, "`**` unpacking is not allowed")
            if not keywords_allowed or keyword.arg not in self.grammar.keywords:
                _fail(node, f"the keyword argument `{keyword.arg}=` is not allowed; allowed: "
                            + ", ".join(self.grammar.keywords) + " (jnp functions only)")
            self.expression(keyword.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.operator(node, node.op, BINARY_OPS)
        self.expression(node.left)
        self.expression(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.operator(node, node.op, UNARY_OPS)
        self.expression(node.operand)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        for value in node.values:
            self.expression(value)

    def visit_Compare(self, node: ast.Compare) -> None:
        for op in node.ops:
            self.operator(node, op, COMPARE_OPS)
        self.expression(node.left)
        for comparator in node.comparators:
            self.expression(comparator)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.expression(node.test)
        self.expression(node.body)
        self.expression(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, (ast.Constant, ast.List, ast.Tuple, ast.Dict)):
            _fail(node, "indexing is only allowed on arrays")
        self.expression(node.value)
        self.index(node.slice)

    def index(self, node: ast.expr) -> None:
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expression(part)
        elif isinstance(node, ast.Tuple):
            for element in node.elts:
                self.index(element)
        else:
            self.expression(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        for element in node.elts:
            self.expression(element)

    visit_List = visit_Tuple

    @staticmethod
    def operator(node: ast.AST, op: ast.AST, allowed: tuple[type, ...]) -> None:
        if not isinstance(op, allowed):
            _fail(node, f"the operator {type(op).__name__} is not allowed")


def _range_length(node: ast.expr, limits: Limits) -> int:
    """The iteration count of `range(<int literals>)`, or a RewardValidationError."""
    usage = (f"a for loop must run over `range(N)` with a literal N <= "
             f"{limits.max_loop_iterations}")
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "range" and 1 <= len(node.args) <= 3 and not node.keywords):
        _fail(node, usage)
    bounds = [_int_literal(arg, limits.max_constant_abs) for arg in node.args]
    if None in bounds or (len(bounds) == 3 and bounds[2] == 0):
        _fail(node, usage)
    n = len(range(*bounds))
    if n < 1:
        _fail(node, "the loop runs no iterations")
    return n


def _int_literal(node: ast.expr, max_abs: float) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_literal(node.operand, max_abs)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int \
            and abs(node.value) <= max_abs:
        return node.value
    return None


def _mentions_private_name(node: ast.expr) -> bool:
    return any((isinstance(n, ast.Attribute) and n.attr.startswith("_"))
               or (isinstance(n, ast.Name) and n.id.startswith("_")) for n in ast.walk(node))
