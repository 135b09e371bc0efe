"""The jobs API and the local queue, without training: batches, status, cancel, retry, fairness,
orphaned jobs, estimates and the CLI subcommands."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout

import msgpack
import pytest

from tabrl_core import jobs, store
from tabrl_core.jobs import queue
from tabrl_core.jobs.estimate import DEFAULTS, record_calibration
from tabrl_core.jobs.records import JobOutcome, JobRef, finish_job, write_progress
from tabrl_core.providers.base import Approach
from tabrl_core.training.resume import RESUME_FILE

CODE = "def reward(s, a, prev_a):\n    return s.base_lin_vel[0], {'forward': s.base_lin_vel[0]}\n"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path))
    return tmp_path


def approaches(n: int = 3, invalid: int = 0) -> list:
    made = [Approach("builtin", f"a{i}", f"approach {i}", CODE, components=("forward",))
            for i in range(n)]
    made += [Approach("openai", f"bad{i}", "broken", "def reward(:", valid=False,
                      error="line 1: invalid syntax") for i in range(invalid)]
    return made


def batch(owner: str = "local", **kw) -> jobs.Batch:
    return jobs.start_batch("go1", approaches(), 10_000, owner=owner, start_worker=False, **kw)


def test_start_batch_records_run_approaches_and_one_queued_job_per_valid_approach():
    started = jobs.start_batch("go1", approaches(2, invalid=1), 20_000, behavior="trot",
                               owner="session-1", start_worker=False, seed=3,
                               train_config={"num_envs": 8})
    assert started.id.startswith("run-") and len(started.job_ids) == 2
    status = jobs.get_status(started.id)
    assert status["kind"] == "run" and status["state"] == "queued"
    assert status["worker_alive"] is False  # start_worker=False
    assert status["run"] | {"options": None} == status["run"] | {
        "robot": "go1", "behavior": "trot", "steps": 20_000, "owner": "session-1", "seed": 3,
        "backend": "local", "options": None}
    assert status["run"]["options"] == {"train_config": {"num_envs": 8}}
    assert [a["valid"] for a in status["approaches"]] == [True, True, False]
    assert status["approaches"][2]["validation_error"] == "line 1: invalid syntax"
    assert status["approaches"][2]["job_id"] is None
    assert [j["id"] for j in status["jobs"]] == started.job_ids
    job = status["jobs"][0]
    assert (job["state"], job["progress"], job["total_steps"], job["name"]) == (
        "queued", 0, 20_000, "a0")
    assert jobs.get_status(started.job_ids[1])["jobs"][0]["name"] == "a1"


def test_approaches_may_be_dicts():
    started = jobs.start_batch("go1", [{"provider": "builtin", "name": "x", "code": CODE}],
                               10_000, start_worker=False)
    assert len(started.job_ids) == 1


@pytest.mark.parametrize("robot, steps, kwargs, message", [
    ("nope", 10_000, {}, "unknown robot"),
    ("go1", 5_000, {}, "steps must be between"),
    ("go1", 1_000_001, {}, "steps must be between"),
    ("go1", 10_000, {"train_config": {"learnin_rate": 1e-4}}, "unknown training settings"),
    ("go1", 10_000, {"backend": "cloud"}, "unknown backend"),
    ("go1", 10_000, {"api_key": "sk-123"}, "never stored"),
])
def test_start_batch_rejects_bad_input_with_a_clear_error(robot, steps, kwargs, message):
    with pytest.raises(ValueError, match=message):
        jobs.start_batch(robot, approaches(), steps, start_worker=False, **kwargs)
    assert jobs.list_runs() == []


def test_start_batch_needs_a_valid_approach():
    with pytest.raises(ValueError, match="no valid approach"):
        jobs.start_batch("go1", approaches(0, invalid=2), 10_000, start_worker=False)


def test_unknown_ids_raise_key_error():
    with pytest.raises(KeyError):
        jobs.get_status("run-nothing")
    with pytest.raises(KeyError):
        jobs.cancel("job-nothing")


def test_cancel_and_retry():
    started = batch()
    first = started.job_ids[0]
    assert jobs.cancel(first) == [first]
    assert jobs.get_status(first)["jobs"][0]["state"] == "cancelled"
    with pytest.raises(ValueError, match="only failed or cancelled"):
        jobs.retry(started.job_ids[1])
    jobs.retry(first)
    job = jobs.get_status(first)["jobs"][0]
    assert (job["state"], job["attempt"], job["error"]) == ("queued", 2, None)
    assert sorted(jobs.cancel(started.id)) == sorted(started.job_ids)
    assert jobs.get_status(started.id)["counts"]["cancelled"] == 3


def claim(conn, pid: int = os.getpid()):
    group = queue.claim_next_group(conn, pid)
    return group and group.run_id


def finish(conn, group_run: str):
    for row in conn.execute("SELECT id, attempt FROM jobs WHERE run = ? AND state = 'running'",
                            (group_run,)).fetchall():
        finish_job(conn, JobRef(row["id"], row["attempt"]), JobOutcome("succeeded"))


def test_claims_are_whole_runs_taking_turns_between_owners():
    a1, a2 = batch("alice"), batch("alice")
    b1 = batch("bob")
    served = []
    with store.opened() as conn:
        while run := claim(conn):
            running = conn.execute("SELECT COUNT(*) FROM jobs WHERE run = ? AND state ="
                                   " 'running'", (run,)).fetchone()[0]
            assert running == 3  # the whole group at once
            served.append(run)
            finish(conn, run)
    assert served == [a1.id, b1.id, a2.id]


def test_a_group_is_claimed_by_one_worker_only():
    batch()
    with store.opened() as one, store.opened() as two:
        assert claim(one, 1) is not None
        assert claim(two, 2) is None


def test_late_writes_never_touch_a_cancelled_job():
    started = batch()
    with store.opened() as conn:
        group = queue.claim_next_group(conn, os.getpid())
        jobs.cancel(started.id)
        ref = group.jobs[0]
        assert not write_progress(conn, ref, steps_done=5000, total_steps=10_000, eta_s=1.0,
                                  mean_return=1.0, components={}, env_steps_per_s=1.0,
                                  elapsed_s=1.0)
        assert not finish_job(conn, ref, JobOutcome("succeeded"))
    job = jobs.get_status(ref.id)["jobs"][0]
    assert (job["state"], job["progress"], job["curve"]) == ("cancelled", 0, [])


def test_progress_is_recorded_with_a_curve():
    started = batch()
    with store.opened() as conn:
        queue.register_worker(conn, os.getpid())  # else status reads end the job as orphaned
        ref = queue.claim_next_group(conn, os.getpid()).jobs[0]
        for step, ret in ((2000, 1.0), (4000, 2.5)):
            assert write_progress(conn, ref, steps_done=step, total_steps=10_000, eta_s=30.0,
                                  mean_return=ret, components={"forward": ret},
                                  env_steps_per_s=900.0, elapsed_s=2.0)
    job = jobs.get_status(started.id)["jobs"][0]
    assert (job["state"], job["progress"], job["steps_done"], job["eta_s"]) == (
        "running", 0.4, 4000, 30.0)
    assert (job["mean_return"], job["components"]) == (2.5, {"forward": 2.5})
    assert [p["step"] for p in job["curve"]] == [2000, 4000]


BACKWARD = {"command": {"vx": -0.4, "vy": 0.0, "yaw": 0.0, "height": 0.0, "roll": 0.0,
                        "pitch": 0.0}, "label": "backward 0.40 m/s", "score": 1.25, "note": None}


def test_progress_records_the_start_command_and_status_returns_it_while_running():
    started = batch()
    with store.opened() as conn:
        queue.register_worker(conn, os.getpid())
        first, second, third = queue.claim_next_group(conn, os.getpid()).jobs
        point = dict(total_steps=10_000, eta_s=30.0, mean_return=1.0, components={},
                     env_steps_per_s=900.0, elapsed_s=2.0)
        assert write_progress(conn, first, steps_done=2000, start_command=BACKWARD, **point)
        assert write_progress(conn, first, steps_done=4000, **point)  # kept, not cleared
        assert write_progress(conn, second, steps_done=2000, **point)  # pretraining: none
        finish_job(conn, third, JobOutcome("succeeded", metrics={"start_command": BACKWARD}))
    shown = jobs.get_status(started.id)["jobs"]
    assert [(j["state"], j["start_command"]) for j in shown] == [
        ("running", BACKWARD), ("running", None), ("succeeded", BACKWARD)]  # last: final stats
    jobs.cancel(first.id)
    jobs.retry(first.id)  # a new attempt reports its own start command
    assert jobs.get_status(first.id)["jobs"][0]["start_command"] is None


def test_the_worker_records_the_start_command_each_approach_reports(monkeypatch, tmp_path):
    import threading

    from tabrl_core.jobs import group as group_module
    from tabrl_core.jobs.worker import _GroupRecorder
    from tabrl_core.training.population import ApproachResult, TrainProgress

    def train_population(robot, rewards, steps, *, progress, **_):
        progress(TrainProgress(
            iteration=1, iterations=4, steps_done=[2048, 2048], total_steps=steps,
            mean_return=[1.0, 2.0], components=[{}, {}], status=["running", "running"],
            errors=[None, None], env_steps_per_s=900.0, elapsed_s=2.0, eta_s=6.0,
            start_commands=[BACKWARD, None]))
        return [ApproachResult("cancelled") for _ in rewards]

    # The middle approach's reward is rejected, so the trained ones are approaches 0 and 2.
    monkeypatch.setattr(group_module, "_compile", lambda codes, robot: (
        [(0, "reward 0"), (2, "reward 2")], {1: "reward rejected: test"}))
    monkeypatch.setattr(group_module, "train_population", train_population)
    started = batch()
    with store.opened() as conn:
        queue.register_worker(conn, os.getpid())
        claimed = queue.claim_next_group(conn, os.getpid())
        recorder = _GroupRecorder(conn, claimed, os.getpid(), threading.Event())
        group_module.train_group("go1", [CODE] * 3, 10_000, [tmp_path / str(i) for i in range(3)],
                                 on_progress=recorder.on_progress)
    shown = jobs.get_status(started.id)["jobs"]
    assert [(j["steps_done"], j["start_command"]) for j in shown] == [
        (2048, BACKWARD), (0, None), (2048, None)]


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_jobs_of_a_dead_worker_are_queued_to_resume_and_a_live_workers_are_kept():
    mine, theirs = batch(), batch()
    pid = dead_pid()
    with store.opened() as conn:
        queue.register_worker(conn, os.getpid())
        assert claim(conn, os.getpid()) == mine.id
        queue.register_worker(conn, pid)
        assert claim(conn, pid) == theirs.id
        assert queue.live_workers(conn) == [os.getpid()]
        first = JobRef(theirs.job_ids[0], 1)
        for step in (2_048, 4_096, 6_144):  # the dead worker's curve; it saved at 4,096
            write_progress(conn, first, steps_done=step, total_steps=10_000, eta_s=9.0,
                           mean_return=step / 1000, components={}, env_steps_per_s=1.0,
                           elapsed_s=1.0)
    saved = store.job_dir(theirs.id, first.id, 1) / RESUME_FILE
    saved.parent.mkdir(parents=True)
    saved.write_bytes(msgpack.packb({"meta": json.dumps({"steps_done": 4_096}), "state": {}}))
    status = jobs.get_status(theirs.id)  # status reads recover orphans (and serve the queue)
    assert [(j["state"], j["attempt"], j["error"]) for j in status["jobs"]] == [("queued", 2, None)] * 3
    resumed = status["jobs"][0]
    assert (resumed["steps_done"], resumed["progress"]) == (4_096, 0.4096)
    assert [p["step"] for p in resumed["curve"]] == [2_048, 4_096]
    assert (store.job_dir(theirs.id, first.id, 2) / RESUME_FILE).read_bytes() and not saved.exists()
    assert jobs.get_status(mine.id)["counts"]["running"] == 3


def test_a_live_worker_is_reused_not_started_again():
    with store.opened() as conn:
        queue.register_worker(conn, os.getpid())
    assert jobs.ensure_worker() == os.getpid()
    assert jobs.get_status(batch().id)["worker_alive"] is True


def test_estimate_uses_the_default_then_measured_throughput():
    overhead, rate = DEFAULTS["local"]
    assert jobs.estimate("go1", 10_000, "local", 9) == pytest.approx(overhead + 90_000 / rate)
    with store.opened() as conn, store.transaction(conn):
        record_calibration(conn, robot="go1", backend="local", n_approaches=3,
                           env_steps=30_000, wall_s=40.0, env_steps_per_s=1_000.0)
    assert jobs.estimate("go1", 10_000, "local", 3) == pytest.approx(10.0 + 30.0)
    assert jobs.estimate("go1", 10_000, "modal", 1) == pytest.approx(
        DEFAULTS["modal"][0] + 10_000 / DEFAULTS["modal"][1])


def test_list_runs_filters_by_owner_and_counts_states():
    batch("alice")
    bob = batch("bob")
    jobs.cancel(bob.job_ids[0])
    assert [r["id"] for r in jobs.list_runs("bob")] == [bob.id]
    runs = jobs.list_runs()
    assert len(runs) == 2 and runs[0]["id"] == bob.id
    assert (runs[0]["n_jobs"], runs[0]["queued"], runs[0]["cancelled"]) == (3, 2, 1)


def cli(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="tabrl")
    subparsers = parser.add_subparsers()
    for add in (jobs.add_worker_command, jobs.add_status_command, jobs.add_cancel_command):
        add(subparsers)
    args = parser.parse_args(argv)
    out = io.StringIO()
    with redirect_stdout(out):
        code = args.func(args)
    return code, out.getvalue()


def test_cli_status_and_cancel():
    started = batch()
    code, out = cli("status", started.id)
    assert code == 0 and json.loads(out)["run"]["id"] == started.id
    code, out = cli("cancel", started.job_ids[0])
    assert code == 0 and json.loads(out) == {"cancelled": [started.job_ids[0]]}
    code, out = cli("status", started.job_ids[0], "--verify")
    assert json.loads(out)["jobs"][0]["state"] == "cancelled"
    assert cli("status", "run-nothing")[0] == 2


def test_hosted_limits_hold_for_notebooks_too(monkeypatch):
    """start_batch itself enforces hosted mode's limits, not only the app's page."""
    from tabrl_core.hosting import LimitExceededError

    monkeypatch.setenv("TABRL_MODE", "hosted")
    monkeypatch.setenv("TABRL_HOSTED_MAX_JOBS", "4")
    with pytest.raises(LimitExceededError, match="at most 50,000 steps"):
        jobs.start_batch("go1", approaches(), 100_000, owner="someone", start_worker=False)
    jobs.start_batch("go1", approaches(), 50_000, owner="someone", start_worker=False)
    with pytest.raises(LimitExceededError, match="3 jobs queued"):
        jobs.start_batch("go1", approaches(), 50_000, owner="someone", start_worker=False)
    jobs.start_batch("go1", approaches(), 50_000, owner="someone else", start_worker=False)
