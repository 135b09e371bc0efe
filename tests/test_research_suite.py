"""Research pieces that need no training: suite CSV parsing with line/column errors, the
leaderboard arithmetic, the escaped HTML report, the benchmarks index, and ONNX parity on a
checkpoint made from fresh weights."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from tabrl_core import cli
from tabrl_core.research import SuiteError, read_suite
from tabrl_core.research.index import list_benchmarks, load_benchmark, record
from tabrl_core.research.report import report_html
from tabrl_core.research.results import ProviderTask, leaderboard, shares
from tabrl_core.research.suite import parse_suite


def test_a_suite_reads_its_tasks_in_any_column_order(tmp_path):
    path = tmp_path / "suite.csv"
    path.write_text("behavior,Robot,category\n\"walk, then sit\",go1,quadruped\n\n"
                    "balance the pole,inverted_pendulum,\n", encoding="utf-8")
    first, second = read_suite(path)
    assert (first.index, first.robot, first.behavior, first.category, first.line) == (
        1, "go1", "walk, then sit", "quadruped", 2)
    assert (second.index, second.robot, second.category, second.line) == (
        2, "inverted_pendulum", "", 4)


def test_category_is_optional():
    (task,) = parse_suite("robot,behavior\ngo1,walk forward\n")
    assert task.category == ""


@pytest.mark.parametrize("text, where, what", [
    ("robot,behavior,speed\ngo1,walk,1\n", "line 1, column 3", "unknown column 'speed'"),
    ("robot,robot,behavior\n", "line 1, column 2", "appears twice"),
    ("robot,category\ngo1,x\n", "line 1", "lacks behavior"),
    ("robot,behavior\ngo1,walk\ngo1,walk,fast\n", "line 3, column 3", "3 fields"),
    ("robot,behavior,category\ngo1\n", "line 2, column 2", "1 fields"),
    ("robot,behavior\ngo1,walk\n,walk forward\n", "line 3, column 1 (robot)", "robot is empty"),
    ("robot,behavior\ngo1,  \n", "line 2, column 2 (behavior)", "behavior is empty"),
    ("robot,behavior\ngo1,\"walk\n", "line 2", "unexpected end of data"),
    ("robot,behavior\ngo1,\"walk\"x\n", "line 2", "expected"),
    ("robot,behavior\ngo1," + "w" * 2001 + "\n", "line 2, column 2", "2001 characters"),
])
def test_a_malformed_suite_names_the_line_and_column(text, where, what):
    with pytest.raises(SuiteError) as caught:
        parse_suite(text, "suite.csv")
    assert f"suite.csv, {where}" in str(caught.value) and what in str(caught.value)


def test_empty_unreadable_or_not_utf8_suites_are_rejected(tmp_path):
    with pytest.raises(SuiteError, match="is empty"):
        parse_suite("\n\n", "s.csv")
    with pytest.raises(SuiteError, match="no task"):
        parse_suite("robot,behavior\n", "s.csv")
    with pytest.raises(SuiteError, match="cannot read the suite"):
        read_suite(tmp_path / "missing.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"robot,behavior\ngo1,caf\xe9\n")
    with pytest.raises(SuiteError, match=r"line 2, column 8: not UTF-8 text \(byte 0xe9\)"):
        read_suite(bad)


def test_the_cli_reports_a_malformed_suite_with_line_and_column(tmp_path, capsys):
    suite = tmp_path / "suite.csv"
    suite.write_text("robot,behavior\ngo1,walk,fast\n")
    status = cli.main(["benchmark", str(suite), "--out", str(tmp_path / "out")])
    assert status == 2
    assert "line 2, column 3" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_cli_rejects_an_unknown_provider_before_any_work(tmp_path, capsys):
    suite = tmp_path / "suite.csv"
    suite.write_text("robot,behavior\ngo1,walk\n")
    status = cli.main(["benchmark", str(suite), "--providers", "builtin,nope",
                       "--out", str(tmp_path / "out")])
    assert status == 2 and "unknown provider 'nope'" in capsys.readouterr().err


def test_the_cli_rejects_an_unknown_judge_before_any_work(tmp_path, capsys):
    suite = tmp_path / "suite.csv"
    suite.write_text("robot,behavior\ngo1,walk\n")
    status = cli.main(["benchmark", str(suite), "--judge", "oracle", "--out",
                       str(tmp_path / "out")])
    assert status == 2 and "unknown provider 'oracle'" in capsys.readouterr().err


def test_a_suite_of_only_unknown_robots_still_writes_every_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path / "home"))
    suite = tmp_path / "suite.csv"
    suite.write_text("robot,behavior\nrobodog,walk\nrobocat,sit\n")
    out = tmp_path / "out"
    status = cli.main(["benchmark", str(suite), "--out", str(out), "--judge", "builtin"])
    assert status == 1  # every task failed, each alone, and the files say why
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    board = (out / "leaderboard.csv").read_text().splitlines()
    assert board[1].startswith("builtin,,2,0,0.0,0.0,0,0,")
    report = (out / "report.html").read_text()
    assert "unknown robot &#x27;robodog&#x27;" in report and "robocat" in report


def test_token_shares_add_up():
    assert shares(10, 3) == [4, 3, 3] and sum(shares(7, 3)) == 7 and shares(5, 0) == []


def _row(task, provider, score, passed, valid=True, approach="a", train_s=10.0):
    return {"task": task, "provider": provider, "approach": approach, "valid": valid,
            "judge_score": score, "passed": passed, "train_s": train_s}


def test_the_leaderboard_counts_passes_best_scores_validity_tokens_and_time():
    rows = [_row(1, "x", 0.9, True), _row(1, "x", 0.2, False), _row(1, "x", None, None, False),
            _row(2, "x", 0.4, False, train_s=5.0),
            _row(1, "y", None, None, approach=None, train_s=None),  # y returned nothing
            _row(2, "y", 0.6, False)]
    requests = [ProviderTask(1, "x", "m-x", 100, 30, 0.5, 2.0), ProviderTask(2, "x", "m-x", 50,
                                                                            20, 0.25, 1.0),
                ProviderTask(1, "y", None), ProviderTask(2, "y", "m-y", 0, 0, 0.0, 3.0)]
    x, y = leaderboard(rows, requests)
    assert (x["provider"], x["model"], x["tasks"], x["tasks_passed"]) == ("x", "m-x", 2, 1)
    assert x["mean_best_score"] == pytest.approx((0.9 + 0.4) / 2)
    assert (x["approaches"], x["valid_approaches"]) == (4, 3)
    assert x["valid_code_rate"] == 0.75
    assert (x["input_tokens"], x["output_tokens"], x["cost_usd"]) == (150, 50, 0.75)
    assert x["wall_s"] == pytest.approx(2.0 + 10.0 + 1.0 + 5.0)
    assert (y["tasks"], y["tasks_passed"], y["mean_best_score"]) == (2, 0, 0.3)
    assert (y["approaches"], y["valid_code_rate"], y["model"]) == (1, 1.0, "m-y")


def test_the_report_escapes_everything_llm_written():
    hostile = "<script>alert('x')</script>"
    rows = [{**_row(1, "builtin", 0.5, False), "approach": hostile, "robot": "go1",
             "behavior": "<b>walk</b>", "category": "", "verdict": hostile, "gif": "media/a.gif",
             "state": "succeeded"}]
    board = leaderboard(rows, [ProviderTask(1, "builtin", "builtin")])
    meta = {"id": "bench-1", "suite": "s.csv", "providers": ["builtin"], "steps": 10_000,
            "backend": "local", "tasks": 1}
    html = report_html(meta, board, rows)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>walk" not in html
    assert html.count("<svg") == 3  # mean best score, tasks passed, builtin per task
    assert '<img src="media/a.gif"' in html and "<table>" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_the_index_lists_benchmarks_newest_first_and_loads_their_leaderboard(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(tmp_path / "home"))
    for number, finished in ((1, 100.0), (2, 200.0)):
        folder = tmp_path / f"out{number}"
        folder.mkdir()
        (folder / "leaderboard.csv").write_text(
            "provider,model,tasks,tasks_passed,mean_best_score\nbuiltin,4.1,2,1,0.5\n")
        record({"id": f"bench-{number}", "dir": str(folder), "finished": finished})
    (tmp_path / "home" / "benchmarks" / "broken.json").write_text("{not json")
    assert [b["id"] for b in list_benchmarks()] == ["bench-2", "bench-1"]
    loaded = load_benchmark("bench-1")
    assert loaded["leaderboard"] == [{"provider": "builtin", "model": "4.1", "tasks": 2,
                                      "tasks_passed": 1, "mean_best_score": 0.5}]
    (tmp_path / "out2" / "leaderboard.csv").unlink()
    assert not list_benchmarks()[0]["available"]
    with pytest.raises(FileNotFoundError, match="no longer holds"):
        load_benchmark("bench-2")
    with pytest.raises(KeyError, match="no benchmark"):
        load_benchmark("bench-3")


@pytest.fixture(scope="module")
def fresh_checkpoint(tmp_path_factory):
    """A checkpoint of untrained two-layer weights with a non-trivial observation normaliser."""
    import jax
    import jax.numpy as jnp

    from tabrl_core.training.checkpoint import load_checkpoint, save_checkpoint
    from tabrl_core.training.config import TrainConfig
    from tabrl_core.training.ppo import init_agent, make_networks

    config = TrainConfig(policy_hidden=(16, 8), value_hidden=(8,))
    agent = init_agent(jax.random.PRNGKey(3), make_networks(7, 3, config), 7, config)
    normalizer = agent.normalizer.replace(mean=jnp.linspace(-2, 2, 7),
                                          std=jnp.linspace(0.3, 3.0, 7))
    path = save_checkpoint(tmp_path_factory.mktemp("ckpt") / "checkpoint",
                           robot_id="inverted_pendulum", config=config, obs_size=7,
                           action_size=3, policy=agent.policy, value=agent.value,
                           normalizer=normalizer, reward_code=None, seed=0, steps_done=0)
    return load_checkpoint(path)


def test_the_onnx_policy_matches_the_jax_policy(fresh_checkpoint):
    from tabrl_core.research.policy import jax_actions, onnx_actions, policy_onnx

    model = policy_onnx(fresh_checkpoint).SerializeToString()
    observations = np.random.default_rng(1).normal(0, 4, (32, 7)).astype(np.float32)
    expected = jax_actions(fresh_checkpoint, observations)
    actual = onnx_actions(model, observations)
    assert actual.shape == (32, 3) and np.all(np.abs(actual) <= 1)
    np.testing.assert_allclose(actual, expected, atol=1e-5)
    assert np.std(expected) > 0.01  # the check compares real actions, not zeros


def test_a_wrong_onnx_graph_fails_the_parity_check(fresh_checkpoint):
    from onnx import numpy_helper

    from tabrl_core.research.policy import PolicyExportError, check_onnx_parity, policy_onnx

    model = policy_onnx(fresh_checkpoint)
    for i, tensor in enumerate(model.graph.initializer):
        if tensor.name == "obs_mean":  # forget the normaliser's mean
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(
                np.zeros(7, np.float32), "obs_mean"))
    with pytest.raises(PolicyExportError, match="differs from the JAX policy"):
        check_onnx_parity(fresh_checkpoint, model.SerializeToString())


def test_a_checkpoint_zips_with_its_weights_and_metadata(fresh_checkpoint, tmp_path):
    from tabrl_core.research.policy import zip_checkpoint

    target = zip_checkpoint(fresh_checkpoint.path, tmp_path / "policy.zip")
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        meta = json.loads(archive.read("checkpoint/checkpoint.json"))
    assert names == {"checkpoint/weights.msgpack", "checkpoint/checkpoint.json"}
    assert meta["robot_id"] == "inverted_pendulum"


def test_rows_carry_each_requests_tokens_cost_and_errors(tmp_path):
    from tabrl_core.providers import Approach, ProviderResult
    from tabrl_core.research.runner import TaskRun, _rows
    from tabrl_core.research.suite import Task

    code = "def reward(s, a, prev_a):\n    return 0.0, {}\n"
    claude = ProviderResult("anthropic", [Approach("anthropic", f"a{i}", "d", code)
                                          for i in range(3)], model="claude-sonnet-5",
                            latency_s=4.0, input_tokens=1000, output_tokens=2999, cost_usd=0.032)
    missing = ProviderResult("openai", error="OpenAI is not configured: set OPENAI_API_KEY",
                             error_kind="not_configured", model="gpt-5.5")
    run = TaskRun(Task(1, "go1", "walk"), designs={"anthropic": claude, "openai": missing},
                  approaches=claude.approaches, error="no valid approach to train")
    rows, requests = _rows(run, ["anthropic", "openai"], tmp_path)
    assert [r["input_tokens"] for r in rows[:3]] == [334, 333, 333]
    assert sum(r["output_tokens"] for r in rows[:3]) == 2999
    assert sum(r["cost_usd"] for r in rows[:3]) == pytest.approx(0.032)
    assert {r["state"] for r in rows[:3]} == {"not trained"}
    assert rows[0]["verdict"].startswith("not judged: not trained")
    assert (rows[3]["provider"], rows[3]["state"], rows[3]["model"]) == (
        "openai", "no approaches", "gpt-5.5")
    assert "not configured" in rows[3]["error"]
    claude_board, openai_board = leaderboard(rows, requests)
    assert (claude_board["input_tokens"], claude_board["output_tokens"]) == (1000, 2999)
    assert claude_board["cost_usd"] == 0.032 and claude_board["wall_s"] == 4.0
    assert (openai_board["approaches"], openai_board["valid_code_rate"]) == (0, 0.0)
