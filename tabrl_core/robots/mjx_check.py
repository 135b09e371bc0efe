"""Child process of `check_robots`: reads {key: MJB path} as JSON on stdin, prints
{key: [problems]} as the last line of stdout (MJX imports JAX; the caller stays free of it)."""

import json
import sys

import mujoco


def mjx_problems(path: str) -> list[str]:
    """Why MJX cannot take the model at `path` (an MJB file); empty when it can."""
    from mujoco import mjx

    try:
        mjx.put_model(mujoco.MjModel.from_binary_path(path))
    except Exception as exc:  # MJX raises NotImplementedError, ValueError, ... for features
        return [f"does not compile in MJX: {type(exc).__name__}: {exc}"]
    return []


if __name__ == "__main__":
    paths = json.load(sys.stdin)
    print(json.dumps({key: mjx_problems(path) for key, path in paths.items()}))
