"""Built-in designer benchmark: does the behaviour a sentence asks for show in the video?

    python bench/designer.py [--steps 100000] [--go1 8] [--classic 6] [--out FILE]

For each sentence the built-in designer writes its three approaches from the parsed spec; all
approaches of one robot train together (one population) at the Quality budget, and each
trained policy is rolled out for 5 s. Two verdicts per rollout, both derived from the spec:

- shown: a trajectory metric written here from the spec's targets, per phase (distance in the
  asked direction, yaw turned, jump height, rotation, held height and tilt, raised feet,
  oscillation amplitude, staying in place), each met at 50% of its target, and no fall;
- judge: the spec's built-in judge program (`tabrl_core.behaviours.judge_code`), validated and
  run in the judge's sandbox (`tabrl_core.judging.program.run_judge`).

A sentence counts as shown when its best approach (by the metric's score, among those that did
not fall) shows it. Prints one JSON object; the targets are >= 80% shown on Go1 and >= 60% on
the classic robots.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GO1 = ("walk forward", "walk backwards slowly", "turn left in place", "spin one full turn, then "
       "stand still", "sidestep to the right", "crouch low", "jump three times",
       "walk forward for 2 seconds, then turn right")
CLASSIC = (("half_cheetah", "run forward fast"), ("half_cheetah", "run backward"),
           ("ant", "walk forward"), ("ant", "spin counterclockwise"),
           ("humanoid", "stand still"), ("humanoid", "raise your arms"))
SHARE = 0.5  # a target counts as shown at this share of its size


def contract_frames(traj):
    """The judge's view of a rollout: the per-frame contract fields it recorded (derived from
    its poses when it recorded none)."""
    from tabrl_core.judging.trajectories import judge_trajectory
    from tabrl_core.training.rollout import frame_states

    states = traj.states or frame_states(traj.robot_id, traj.qpos, traj.qvel)
    return judge_trajectory(states, traj.time, traj.fps, traj.fell)


def _window(f: dict, phase) -> np.ndarray:
    end = phase.end + (0.5 if phase.rotation is not None else 0.0)
    return ((f["time"] >= phase.start) & (f["time"] < end)).astype(float)


def spec_shown(spec, contract, f: dict) -> tuple[bool, float, dict]:
    """(shown, score in [0, 1], per-measure fractions of target) for one rollout."""
    parts = {}
    for i, phase in enumerate(spec.phases, 1):
        if phase.implied:
            continue
        w = _window(f, phase)
        n = max(w.sum(), 1.0)
        integral = lambda x: float(np.sum(x * w) * f["dt"])  # noqa: E731
        mean = lambda x: float(np.sum(x * w) / n)  # noqa: E731
        span = max(phase.duration, 0.1)
        for axis, target in ((0, phase.vx), (1, phase.vy)):
            if target is not None and target.value:
                goal = phase.distance.value if phase.distance else abs(target.value) * span
                moved = integral(f["base_lin_vel"][:, axis]) * np.sign(target.value)
                parts[f"p{i}_distance_{axis}"] = moved / goal
        turn = phase.turn.value if phase.turn else (
            phase.yaw_rate.value * span if phase.yaw_rate and phase.yaw_rate.value else 0.0)
        if turn:
            parts[f"p{i}_turn"] = integral(f["base_ang_vel"][:, 2]) / turn
        if phase.rotation is not None:
            k = 1 if phase.rotation.axis == "pitch" else 0
            parts[f"p{i}_rotation"] = integral(f["base_ang_vel"][:, k]) / phase.rotation.total
        if phase.hop is not None:
            peak = float(np.max(np.where(w > 0, f["base_height"], -np.inf)))
            parts[f"p{i}_hop"] = (peak - contract.stand_height) / phase.hop.value
        if phase.height is not None and phase.kind != "jump":
            error = abs(mean(f["base_height"]) - phase.height.value)
            parts[f"p{i}_height"] = 1.0 / SHARE if error <= 2 * phase.height.tol else 0.0
        if phase.raised and contract.n_feet:
            raised = [contract.foot_names.index(name) for name in phase.raised]
            parts[f"p{i}_raised"] = mean(1.0 - f["foot_contact"][:, raised].mean(axis=1)) / 0.6
        for osc in phase.oscillations:
            if phase.kind == "jump" or (osc.axis == "yaw" and turn):
                continue
            signal = {"roll": f["base_rpy"][:, 0], "pitch": f["base_rpy"][:, 1],
                      "yaw": f["base_rpy"][:, 2], "height": f["base_height"],
                      "lateral": f["base_pos"][:, 1]}[osc.axis]
            amplitude = np.sqrt(2.0 * max(mean(signal ** 2) - mean(signal) ** 2, 0.0))
            parts[f"p{i}_{osc.axis}_amplitude"] = amplitude / osc.amplitude
        if phase.arms:
            from tabrl_core.behaviours.body import body_for

            arms = list(body_for(contract).arm_joints)
            parts[f"p{i}_arms"] = mean(np.abs(f["joint_vel"][:, arms]).mean(axis=1)) / 0.5
        if phase.kind == "still" or (phase.kind in ("pose", "oscillate") and phase.vx is None):
            drift = integral(np.linalg.norm(f["base_lin_vel"][:, :2], axis=1))
            parts[f"p{i}_in_place"] = 1.0 / SHARE if drift <= 0.3 + 0.1 * span else 0.0
    if not parts:
        parts["lively"] = float(np.mean(np.abs(f["joint_vel"]))) / 0.5
    fractions = {k: round(v, 3) for k, v in parts.items()}
    score = float(np.mean([min(max(v, 0.0), 1.0) for v in parts.values()]))
    shown = all(v >= SHARE for v in parts.values()) and not f["fell"]
    return shown, score, fractions


def run_judge(code: str, trajectory) -> tuple[bool, dict]:
    """(passed, {check: passed}) of the spec's judge program on one rollout, validated and
    run in the judge's sandbox like any judge."""
    from tabrl_core.judging.program import run_judge as run

    result = run(code, [trajectory])[0]
    if isinstance(result, Exception):
        raise result
    checks = {c.name: c.scored()[0] for c in result}
    return all(checks.values()), checks


def bench_robot(robot: str, sentences: list[str], steps: int) -> list[dict]:
    from tabrl_core.behaviours import judge_code, parse
    from tabrl_core.providers.builtin import design_spec
    from tabrl_core.rewards import compile_rewards, contract_for
    from tabrl_core.training import rollout_policies, train_population

    contract = contract_for(robot)
    specs = [parse(text, robot) for text in sentences]
    approaches = [a for spec in specs for a in design_spec(spec, contract).approaches]
    rewards = compile_rewards([a.code for a in approaches], robot)
    with tempfile.TemporaryDirectory() as out:
        start = time.monotonic()
        results = train_population(robot, rewards, steps,
                                   out_dirs=[Path(out) / str(i) for i in range(len(rewards))])
        train_s = time.monotonic() - start
        trained = [r.checkpoint for r in results if r.status == "succeeded"]
        if len(trained) != len(results):
            raise RuntimeError(f"{robot}: {[r.error for r in results if r.error]}")
        trajectories = rollout_policies(trained)
    rows = []
    for i, spec in enumerate(specs):
        code = judge_code(spec, contract)
        per = []
        for j in range(3):
            frames = contract_frames(trajectories[3 * i + j])
            shown, score, fractions = spec_shown(spec, contract, frames._asdict())
            passed, checks = run_judge(code, frames)
            per.append({"approach": approaches[3 * i + j].name, "shown": shown,
                        "score": round(score, 3), "fell": bool(frames.fell),
                        "measures": fractions, "judge_passed": passed, "judge_checks": checks})
        upright = [p for p in per if not p["fell"]] or per
        best = max(upright, key=lambda p: p["score"])
        rows.append({"robot": robot, "text": spec.text, "plan": spec.describe(),
                     "shown": best["shown"], "best": best["approach"],
                     "judge_agrees": best["judge_passed"] == best["shown"],
                     "train_s_population": round(train_s, 1),
                     "approaches": per})
    return rows


def summarize(rows: list[dict]) -> dict:
    def share(subset, key):
        return round(sum(r[key] for r in subset) / len(subset), 3) if subset else None

    go1 = [r for r in rows if r["robot"] == "go1"]
    classic = [r for r in rows if r["robot"] != "go1"]
    everything = [a for r in rows for a in r["approaches"]]
    return {"go1_shown": share(go1, "shown"), "classic_shown": share(classic, "shown"),
            "go1_judge_agrees": share(go1, "judge_agrees"),
            "classic_judge_agrees": share(classic, "judge_agrees"),
            "all_approaches_judge_agrees": round(
                sum(a["judge_passed"] == a["shown"] for a in everything) / len(everything), 3)
            if everything else None,
            "targets": {"go1_shown": 0.8, "classic_shown": 0.6},
            "sentences": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000, help="env steps per approach")
    parser.add_argument("--go1", type=int, default=len(GO1), help="how many Go1 sentences")
    parser.add_argument("--classic", type=int, default=len(CLASSIC),
                        help="how many classic-robot sentences")
    parser.add_argument("--robots", help="comma-separated robot ids to run (default: all)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    start = time.monotonic()
    groups: dict[str, list[str]] = {"go1": list(GO1[:args.go1])}
    for robot, text in CLASSIC[:args.classic]:
        groups.setdefault(robot, []).append(text)
    if args.robots:
        groups = {r: s for r, s in groups.items() if r in args.robots.split(",")}
    rows = []
    for robot, sentences in groups.items():
        rows += bench_robot(robot, sentences, args.steps)
        report = {"steps": args.steps, **summarize(rows),
                  "wall_s": round(time.monotonic() - start, 1),
                  "robots_done": sorted({r["robot"] for r in rows}), "rows": rows}
        if args.out:  # written after each robot, so a long run leaves partial results
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
