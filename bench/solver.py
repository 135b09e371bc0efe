"""MuJoCo solver settings per bundled robot: physics speed and whether behaviour survives; JSON.

For each robot and candidate setting (as shipped, Newton with 4 iterations, CG, PGS with 10
iterations and the implicitfast integrator): physics steps per second (256 environments, 2
threads, random controls, as bench/physics.py), stability (the share of those environments still
finite after `--seconds` of random controls at the control rate) and, for robots with a base
policy, the base's evaluation (tracking error per command, falls) under that setting. The
recommendation per robot is the fastest setting that stays finite everywhere and, with a base,
tracks within 10 % (or 0.02) of the shipped setting's mean error with no more falls.
Usage: .venv/bin/python bench/solver.py [--seconds 3] [robot ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from unittest import mock

import mujoco
import numpy as np
from mujoco import rollout

from tabrl_core.paths import enable_jax_compilation_cache
from tabrl_core.robots import get_robot, robot_ids
from tabrl_core.robots.catalog import SolverSettings
from tabrl_core.robots.model import apply_solver, home_data, load_model

N_ENVS = 256
N_THREADS = 2
STATE = mujoco.mjtState.mjSTATE_FULLPHYSICS
CANDIDATES = {
    "as_shipped": SolverSettings(),
    "newton_4": SolverSettings(solver="newton", iterations=4, ls_iterations=4),
    "cg": SolverSettings(solver="cg"),
    "pgs_10_implicitfast": SolverSettings(solver="pgs", iterations=10, integrator="implicitfast"),
}


def physics(robot_id: str, settings: SolverSettings, seconds: float, seed: int = 0) -> dict:
    """Steps per second and the finite share of environments under random controls."""
    robot = get_robot(robot_id)
    model = load_model(dataclasses.replace(robot, solver=SolverSettings()))
    apply_solver(model.opt, settings)
    state = np.empty(mujoco.mj_stateSize(model, STATE))
    mujoco.mj_getState(model, home_data(model, robot.keyframe), state, STATE)
    states = np.tile(state, (N_ENVS, 1))
    low, high = model.actuator_ctrlrange.T
    rng = np.random.default_rng(seed)
    datas = [mujoco.MjData(model) for _ in range(N_THREADS)]
    steps, start = 0, time.perf_counter()
    with rollout.Rollout(nthread=N_THREADS) as runner:
        while time.perf_counter() - start < seconds:
            ctrl = rng.uniform(low, high, (N_ENVS, 1, model.nu))
            out, _ = runner.rollout([model] * N_ENVS, datas, states,
                                    np.repeat(ctrl, robot.n_substeps, 1))
            states = out[:, -1]
            steps += N_ENVS * robot.n_substeps
    elapsed = time.perf_counter() - start
    return {"steps_per_s": round(steps / elapsed),
            "finite_share": float(np.mean(np.all(np.isfinite(states), axis=1)))}


def behaviour(robot_id: str, settings: SolverSettings) -> dict | None:
    """The base policy's evaluation with the robot's physics under `settings` (None: no base)."""
    from tabrl_core.training import env as envlib
    from tabrl_core.training.base_policy import evaluate
    from tabrl_core.training.population import base_policy_path

    if not base_policy_path(robot_id).exists():
        return None

    class Variant(envlib.RobotEnv):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            apply_solver(self.model.opt, settings)

    with mock.patch.object(envlib, "RobotEnv", Variant):
        table = evaluate(base_policy_path(robot_id))
    errors = [np.mean(list(row["abs_error"].values())) for row in table["commands"].values()]
    return {"mean_abs_error": round(float(np.mean(errors)), 4), "falls": table["falls"]}


def recommend(results: dict) -> str:
    shipped = results["as_shipped"]
    ok = []
    for name, r in results.items():
        if r["finite_share"] < 1.0:
            continue
        if shipped["behaviour"] and r["behaviour"]:
            limit = max(shipped["behaviour"]["mean_abs_error"] * 1.1,
                        shipped["behaviour"]["mean_abs_error"] + 0.02)
            if (r["behaviour"]["mean_abs_error"] > limit
                    or r["behaviour"]["falls"] > shipped["behaviour"]["falls"]):
                continue
        ok.append((r["steps_per_s"], name))
    return max(ok)[1] if ok else "as_shipped"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("robots", nargs="*", help="robot ids (default: every bundled robot)")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    enable_jax_compilation_cache()
    report = {}
    for robot_id in args.robots or robot_ids():
        results = {}
        for name, settings in CANDIDATES.items():
            results[name] = {**physics(robot_id, settings, args.seconds),
                             "behaviour": behaviour(robot_id, settings)}
        report[robot_id] = {"candidates": results, "recommended": recommend(results)}
    print(json.dumps({"machine": platform.processor() or platform.machine(),
                      "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
                      "threads": N_THREADS, "envs": N_ENVS, "robots": report}, indent=2))


if __name__ == "__main__":
    main()
