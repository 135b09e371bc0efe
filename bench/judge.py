"""Judge benchmark: how often the built-in judge's pass/fail agrees with the behaviour metrics.

    python bench/judge.py [--train-steps N] [--no-train]

Real Go1 trajectories (the shipped base policy rolled out; the same rollouts played backwards;
open-loop sinusoid motion, also turned in place to the left and right; tiny trained policies of
the built-in designer's approaches) are each judged against every behaviour below, so most pairs are
deliberate failures (a forward walk judged as "walk backwards"). The truth of a pair comes from
the behaviour metrics of bench/train.py (`behaviour_metrics`) with the thresholds in TRUTH; the
judge is the built-in judge program for the behaviour, run through the sandbox like any judge.
Prints one JSON object; the target is agreement >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import behaviour_metrics  # noqa: E402 -- bench/train.py, the metrics' one home

STAND = 0.285  # Go1's standing base height (its reward contract's stand_height), m
SECONDS = 5.0
# behaviour -> (what the truth requires, test on the metrics); a fall never counts. Motions
# pass at 40% of the behaviour's nominal target (0.5 m/s or 1 rad/s for 5 s, a 0.2 x standing
# height hop); "stand tall" is at least 5% above the standing height.
TRUTH = {
    "walk forward": ("forward_distance_m >= 1.0", lambda m: m["forward_distance_m"] >= 1.0),
    "walk backwards": ("forward_distance_m <= -1.0",
                       lambda m: m["forward_distance_m"] <= -1.0),
    "turn left": ("yaw_turned_rad >= 2.0", lambda m: m["yaw_turned_rad"] >= 2.0),
    "turn right": ("yaw_turned_rad <= -2.0", lambda m: m["yaw_turned_rad"] <= -2.0),
    "keep shaking your hips aloha dude!": (
        "hip_oscillation_amplitude_rad >= 0.072 and displacement_m <= 0.5",
        lambda m: m["hip_oscillation_amplitude_rad"] >= 0.072 and m["displacement_m"] <= 0.5),
    "jump": (f"peak_base_height_m >= {STAND + 0.023:.3f}",
             lambda m: m["peak_base_height_m"] >= STAND + 0.023),
    "stand tall": ("mean_base_height_m >= 0.30 and displacement_m <= 0.5",
                   lambda m: m["mean_base_height_m"] >= 0.30 and m["displacement_m"] <= 0.5),
    "stand still": ("displacement_m <= 0.25", lambda m: m["displacement_m"] <= 0.25),
}
TRAINED = ("walk backwards", "turn left", "keep shaking your hips aloha dude!")


@dataclass
class Clip:
    """One trajectory: where it came from, its poses and the judge's view of it."""

    name: str
    source: str
    qpos: np.ndarray
    qvel: np.ndarray
    fell: bool
    states: dict | None = None  # contract fields per frame; derived from qpos/qvel when None

    @property
    def time(self) -> np.ndarray:
        return np.arange(len(self.qpos)) / 30.0


def metrics(clip: Clip) -> dict:
    """bench/train.py's behaviour metrics, plus the signed yaw and the xy displacement."""
    m = behaviour_metrics(clip)
    w, x, y, z = (clip.qpos[:, i] for i in range(3, 7))
    yaw = np.unwrap(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
    return {**m, "yaw_turned_rad": float(yaw[-1] - yaw[0]),
            "displacement_m": float(np.linalg.norm(clip.qpos[-1, :2] - clip.qpos[0, :2]))}


def base_policy_clips(seeds=(0, 1, 2)) -> list[Clip]:
    from tabrl_core.training import rollout_policy
    from tabrl_core.training.population import base_policy_path

    clips = []
    for seed in seeds:
        t = rollout_policy(base_policy_path("go1"), seconds=SECONDS, seed=seed)
        clips.append(Clip(f"base_policy_seed{seed}", "base policy", t.qpos, t.qvel, t.fell,
                          t.states))
    return clips


def reversed_clip(clip: Clip) -> Clip:
    """The rollout played backwards: the same gait walking the other way."""
    return Clip(clip.name + "_reversed", "base policy reversed", clip.qpos[::-1].copy(),
                -clip.qvel[::-1], clip.fell)


def turned_clip(clip: Clip, yaw_rate: float) -> Clip:
    """The clip turning in place: every frame's base turned about itself by yaw_rate * t."""
    import mujoco

    qpos, qvel = clip.qpos.copy(), clip.qvel.copy()
    for k, t in enumerate(clip.time):
        angle = yaw_rate * t
        c, s = np.cos(angle), np.sin(angle)
        mujoco.mju_mulQuat(qpos[k, 3:7], np.array([np.cos(angle / 2), 0, 0, np.sin(angle / 2)]),
                           clip.qpos[k, 3:7])
        qvel[k, :2] = np.array([[c, -s], [s, c]]) @ clip.qvel[k, :2]
        rotation = np.empty(9)
        mujoco.mju_quat2Mat(rotation, qpos[k, 3:7])
        qvel[k, 3:6] = clip.qvel[k, 3:6] + rotation.reshape(3, 3).T @ [0.0, 0.0, yaw_rate]
    side = "left" if yaw_rate > 0 else "right"
    return Clip(f"{clip.name}_turned_{side}", f"{clip.source} turned", qpos, qvel, clip.fell)


def sinusoid_clips(patterns=(0, 1, 2, 3)) -> list[Clip]:
    from tabrl_core.media.motion import sinusoid_trajectory

    clips = []
    for pattern in patterns:
        t = sinusoid_trajectory("go1", pattern, seconds=SECONDS)
        clips.append(Clip(f"sinusoid_{pattern}", "sinusoid", t.qpos, t.qvel, t.fell))
    return clips


def trained_clips(steps: int) -> list[Clip]:
    """Tiny fine-tunes of the built-in designer's approaches for TRAINED, rolled out."""
    from tabrl_core.providers.builtin import design
    from tabrl_core.rewards import compile_rewards
    from tabrl_core.training import rollout_policies, train_population

    approaches = [(b, a) for b in TRAINED for a in design("go1", b).approaches]
    rewards = compile_rewards([a.code for _, a in approaches], "go1")
    with tempfile.TemporaryDirectory() as out:
        results = train_population("go1", rewards, steps,
                                   out_dirs=[Path(out) / str(i) for i in range(len(rewards))])
        done = [(i, r) for i, r in enumerate(results) if r.checkpoint is not None]
        trajectories = rollout_policies([r.checkpoint for _, r in done], seconds=SECONDS)
    return [Clip(f"trained_{approaches[i][1].name.replace(' ', '_').replace(':', '')}",
                 f"trained {steps} steps", t.qpos, t.qvel, t.fell, t.states)
            for (i, _), t in zip(done, trajectories)]


def judge_view(clip: Clip):
    from tabrl_core.judging.trajectories import judge_trajectory
    from tabrl_core.training.rollout import frame_states

    states = clip.states or frame_states("go1", clip.qpos, clip.qvel)
    return judge_trajectory(states, clip.time, 30, clip.fell)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-steps", type=int, default=20_000,
                        help="env steps per trained approach (9 approaches train together)")
    parser.add_argument("--no-train", action="store_true", help="skip the trained policies")
    args = parser.parse_args()
    from tabrl_core.judging.builtin import builtin_judge_code
    from tabrl_core.judging.program import run_judge

    start = time.monotonic()
    base = base_policy_clips()
    still = sinusoid_clips()
    clips = (base + [reversed_clip(c) for c in base] + still
             + [turned_clip(still[0], 0.9), turned_clip(still[3], -0.9)])
    train_s = None
    if not args.no_train:
        train_start = time.monotonic()
        clips += trained_clips(args.train_steps)
        train_s = time.monotonic() - train_start
    views = [judge_view(c) for c in clips]
    facts = [metrics(c) for c in clips]
    pairs, judge_s = [], 0.0
    for behaviour, (rule, test) in TRUTH.items():
        judge_start = time.monotonic()
        results = run_judge(builtin_judge_code("go1", behaviour), views)
        judge_s += time.monotonic() - judge_start
        for clip, fact, checks in zip(clips, facts, results):
            if isinstance(checks, Exception):
                raise RuntimeError(f"the built-in judge failed on {clip.name}: {checks}")
            failed = [f"{c.name} {c.value:.3g} ({c.target})" for c in checks if not c.scored()[0]]
            pairs.append({"trajectory": clip.name, "source": clip.source, "behaviour": behaviour,
                          "truth": bool(test(fact) and not fact["fell"]),
                          "judged": not failed, "failed_checks": failed})
    agree = [p["truth"] == p["judged"] for p in pairs]
    report = {
        "agreement": round(float(np.mean(agree)), 4), "target": 0.9, "pairs": len(pairs),
        "truth_passes": sum(p["truth"] for p in pairs),
        "judge_passes": sum(p["judged"] for p in pairs),
        "false_pass": sum(p["judged"] and not p["truth"] for p in pairs),
        "false_fail": sum(p["truth"] and not p["judged"] for p in pairs),
        "by_behaviour": {b: _summary([p for p in pairs if p["behaviour"] == b]) | {
            "truth_rule": rule} for b, (rule, _) in TRUTH.items()},
        "by_source": {s: _summary([p for p in pairs if p["source"] == s])
                      for s in dict.fromkeys(c.source for c in clips)},
        "disagreements": [p for p in pairs if p["truth"] != p["judged"]],
        "trajectories": {c.name: {k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in f.items()} for c, f in zip(clips, facts)},
        "wall_s": round(time.monotonic() - start, 1), "train_s": train_s and round(train_s, 1),
        "judge_s": round(judge_s, 1),
    }
    print(json.dumps(report, indent=1))


def _summary(pairs: list[dict]) -> dict:
    return {"agreement": round(float(np.mean([p["truth"] == p["judged"] for p in pairs])), 4),
            "pairs": len(pairs), "truth_passes": sum(p["truth"] for p in pairs),
            "judge_passes": sum(p["judged"] for p in pairs)}


if __name__ == "__main__":
    main()
