"""Trace, bound and test validated reward code in a child process, under time and memory limits.

`trace` (parent side) sends a batch of programs as JSON to a child Python process running `main`
and reads one verdict per line. The child, started with an environment built from nothing (no
provider keys), caps its own address space, then for each program runs `check_program`: trace
it (oversized arrays and non-scalar outputs are caught before anything exists), bound its work
per state (work.py), export it and compile it at the trainer's batch shape, and run it on
realistic states of the robot in float32, requiring finite values. The verdict of a program
that passes is its serialised exported program, which is all the trainer and the video rollout
ever run. A program that runs past the time limit or kills the child is blamed for it; the rest
of the batch goes on in a new child.

The process harness (`run_in_child` on the parent side, `child_output` and `write_answer` in the
child) also runs judge programs on trajectories (tabrl_core/judging/program.py).
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

import numpy as np

from tabrl_core.rewards.contract import (EXAMPLE_REWARD, FIELD_NAMES, LIMITS, ContractState,
                                         RobotContract)
from tabrl_core.rewards.validator import RewardValidationError, ValidatedReward, validate

BATCH = 8  # states of dummy_batch by default
STARTUP_TIMEOUT_S = 300.0  # importing JAX, a first realistic-state sample, on a busy machine
ROOT = Path(__file__).resolve().parents[2]
CHILD_ARGS = ("-c", "from tabrl_core.rewards.sandbox import main; main()")  # the child
TIMED_OUT = object()  # what _next_line returns when the child says nothing in time
# The environment variables the child may see (see child_env): the system's basics, TabRL's data
# and cache folders, and JAX/XLA's own settings. The child always runs JAX on the CPU in
# float32, the trainer's dtypes.
CHILD_ENV_NAMES = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TABRL_HOME",
                   "TABRL_JAX_CACHE_DIR", "TABRL_CACHE_DIR", "TABRL_MENAGERIE_REGISTRY",
                   "MENAGERIE_ROOT", "MENAGERIE_CACHE_DIR", "TF_CPP_MIN_LOG_LEVEL")
CHILD_ENV_PREFIXES = ("JAX_", "XLA_")


# Parent side.

def trace(contract: RobotContract, codes: list[str],
          timeout_s: float | None = None) -> list[RewardValidationError | bytes]:
    """One verdict per program, in order: its serialised exported program (bytes) when it
    passed every check, else the error."""
    timeout_s = LIMITS.trace_timeout_s if timeout_s is None else timeout_s
    verdicts: list[RewardValidationError | bytes] = []
    while len(verdicts) < len(codes):
        request = {"contract": dataclasses.asdict(contract), "codes": codes[len(verdicts):]}
        answers = run_in_child(CHILD_ARGS, request, len(request["codes"]), timeout_s,
                               label="reward", what="tracing", memory_mb=LIMITS.trace_memory_mb)
        verdicts += [_from_json(answer) for answer in answers]
    return verdicts


def run_in_child(child_args: tuple[str, ...], request: dict, n: int, timeout_s: float, *,
                 label: str, what: str, memory_mb: int) -> list[dict]:
    """Send `request` as JSON to a child `python *child_args` and read its answers, one JSON
    object per line after a first "ready" line, for a prefix of the `n` items: all of them, or
    up to the item the child took longer than `timeout_s` on or died on, which gets
    {"ok": False, "line": None, "reason": ...} naming `what` it was doing. RuntimeError when
    the `label` sandbox does not start."""
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen([sys.executable, *child_args],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                env=child_env(), cwd=ROOT, text=True, encoding="utf-8")
        lines: queue.Queue = queue.Queue()
        pump = threading.Thread(target=_pump, args=(proc, json.dumps(request), lines),
                                daemon=True)
        pump.start()
        try:
            return _collect(proc, lines, n, timeout_s, stderr, (label, what, memory_mb))
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            pump.join(timeout=10)
            proc.stdout.close()


def child_env() -> dict[str, str]:
    """The child's whole environment, built from nothing: where to find programs, Python and
    the caches, and JAX/XLA settings. Nothing else (provider keys, tokens) reaches it."""
    env = {name: os.environ[name] for name in CHILD_ENV_NAMES if name in os.environ}
    env |= {name: value for name, value in os.environ.items()
            if name.startswith(CHILD_ENV_PREFIXES)}
    env |= {"JAX_PLATFORMS": "cpu", "JAX_ENABLE_X64": "0", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return env


def _pump(proc: subprocess.Popen, request: str, lines: queue.Queue) -> None:
    try:
        proc.stdin.write(request)
        proc.stdin.close()
    except OSError:
        pass  # the child died early; _collect reports it
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _collect(proc, lines: queue.Queue, n: int, timeout_s: float, stderr,
             labels: tuple[str, str, int]) -> list[dict]:
    label, what, memory_mb = labels
    if _next_line(lines, STARTUP_TIMEOUT_S) in (None, TIMED_OUT):
        proc.kill()
        proc.wait()  # so that stderr holds everything the child said
        raise RuntimeError(f"the {label} sandbox did not start: {_tail(stderr)}")
    answers = []
    while len(answers) < n:
        line = _next_line(lines, timeout_s)
        if line is TIMED_OUT:
            answers.append(_failure(f"{what} took longer than {timeout_s:g} s; the code must "
                                    "stay cheap"))
            break
        if line is None:
            answers.append(_failure(_death(proc, what, memory_mb)))
            break
        answers.append(json.loads(line))
    return answers


def _failure(reason: str) -> dict:
    return {"ok": False, "line": None, "reason": reason}


def _next_line(lines: queue.Queue, timeout_s: float) -> str | None | object:
    """The child's next line, None at its end, or TIMED_OUT."""
    try:
        return lines.get(timeout=timeout_s)
    except queue.Empty:
        return TIMED_OUT


def _death(proc: subprocess.Popen, what: str, memory_mb: int) -> str:
    code = proc.wait()
    how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
    return (f"the sandbox process died ({how}) while {what}; the code probably needs more than "
            f"{memory_mb} MB")


def _tail(stderr) -> str:
    stderr.seek(0)
    return stderr.read()[-2000:].decode(errors="replace").strip() or "(no output)"


def _from_json(verdict: dict) -> RewardValidationError | bytes:
    if verdict["ok"]:
        return base64.b64decode(verdict["program"])
    return RewardValidationError(verdict["line"], verdict["reason"])


# Child side.

def main() -> None:
    """Read {"contract", "codes"} from stdin; write "ready", then one verdict per line."""
    out = child_output(LIMITS.trace_memory_mb)
    request = json.load(sys.stdin)
    from tabrl_core.paths import enable_jax_compilation_cache
    from tabrl_core.training.state_sample import state_sample

    enable_jax_compilation_cache()
    contract = RobotContract(**{k: tuple(v) if isinstance(v, list) else v
                                for k, v in request["contract"].items()})
    sample = state_sample(contract)
    check_program(validate(EXAMPLE_REWARD), contract, sample)  # warm JAX up before any clock
    write_answer(out, {"ready": True})
    for code in request["codes"]:
        write_answer(out, _verdict(code, contract, sample))


def child_output(memory_mb: int):
    """In a sandbox child: cap memory at `memory_mb` and core dumps at 0, and return the stream
    answers go to (the real stdout); anything else printed goes to stderr."""
    _limit_resources(memory_mb)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return out


def _limit_resources(memory_mb: int) -> None:
    memory = memory_mb * 2**20
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def write_answer(out, message: dict) -> None:
    """Send one JSON answer line to the parent."""
    out.write(json.dumps(message) + "\n")
    out.flush()


def _verdict(code: str, contract: RobotContract, sample) -> dict:
    try:
        program = check_program(validate(code), contract, sample)
    except RewardValidationError as e:
        return {"ok": False, "line": e.line or _reward_line(e), "reason": e.reason}
    except MemoryError:
        return {"ok": False, "line": None,
                "reason": f"the code needs more than {LIMITS.trace_memory_mb} MB of memory"}
    except Exception as e:  # noqa: BLE001 -- any failure of untrusted code is its verdict
        return {"ok": False, "line": _reward_line(e), "reason": _describe(e)}
    return {"ok": True, "program": base64.b64encode(program).decode("ascii")}


def check_program(validated: ValidatedReward, contract: RobotContract, sample) -> bytes:
    """Every check that needs the code traced, cheapest first; returns the serialised program
    (runtime.export_program) or raises RewardValidationError.

    1. Trace it for one state: sizes of intermediates, shapes of the outputs, and the work per
       state from the jaxpr (before XLA sees it, so a program that would compile for minutes
       stops here). 2. Export it and compile it at the trainer's batch shape: XLA's own cost
       and memory analysis per state. 3. Run the compiled program on `sample` (a
       state_sample.StateSample of realistic states) in float32: the total and every
       component must be finite on every state.
    """
    import jax

    from tabrl_core.rewards import work
    from tabrl_core.rewards.runtime import build_fn, export_program, program_inputs

    one = dummy_batch(contract, 1)
    closed, shapes = jax.make_jaxpr(jax.vmap(build_fn(validated)), return_shape=True)(*one)
    largest = max([_largest_value(closed.jaxpr)] + [np.size(c) for c in closed.consts])
    if largest > LIMITS.max_array_elements:
        raise RewardValidationError(
            None, f"an intermediate array holds {largest} elements per state; the limit is "
                  f"{LIMITS.max_array_elements}")
    _check_scalars(shapes, validated)
    work.check(work.estimate(closed), "estimated from the traced program")
    exported = export_program(validated, contract)
    compiled = jax.jit(exported.call).lower(
        *program_inputs(contract, LIMITS.trainer_batch)).compile()
    work.check(work.measure_compiled(compiled, LIMITS.trainer_batch),
               f"XLA's analysis at the trainer's batch of {LIMITS.trainer_batch} states")
    _check_finite(compiled, validated, sample)
    return bytes(exported.serialize())


def _largest_value(jaxpr) -> int:
    from jax.extend.core import ClosedJaxpr, Jaxpr

    sizes = [v.aval.size for v in jaxpr.invars + jaxpr.outvars if hasattr(v.aval, "size")]
    for eqn in jaxpr.eqns:
        sizes += [v.aval.size for v in eqn.outvars if hasattr(v.aval, "size")]
        for param in eqn.params.values():
            for sub in param if isinstance(param, (tuple, list)) else [param]:
                if isinstance(sub, ClosedJaxpr):
                    sizes.append(_largest_value(sub.jaxpr))
                elif isinstance(sub, Jaxpr):
                    sizes.append(_largest_value(sub))
    return max(sizes, default=0)


def _check_scalars(shapes: tuple, validated: ValidatedReward) -> None:
    total, parts = shapes
    named = [("the total", total.shape)] + [(f"component {k!r}", parts[k].shape) for k in parts]
    for what, shape in named:
        if shape[1:] != ():
            raise RewardValidationError(
                validated.return_line, f"{what} has shape {shape[1:]}; it must be a scalar "
                                       "(reduce it, e.g. with jnp.sum or jnp.mean)")


def _check_finite(compiled, validated: ValidatedReward, sample) -> None:
    """Raise if the total or a component is NaN or infinite on any state of `sample`, with the
    counts and the first such state's values (those the code reads)."""
    from tabrl_core.training.state_sample import KINDS

    n = len(sample.a)
    total, stacked = (np.asarray(x) for x in compiled(*sample.s, sample.a, sample.prev_a))
    values = [("the total", total)] + [(f"component {name!r}", stacked[:, i])
                                       for i, name in enumerate(validated.components)]
    bad = [(what, v) for what, v in values if not np.all(np.isfinite(v))]
    if not bad:
        return
    first = int(np.flatnonzero(~np.isfinite(bad[0][1]))[0])
    described = [f"{what} is {_bad_value(v)} on {int(np.sum(~np.isfinite(v)))} of {n}"
                 for what, v in bad]
    raise RewardValidationError(
        validated.return_line,
        "on realistic states (rollouts with random, saturated and policy actions, falls, feet "
        "in the air) " + ", ".join(described) + f"; for example in "
        f"{KINDS[sample.kind[first]]}, where {_show_state(sample.state(first), validated)}. "
        "Guard divisions, logs and square roots (values can be 0, negative or at their limits; "
        "actions reach -1 and 1), and keep exponents small (float32 overflows above 3.4e38)")


def _show_state(state: dict, validated: ValidatedReward) -> str:
    """The values of the fields (and actions) the code reads, short."""
    read = sorted({node.attr for node in ast.walk(validated.tree)
                   if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                   and node.value.id == "s"} & set(FIELD_NAMES))
    read += [n for n in ("a", "prev_a") if any(isinstance(node, ast.Name) and node.id == n
                                               for node in ast.walk(validated.tree))]
    shown = []
    for name in read or FIELD_NAMES:
        value = np.asarray(state[name])
        text = (f"{float(value):.4g}" if value.ndim == 0 else
                "[" + ", ".join(f"{float(x):.3g}" for x in value.ravel()[:12])
                + (", ..." if value.size > 12 else "") + "]")
        shown.append(f"{'' if name in ('a', 'prev_a') else 's.'}{name}={text}")
    return ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")


def _bad_value(values) -> str:
    values = np.asarray(values)
    return "NaN" if np.any(np.isnan(values)) else "infinite"


def _reward_line(error: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<reward>"]
    return frames[-1].lineno if frames else None


def _describe(error: BaseException) -> str:
    message = (str(error).strip().splitlines() or [""])[0][:300]
    return f"{type(error).__name__} while tracing: {message}" if message else \
        f"{type(error).__name__} while tracing"


def dummy_batch(contract: RobotContract, n: int = BATCH, seed: int = 0) -> tuple:
    """(s, a, prev_a) as NumPy arrays for `n` plausible states; state 0 is an episode's first
    step."""
    rng = np.random.default_rng(seed)
    nj, nf = contract.n_joints, contract.n_feet
    rpy = rng.normal(0.0, 0.05, (n, 3))
    contact = rng.integers(0, 2, (n, nf)).astype(float)
    air = np.where(contact > 0, 0.0, rng.uniform(0.02, 0.4, (n, nf)))
    first = contact * rng.integers(0, 2, (n, nf))
    default = np.broadcast_to(np.linspace(-0.8, 0.8, nj), (n, nj))
    state = {
        "base_pos": np.column_stack([rng.normal(0, 0.1, (n, 2)),
                                     (contract.stand_height or 0.3) + rng.normal(0, 0.01, n)]),
        "base_lin_vel": rng.normal(0.0, 0.2, (n, 3)), "base_ang_vel": rng.normal(0.0, 0.3, (n, 3)),
        "base_rpy": rpy, "upright": np.cos(rpy[:, 0]) * np.cos(rpy[:, 1]),
        "joint_pos": default + rng.normal(0.0, 0.05, (n, nj)), "default_joint_pos": default,
        "joint_vel": rng.normal(0.0, 1.0, (n, nj)), "joint_torque": rng.normal(0.0, 5.0, (n, nj)),
        "foot_contact": contact, "foot_height": np.where(contact > 0, 0.02, 0.07),
        "foot_air_time": np.where(first > 0, rng.uniform(0.05, 0.4, (n, nf)), air),
        "first_contact": first, "time": rng.uniform(0.0, 10.0, n),
        "dt": np.full(n, contract.dt),
    }
    state["base_height"] = state["base_pos"][:, 2]
    actions = rng.uniform(-1.0, 1.0, (2, n, nj))
    _make_first_step(state, actions)
    s = ContractState(**{k: np.asarray(state[k], np.float32) for k in FIELD_NAMES})
    return s, actions[0].astype(np.float32), actions[1].astype(np.float32)


def _make_first_step(state: dict, actions: np.ndarray) -> None:
    """State 0 as at reset: at rest in the standing pose, clock and memories at zero."""
    for key in ("base_lin_vel", "base_ang_vel", "base_rpy", "joint_vel", "foot_air_time",
                "first_contact", "time"):
        state[key][0] = 0.0
    state["upright"][0] = 1.0
    state["foot_contact"][0] = 1.0
    state["foot_height"][0] = 0.02
    state["joint_pos"][0] = state["default_joint_pos"][0]
    actions[:, 0] = 0.0
