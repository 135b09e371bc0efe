"""Trained policies leave TabRL: the checkpoint folder as a zip, and the policy as ONNX.

The ONNX graph is built from the checkpoint's weights with the `onnx` package: the observation
normaliser ((obs - mean) / std), the policy MLP (swish between layers, as brax builds it) and
tanh of the distribution's mean, i.e. the deterministic action the videos show. Its input
`observation` is [batch, obs_size] float32 (the training env's observation), its output `action`
[batch, action_size] in [-1, 1]. `check_onnx_parity` compares it with the JAX policy.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

ONNX_OPSET = 17
PARITY_ATOL = 1e-5
"""Largest difference allowed between the ONNX and the JAX policy's actions."""


class PolicyExportError(RuntimeError):
    """A job has no policy to export, or its checkpoint cannot be read."""


def checkpoint_dir(job_id: str) -> Path:
    """The checkpoint folder of a job's latest attempt; PolicyExportError when it has none."""
    from tabrl_core.store import artifact_path, opened

    with opened() as conn:
        job = conn.execute("SELECT state, attempt FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if job is None:
            raise KeyError(f"no job with id {job_id!r}")
        row = conn.execute("SELECT path FROM artifacts WHERE job = ? AND attempt = ? AND"
                           " kind = 'checkpoint' ORDER BY id DESC LIMIT 1",
                           (job_id, job["attempt"])).fetchone()
    if row is None:
        raise PolicyExportError(f"job {job_id} ({job['state']}) has no trained checkpoint")
    path = artifact_path(row["path"])
    if not path.is_dir():
        raise PolicyExportError(f"job {job_id}'s checkpoint {path} is missing")
    return path


def zip_checkpoint(checkpoint: Path | str, target: Path | str) -> Path:
    """Write the checkpoint folder (weights + checkpoint.json) into the zip `target`."""
    checkpoint, target = Path(checkpoint), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in checkpoint.rglob("*") if p.is_file()):
            archive.write(file, Path(checkpoint.name) / file.relative_to(checkpoint))
    partial.replace(target)
    return target


def _dense_layers(policy: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel [in, out], bias [out]) of each brax MLP layer, input to output."""
    params = policy["params"]
    count = len([k for k in params if k.startswith("hidden_")])
    return [(np.asarray(params[f"hidden_{i}"]["kernel"], np.float32),
             np.asarray(params[f"hidden_{i}"]["bias"], np.float32)) for i in range(count)]


def policy_onnx(checkpoint) -> "onnx.ModelProto":
    """The deterministic policy of a loaded Checkpoint as an ONNX model (see the module doc)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    layers = _dense_layers(checkpoint.policy)
    mean = np.asarray(checkpoint.normalizer.mean, np.float32)
    std = np.asarray(checkpoint.normalizer.std, np.float32)
    initializers = [numpy_helper.from_array(mean, "obs_mean"),
                    numpy_helper.from_array(std, "obs_std"),
                    numpy_helper.from_array(np.array([0], np.int64), "mean_start"),
                    numpy_helper.from_array(np.array([checkpoint.action_size], np.int64),
                                            "mean_end"),
                    numpy_helper.from_array(np.array([1], np.int64), "last_axis")]
    nodes = [helper.make_node("Sub", ["observation", "obs_mean"], ["centred"]),
             helper.make_node("Div", ["centred", "obs_std"], ["x0"])]
    x = "x0"
    for i, (kernel, bias) in enumerate(layers):
        initializers += [numpy_helper.from_array(kernel, f"kernel_{i}"),
                         numpy_helper.from_array(bias, f"bias_{i}")]
        nodes.append(helper.make_node("Gemm", [x, f"kernel_{i}", f"bias_{i}"], [f"dense_{i}"]))
        x = f"dense_{i}"
        if i < len(layers) - 1:  # swish(x) = x * sigmoid(x)
            nodes += [helper.make_node("Sigmoid", [x], [f"gate_{i}"]),
                      helper.make_node("Mul", [x, f"gate_{i}"], [f"x{i + 1}"])]
            x = f"x{i + 1}"
    # The last layer gives [loc, scale] of the tanh-normal; the action is tanh(loc).
    nodes += [helper.make_node("Slice", [x, "mean_start", "mean_end", "last_axis"], ["loc"]),
              helper.make_node("Tanh", ["loc"], ["action"])]
    graph = helper.make_graph(
        nodes, "tabrl_policy",
        [helper.make_tensor_value_info("observation", TensorProto.FLOAT,
                                       ["batch", checkpoint.obs_size])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT,
                                       ["batch", checkpoint.action_size])],
        initializers)
    opsets = [helper.make_opsetid("", ONNX_OPSET)]
    # The lowest IR version that holds the opset, so that older runtimes on robots load it too.
    model = helper.make_model(graph, opset_imports=opsets, producer_name="tabrl",
                              ir_version=helper.find_min_ir_version_for(opsets))
    sizes = {"obs_size": checkpoint.obs_size, "action_size": checkpoint.action_size}
    helper.set_model_props(model, {"robot": checkpoint.robot_id, "meta": json.dumps(sizes)})
    onnx.checker.check_model(model)
    return model


def jax_actions(checkpoint, observations: np.ndarray) -> np.ndarray:
    """The JAX policy's deterministic actions for `observations` [batch, obs_size]."""
    import jax.numpy as jnp

    from tabrl_core.training.ppo import deterministic_actions, make_networks

    networks = make_networks(checkpoint.obs_size, checkpoint.action_size, checkpoint.config)
    return np.asarray(deterministic_actions(networks, checkpoint.normalizer, checkpoint.policy,
                                            jnp.asarray(observations, jnp.float32)))


def onnx_actions(model_bytes: bytes, observations: np.ndarray) -> np.ndarray:
    """The ONNX policy's actions for `observations`, run with onnxruntime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return session.run(["action"], {"observation": np.asarray(observations, np.float32)})[0]


def check_onnx_parity(checkpoint, model_bytes: bytes, *, samples: int = 64,
                      seed: int = 0) -> float:
    """The largest |ONNX - JAX| action difference on observations drawn around the normaliser's
    mean (3 std wide); PolicyExportError when it exceeds PARITY_ATOL."""
    rng = np.random.default_rng(seed)
    mean = np.asarray(checkpoint.normalizer.mean, np.float32)
    std = np.asarray(checkpoint.normalizer.std, np.float32)
    observations = (mean + 3 * std * rng.standard_normal((samples, mean.size))).astype(np.float32)
    gap = float(np.max(np.abs(onnx_actions(model_bytes, observations)
                              - jax_actions(checkpoint, observations))))
    if not gap <= PARITY_ATOL:
        raise PolicyExportError(f"the ONNX policy differs from the JAX policy by {gap:.2e} "
                                f"(more than {PARITY_ATOL:.0e})")
    return gap


def export_policy(job_id: str, path: Path | str, format: str = "onnx") -> Path:
    """Write job `job_id`'s trained policy to `path`: "zip" (the checkpoint folder) or "onnx"
    (checked against the JAX policy with onnxruntime before it is written)."""
    from tabrl_core.training.checkpoint import CheckpointError, load_checkpoint

    if format not in ("onnx", "zip"):
        raise ValueError(f"unknown policy format {format!r}; choose onnx or zip")
    folder = checkpoint_dir(job_id)
    if format == "zip":
        return zip_checkpoint(folder, path)
    try:
        checkpoint = load_checkpoint(folder)
    except CheckpointError as exc:
        raise PolicyExportError(str(exc)) from exc
    model_bytes = policy_onnx(checkpoint).SerializeToString()
    check_onnx_parity(checkpoint, model_bytes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(model_bytes)
    partial.replace(path)
    return path
