"""Training benchmark: prints one JSON object (issue 5's keys), measured in one run.

    python bench/train.py [--quick-only] [--brax-steps N]

Each measurement runs in its own process (cold and warm caches are real, peak memory is the
training process's own). Approaches come from the built-in designer, 3 per behaviour:
walk forward + turn in place + shake hips make the 9-approach population; jump + stand tall a
second population of 6 for the behaviour table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NINE = ("walk forward", "turn in place", "keep shaking your hips aloha dude!")
SIX = ("jump", "stand tall")
METRIC = {  # behaviour -> (metric name, higher is better)
    "walk forward": "forward_distance_m", "turn in place": "abs_yaw_turned_rad",
    "keep shaking your hips aloha dude!": "hip_oscillation_amplitude_rad",
    "jump": "peak_base_height_m", "stand tall": "mean_base_height_m",
}


def behaviour_metrics(traj) -> dict:
    """The numbers each behaviour is judged by, from a 5 s rollout."""
    import numpy as np

    q = traj.qpos
    w, x, y, z = q[:, 3], q[:, 4], q[:, 5], q[:, 6]
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    yaw = np.unwrap(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
    later = traj.time >= 1.0
    t = traj.time[later]
    wobble = yaw[later] - np.polyval(np.polyfit(t, yaw[later], 1), t)  # turning is not shaking
    return {"forward_distance_m": float(q[-1, 0] - q[0, 0]),
            "abs_yaw_turned_rad": float(abs(yaw[-1] - yaw[0])),
            "hip_oscillation_amplitude_rad": float(
                np.sqrt(2) * np.sqrt(np.var(roll[later]) + np.var(wobble))),
            "peak_base_height_m": float(q[:, 2].max()),
            "mean_base_height_m": float(q[later, 2].mean()), "fell": bool(traj.fell)}


def child(args) -> None:
    """One training run in this process; prints its JSON on the last line."""
    start = time.monotonic()
    from tabrl_core.providers.builtin import design
    from tabrl_core.rewards import compile_rewards
    from tabrl_core.training import rollout_policy, train_population

    behaviours = NINE if args.population == "nine" else SIX
    approaches = [a for b in behaviours for a in design("go1", b).approaches]
    rewards = compile_rewards([a.code for a in approaches], "go1")
    out = Path(args.out)
    train_start = time.monotonic()
    results = train_population("go1", rewards, args.steps,
                               out_dirs=[out / str(i) for i in range(len(rewards))])
    train_s = time.monotonic() - train_start
    report = {"wall_s": time.monotonic() - start, "train_s": train_s,
              "statuses": [r.status for r in results],
              "env_steps_per_s": len(rewards) * args.steps / train_s,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if args.evaluate:
        report["behaviours"] = {}
        for i, behaviour in enumerate(behaviours):
            metric = METRIC[behaviour]
            scores = [behaviour_metrics(rollout_policy(results[3 * i + j].checkpoint))
                      for j in range(3)]
            # A policy that falls does not count as doing the behaviour, unless all three fall.
            upright = [j for j in range(3) if not scores[j]["fell"]] or [0, 1, 2]
            best = max(upright, key=lambda j: scores[j][metric])
            report["behaviours"][behaviour] = {
                "metric": metric, "best_approach": approaches[3 * i + best].name,
                "best": scores[best][metric], "best_fell": scores[best]["fell"],
                "approaches": [s[metric] for s in scores],
                "fell": [s["fell"] for s in scores]}
    print(json.dumps(report))


def run_child(population: str, steps: int, cache: Path, evaluate: bool = False) -> dict:
    env = {**os.environ, "TABRL_JAX_CACHE_DIR": str(cache), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, __file__, "--child", population, "--steps", str(steps),
               "--out", out] + (["--evaluate"] if evaluate else [])
        start = time.monotonic()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        report = json.loads(done.stdout.strip().splitlines()[-1])
        report["process_wall_s"] = time.monotonic() - start
        return report


def base_policy_metrics() -> dict:
    from tabrl_core.training import rollout_policy
    from tabrl_core.training.population import base_policy_path

    return behaviour_metrics(rollout_policy(base_policy_path("go1")))


def native_ceiling(batch: int = 288, steps: int = 200) -> float:
    """Env steps/s of mujoco.rollout alone on the training model, random controls, same threads."""
    import numpy as np

    from tabrl_core.training.env import RobotEnv

    env = RobotEnv("go1")
    states, _ = env.reset_pool(0, batch)
    low, high = env.model.actuator_ctrlrange.T
    rng = np.random.default_rng(0)
    env.physics_step(states, rng.uniform(low, high, (batch, env.model.nu)))
    start = time.monotonic()
    for _ in range(steps):
        states, _ = env.physics_step(states, rng.uniform(low, high, (batch, env.model.nu)))
    rate = batch * steps / (time.monotonic() - start)
    env.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("nine", "six"), dest="population")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--out")
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--quick-only", action="store_true", help="skip the 100K runs")
    parser.add_argument("--brax-steps", type=int, default=0,
                        help="also time brax ppo.train for this many steps per reward")
    parser.add_argument("--brax-rewards", type=int, default=9,
                        help="how many of the 9 rewards brax trains, one after another")
    args = parser.parse_args()
    if args.population:
        return child(args)

    result = {"machine": {"cpus": os.cpu_count(), "processor": platform.processor(),
                          "python": platform.python_version()}}
    with tempfile.TemporaryDirectory() as cache:
        cold = run_child("nine", 10_000, Path(cache))
        warm = run_child("nine", 10_000, Path(cache))
        result.update(quick_cold_wall_s=cold["process_wall_s"],
                      quick_warm_wall_s=warm["process_wall_s"],
                      quick_warm_train_s=warm["train_s"], quick_statuses=warm["statuses"])
        if not args.quick_only:
            quality = run_child("nine", 100_000, Path(cache), evaluate=True)
            six = run_child("six", 100_000, Path(cache), evaluate=True)
            result.update(quality_wall_s=quality["process_wall_s"],
                          quality_train_s=quality["train_s"],
                          env_steps_per_s=quality["env_steps_per_s"],
                          peak_rss_mb=max(quality["peak_rss_mb"], six["peak_rss_mb"]))
            base = base_policy_metrics()
            behaviours = {**quality["behaviours"], **six["behaviours"]}
            result["behaviours"] = {
                name: {**b, "base_policy": base[b["metric"]],
                       "beats_base": b["best"] > base[b["metric"]]}
                for name, b in behaviours.items()}
    ceiling = native_ceiling()
    result["native_ceiling_env_steps_per_s"] = ceiling
    if "env_steps_per_s" in result:
        result["fraction_of_ceiling"] = result["env_steps_per_s"] / ceiling
    if args.brax_steps:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from brax_baseline import brax_env_steps_per_s

        brax = brax_env_steps_per_s(args.brax_steps, args.brax_rewards)
        result["brax"] = brax
        result["brax_env_steps_per_s"] = brax["env_steps_per_s"]
        if "env_steps_per_s" in result:
            result["ratio_vs_brax"] = result["env_steps_per_s"] / result["brax_env_steps_per_s"]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
