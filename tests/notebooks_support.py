"""Executing notebooks as a user would: a real kernel (nbclient), this checkout on its path, a
given data dir, and an HTML export (nbconvert) of the executed notebook."""

from __future__ import annotations

import os
from pathlib import Path

import nbclient
import nbconvert
import nbformat

from browser_support import ARTIFACTS
from jobs_support import stop_workers

ROOT = Path(__file__).resolve().parents[1]


def execute(notebook: nbformat.NotebookNode, home: Path, monkeypatch, *, cwd: Path = ROOT,
            timeout_s: int = 900) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel whose TABRL_HOME is `home` (a failing cell raises
    nbclient's CellExecutionError); the workers it started are stopped afterwards."""
    monkeypatch.setenv("TABRL_HOME", str(home))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    try:
        nbclient.NotebookClient(notebook, timeout=timeout_s, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        if (home / "tabrl.db").exists():
            stop_workers(home)
    return notebook


def export_html(notebook: nbformat.NotebookNode, name: str) -> Path:
    """The executed notebook as HTML (nbconvert's default template), saved to test-artifacts."""
    page, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    return path


def outputs(cell: nbformat.NotebookNode, mime: str = "text/html") -> list[str]:
    """What a cell showed in `mime` (its display data and result), in order."""
    return [o["data"][mime] for o in cell.get("outputs", []) if mime in o.get("data", {})]
