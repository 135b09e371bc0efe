"""Judging stored runs: verdicts in SQLite and get_status, ranking and scoreboard, re-judging
with another provider, invalid judges, old trajectories, and the video judge through the real
SDKs against the fake server."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from fake_llm_server import FakeLLMServer, failure, images_in, ok, secrets_for
from PIL import Image

from tabrl_core.jobs import get_status
from tabrl_core.jobs.records import JobOutcome, JobRef, finish_job, insert_run
from tabrl_core.judging import judge_run
from tabrl_core.judging.builtin import builtin_judge_code
from tabrl_core.media import encode_mp4
from tabrl_core.robots import get_robot
from tabrl_core.robots.model import home_data, load_model
from tabrl_core.store import opened, transaction
from tabrl_core.training.rollout import frame_states

pytestmark = pytest.mark.usefixtures("no_provider_settings")

FPS, FRAMES = 30, 150
APPROACHES = [("builtin", "Backward walker", -0.4), ("anthropic", "Forward walker", 0.5),
              ("openai", "Stander", 0.0)]


def base_moving(vx: float) -> tuple[np.ndarray, np.ndarray]:
    """Go1 in its home pose, its base sliding along x at `vx` m/s: qpos [F, nq], qvel."""
    robot = get_robot("go1")
    model = load_model(robot)
    home = home_data(model, robot.keyframe)
    time_s = np.arange(FRAMES) / FPS
    qpos = np.repeat(home.qpos[None], FRAMES, axis=0)
    qpos[:, 0] += vx * time_s
    qvel = np.zeros((FRAMES, model.nv))
    qvel[:, 0] = vx
    return qpos, qvel


def save_npz(path, robot_id: str, qpos, qvel, with_states: bool) -> None:
    arrays = {"qpos": qpos, "qvel": qvel, "time": np.arange(len(qpos)) / FPS,
              "reward": np.zeros(len(qpos)), "robot_id": np.array(robot_id),
              "fps": np.array(FPS), "fell": np.array(False), "unstable": np.array(False)}
    if with_states:
        arrays |= {f"state/{k}": v for k, v in frame_states(robot_id, qpos, qvel).items()}
    np.savez(path, **arrays)


def save_video(path) -> None:
    frames = np.zeros((12, 64, 96, 3), np.uint8)
    frames[:, :, :, 1] = np.linspace(0, 255, 12)[:, None, None]
    encode_mp4(frames, path, fps=FPS)


def make_run(tmp_path, behavior="walk backwards", options=None, old_files=(),
             robot_of=None) -> tuple[str, list[str]]:
    """A run whose three jobs have 'trained' into the trajectories of APPROACHES."""
    rows = [{"provider": p, "name": n, "code": "def reward(s, a, prev_a): ...", "valid": True}
            for p, n, _ in APPROACHES]
    with opened() as conn:
        run_id, job_ids = insert_run(conn, robot="go1", behavior=behavior, steps=10_000,
                                     backend="local", seed=0, owner="local",
                                     options=options or {}, approaches=rows)
        with transaction(conn):
            conn.execute("UPDATE jobs SET state = 'running', started = ? WHERE run = ?",
                         (time.time(), run_id))
        for i, (job_id, (_, _, vx)) in enumerate(zip(job_ids, APPROACHES)):
            npz, mp4 = tmp_path / f"{job_id}.npz", tmp_path / f"{job_id}.mp4"
            qpos, qvel = base_moving(vx)
            save_npz(npz, (robot_of or {}).get(i, "go1"), qpos, qvel, i not in old_files)
            save_video(mp4)
            finish_job(conn, JobRef(job_id, 1), JobOutcome(
                "succeeded", artifacts={"trajectory": npz, "video": mp4}))
    return run_id, job_ids


def judge_answer(code: str) -> str:
    return json.dumps({"code": code})


def test_builtin_judge_grades_every_job_and_status_carries_it(tmp_path):
    run_id, jobs = make_run(tmp_path, options={"judge_provider": "builtin"})
    result = judge_run(run_id)
    assert result["judge_program"]["by"] == "builtin" and result["judge_program"]["valid"]
    backward, forward, stander = (result["verdicts"][j] for j in jobs)
    assert backward["passed"] is True and backward["score"] == 1.0
    assert forward["passed"] is False and stander["passed"] is False
    assert forward["verdict"] == \
        "failed 1 of 3 checks: backward_distance_m 2.5 (target <= -1)"
    check = next(c for c in forward["checks"] if c["name"] == "backward_distance_m")
    assert check == {"name": "backward_distance_m", "value": pytest.approx(2.5, abs=0.05),
                     "target": "<= -1", "passed": False,
                     "score": pytest.approx(2.718281828 ** -3.5, abs=0.005)}
    assert stander["score"] > forward["score"]  # closer to walking backwards

    status = get_status(run_id)
    assert [j["judge"]["passed"] for j in status["jobs"]] == [True, False, False]
    assert [r["job_id"] for r in status["ranking"]] == [jobs[0], jobs[2], jobs[1]]
    assert status["providers"]["builtin"] == {"approaches": 1, "judged": 1, "passes": 1,
                                              "mean_score": 1.0, "best_score": 1.0}
    assert status["providers"]["anthropic"]["passes"] == 0
    program = status["judge_program"]
    assert program["provider"] == "builtin" and program["valid"] is True
    assert program["code"] == builtin_judge_code("go1", "walk backwards")
    assert get_status(jobs[1])["jobs"][0]["judge"] == forward


@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini", "chat"])
def test_rejudging_with_an_llm_judge_replaces_the_program(tmp_path, api):
    run_id, jobs = make_run(tmp_path, options={"judge_provider": "builtin"})
    judge_run(run_id)
    forward_judge = builtin_judge_code("go1", "walk forward")
    with FakeLLMServer(api) as server:
        server.script(ok(api, judge_answer(forward_judge)))
        provider = {"chat": "local"}.get(api, api)
        result = judge_run(jobs[1], provider, video_provider="off",
                           secrets=secrets_for({api: server}))
    assert len(server.requests) == 1
    sent = json.dumps(server.requests[0].body)
    assert "def judge(t):" in sent and "walk backwards" in sent  # contract + behaviour
    assert "t.base_pos" in sent and "at_least" in sent
    assert result["judge_program"] == {**result["judge_program"], "provider": provider,
                                       "by": f"code:{provider}", "valid": True,
                                       "code": forward_judge.strip()}
    # A new judge grades the whole run, even when one job was named.
    assert set(result["verdicts"]) == set(jobs)
    assert result["verdicts"][jobs[1]]["passed"] is True
    assert result["verdicts"][jobs[0]]["passed"] is False
    assert result["verdicts"][jobs[1]]["by"] == f"code:{provider}"
    assert get_status(run_id)["ranking"][0]["job_id"] == jobs[1]


def test_invalid_judge_gets_one_repair_round_then_nothing_is_judged(tmp_path):
    run_id, jobs = make_run(tmp_path)
    hostile = "def judge(t):\n    import os\n    return {'x': at_least(1.0, 0.0)}\n"
    with FakeLLMServer("anthropic") as server:
        server.script(ok("anthropic", judge_answer(hostile)),
                      ok("anthropic", judge_answer(hostile.replace("import os", "x = open('f')"))))
        result = judge_run(run_id, "anthropic", video_provider="off",
                           secrets=secrets_for({"anthropic": server}))
    assert len(server.requests) == 2
    repair = json.dumps(server.requests[1].body)
    assert "line 2: import is not allowed" in repair
    program = result["judge_program"]
    assert program["valid"] is False and program["error"].startswith("line 2: calls open()")
    for job_id in jobs:
        verdict = result["verdicts"][job_id]
        assert verdict["score"] is None and verdict["passed"] is None
        assert verdict["verdict"] == f"not judged: {program['error']}"
    status = get_status(run_id)
    assert status["ranking"] == [] and status["judge_program"]["valid"] is False
    assert all(j["state"] == "succeeded" and j["artifacts"]["video"] for j in status["jobs"])


def test_a_repaired_judge_is_used(tmp_path):
    run_id, jobs = make_run(tmp_path)
    broken = "def judge(t):\n    x = t.joint_torque\n    return {'x': at_least(1.0, 0.0)}\n"
    with FakeLLMServer("openai") as server:
        server.script(ok("openai", judge_answer(broken)),
                      ok("openai", judge_answer(builtin_judge_code("go1", "walk backwards"))))
        result = judge_run(run_id, "openai", video_provider="off",
                           secrets=secrets_for({"openai": server}))
    assert "`t` has no field `joint_torque`" in json.dumps(server.requests[1].body)
    assert result["judge_program"]["valid"] and result["judge_program"]["note"] == \
        "valid after the repair round"
    assert result["verdicts"][jobs[0]]["passed"] is True


def test_unconfigured_or_failing_judge_provider_marks_the_run_not_judged(tmp_path):
    run_id, jobs = make_run(tmp_path)
    result = judge_run(run_id, "gemini")
    assert result["verdicts"][jobs[0]]["verdict"] == \
        "not judged: Gemini is not configured: set GEMINI_API_KEY or GOOGLE_API_KEY"
    with FakeLLMServer("anthropic") as server:
        server.script(failure("anthropic", 401))
        result = judge_run(run_id, "anthropic", video_provider="off",
                           secrets=secrets_for({"anthropic": server}))
    assert "rejected the API key" in result["verdicts"][jobs[0]]["verdict"]
    assert "FAKE" not in json.dumps(result)


def test_old_trajectories_are_rederived_and_unreadable_ones_say_why(tmp_path):
    run_id, jobs = make_run(tmp_path, old_files=(0, 2), robot_of={2: "no-such-robot"},
                            options={"judge_provider": "builtin"})
    result = judge_run(run_id)
    assert result["verdicts"][jobs[0]]["passed"] is True  # re-derived from qpos and qvel
    assert result["verdicts"][jobs[1]]["passed"] is False
    assert result["verdicts"][jobs[2]]["verdict"].startswith(
        "not judged: the trajectory predates per-frame states and they cannot be re-derived")


def test_unknown_ids_and_providers_are_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="no run or job with id 'run-nope'"):
        judge_run("run-nope")
    run_id, _ = make_run(tmp_path)
    with pytest.raises(ValueError, match="unknown provider 'nobody'"):
        judge_run(run_id, "nobody")


def test_retry_clears_the_old_verdict(tmp_path):
    from tabrl_core.jobs.records import requeue_job

    run_id, jobs = make_run(tmp_path, options={"judge_provider": "builtin"})
    judge_run(run_id)
    with opened() as conn:
        with transaction(conn):
            conn.execute("UPDATE jobs SET state = 'failed' WHERE id = ?", (jobs[0],))
        assert requeue_job(conn, jobs[0], states=("failed",))
    assert get_status(jobs[0])["jobs"][0]["judge"] is None


@pytest.mark.parametrize("api", ["anthropic", "openai", "gemini"])
def test_video_judge_sees_frames_and_adds_its_opinion(tmp_path, api):
    run_id, jobs = make_run(tmp_path)
    code = builtin_judge_code("go1", "walk backwards")
    video = json.dumps({"score": 0.7, "reason": "It walks\u202e backwards.\n"})
    with FakeLLMServer(api) as server:
        server.script(ok(api, judge_answer(code)), ok(api, video), failure(api, 400, "bad image"),
                      ok(api, json.dumps({"score": 3, "reason": "Great."})))
        result = judge_run(run_id, api, secrets=secrets_for({api: server}))
    assert len(server.requests) == 4
    assert images_in(api, server.requests[0].body) == []
    for request in server.requests[1:]:
        images = images_in(api, request.body)
        assert len(images) == 4
        assert Image.open(io.BytesIO(images[0])).size == (320, 213)
        assert "walk backwards" in json.dumps(request.body)
    opinions = [result["verdicts"][j]["video"] for j in jobs]
    assert {o.get("score") for o in opinions} == {0.7, 1.0, None}  # clipped to [0, 1]
    assert {"score": 0.7, "reason": "It walks backwards.", "by": f"vlm:{api}"} in opinions
    failed = next(o for o in opinions if "error" in o)
    assert "bad image" in failed["error"] and failed["by"] == f"vlm:{api}"
    # The code judge's verdicts stand whatever the video judge said.
    assert [result["verdicts"][j]["passed"] for j in jobs] == [True, False, False]
    assert get_status(run_id)["jobs"][0]["judge"]["video"] == opinions[0]


def test_video_judge_is_off_without_a_multimodal_key(tmp_path):
    run_id, jobs = make_run(tmp_path)
    result = judge_run(run_id, "builtin")
    assert all("video" not in v for v in result["verdicts"].values())
    with pytest.raises(ValueError, match="unknown video judge provider 'nobody'"):
        judge_run(run_id, video_provider="nobody")


def test_the_default_judge_is_the_first_configured_llm_else_builtin(monkeypatch):
    from tabrl_core.judging import default_judge_provider

    assert default_judge_provider() == "builtin"
    keys = {"OPENAI_API_KEY": "sk-FAKE", "GEMINI_API_KEY": "AIzaFAKE"}
    assert default_judge_provider(keys) == "openai"
    assert default_judge_provider({**keys, "TABRL_JUDGE_PROVIDER": "builtin"}) == "builtin"
    monkeypatch.setenv("TABRL_JUDGE_PROVIDER", "gemini")
    assert default_judge_provider() == "gemini"
