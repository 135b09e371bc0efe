"""Training benchmark: prints one JSON object (issue 5's and issue 14's keys), in one run.

    python bench/train.py [--quick-only] [--brax-steps N] [--table-only] [--table-robots R ...]
                          [--from-scratch-only] [--command-offset-only]

Each measurement runs in its own process (cold and warm caches are real: a fresh JAX
compilation cache and a fresh store of checked reward programs; peak memory is the training
process's own). Approaches come from the built-in designer, 3 per behaviour:
walk forward + turn in place + shake hips make the 9-approach population; jump + stand tall a
second population of 6. The `behaviours` table (TABLE) trains every robot's behaviours at the
Quick and Quality budgets, one population per robot and budget, and checks each behaviour's
metric against its threshold for the base policy and the best approach that did not fall.
`fraction_of_ceiling` divides the Quality run's env steps per second by MuJoCo's alone on random
controls from the standing pose (`native_ceiling`); `quality_physics_share` is the share of that
run's training time spent in the physics step itself, on the trainer's own states and controls.
`--command-offset-only` trains Go1's behaviours with the start command fixed and with a learned
offset (`command_offset_comparison`) to measure which learns faster.
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


TABLE = {  # robot -> behaviour -> (metric, threshold): passes when metric >= threshold
    "go1": {"walk forward": ("forward_distance_m", 1.0),
            "walk backward": ("backward_distance_m", 0.5),
            "sidestep right": ("rightward_distance_m", 0.3),
            "spin left": ("yaw_turned_left_rad", 3.0),
            "crouch": ("height_drop_m", 0.03),
            "lean left": ("lean_left_rad", 0.1),
            "hop": ("peak_rise_m", 0.06),
            "shake hips": ("hip_oscillation_amplitude_rad", 0.1)},
    "ant": {"walk forward": ("forward_distance_m", 1.0),
            "spin": ("abs_yaw_turned_rad", 3.0)},
    "half_cheetah": {"run forward": ("forward_distance_m", 5.0),
                     "stand on the back legs": ("abs_pitch_rad", 0.6)},
    "op3": {"walk forward": ("forward_distance_m", 0.5)},
}


def table_metrics(robot_id: str, traj) -> dict:
    """The behaviour table's metrics from a 5 s rollout (world frame; the robot starts facing
    +x), from the base body's pose, plus whether it fell."""
    import numpy as np

    from tabrl_core.robots import get_robot, load_model
    from tabrl_core.robots.model import base_poses

    robot = get_robot(robot_id)
    position, rotation = base_poses(load_model(robot), robot.base_body, traj.qpos)
    yaw = np.unwrap(np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0]))
    roll = np.arctan2(rotation[:, 2, 1], rotation[:, 2, 2])
    pitch = np.arcsin(np.clip(-rotation[:, 2, 0], -1.0, 1.0))
    later = traj.time >= 1.0
    t = traj.time[later]
    wobble = yaw[later] - np.polyval(np.polyfit(t, yaw[later], 1), t)
    stand = position[0, 2]
    dx, dy = position[-1, :2] - position[0, :2]
    return {"forward_distance_m": float(dx), "backward_distance_m": float(-dx),
            "rightward_distance_m": float(-dy), "yaw_turned_left_rad": float(yaw[-1] - yaw[0]),
            "abs_yaw_turned_rad": float(abs(yaw[-1] - yaw[0])),
            "height_drop_m": float(stand - position[later, 2].mean()),
            "lean_left_rad": float(-roll[later].mean()),
            "abs_pitch_rad": float(np.abs(pitch[later]).mean()),
            "peak_rise_m": float(position[:, 2].max() - stand),
            "hip_oscillation_amplitude_rad": float(
                np.sqrt(2) * np.sqrt(np.var(roll[later]) + np.var(wobble))),
            "fell": bool(traj.fell)}


def table_child(args) -> None:
    """One robot's behaviour table at one budget in this process; prints its JSON."""
    from tabrl_core.providers.builtin import design
    from tabrl_core.rewards import compile_rewards
    from tabrl_core.training import TrainConfig, rollout_policy, train_population
    from tabrl_core.training.population import base_policy_path

    robot = args.table
    behaviours = TABLE[robot]
    approaches = [a for b in behaviours for a in design(robot, b).approaches]
    rewards = compile_rewards([a.code for a in approaches], robot)
    out = Path(args.out)
    start = time.monotonic()
    config = TrainConfig(learn_command_offset=args.learn_command_offset)
    results = train_population(robot, rewards, args.steps, config=config,
                               out_dirs=[out / str(i) for i in range(len(rewards))])
    wall = time.monotonic() - start
    base = (table_metrics(robot, rollout_policy(base_policy_path(robot)))
            if base_policy_path(robot).exists() else None)
    rows = {}
    for i, (behaviour, (metric, threshold)) in enumerate(behaviours.items()):
        scores = [table_metrics(robot, rollout_policy(results[3 * i + j].checkpoint))
                  if results[3 * i + j].checkpoint else None for j in range(3)]
        standing = [j for j in range(3) if scores[j] and not scores[j]["fell"]]
        best = max(standing, key=lambda j: scores[j][metric]) if standing else None
        rows[behaviour] = {
            "metric": metric, "threshold": threshold,
            "base": None if base is None else round(base[metric], 3),
            "best_approach": None if best is None else approaches[3 * i + best].name,
            "best": None if best is None else round(scores[best][metric], 3),
            "start_command": None if best is None else
            results[3 * i + best].metrics.get("start_command", {}).get("label"),
            "learned_command": None if best is None else
            results[3 * i + best].metrics.get("learned_command", {}).get("label"),
            "return_auc": [return_auc(results[3 * i + j].history) for j in range(3)],
            "passed": best is not None and scores[best][metric] >= threshold}
    print(json.dumps({"robot": robot, "steps": args.steps, "train_wall_s": wall, "rows": rows}))


def return_auc(history: list[dict]) -> float | None:
    """An approach's mean return over its whole curve: higher means it learned sooner."""
    returns = [h["mean_return"] for h in history if h.get("mean_return") is not None]
    return round(sum(returns) / len(returns), 3) if returns else None


SCRATCH_CHUNK = 250_000
SCRATCH_MAX = 6_000_000
SCRATCH_WALK_M = 2.0  # 0.4 m/s over the 5 s rollout


def scratch_child(args) -> None:
    """Go1 from random weights with the designer's shaped walk-forward reward, 256
    environments (the pretraining configuration), in chunks of SCRATCH_CHUNK steps that each
    continue from the last checkpoint; after each, a 5 s rollout (not timed) checks for a walk
    (SCRATCH_WALK_M forward, no fall). Prints the training time to the first walk."""
    from tabrl_core.providers.builtin import design
    from tabrl_core.rewards import compile_rewards
    from tabrl_core.training import rollout_policy, train_population
    from tabrl_core.training.base_policy import PRETRAIN_CONFIG

    shaped = next(a for a in design("go1", "walk forward").approaches
                  if a.name.startswith("Shaped"))
    rewards = compile_rewards([shaped.code], "go1")
    out, init, train_s, steps, walked = Path(args.out), "scratch", 0.0, 0, None
    while steps < SCRATCH_MAX and walked is None:
        start = time.monotonic()
        result, = train_population("go1", rewards, SCRATCH_CHUNK, out_dirs=[out / str(steps)],
                                   init=init, seed=steps,
                                   config=PRETRAIN_CONFIG.with_(skill_search=False))
        train_s += time.monotonic() - start
        steps += SCRATCH_CHUNK
        init = result.checkpoint
        metrics = behaviour_metrics(rollout_policy(result.checkpoint))
        if metrics["forward_distance_m"] >= SCRATCH_WALK_M and not metrics["fell"]:
            walked = metrics["forward_distance_m"]
    print(json.dumps({"from_scratch_walk_s": train_s if walked else None,
                      "from_scratch_steps": steps, "from_scratch_distance_m": walked}))


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

    from tabrl_core.training.env import RobotEnv

    behaviours = NINE if args.population == "nine" else SIX
    approaches = [a for b in behaviours for a in design("go1", b).approaches]
    rewards = compile_rewards([a.code for a in approaches], "go1")
    out = Path(args.out)
    physics_s = [0.0]
    step = RobotEnv.physics_step

    def timed_step(self, *args, **kwargs):  # the trainer's own physics, skill search included
        begin = time.perf_counter()
        try:
            return step(self, *args, **kwargs)
        finally:
            physics_s[0] += time.perf_counter() - begin

    RobotEnv.physics_step = timed_step
    train_start = time.monotonic()
    results = train_population("go1", rewards, args.steps,
                               out_dirs=[out / str(i) for i in range(len(rewards))])
    train_s = time.monotonic() - train_start
    RobotEnv.physics_step = step
    report = {"wall_s": time.monotonic() - start, "train_s": train_s, "physics_s": physics_s[0],
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


def run_child(population: str, steps: int, cache: Path, evaluate: bool = False,
              table: str | None = None, learn_command_offset: bool = False) -> dict:
    env = {**os.environ, "TABRL_JAX_CACHE_DIR": str(cache / "jax"),
           "TABRL_CACHE_DIR": str(cache / "derived"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory() as out:
        which = (["--table", table] if table else ["--scratch"] if population == "scratch"
                 else ["--child", population])
        cmd = [sys.executable, __file__, *which, "--steps", str(steps),
               "--out", out] + (["--evaluate"] if evaluate else []) + (
                   ["--learn-command-offset"] if learn_command_offset else [])
        start = time.monotonic()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        report = json.loads(done.stdout.strip().splitlines()[-1])
        report["process_wall_s"] = time.monotonic() - start
        return report


def behaviours_table(robots, cache: Path) -> dict:
    """robot -> {"quick": rows, "quality": rows}: each a table child's rows."""
    table = {}
    for robot in robots:
        table[robot] = {}
        for budget, steps in (("quick", 10_000), ("quality", 100_000)):
            report = run_child("", steps, cache, table=robot)
            table[robot][budget] = {"train_wall_s": round(report["train_wall_s"], 1),
                                    "rows": report["rows"]}
    return table


def command_offset_comparison(cache: Path, robot: str = "go1") -> dict:
    """The robot's behaviours trained twice per budget, the start command fixed and with a
    learned offset (TrainConfig.learn_command_offset), same seeds: per behaviour the best
    approach's metric and every approach's return_auc, and how often learning the offset won."""
    out = {}
    for budget, steps in (("quick", 10_000), ("quality", 100_000)):
        fixed, learned = (run_child("", steps, cache, table=robot, learn_command_offset=on)
                          for on in (False, True))
        rows, metric_wins, auc_wins, pairs = {}, 0, 0, 0
        for name, a in fixed["rows"].items():
            b = learned["rows"][name]
            rows[name] = {"metric": a["metric"], "fixed": a["best"], "learned": b["best"],
                          "learned_command": b["learned_command"],
                          "fixed_return_auc": a["return_auc"],
                          "learned_return_auc": b["return_auc"]}
            metric_wins += (b["best"] or -1e9) > (a["best"] or -1e9)
            for x, y in zip(a["return_auc"], b["return_auc"]):
                if x is not None and y is not None:
                    pairs += 1
                    auc_wins += y > x
        out[budget] = {"fixed_train_wall_s": round(fixed["train_wall_s"], 1),
                       "learned_train_wall_s": round(learned["train_wall_s"], 1),
                       "learned_better_metric": f"{metric_wins} of {len(rows)}",
                       "learned_higher_return_auc": f"{auc_wins} of {pairs}", "rows": rows}
    return out


def from_scratch(cache: Path) -> dict:
    """The from-scratch walk beside what the shipped skill base cost to pretrain."""
    from tabrl_core.training.population import base_policy_path

    report = run_child("scratch", 0, cache)
    base = json.loads((base_policy_path("go1").parent / "base_policy_report.json").read_text())
    return {key: report[key] for key in ("from_scratch_walk_s", "from_scratch_steps",
                                         "from_scratch_distance_m")} | {
        "skill_base_pretrain_s": base["wall_s"], "skill_base_steps": base["steps"]}


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
    parser.add_argument("--table", choices=sorted(TABLE), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--from-scratch-only", action="store_true",
                        help="only the time for Go1 to learn a walk from random weights")
    parser.add_argument("--table-only", action="store_true",
                        help="only the behaviours table (issue 14)")
    parser.add_argument("--table-robots", nargs="*", default=sorted(TABLE))
    parser.add_argument("--command-offset-only", action="store_true",
                        help="only Go1's behaviours with the start command fixed vs learned")
    parser.add_argument("--learn-command-offset", action="store_true", help=argparse.SUPPRESS)
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
    if args.table:
        return table_child(args)
    if args.scratch:
        return scratch_child(args)

    result = {"machine": {"cpus": os.cpu_count(), "processor": platform.processor(),
                          "python": platform.python_version()}}
    if args.table_only or args.from_scratch_only or args.command_offset_only:
        with tempfile.TemporaryDirectory() as cache:
            if args.table_only:
                result["behaviours_table"] = behaviours_table(args.table_robots, Path(cache))
            elif args.command_offset_only:
                result["command_offset"] = command_offset_comparison(Path(cache))
            else:
                result.update(from_scratch(Path(cache)))
        print(json.dumps(result, indent=1))
        return None
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
                          quality_physics_share=quality["physics_s"] / quality["train_s"],
                          peak_rss_mb=max(quality["peak_rss_mb"], six["peak_rss_mb"]))
            base = base_policy_metrics()
            behaviours = {**quality["behaviours"], **six["behaviours"]}
            result["behaviours"] = {
                name: {**b, "base_policy": base[b["metric"]],
                       "beats_base": b["best"] > base[b["metric"]]}
                for name, b in behaviours.items()}
        if not args.quick_only:
            result["behaviours_table"] = behaviours_table(args.table_robots, Path(cache))
            result.update(from_scratch(Path(cache)))
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
