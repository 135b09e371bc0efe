"""`run_benchmark`: every task of a suite designed by every provider, trained, judged, tabulated.

Per task, each provider's three approaches come from `generate_approaches`; all of a task's valid
approaches train together as one run through `start_batch`, the same store and worker path
`tabrl train` uses. Locally one worker (a thread of this process) trains the runs one after
another; on Modal every task is its own call, so the tasks train in parallel. A task that cannot
run (an unknown robot, a failed submission) fails alone and is recorded with its reason.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tabrl_core.research.results import (STAT_COLUMNS, ProviderTask, checks_json, leaderboard,
                                         shares, write_leaderboard, write_results)
from tabrl_core.research.suite import Task, read_suite

POLL_S = 0.5
"""How often the runner reads the store while the tasks train."""
JUDGE_WAIT_S = 600.0
"""How long the runner waits for a finished run's verdicts before recording it unjudged."""


@dataclass
class TaskRun:
    """One task while the benchmark runs: the providers' answers, its run, or why it failed."""

    task: Task
    designs: dict = field(default_factory=dict)  # provider id -> ProviderResult
    approaches: list = field(default_factory=list)  # every provider's approaches, in run order
    run_id: str | None = None
    error: str | None = None
    status: dict | None = None


@dataclass
class BenchmarkResult:
    """A finished benchmark: its id, output folder, leaderboard rows and results rows."""

    id: str
    out: Path
    leaderboard: list[dict]
    rows: list[dict]
    failed_tasks: list[int]


def _reason(exc: Exception) -> str:
    from tabrl_core.robots import UnknownRobotError

    return str(exc) if isinstance(exc, (UnknownRobotError, ValueError)) else (
        f"{type(exc).__name__}: {exc}")


def _design(task: Task, providers: list[str]) -> TaskRun:
    from tabrl_core.providers import generate_approaches

    run = TaskRun(task)
    try:
        # Each task asks afresh: a repeated task is another sample, and its tokens are spent.
        run.designs = generate_approaches(task.robot, task.behavior, providers, use_cache=False)
    except Exception as exc:  # an unknown robot, a bad behaviour: this task only
        run.error = _reason(exc)
        return run
    run.approaches = [a for r in run.designs.values() for a in r.approaches]
    return run


def _start(run: TaskRun, steps: int, backend: str, seed: int, options: dict) -> None:
    from tabrl_core.jobs import start_batch

    if not any(a.valid for a in run.approaches):
        run.error = "no valid approach to train"
        return
    try:
        batch = start_batch(run.task.robot, run.approaches, steps, backend,
                            behavior=run.task.behavior, seed=seed, start_worker=False, **options)
    except Exception as exc:  # e.g. Modal refused this call: the other tasks go on
        run.error = _reason(exc)
        return
    run.run_id = batch.id


class _Bars:
    """One progress bar per task on stderr (tqdm), fed from the store's job progress."""

    def __init__(self, runs: list[TaskRun], enabled: bool):
        from tqdm import tqdm

        self.bars, self.shown = {}, {}
        for position, run in enumerate(r for r in runs if r.run_id):
            label = f"task {run.task.index} {run.task.robot}: {run.task.behavior}"
            self.bars[run.run_id] = tqdm(total=1.0, desc=label[:48], position=position,
                                         file=sys.stderr, disable=not enabled, leave=True,
                                         bar_format="{desc:48} {percentage:3.0f}%|{bar}| "
                                                    "{elapsed}{postfix}")

    def show(self, run_id: str, status: dict) -> None:
        counts = status["counts"]
        shown = (round(status["progress"], 2), {
            "done": counts["succeeded"], "failed": counts["failed"],
            "running": counts["running"], "judged": sum(bool(j["judge"]) for j in status["jobs"])})
        if self.shown.get(run_id) != shown:  # redraw only on change: stderr may be a log file
            self.shown[run_id] = shown
            bar = self.bars[run_id]
            bar.n = shown[0]
            bar.set_postfix(shown[1])

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _judged(status: dict) -> bool:
    """Whether a finished run's judge is done: every succeeded job has a verdict, or the judge
    failed (its error is kept with the run)."""
    if status["judge_program"]["error"] and not status["judge_program"]["valid"]:
        return True
    return all(j["judge"] for j in status["jobs"] if j["state"] == "succeeded")


def _wait(runs: list[TaskRun], backend: str, bars: _Bars) -> None:
    """Poll the store until every started run finished and was judged (the worker or the Modal
    client judges a run after its last job; JUDGE_WAIT_S at most); locally, serve the queue
    meanwhile."""
    from tabrl_core.jobs import get_status
    from tabrl_core.jobs.worker import run_worker

    pending = {r.run_id: r for r in runs if r.run_id}
    finished_at: dict[str, float] = {}
    worker = None
    while pending:
        queued = any(r.status is None or r.status["counts"]["queued"] for r in pending.values())
        if backend == "local" and queued and (worker is None or not worker.is_alive()):
            worker = threading.Thread(target=run_worker, kwargs={"idle_exit_s": 0.0,
                                                                  "poll_s": 0.1}, daemon=True)
            worker.start()
        for run_id, run in list(pending.items()):
            run.status = get_status(run_id)
            bars.show(run_id, run.status)
            if run.status["state"] == "finished":
                since = finished_at.setdefault(run_id, time.monotonic())
                if _judged(run.status) or time.monotonic() - since > JUDGE_WAIT_S:
                    del pending[run_id]
        if pending:
            time.sleep(POLL_S)
    if worker is not None:
        worker.join()


def _judge(job: dict | None) -> dict:
    from tabrl_core.judging.verdict import not_judged

    if job and job.get("judge"):
        return job["judge"]
    if job is None:
        return not_judged("not trained", None)
    return not_judged("no judge verdict" if job["state"] == "succeeded"
                      else f"the job {job['state']}", None)


def _approach_row(base: dict, approach, position: int, run: TaskRun, out: Path) -> dict:
    jobs = {j["id"]: j for j in (run.status or {}).get("jobs", [])}
    stored = (run.status or {}).get("approaches", [])
    job = jobs.get(stored[position]["job_id"]) if position < len(stored) else None
    judge = _judge(job)
    stats = (job or {}).get("stats", {})
    row = {**base, "approach": approach.name, "description": approach.description,
           "code": approach.code, "valid": approach.valid,
           "error": approach.error or (job or {}).get("error") or (
               None if job else run.error),
           "state": job["state"] if job else ("invalid" if not approach.valid else "not trained"),
           "judge_score": judge.get("score"), "passed": judge.get("passed"),
           "verdict": judge.get("verdict"), "judge_by": judge.get("by"),
           "judge_checks": checks_json(judge),
           "mean_return": (stats.get("final") or {}).get("mean_return"),
           **{name: stats.get(name) for name in STAT_COLUMNS},
           "fell": stats.get("fell"), "unstable": stats.get("unstable"),
           "run_id": run.run_id, "job_id": job["id"] if job else None}
    if job and job.get("started") and job.get("finished"):
        row["train_s"] = round(job["finished"] - job["started"], 3)
    gif = (job or {}).get("artifacts", {}).get("gif")
    if gif and Path(gif).exists():
        target = out / "media" / f"task{run.task.index:03d}-{position + 1:02d}.gif"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(gif, target)
        row["gif"] = target.relative_to(out).as_posix()
    return row


def _rows(run: TaskRun, providers: list[str], out: Path) -> tuple[list[dict], list[ProviderTask]]:
    """The results rows and provider requests of one task."""
    task = {"task": run.task.index, "robot": run.task.robot, "behavior": run.task.behavior,
            "category": run.task.category}
    rows, requests, position = [], [], 0
    for provider in providers:
        design = run.designs.get(provider)
        model = design.model if design else None
        request = ProviderTask(run.task.index, provider, model)
        if design:
            request.input_tokens, request.output_tokens = design.input_tokens, design.output_tokens
            request.cost_usd, request.design_s = design.cost_usd, design.latency_s
        requests.append(request)
        base = {**task, "provider": provider, "model": model}
        if design is None or not design.approaches:
            rows.append({**base, "valid": False, "state": "task failed" if design is None
                         else "no approaches",
                         "error": run.error if design is None else design.error})
            continue
        n = len(design.approaches)
        for approach, tokens_in, tokens_out in zip(design.approaches,
                                                   shares(design.input_tokens, n),
                                                   shares(design.output_tokens, n)):
            rows.append({**_approach_row(base, approach, position, run, out),
                         "input_tokens": tokens_in, "output_tokens": tokens_out,
                         "cost_usd": design.cost_usd / n})
            position += 1
    return rows, requests


def run_benchmark(suite, providers: list[str], steps: int, out: Path | str,
                  backend: str = "local", *, seed: int = 0, judge: str | None = None,
                  video_judge: str | None = None, train_config: dict | None = None,
                  show_progress: bool = True, suite_name: str | None = None) -> BenchmarkResult:
    """Run every task of `suite` (a CSV path or a list of Task) with every provider in
    `providers`, `steps` env steps per approach, on `backend` ("local" or "modal"); write
    leaderboard.csv, results.parquet, report.html and the GIFs into `out`, and list the
    benchmark in the index (see tabrl_core.research.index). Every task is judged by the same
    `judge` provider (default: `default_judge_provider()`); `video_judge` as in `tabrl train`
    ("off" for none). `train_config` is a dict of TrainConfig fields.

    Raises SuiteError for a malformed suite, ValueError for an unknown provider or backend or a
    budget out of range, and ModalUnavailableError when Modal cannot be used at all; a task
    that cannot run fails alone.
    """
    from tabrl_core.budgets import check_steps
    from tabrl_core.jobs import modal_backend
    from tabrl_core.jobs.records import new_id
    from tabrl_core.judging.author import default_judge_provider
    from tabrl_core.providers.registry import select_configs
    from tabrl_core.research import index, report

    tasks = suite if isinstance(suite, list) else read_suite(suite)
    providers = [c.id for c in select_configs(providers)]
    judge = judge or default_judge_provider()
    select_configs([judge])  # an unknown judge provider fails now, not after training
    check_steps(steps, backend)  # also rejects an unknown backend
    options = {"judge_provider": judge, **({"video_judge": video_judge} if video_judge else {}),
               **({"train_config": train_config} if train_config else {})}
    if backend == "modal":
        modal_backend.check_ready()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    benchmark_id, started = new_id("bench"), time.time()

    runs = [_design(task, providers) for task in tasks]
    for run in runs:
        if run.error is None:
            _start(run, steps, backend, seed, options)
        if run.error and show_progress:
            print(f"task {run.task.index} ({run.task.robot}: {run.task.behavior}) failed: "
                  f"{run.error}", file=sys.stderr)
    bars = _Bars(runs, show_progress)
    try:
        _wait(runs, backend, bars)
    finally:
        bars.close()

    rows, requests = [], []
    for run in runs:
        task_rows, task_requests = _rows(run, providers, out)
        rows += task_rows
        requests += task_requests
    board = leaderboard(rows, requests)
    write_results(rows, out / "results.parquet")
    write_leaderboard(board, out / "leaderboard.csv")
    meta = {"id": benchmark_id, "dir": str(out), "suite": suite_name or (
        str(suite) if not isinstance(suite, list) else "tasks"), "providers": providers,
        "judge": judge, "steps": steps, "backend": backend, "seed": seed, "tasks": len(tasks),
        "failed_tasks": [r.task.index for r in runs if r.run_id is None],
        "started": started, "finished": time.time()}
    (out / "benchmark.json").write_text(json.dumps(meta, indent=1))
    report.write_report(out, meta, board, rows)
    index.record(meta)
    return BenchmarkResult(benchmark_id, out, board, rows, meta["failed_tasks"])
