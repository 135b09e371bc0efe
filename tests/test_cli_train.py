"""`tabrl train` end to end: a sentence in, three trained approaches and their videos out."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import av
import numpy as np
import pytest


def _tabrl(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "TABRL_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "tabrl_core", *args], capture_output=True,
                          text=True, env=env, timeout=900)


def _frames(path: str) -> tuple[str, list[np.ndarray]]:
    with av.open(path) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    return codec, frames


@pytest.mark.slow
def test_train_writes_summary_and_videos(tmp_path):
    out = tmp_path / "out"
    done = _tabrl("train", "--robot", "go1", "--behavior", "walk forward", "--steps", "10000",
                  "--providers", "builtin", "--out", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["robot"] == "go1" and summary["steps"] == 10000
    assert summary["behavior"] == "walk forward"
    approaches = summary["approaches"]
    assert len(approaches) == 3
    videos = []
    for approach in approaches:
        assert approach["provider"] == "builtin" and approach["status"] == "succeeded"
        assert approach["error"] is None and "def reward" in approach["code"]
        assert isinstance(approach["metrics"]["mean_return"], float)
        assert approach["metrics"]["components"]
        assert os.path.isabs(approach["video"]) and os.path.isabs(approach["trajectory"])
        codec, frames = _frames(approach["video"])
        assert codec == "h264" and len(frames) == 150  # 5 s at 30 fps
        assert frames[0].shape == (360, 480, 3)
        assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1.0
        trajectory = np.load(approach["trajectory"])
        assert trajectory["qpos"].shape == (150, 19) and trajectory["time"].shape == (150,)
        assert trajectory["state/base_pos"].shape == (150, 3)
        assert trajectory["state/foot_contact"].shape == (150, 4)
        np.testing.assert_allclose(trajectory["state/base_pos"][:, :2], trajectory["qpos"][:, :2],
                                   atol=0.05)  # the base body's origin, where the judge reads it
        judge = approach["judge"]
        assert judge["by"] == "builtin" and isinstance(judge["passed"], bool)
        assert 0.0 <= judge["score"] <= 1.0 and judge["verdict"]
        assert [c["name"] for c in judge["checks"]] == [
            "forward_distance_m", "upright_fraction", "fell"]
        videos.append(np.stack(frames[::10]).astype(int))
    assert np.abs(videos[0] - videos[1]).mean() > 1.0
    assert summary["judge_program"]["by"] == "builtin" and summary["judge_program"]["valid"]
    assert "def judge(t):" in summary["judge_program"]["code"]
    assert sorted(r["name"] for r in summary["ranking"]) == sorted(a["name"] for a in approaches)
    order = [(not r["passed"], -r["score"]) for r in summary["ranking"]]
    assert order == sorted(order)  # passed first, then best score
    board = summary["providers"]["builtin"]
    assert board["approaches"] == board["judged"] == 3
    assert board["passes"] == sum(a["judge"]["passed"] for a in approaches)

    again = _tabrl("judge", summary["run_id"], "--json", home=tmp_path / "home")
    assert again.returncode == 0, again.stderr[-2000:]
    rejudged = json.loads(again.stdout)
    assert [v["score"] for v in rejudged["verdicts"].values()] == \
        [a["judge"]["score"] for a in approaches]
    text = _tabrl("judge", summary["run_id"], "--provider", "builtin", home=tmp_path / "home")
    assert text.returncode == 0 and "judged by builtin" in text.stdout
    assert text.stdout.count("PASS") + text.stdout.count("FAIL") == 3


@pytest.mark.parametrize("args, message", [
    (["--robot", "nope", "--behavior", "walk"], "valid ids"),
    (["--behavior", "   "], "behaviour is empty"),
    (["--behavior", "walk", "--steps", "5"], "between 10,000 and 1,000,000"),
])
def test_bad_input_exits_with_one_clear_line(tmp_path, args, message):
    done = _tabrl("train", *args, "--out", str(tmp_path / "o"), home=tmp_path / "home")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("tabrl train:")]
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_judge_of_an_unknown_id_exits_with_one_clear_line(tmp_path):
    done = _tabrl("judge", "run-nope", home=tmp_path / "home")
    assert done.returncode == 2
    assert done.stderr.strip() == "no run or job with id 'run-nope'"
