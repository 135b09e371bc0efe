"""Resume points: what a population trainer needs to continue an approach after its process died.

While training, every approach's folder gets `resume.msgpack` at least every
`checkpoint_every_s()` seconds (TABRL_CHECKPOINT_EVERY_S, default 30): the approach's learner
(policy, value function, observation normaliser, optimiser state), the iterations it has done,
its status and error, its curve so far, its recent episode returns, and the population's random
state. The file is written whole or not at all (a temporary file renamed into place). A new
trainer given the same folder continues from it: the environments restart from the reset pool
there (as if every episode had just ended), everything the learner has is kept. A resume point
made for other reward code, another budget or another trainer configuration is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack

from tabrl_core.files import atomic_path
from tabrl_core.training.config import TrainConfig

if TYPE_CHECKING:  # JAX is imported only by what saves and loads, so the jobs API stays light
    from tabrl_core.training import ppo

RESUME_FILE = "resume.msgpack"
FORMAT_VERSION = 1
CHECKPOINT_EVERY_VAR = "TABRL_CHECKPOINT_EVERY_S"
DEFAULT_CHECKPOINT_EVERY_S = 30.0

log = logging.getLogger(__name__)


def checkpoint_every_s() -> float:
    """Seconds of training between two resume points (TABRL_CHECKPOINT_EVERY_S, default 30;
    0 writes one after every iteration)."""
    raw = os.environ.get(CHECKPOINT_EVERY_VAR, "").strip()
    if not raw:
        return DEFAULT_CHECKPOINT_EVERY_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{CHECKPOINT_EVERY_VAR} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise ValueError(f"{CHECKPOINT_EVERY_VAR} must be between 0 and 3600 s, got {value:g}")
    return value


def signature(robot_id: str, reward_code: str | None, steps: int, seed: int, config: TrainConfig,
              obs_size: int) -> dict:
    """What a resume point must have been made for to be used (as JSON would give it back);
    a built-in reward without code (pretraining's command tracking) hashes as empty code."""
    digest = hashlib.sha256((reward_code or "").encode()).hexdigest()
    return json.loads(json.dumps({
        "robot_id": robot_id, "reward_sha256": digest,
        "steps": steps, "seed": seed, "config": config.to_dict(), "obs_size": obs_size}))


@dataclass
class ResumePoint:
    """One approach's training state after `iteration` PPO iterations."""

    iteration: int
    steps_done: int
    status: str  # running, failed or done
    error: str | None
    history: list[dict]
    recent_returns: list[float]
    agent: ppo.AgentState
    key: Any  # the population's JAX PRNG key
    rng_state: dict  # numpy Generator.bit_generator.state


def save_resume_point(folder: Path, point: ResumePoint, made_for: dict) -> Path:
    """Write `point` into `folder` atomically; returns the file."""
    import flax.serialization
    import jax

    meta = {"format": FORMAT_VERSION, "signature": made_for, "iteration": point.iteration,
            "steps_done": point.steps_done, "status": point.status, "error": point.error,
            "history": point.history, "recent_returns": point.recent_returns,
            "rng_state": point.rng_state}
    state = flax.serialization.to_state_dict(jax.device_get({"agent": point.agent, "key": point.key}))
    data = flax.serialization.msgpack_serialize({"meta": json.dumps(meta, default=float),
                                                 "state": state})
    path = Path(folder) / RESUME_FILE
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def load_resume_point(folder: Path, template: ppo.AgentState, made_for: dict) -> ResumePoint | None:
    """The resume point in `folder`, or None when there is none or it cannot be used (made for
    other code, budget or settings, or unreadable: logged, and training starts afresh)."""
    import flax.serialization
    import jax
    import jax.numpy as jnp

    path = Path(folder) / RESUME_FILE
    if not path.is_file():
        return None
    try:
        raw = flax.serialization.msgpack_restore(path.read_bytes())
        meta = json.loads(raw["meta"])
        if meta.get("format") != FORMAT_VERSION or meta.get("signature") != made_for:
            log.warning("resume point %s was made for another run or version; ignored", path)
            return None
        state = flax.serialization.from_state_dict(
            {"agent": template, "key": jax.random.PRNGKey(0)}, raw["state"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("resume point %s cannot be read (%s); training starts afresh", path, exc)
        return None
    as_jnp = lambda tree: jax.tree_util.tree_map(jnp.asarray, tree)  # noqa: E731
    return ResumePoint(iteration=meta["iteration"], steps_done=meta["steps_done"],
                       status=meta["status"], error=meta["error"], history=meta["history"],
                       recent_returns=meta["recent_returns"], agent=as_jnp(state["agent"]),
                       key=jnp.asarray(state["key"]), rng_state=meta["rng_state"])


def remove_resume_point(folder: Path) -> None:
    """Delete `folder`'s resume point (once its job has ended)."""
    (Path(folder) / RESUME_FILE).unlink(missing_ok=True)


def resume_steps(folder: Path) -> int | None:
    """The steps a resume point in `folder` has done, read without JAX; None if there is none."""
    path = Path(folder) / RESUME_FILE
    try:
        return json.loads(msgpack.unpackb(path.read_bytes())["meta"])["steps_done"]
    except (OSError, ValueError, KeyError, TypeError, msgpack.UnpackException):
        return None
