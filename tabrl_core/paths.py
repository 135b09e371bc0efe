"""Where TabRL keeps its data: TABRL_HOME (default ~/.tabrl), read at call time."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory, created if missing."""
    path = Path(os.environ.get("TABRL_HOME", "~/.tabrl")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def subdir(name: str) -> Path:
    """A named folder under the data directory (artifacts, logs, jax-cache, ...), created."""
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(name: str) -> Path:
    """A folder for derived data that can be remade (TABRL_CACHE_DIR/<name>, default
    TABRL_HOME/cache/<name>), created."""
    override = os.environ.get("TABRL_CACHE_DIR")
    path = (Path(override) if override else subdir("cache")) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def jax_cache_dir() -> Path:
    """Where compiled XLA programs persist: TABRL_JAX_CACHE_DIR, default TABRL_HOME/jax-cache."""
    override = os.environ.get("TABRL_JAX_CACHE_DIR")
    path = Path(override) if override else subdir("jax-cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def enable_jax_compilation_cache() -> Path:
    """Persist compiled XLA programs in `jax_cache_dir()` so later runs skip compiling."""
    import jax

    path = jax_cache_dir()
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    return path
