"""`run_benchmark` for real on a tiny budget (the built-in designer, the inverted pendulum, the
smallest trainer): its files and their columns and dtypes, an unknown robot failing only its
task, run export, policy download (zip, ONNX with onnxruntime parity), and on Modal the tasks
fanned out as parallel calls with the Modal client patched at its boundary."""

from __future__ import annotations

import json
import threading
import time
import zipfile

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tabrl_core import cli
from tabrl_core.jobs.remote import run_remote_batch
from tabrl_core.research import export_policy, export_run, list_benchmarks, run_benchmark
from tabrl_core.research.results import LEADERBOARD_COLUMNS, RESULTS_SCHEMA
from tabrl_core.research.suite import Task
from tabrl_core.budgets import STEPS_MIN

from jobs_support import TINY
from test_modal_backend import fake  # noqa: F401  (the patched Modal client fixture)

pytestmark = pytest.mark.slow
SUITE = "robot,behavior,category\ninverted_pendulum,balance the pole,classic\n" \
        "no_such_robot,walk forward,quadruped\n"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One local benchmark of two tasks, the second with an unknown robot."""
    root = tmp_path_factory.mktemp("bench")
    (root / "suite.csv").write_text(SUITE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TABRL_HOME", str(root / "home"))
        result = run_benchmark(root / "suite.csv", ["builtin"], STEPS_MIN, root / "out",
                               train_config=TINY, show_progress=False)
        yield result


@pytest.fixture
def home(bench, monkeypatch):
    monkeypatch.setenv("TABRL_HOME", str(bench.out.parent / "home"))


def test_the_benchmark_writes_its_three_files_with_their_columns_and_dtypes(bench):
    out = bench.out
    assert {p.name for p in out.iterdir()} >= {"leaderboard.csv", "results.parquet",
                                               "report.html", "benchmark.json", "media"}
    board = pd.read_csv(out / "leaderboard.csv")
    assert tuple(board.columns) == LEADERBOARD_COLUMNS
    assert board["tasks"].dtype.kind == "i" and board["mean_best_score"].dtype.kind == "f"
    table = pq.read_table(out / "results.parquet")
    assert table.schema.equals(RESULTS_SCHEMA)
    assert table.num_rows == 4  # three approaches for the pendulum, one row for the bad task


def test_every_approach_is_trained_rendered_and_recorded(bench):
    results = pq.read_table(bench.out / "results.parquet").to_pandas()
    pendulum = results[results["task"] == 1]
    assert len(pendulum) == 3 and set(pendulum["robot"]) == {"inverted_pendulum"}
    assert set(pendulum["provider"]) == {"builtin"} and set(pendulum["model"]) == {"builtin"}
    assert pendulum["valid"].all() and set(pendulum["state"]) == {"succeeded"}
    assert pendulum["code"].str.contains("def reward").all()
    assert pendulum["mean_return"].notna().all() and (pendulum["train_s"] > 0).all()
    assert pendulum["upright_fraction"].between(0, 1).all()
    assert pendulum["job_id"].str.startswith("job-").all()
    for gif in pendulum["gif"]:
        assert (bench.out / gif).read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert set(pendulum["judge_by"]) == {"builtin"}  # one judge for the whole suite
    assert pendulum["judge_score"].between(0, 1).all() and pendulum["passed"].notna().all()
    for checks in pendulum["judge_checks"]:
        assert json.loads(checks) and {"name", "value", "target", "passed"} <= set(
            json.loads(checks)[0])
    assert (pendulum["input_tokens"] == 0).all() and (pendulum["cost_usd"] == 0).all()


def test_an_unknown_robot_fails_only_its_task_with_the_reason(bench):
    results = pq.read_table(bench.out / "results.parquet").to_pandas()
    (bad,) = results[results["task"] == 2].itertuples()
    assert (bad.robot, bad.state, bad.valid) == ("no_such_robot", "task failed", False)
    assert pd.isna(bad.approach) and pd.isna(bad.job_id)
    assert "unknown robot 'no_such_robot'" in bad.error
    assert bench.failed_tasks == [2]
    (row,) = bench.leaderboard
    assert (row["provider"], row["tasks"], row["approaches"], row["valid_code_rate"]) == (
        "builtin", 2, 3, 1.0)


def test_the_report_shows_the_leaderboard_charts_and_each_tasks_gifs(bench):
    html = (bench.out / "report.html").read_text()
    assert "<h2>Leaderboard</h2><table>" in html and html.count("<svg") == 3
    sources = [s.split('"')[0] for s in html.split('<img src="')[1:]]
    assert len(sources) == 3 and all((bench.out / s).exists() for s in sources)
    assert "unknown robot" in html


def test_the_benchmark_is_listed_in_the_index(bench, home):
    (listed,) = [b for b in list_benchmarks() if b["id"] == bench.id]
    assert listed["available"] and listed["tasks"] == 2 and listed["providers"] == ["builtin"]


def test_a_run_exports_as_parquet_and_csv(bench, home, tmp_path):
    run_id = bench.rows[0]["run_id"]
    parquet = pd.read_parquet(export_run(run_id, tmp_path / "run.parquet"))
    csv = pd.read_csv(export_run(run_id, tmp_path / "run.csv", format="csv"))
    for frame in (parquet, csv):
        assert len(frame) == 3 and set(frame["run_id"]) == {run_id}
        assert frame["prompt"].str.contains("balance the pole").all()
        assert frame["code"].str.contains("def reward").all()
        assert set(frame["state"]) == {"succeeded"}
        assert {"judge_score", "passed", "verdict", "judge_checks", "stats"} <= set(frame)
        assert frame["judge_score"].between(0, 1).all()
        assert set(frame["judge_program_by"]) == {"builtin"}
        assert frame["judge_program"].str.contains("def judge").all()
    assert all(len(steps) > 0 and list(steps) == sorted(steps) and 0 < steps[-1] <= STEPS_MIN
               for steps in parquet["curve_step"])
    assert json.loads(csv["curve_return"][0]) == pytest.approx(list(parquet["curve_return"][0]))
    assert json.loads(csv["stats"][0])["frames"] > 0
    assert cli.main(["export", run_id, str(tmp_path / "cli.csv"), "--format", "csv"]) == 0
    assert pd.read_csv(tmp_path / "cli.csv")["code"].tolist() == csv["code"].tolist()
    with pytest.raises(ValueError, match="unknown export format"):
        export_run(run_id, tmp_path / "run.xlsx", format="xlsx")
    with pytest.raises(KeyError):
        export_run("run-nope", tmp_path / "x.parquet")


def test_a_trained_policy_downloads_as_a_zip_and_as_onnx_matching_jax(bench, home, tmp_path):
    from tabrl_core.research.policy import checkpoint_dir, jax_actions, onnx_actions
    from tabrl_core.training import load_checkpoint

    job_id = bench.rows[0]["job_id"]
    with zipfile.ZipFile(export_policy(job_id, tmp_path / "p.zip", format="zip")) as archive:
        assert {"checkpoint/weights.msgpack", "checkpoint/checkpoint.json"} <= set(
            archive.namelist())
    model = export_policy(job_id, tmp_path / "p.onnx").read_bytes()
    checkpoint = load_checkpoint(checkpoint_dir(job_id))
    observations = np.random.default_rng(0).normal(0, 1, (16, checkpoint.obs_size))
    np.testing.assert_allclose(onnx_actions(model, observations),
                               jax_actions(checkpoint, observations), atol=1e-5)
    assert cli.main(["policy", job_id, str(tmp_path / "cli.onnx")]) == 0
    assert (tmp_path / "cli.onnx").read_bytes() == model


def _resolve_when_both_spawned(fake, done: threading.Event, seen: list) -> None:
    """The Modal side: once both tasks' calls are spawned, run the first for real (the deployed
    function's body, locally) and fail the second as a GPU would."""
    deadline = time.monotonic() + 120
    while len(fake.spawned) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    seen.extend(fake.spawned)
    if len(fake.spawned) < 2:
        for call in fake.calls.values():
            call.outcome = lambda: (_ for _ in ()).throw(RuntimeError("not fanned out"))
        return
    (first, config), (second, _) = fake.spawned[:2]
    result = run_remote_batch(config, volume_root=fake.volume_root, progress=fake.progress,
                              key=first)
    fake.calls[first].outcome = lambda: result

    def out_of_memory():
        raise RuntimeError("CUDA out of memory")
    fake.calls[second].outcome = out_of_memory
    done.set()


def test_on_modal_the_tasks_fan_out_as_parallel_calls(fake, tmp_path):  # noqa: F811
    tasks = [Task(1, "inverted_pendulum", "balance the pole"),
             Task(2, "inverted_pendulum", "push the cart to the right"),
             Task(3, "no_such_robot", "walk")]
    done, seen = threading.Event(), []
    modal_side = threading.Thread(target=_resolve_when_both_spawned, args=(fake, done, seen),
                                  daemon=True)
    modal_side.start()
    result = run_benchmark(tasks, ["builtin"], STEPS_MIN, tmp_path / "out", "modal",
                           train_config=TINY, show_progress=False)
    modal_side.join()
    assert done.is_set(), "the second task was not submitted while the first was running"
    assert len(seen) == 2 and [len(c["jobs"]) for _, c in seen] == [3, 3]
    assert {c["robot"] for _, c in seen} == {"inverted_pendulum"}
    results = pq.read_table(tmp_path / "out" / "results.parquet").to_pandas()
    first, second = results[results["task"] == 1], results[results["task"] == 2]
    assert set(first["state"]) == {"succeeded"} and first["gif"].notna().all()
    assert first["judge_score"].notna().all()  # judged after the call was collected
    assert set(second["state"]) == {"failed"}
    assert second["error"].str.contains("CUDA out of memory").all()
    assert results[results["task"] == 3]["error"].str.contains("unknown robot").all()
    assert result.failed_tasks == [3]


def _downloads(run_id: str) -> None:
    from tabrl_app.run_export import run_downloads

    run_downloads(run_id)


def test_the_runs_page_offers_a_trained_runs_policies_for_download(bench, home):
    from streamlit.testing.v1 import AppTest

    run_id = bench.rows[0]["run_id"]
    at = AppTest.from_function(_downloads, args=(run_id,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [b.proto.label for b in at.get("download_button")] == [
        "Run as Parquet", "Run as CSV", "Policy as ONNX", "Checkpoint as zip"]
    assert at.selectbox[0].options == [f"builtin · {r['approach']}" for r in bench.rows[:3]]
