"""Imports flow down: inside tabrl_core, from jobs to robots and the small helpers, never back up
(function-level imports included), and the library never imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "tabrl_core"
# Lower numbers sit lower; a module may import only from its own level or below. Packages not
# listed here are not checked.
LEVELS = {
    "lazy": 0, "paths": 0, "files": 0, "gl": 0, "budgets": 0, "hosting": 0,
    "robots": 1, "store": 1,
    "rewards": 2,
    "providers": 3, "training": 3, "behaviours": 3,
    "media": 4,
    "judging": 5,
    "jobs": 6,
    "research": 7,
    "cli": 7, "__main__": 7, "__init__": 7, "notebook": 7,
}


def _imports(path: Path) -> set[str]:
    """Every absolute module name `path` imports anywhere in it (and each `from X import y` as
    X.y too, since y may be a submodule)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _part(name: str) -> str | None:
    """The tabrl_core package or module a dotted name lies in (None outside tabrl_core)."""
    parts = name.split(".")
    if parts[0] != "tabrl_core" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LEVELS else None


MODULES = sorted(CORE.rglob("*.py"))
# The one arrow up, on purpose: the reward sandbox's child process checks finiteness on states
# rolled out by the robot's environment and base policy (training/state_sample.py, cached on
# disk). It runs only in that separate, resource-limited process, never in the parent.
UPWARD_ALLOWED = {("rewards/sandbox.py", "tabrl_core.training.state_sample"),
                  ("rewards/sandbox.py", "tabrl_core.training.state_sample.KINDS"),
                  ("rewards/sandbox.py", "tabrl_core.training.state_sample.state_sample")}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_imports_point_down(path):
    own = path.relative_to(CORE).parts[0].removesuffix(".py")
    if own not in LEVELS:
        return
    where = str(path.relative_to(CORE))
    upward = sorted(name for name in _imports(path)
                    if (part := _part(name)) and part != own and LEVELS[part] > LEVELS[own]
                    and (where, name) not in UPWARD_ALLOWED)
    assert not upward, f"{own} (level {LEVELS[own]}) imports upward: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_the_library_never_imports_streamlit(path):
    assert not any(name.split(".")[0] == "streamlit" for name in _imports(path))
