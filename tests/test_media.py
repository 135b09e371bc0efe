"""Media: real MuJoCo rendering and real H.264, on small clips of open-loop Go1 motion."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tabrl_core.media import (
    ClipJob, RendererUnavailableError, encode_mp4, grid_export, render_checkpoint, render_clip,
    render_frames, render_many, trajectory_stats)
from tabrl_core import gl
from tabrl_core.media.motion import sinusoid_trajectory
from tabrl_core.robots import get_robot
from tabrl_core.training import CheckpointError

WIDTH, HEIGHT, SECONDS, FPS = 160, 120, 1.0, 30
FRAMES = int(SECONDS * FPS)


def decode(path: Path) -> tuple[av.video.stream.VideoStream, np.ndarray]:
    """The video stream's facts and every frame as uint8 [F, H, W, 3]."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        facts = (stream.codec_context.name, stream.codec_context.pix_fmt,
                 stream.codec_context.width, stream.codec_context.height)
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)])
    return facts, frames


@pytest.fixture(scope="module")
def trajectories():
    return [sinusoid_trajectory("go1", pattern, SECONDS, FPS) for pattern in (1, 2)]


@pytest.fixture(scope="module")
def clips(trajectories, tmp_path_factory):
    out = tmp_path_factory.mktemp("clips")
    return [render_clip(traj, out, f"p{k}", WIDTH, HEIGHT) for k, traj in enumerate(trajectories)]


def test_video_is_h264_yuv420p_with_every_frame_and_motion(clips):
    facts, frames = decode(clips[0].video)
    assert facts == ("h264", "yuv420p", WIDTH, HEIGHT)
    assert frames.shape == (FRAMES, HEIGHT, WIDTH, 3)
    assert frames[0].std() > 10  # a picture, not a flat colour
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1  # the robot moved


def test_video_starts_with_its_index(clips):
    data = clips[0].video.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart: playable while downloading


def test_different_trajectories_give_different_videos(clips):
    (_, first), (_, second) = decode(clips[0].video), decode(clips[1].video)
    assert np.abs(first[-1].astype(int) - second[-1]).mean() > 1


def test_gif_and_thumbnail_are_valid_images(clips):
    with Image.open(clips[0].gif) as gif:
        assert gif.format == "GIF" and gif.n_frames > 1 and gif.size == (WIDTH, HEIGHT)
    with Image.open(clips[0].thumbnail) as png:
        assert png.format == "PNG" and png.size == (WIDTH, HEIGHT)


def test_clip_writes_only_its_files(clips):
    out = clips[0].video.parent
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"p{k}{s}" for k in (0, 1) for s in (".mp4", ".gif", ".png", ".npz"))


def test_trajectory_file_holds_every_array(clips, trajectories):
    with np.load(clips[0].trajectory) as saved:
        for name in ("qpos", "qvel", "time", "reward"):
            np.testing.assert_array_equal(saved[name], getattr(trajectories[0], name))
        for name, values in trajectories[0].components.items():
            np.testing.assert_array_equal(saved[f"reward/{name}"], values)
        assert str(saved["robot_id"]) == "go1" and not saved["unstable"]


def yaw_and_up(quat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heading (rad) and the body z axis's world z, from MuJoCo's (w, x, y, z) quaternions."""
    w, x, y, z = quat.T
    return np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)), 1 - 2 * (x * x + y * y)


def test_stats_match_the_trajectory(clips, trajectories):
    traj, stats = trajectories[0], clips[0].stats
    steps_per_frame = 1 / (FPS * get_robot("go1").ctrl_dt)
    xy = traj.qpos[:, :2]  # Go1's free joint: the trunk's world position, then its quaternion
    yaw, up = yaw_and_up(traj.qpos[:, 3:7])
    yaw = np.unwrap(yaw)
    step = np.diff(xy, axis=0)
    forward = np.sum(step[:, 0] * np.cos(yaw[:-1]) + step[:, 1] * np.sin(yaw[:-1]))
    expected = {
        "episode_return": traj.reward.sum() * steps_per_frame,
        "distance_travelled": np.hypot(*step.T).sum(),
        "displacement": np.hypot(*(xy[-1] - xy[0])),
        "mean_forward_speed": forward / (traj.time[-1] - traj.time[0]),
        "yaw_turned": yaw[-1] - yaw[0],
        "upright_fraction": np.mean(up >= 0.7),
    }
    for name, value in expected.items():
        assert stats[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    assert stats["components"] == pytest.approx(
        {k: v.sum() * steps_per_frame for k, v in traj.components.items()})
    assert (stats["frames"], stats["seconds"], stats["fell"], stats["unstable"]) == (
        FRAMES, SECONDS, traj.fell, False)
    assert stats["distance_travelled"] > 0 and stats["upright_fraction"] > 0


def test_unstable_trajectory_keeps_its_finite_frames(trajectories, tmp_path):
    qpos = trajectories[0].qpos.copy()
    qpos[20:] = np.nan
    traj = dataclasses.replace(trajectories[0], qpos=qpos, unstable=True)
    result = render_clip(traj, tmp_path, "blown", WIDTH, HEIGHT)
    _, frames = decode(result.video)
    assert len(frames) == 20
    assert result.stats["unstable"] and result.stats["frames"] == 20
    assert np.isfinite(result.stats["distance_travelled"])
    assert trajectory_stats(dataclasses.replace(traj, unstable=False))["unstable"]  # NaNs say so


def test_render_frames_shape_and_poses(trajectories):
    frames = render_frames("go1", trajectories[0].qpos[[0, -1]], WIDTH, HEIGHT)
    assert frames.shape == (2, HEIGHT, WIDTH, 3) and frames.dtype == np.uint8
    assert np.abs(frames[0].astype(int) - frames[1]).mean() > 1


def test_failed_encode_leaves_no_file(tmp_path):
    def frames():
        yield np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        raise RuntimeError("renderer died")

    with pytest.raises(RuntimeError, match="renderer died"):
        encode_mp4(frames(), tmp_path / "broken.mp4")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="even"):
        encode_mp4(np.zeros((2, 121, 160, 3), np.uint8), tmp_path / "odd.mp4")
    assert list(tmp_path.iterdir()) == []


def test_grid_export_tiles_labelled_clips(clips, tmp_path):
    videos = [clips[0].video, clips[1].video, clips[0].video, clips[1].video]
    labels = ["alpha: 100%", "beta", "gamma's", "delta \\ [x]"]  # ffmpeg filter syntax, quoted
    out = grid_export(videos, labels, tmp_path / "grid.mp4")
    facts, grid = decode(out)
    assert facts == ("h264", "yuv420p", 3 * WIDTH, 2 * HEIGHT)
    assert len(grid) == FRAMES
    assert list(tmp_path.iterdir()) == [out]
    _, source = decode(clips[1].video)
    tile = grid[0, :HEIGHT, WIDTH:2 * WIDTH].astype(int)  # "beta": row 0, column 1
    assert np.abs(tile[-HEIGHT // 2:] - source[0, -HEIGHT // 2:]).mean() < 6  # the clip itself
    assert np.abs(tile[:16, :40] - source[0, :16, :40]).mean() > 20  # under its label
    assert grid[0, HEIGHT:, 2 * WIDTH:].max() < 20  # the empty sixth tile is black


def test_grid_export_lasts_as_long_as_the_longest_clip(clips, trajectories, tmp_path):
    short = render_clip(dataclasses.replace(trajectories[0], qpos=trajectories[0].qpos[:12]),
                        tmp_path, "short", WIDTH, HEIGHT)
    out = grid_export([short.video, clips[1].video], ["short", "full"], tmp_path / "grid.mp4")
    facts, grid = decode(out)
    assert facts[2:] == (2 * WIDTH, HEIGHT) and len(grid) == FRAMES
    assert np.abs(grid[-1, :, :WIDTH].astype(int) - grid[-5, :, :WIDTH]).mean() < 1  # held


def test_render_many_in_processes_reports_each_failure(trajectories, tmp_path):
    good = ClipJob(trajectories[1], tmp_path, "good", WIDTH, HEIGHT)
    odd = ClipJob(trajectories[0], tmp_path, "odd", WIDTH + 1, HEIGHT)
    result, error = render_many([good, odd], processes=2, return_exceptions=True)
    assert decode(result.video)[1].shape == (FRAMES, HEIGHT, WIDTH, 3)
    assert isinstance(error, ValueError) and "even" in str(error)
    assert "'odd'" in " ".join(error.__notes__)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "good.gif", "good.mp4", "good.npz", "good.png"]


def test_missing_checkpoint_names_its_path(tmp_path):
    missing = tmp_path / "no-such-checkpoint"
    with pytest.raises(CheckpointError, match="no-such-checkpoint") as raised:
        render_checkpoint(missing, tmp_path / "out", "job-7")
    assert "'job-7'" in " ".join(raised.value.__notes__)


def test_no_gl_backend_names_the_fix(monkeypatch):
    monkeypatch.delenv("MUJOCO_GL")
    monkeypatch.setattr(gl.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(RendererUnavailableError) as raised:
        gl.make_renderer(None, WIDTH, HEIGHT)
    message = str(raised.value)
    assert "MUJOCO_GL" in message and "egl" in message and "libosmesa6" in message
