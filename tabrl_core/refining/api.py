"""Refine a trained approach into its next version, or a whole run round after round.

`refine` revises one job's reward (by the provider that wrote it: an LLM through the refine
prompt, the built-in designer offline) and starts the revision as a new run of one job, which
by default fine-tunes the parent's policy. `auto_refine` refines every approach of a run that
failed its judge, each round one run (one population), until they pass or the rounds run out.
The parent job and its run are only ever read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from tabrl_core.jobs.api import ensure_worker, get_status, start_batch
from tabrl_core.judging import judge_run
from tabrl_core.providers.calls import ProviderError
from tabrl_core.providers.own import YOU
from tabrl_core.providers.prompt import build_refine_prompt
from tabrl_core.refining.context import Parent, RefineError, check_comment, load_parent
from tabrl_core.refining.lineage import code_diff, lineage
from tabrl_core.store import opened, transaction

INITS = ("parent", "base", "scratch")
"""Where a refinement's training starts: the parent's policy, the robot's base, random weights."""


@dataclass(frozen=True)
class Refinement:
    """A started refinement: its new run and job, and what changed from the parent."""

    run_id: str
    job_id: str
    parent_job: str
    round: int
    provider: str
    name: str
    comment: str | None
    diff: str
    change_reason: str
    init: str
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _revise(parent: Parent, comment: str | None, provider: str, secrets: Mapping | None,
            keys: Mapping[str, str] | None):
    """(revised approach, what changed, the built-in design or None, a note)."""
    run, approach = parent.run, parent.approach
    if provider == "builtin":
        from tabrl_core.providers.builtin_refine import refine as builtin_refine

        revision, design = builtin_refine(run["robot"], run["behavior"], approach, comment,
                                          parent.judge, parent.job["stats"])
        return revision.approach, revision.changes, design, revision.note
    from tabrl_core.providers.generate import revise_approach

    prompt = build_refine_prompt(run["robot"], run["behavior"], approach, parent.components,
                                 parent.judge, parent.job["stats"], comment)
    revision = revise_approach(provider, run["robot"], run["behavior"], prompt, secrets=secrets,
                               keys=keys)
    return revision.approach, revision.changes, None, revision.note


def _code_lines(code: str) -> list[str]:
    return [line.rstrip() for line in code.strip().splitlines() if line.strip()]


def _same_code(a: str, b: str) -> bool:
    """Whether two programs differ only in blank lines and trailing spaces."""
    return _code_lines(a) == _code_lines(b)


def prepare(job_id: str, comment: str | None = None, init: str = "parent", *,
            provider: str | None = None, secrets: Mapping | None = None,
            keys: Mapping[str, str] | None = None) -> tuple[Parent, dict]:
    """The parent and the revised approach row (with its lineage fields) that `refine` trains;
    nothing is written. Raises KeyError for an unknown job and RefineError (a ValueError)
    with the reason for everything else that stops a refinement."""
    comment = check_comment(comment)
    if init not in INITS:
        raise RefineError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    with opened() as conn:
        parent = load_parent(conn, job_id)
    provider = provider or parent.approach["provider"]
    if provider == YOU:
        raise RefineError(f"job {job_id}'s reward was written by you: edit it in the reward "
                          "editor, or name a provider to revise it (provider=...)")
    if init == "parent" and parent.checkpoint is None:
        raise RefineError(f"job {job_id} has no checkpoint to fine-tune; refine with "
                          "init='base' or 'scratch'")
    if init == "parent" and parent.run["backend"] != "local":
        raise RefineError("fine-tuning from the parent's checkpoint runs on the local backend; "
                          f"job {job_id} trained on {parent.run['backend']}: refine with "
                          "init='base' or 'scratch'")
    try:
        revised, changes, design, note = _revise(parent, comment, provider, secrets, keys)
    except (ProviderError, ValueError) as err:
        raise RefineError(f"cannot refine job {job_id}: {err}") from None
    if _same_code(revised.code, parent.approach["code"]):
        raise RefineError(f"cannot refine job {job_id}: {provider} answered with the parent's "
                          "reward code unchanged, so there is nothing new to train; say in the "
                          "comment what should change")
    round_ = parent.round + 1
    row = {**revised.to_dict(), "parent_job": job_id, "round": round_, "comment": comment,
           "diff": code_diff(parent.approach["code"], revised.code,
                             f"v{round_}: {parent.approach['name']}",
                             f"v{round_ + 1}: {revised.name}"),
           "change_reason": changes, "judge_before": parent.judge, "design": design,
           "init_from": parent.checkpoint if init == "parent" else init, "note": note}
    return parent, row


def _start(parents: list[Parent], rows: list[dict], steps: int | None,
           start_worker: bool) -> tuple[str, list[str]]:
    """One run training `rows` (refinements of `parents`, all of one run) as one population,
    judged by the parent run's judge program (the same rules for every version)."""
    run = parents[0].run
    options = {k: v for k, v in run["options"].items() if k != "per_job"}
    batch = start_batch(run["robot"], [{k: v for k, v in r.items() if k != "note"}
                                       for r in rows],
                        steps or run["steps"], run["backend"], behavior=run["behavior"],
                        owner=run["owner"], seed=run["seed"], start_worker=False,
                        parent_run=run["id"], **options)
    with opened() as conn, transaction(conn):
        conn.execute("UPDATE runs SET (judge_provider, judge_code, judge_valid, judge_error) ="
                     " (SELECT judge_provider, judge_code, judge_valid, judge_error FROM runs"
                     "  WHERE id = ?) WHERE id = ?", (run["id"], batch.id))
    if start_worker and run["backend"] == "local":
        ensure_worker()
    return batch.id, batch.job_ids


def refine(job_id: str, comment: str | None = None, steps: int | None = None,
           init: str = "parent", *, provider: str | None = None,
           secrets: Mapping | None = None, keys: Mapping[str, str] | None = None,
           start_worker: bool = True) -> Refinement:
    """Start the next version of job `job_id`: its reward revised by the same provider (or
    `provider`), guided by the job's component statistics, rollout, judge verdict and your
    `comment`, trained for `steps` (default the parent's) from `init`: "parent" (fine-tune the
    parent's policy), "base" (the robot's base policy) or "scratch". `secrets` and `keys`
    (session keys by provider id) configure an LLM provider as for generate_approaches.

    The refinement is a new run of one job (`runs.parent_run` names the parent's run); its
    progress, cancel and retry work like any job's. Raises KeyError for an unknown job and
    RefineError (a ValueError) saying why when it cannot start: an empty, overlong or
    rule-changing comment, a parent that is not trained, a provider that fails, answers with
    the same code or with code that fails validation twice. The parent is never changed.
    """
    parent, row = prepare(job_id, comment, init, provider=provider, secrets=secrets, keys=keys)
    run_id, job_ids = _start([parent], [row], steps, start_worker)
    return Refinement(run_id, job_ids[0], job_id, row["round"], row["provider"], row["name"],
                      row["comment"], row["diff"], row["change_reason"], init, row["note"])


def judge_verdicts(run_id: str) -> dict[str, dict | None]:
    """Each trained job's judge verdict; a finished run the worker has not judged yet is
    judged here."""
    jobs = [j for j in get_status(run_id)["jobs"] if j["state"] == "succeeded"]
    if any(j["judge"] is None for j in jobs):
        judge_run(run_id)
        jobs = [j for j in get_status(run_id)["jobs"] if j["state"] == "succeeded"]
    return {j["id"]: j["judge"] for j in jobs}


def wait_for_run(run_id: str, on_progress: Callable[[str], None] | None, label: str,
                 poll_s: float = 1.0, inline_worker: bool = False) -> dict:
    """Block until every job of `run_id` has finished; report progress as lines of text.

    With `inline_worker` this process trains the queue (a worker thread); otherwise the
    background worker does."""
    worker = None
    if inline_worker:
        from tabrl_core.jobs.worker import run_worker

        worker = threading.Thread(target=run_worker, kwargs={"idle_exit_s": 0, "poll_s": 0.1},
                                  daemon=True)
        worker.start()
    else:
        ensure_worker()
    shown = -1.0
    while True:
        status = get_status(run_id)
        if status["state"] == "finished":
            break
        tenth = int(status["progress"] * 10) / 10
        if on_progress and tenth > shown:
            eta = f", about {status['eta_s']:.0f} s left" if status["eta_s"] else ""
            on_progress(f"{label}: training {run_id} ({len(status['jobs'])} jobs) "
                        f"{status['progress']:.0%}{eta}")
            shown = tenth
        time.sleep(poll_s)
    if worker is not None:
        worker.join()
    return status


def _failing(verdicts: dict[str, dict | None]) -> list[str]:
    return [job for job, verdict in verdicts.items()
            if verdict is not None and verdict.get("passed") is False]


def auto_refine(run_id: str, rounds: int = 3, steps: int | None = None, *,
                init: str = "parent", secrets: Mapping | None = None,
                keys: Mapping[str, str] | None = None,
                on_progress: Callable[[str], None] | None = print,
                inline_worker: bool = False, poll_s: float = 1.0) -> dict:
    """Refine every approach of run `run_id` that failed its judge, round after round, until
    each passes or `rounds` run out; each round trains all its refinements as one run (one
    population). Blocks, reporting progress through `on_progress` (lines of text).

    Returns {"run_id", "rounds": [{round, run_id, refined (job ids), passed, failed (by the
    judge), errors (job id -> why it was not refined or did not train), wall_s}],
    "approaches": [{job_id, final_job, passed, versions}]}. Raises KeyError for an
    unknown run, RefineError when the run is still training or has no judge verdicts.
    """
    if rounds < 1:
        raise RefineError(f"rounds must be at least 1; got {rounds}")
    status = get_status(run_id)
    if status["kind"] != "run":
        raise RefineError(f"{run_id} is a job; auto-refine takes a run id")
    if status["state"] != "finished":
        raise RefineError(f"run {run_id} is still {status['state']}: auto-refine it once it "
                          "has finished")
    verdicts = judge_verdicts(run_id)
    if verdicts and all(v is None or v.get("passed") is None for v in verdicts.values()):
        raise RefineError(f"run {run_id} has no judge verdicts, so there is nothing to tell a "
                          "failing approach from a passing one; judge it first")
    say = on_progress or (lambda _: None)
    roots, known = list(verdicts), dict(verdicts)
    failing, current, history = _failing(verdicts), run_id, []
    for round_ in range(1, rounds + 1):
        label = f"auto-refine {run_id} round {round_}/{rounds}"
        if not failing:
            say(f"auto-refine {run_id}: every approach passes its judge after "
                f"{round_ - 1} rounds")
            break
        say(f"{label}: refining {len(failing)} approaches that failed the judge")
        started = time.monotonic()
        parents, rows, errors = [], [], {}
        for job_id in failing:
            try:
                parent, row = prepare(job_id, None, init, secrets=secrets, keys=keys)
            except RefineError as err:
                errors[job_id] = str(err)
                say(f"{label}: {err}")
                continue
            parents.append(parent)
            rows.append(row)
        if not rows:
            history.append({"round": round_, "run_id": None, "refined": [], "passed": [],
                            "failed": [], "errors": errors, "wall_s": 0.0})
            break
        current, refined = _start(parents, rows, steps, start_worker=False)
        ended = wait_for_run(current, say, label, poll_s, inline_worker)
        errors |= {j["id"]: f"training {j['state']}: {j['error']}" for j in ended["jobs"]
                   if j["state"] != "succeeded"}
        verdicts = judge_verdicts(current)
        known.update(verdicts)
        failing = _failing(verdicts)
        passed = [j for j, v in verdicts.items() if v and v.get("passed")]
        history.append({"round": round_, "run_id": current, "refined": refined,
                        "passed": passed, "failed": failing, "errors": errors,
                        "wall_s": round(time.monotonic() - started, 1)})
        say(f"{label}: {len(passed)} of {len(rows)} refinements pass their judge")
    return {"run_id": run_id, "rounds": history,
            "approaches": [_outcome(root, known) for root in roots]}


def _outcome(root: str, verdicts: dict[str, dict | None]) -> dict:
    """A root job's chain of versions with the verdicts auto-refine saw."""
    versions = []
    for v in lineage(root):
        verdict = verdicts.get(v["job_id"], v["judge"])
        versions.append({**{k: v[k] for k in ("job_id", "run_id", "round", "name", "state",
                                              "change_reason")},
                         "score": verdict.get("score") if verdict else None,
                         "passed": verdict.get("passed") if verdict else None})
    return {"job_id": root, "final_job": versions[-1]["job_id"],
            "passed": bool(versions[-1]["passed"]), "versions": versions}
