"""Test defaults: a throwaway data dir per session, one JAX compilation cache for all tests."""

import os
import tempfile
from pathlib import Path

import pytest

# Set before any test imports tabrl_core: nothing a test does touches the user's ~/.tabrl.
os.environ.setdefault("TABRL_HOME", tempfile.mkdtemp(prefix="tabrl-test-home-"))
# Compiled programs are shared by every test (and kept between runs on this machine), so each
# program shape compiles once; the cache only ever changes speed, never results.
os.environ.setdefault("TABRL_JAX_CACHE_DIR",
                      str(Path(tempfile.gettempdir()) / "tabrl-test-jax-cache"))
# Derived data that is slow to make and keyed by what it derives from (the reward sandbox's
# realistic states per robot) is shared the same way.
os.environ.setdefault("TABRL_CACHE_DIR", str(Path(tempfile.gettempdir()) / "tabrl-test-cache"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The app's background cache warm-up would compete with timed browser checks; test_warmup.py
# runs it on purpose.
os.environ.setdefault("TABRL_WARMUP", "0")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.pop("ANTHROPIC_API_KEY", None)
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("GEMINI_API_KEY", None)
os.environ.pop("GOOGLE_API_KEY", None)


@pytest.fixture
def no_provider_settings(monkeypatch, tmp_path):
    """No provider key, model, URL or timeout from the environment; a fresh data dir."""
    from fake_llm_server import PROVIDER_VARS

    for name in PROVIDER_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TABRL_HOME", str(tmp_path))
