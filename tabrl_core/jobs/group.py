"""Train and render one group of approaches: the work both backends do, without the store.

`train_group` compiles every reward code (a code that fails fails only its own job), trains the
compiled ones together with one `train_population` call, and renders each trained policy (a
render failure fails only that job). The local worker and the Modal function both call it; it
imports JAX, so the API modules never import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tabrl_core.jobs.records import JobOutcome
from tabrl_core.media import render_checkpoint
from tabrl_core.rewards import compile_rewards
from tabrl_core.training import train_population


@dataclass
class JobProgress:
    """Progress of one job of the group, for its progress bar and curve."""

    steps_done: int
    total_steps: int
    eta_s: float | None
    mean_return: float | None
    components: dict[str, float] = field(default_factory=dict)


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
    """Render a trained checkpoint into `out_dir` (with `reward`, its CompiledReward, for the
    per-component stats): succeeded with its media, or failed with the reason. The checkpoint
    is kept either way, so the job can be rendered again."""
    metrics = metrics or {}
    try:
        media = render_checkpoint(checkpoint, out_dir, reward=reward)
    except Exception as exc:  # one failed render fails its job, not the group
        return JobOutcome("failed", f"render failed: {type(exc).__name__}: {exc}", metrics,
                          artifacts={"checkpoint": checkpoint})
    kinds = {"checkpoint": checkpoint, "video": media.video, "gif": media.gif,
             "thumbnail": media.thumbnail, "trajectory": media.trajectory}
    return JobOutcome("succeeded", None, metrics, dict(media.stats),
                      {k: Path(p) for k, p in kinds.items() if p is not None})


def train_group(robot: str, codes: Sequence[str], steps: int, out_dirs: Sequence[Path], *,
                seed: int = 0, config=None,
                on_progress: Callable[[GroupProgress], None] | None = None,
                should_cancel: Callable[[], bool] | None = None) -> list[JobOutcome]:
    """Train `codes` together for `steps` each, render the results: one outcome per code."""
    compiled, failed = _compile(codes, robot)
    outcomes: dict[int, JobOutcome] = {i: JobOutcome("failed", e) for i, e in failed.items()}
    if not compiled:
        return [outcomes[i] for i in range(len(codes))]
    indices = [i for i, _ in compiled]

    def report(p) -> None:
        jobs = {index: JobProgress(p.steps_done, p.total_steps, p.eta_s, p.mean_return[k],
                                   dict(p.components[k]))
                for k, index in enumerate(indices) if p.status[k] == "running"}
        on_progress(GroupProgress(jobs, len(indices), p.env_steps_per_s, p.elapsed_s))

    results = train_population(
        robot, [r for _, r in compiled], steps, out_dirs=[Path(out_dirs[i]) for i in indices],
        seed=seed, config=config, progress=report if on_progress else None,
        should_cancel=should_cancel)
    for (index, reward), result in zip(compiled, results):
        if result.status == "succeeded" and result.checkpoint is not None:
            outcomes[index] = render_media(Path(result.checkpoint),
                                           Path(out_dirs[index]) / "media", reward=reward,
                                           metrics=result.metrics)
        else:
            outcomes[index] = JobOutcome(result.status, result.error, result.metrics)
    return [outcomes[i] for i in range(len(codes))]
