"""Native MuJoCo physics steps per second for every bundled robot; prints JSON.

Each robot runs 256 environments from its home pose under random controls (uniform in the
actuators' ctrl ranges, held for one control period) with `mujoco.rollout` on 2 threads, for about
`--seconds` seconds. The machine's load average is printed too: other work on the CPU slows it.
Usage: .venv/bin/python bench/physics.py [--seconds 3] [robot ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import mujoco
import numpy as np
from mujoco import rollout

from tabrl_core.robots import get_robot, robot_ids
from tabrl_core.robots.model import home_data, load_model

N_ENVS = 256
N_THREADS = 2
STATE = mujoco.mjtState.mjSTATE_FULLPHYSICS


def steps_per_second(robot_id: str, seconds: float, seed: int = 0) -> dict:
    """Physics steps per second (all environments together) for one robot."""
    robot = get_robot(robot_id)
    model = load_model(robot)
    home = home_data(model, robot.keyframe)
    state = np.empty(mujoco.mj_stateSize(model, STATE))
    mujoco.mj_getState(model, home, state, STATE)
    states = np.tile(state, (N_ENVS, 1))
    low, high = model.actuator_ctrlrange.T
    rng = np.random.default_rng(seed)
    datas = [mujoco.MjData(model) for _ in range(N_THREADS)]
    models = [model] * N_ENVS
    steps, start = 0, time.perf_counter()
    with rollout.Rollout(nthread=N_THREADS) as runner:
        while time.perf_counter() - start < seconds:
            ctrl = rng.uniform(low, high, (N_ENVS, 1, model.nu))
            out, _ = runner.rollout(models, datas, states, np.repeat(ctrl, robot.n_substeps, 1))
            states = out[:, -1]
            steps += N_ENVS * robot.n_substeps
    elapsed = time.perf_counter() - start
    return {"steps_per_s": round(steps / elapsed), "sim_dt": robot.sim_dt,
            "realtime_factor": round(steps * robot.sim_dt / elapsed), "nv": model.nv,
            "nu": model.nu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("robots", nargs="*", help="robot ids (default: every bundled robot)")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    results = {robot_id: steps_per_second(robot_id, args.seconds)
               for robot_id in args.robots or robot_ids()}
    print(json.dumps({"machine": platform.processor() or platform.machine(),
                      "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
                      "threads": N_THREADS, "envs": N_ENVS, "robots": results}, indent=2))


if __name__ == "__main__":
    main()
