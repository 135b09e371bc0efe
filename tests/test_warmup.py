"""The compilation-cache warm-up the app starts: runs once, in its own process, then skips."""

from __future__ import annotations

import subprocess
import sys

from tabrl_core.training import warmup


def test_warmup_runs_once_in_a_child_process(monkeypatch, tmp_path):
    monkeypatch.setenv("TABRL_JAX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TABRL_WARMUP")
    process = warmup.start_background_warmup("go1", sizes=(1,))
    assert process is not None and process.wait(timeout=600) == 0
    assert list((tmp_path / "cache").glob("tabrl-warm-*"))
    assert any(p.name != warmup._marker("go1", (1,)).name for p in (tmp_path / "cache").iterdir())
    assert warmup.start_background_warmup("go1", sizes=(1,)) is None  # warm: nothing to do


def test_starting_the_warmup_does_not_import_jax():
    code = ("import sys; from tabrl_core.training import warmup;"
            "warmup._marker('go1', warmup.POPULATION_SIZES).exists();"
            "print('jax' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr
