"""Train and render one group of approaches: the work both backends do, without the store.

`train_group` compiles every reward code (a code that fails fails only its own job), trains the
compiled ones together with one `train_population` call, rolls all trained policies out side by
side and renders their clips in parallel (a render failure fails only that job). The local worker and the Modal function both call it; it
imports JAX, so the API modules never import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tabrl_core.jobs.records import JobOutcome
from tabrl_core.media import ClipJob, render_many
from tabrl_core.rewards import compile_rewards
from tabrl_core.training import train_population
from tabrl_core.training.resume import remove_resume_point
from tabrl_core.training.rollout import rollout_policies


@dataclass
class JobProgress:
    """Progress of one job of the group, for its progress bar and curve."""

    steps_done: int
    total_steps: int
    eta_s: float | None
    mean_return: float | None
    components: dict[str, float] = field(default_factory=dict)
    start_command: dict | None = None
    """the command its fine-tuning started from (SkillChoice.to_dict()); None when pretraining
    or not known yet"""


@dataclass
class GroupProgress:
    """One progress report: per job (indexed like the group's codes) plus throughput."""

    jobs: dict[int, JobProgress]
    population: int  # approaches training together (the throughput is theirs together)
    env_steps_per_s: float | None
    elapsed_s: float | None


def _compile(codes: Sequence[str], robot: str) -> tuple[list, dict[int, str]]:
    compiled, failed = [], {}
    for index, result in enumerate(compile_rewards(list(codes), robot)):
        if isinstance(result, Exception):
            failed[index] = f"reward rejected: {result}"
        else:
            compiled.append((index, result))
    return compiled, failed


def render_media(checkpoint: Path, out_dir: Path, *, reward=None,
                 metrics: dict | None = None) -> JobOutcome:
    """Render one trained checkpoint into `out_dir` (with `reward`, its CompiledReward, for the
    per-component stats): succeeded with its media, or failed with the reason. The checkpoint
    is kept either way, so the job can be rendered again."""
    return render_group([checkpoint], [out_dir], [reward], [metrics or {}])[0]


def render_group(checkpoints: Sequence[Path], out_dirs: Sequence[Path], rewards: Sequence,
                 metrics: Sequence[dict]) -> list[JobOutcome]:
    """Roll out trained checkpoints of one robot together, then make their clips in parallel.
    A checkpoint that cannot be rolled out or rendered fails only its own job."""
    try:
        trajectories = rollout_policies(checkpoints, rewards=rewards)
    except Exception as exc:  # e.g. a corrupt checkpoint: retry one by one to find it
        if len(checkpoints) == 1:
            return [_render_failed(exc, metrics[0], checkpoints[0])]
        return [render_group([c], [o], [r], [m])[0]
                for c, o, r, m in zip(checkpoints, out_dirs, rewards, metrics)]
    jobs = [ClipJob(t, Path(o), "clip") for t, o in zip(trajectories, out_dirs)]
    outcomes = []
    for checkpoint, result, m in zip(checkpoints, render_many(jobs, return_exceptions=True),
                                     metrics):
        if isinstance(result, Exception):
            outcomes.append(_render_failed(result, m, checkpoint))
            continue
        kinds = {"checkpoint": checkpoint, "video": result.video, "gif": result.gif,
                 "thumbnail": result.thumbnail, "trajectory": result.trajectory}
        outcomes.append(JobOutcome("succeeded", None, m, dict(result.stats),
                                   {k: Path(p) for k, p in kinds.items() if p is not None}))
    return outcomes


def _render_failed(exc: Exception, metrics: dict, checkpoint: Path) -> JobOutcome:
    return JobOutcome("failed", f"render failed: {type(exc).__name__}: {exc}", metrics,
                      artifacts={"checkpoint": Path(checkpoint)})


def train_group(robot: str, codes: Sequence[str], steps: int, out_dirs: Sequence[Path], *,
                seed: int = 0, config=None, inits: Sequence[str | Path] | None = None,
                on_progress: Callable[[GroupProgress], None] | None = None,
                should_cancel: Callable[[], bool] | None = None,
                on_resume_point: Callable[[], None] | None = None) -> list[JobOutcome]:
    """Train `codes` together for `steps` each, render the results: one outcome per code.

    `inits` gives each code its start ("base", "scratch" or a checkpoint folder; default all
    "base"), as `train_population` takes it. Jobs whose folders hold resume points continue
    from them (train_population); a job's resume point is removed once it succeeded or
    failed, and kept when it was cancelled, so a stopped or killed worker's job continues
    where it was. A resumed job's metrics say from which step (`resumed_from_steps`).
    """
    compiled, failed = _compile(codes, robot)
    outcomes: dict[int, JobOutcome] = {i: JobOutcome("failed", e) for i, e in failed.items()}
    if not compiled:
        return [outcomes[i] for i in range(len(codes))]
    indices = [i for i, _ in compiled]

    def report(p) -> None:
        starts = p.start_commands or [None] * len(indices)
        jobs = {index: JobProgress(p.steps_done[k], p.total_steps, p.eta_s, p.mean_return[k],
                                   dict(p.components[k]), starts[k])
                for k, index in enumerate(indices) if p.status[k] == "running"}
        on_progress(GroupProgress(jobs, len(indices), p.env_steps_per_s, p.elapsed_s))

    results = train_population(
        robot, [r for _, r in compiled], steps, out_dirs=[Path(out_dirs[i]) for i in indices],
        seed=seed, config=config, progress=report if on_progress else None,
        should_cancel=should_cancel, init=[inits[i] for i in indices] if inits else "base",
        on_resume_point=on_resume_point)
    trained = []
    for (index, reward), result in zip(compiled, results):
        if result.resumed_from is not None:
            result.metrics["resumed_from_steps"] = result.resumed_from
        if result.status == "succeeded" and result.checkpoint is not None:
            trained.append((index, reward, result))
        else:
            outcomes[index] = JobOutcome(result.status, result.error, result.metrics)
    if trained:
        rendered = render_group([Path(r.checkpoint) for _, _, r in trained],
                                [Path(out_dirs[i]) / "media" for i, _, _ in trained],
                                [reward for _, reward, _ in trained],
                                [r.metrics for _, _, r in trained])
        outcomes.update({i: o for (i, _, _), o in zip(trained, rendered)})
    for i in indices:
        if outcomes[i].status != "cancelled":
            remove_resume_point(Path(out_dirs[i]))
    return [outcomes[i] for i in range(len(codes))]
