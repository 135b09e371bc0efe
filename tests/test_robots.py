"""The robot gallery: bundled models load and stand, thumbnails, records, Menagerie downloads."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading
import types
from pathlib import Path

import mujoco
import mujoco_menagerie
import numpy as np
import pytest
from PIL import Image

from tabrl_core.robots import (
    CATEGORIES, MenagerieDownloadError, RobotNotDownloadedError, UnknownRobotError, check_robot,
    fetch_menagerie_model, get_robot, load_model, robot_ids,
)
from tabrl_core.robots import gallery
from tabrl_core.robots.catalog import BUNDLED, GO1
from tabrl_core.robots.model import TRACK_CAMERA, home_data

# Legged robots that hold their pose with zero action: PD position control (go1, op3) or legs
# resting on joint limits (ant). hopper, walker2d and humanoid have torque motors and fall with
# zero torque, as in gym; balancing them is the task.
STANDING = ("go1", "op3", "ant")
TEST_BOT = "tabrl_test_bot"
BROKEN_BOT = "tabrl_broken_bot"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One TABRL_HOME for the module, so thumbnails and checks render once."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("tabrl_home")
        mp.setenv("TABRL_HOME", str(path))
        for name in ("MENAGERIE_ROOT", "MENAGERIE_CACHE_DIR", "MENAGERIE_BASE_URL",
                     "TABRL_MENAGERIE_REGISTRY"):
            mp.delenv(name, raising=False)
        yield path


@pytest.fixture(scope="module")
def records(home):
    return gallery.list_models()


@pytest.mark.parametrize("robot", BUNDLED, ids=lambda r: r.id)
def test_bundled_robot_loads_in_mujoco_and_mjx(home, robot):
    assert check_robot(robot) == []
    model = load_model(robot)
    assert model.opt.timestep == robot.sim_dt
    assert model.camera(TRACK_CAMERA).mode == mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM
    assert model.nu == robot.dof
    assert all(model.actuator(i).name for i in range(model.nu))  # the environment's sensors


@pytest.mark.parametrize("robot_id", STANDING)
def test_legged_robot_stands_two_seconds_with_zero_action(robot_id):
    robot = get_robot(robot_id)
    model = load_model(robot)
    data = home_data(model, robot.keyframe)
    if robot.action_scale == 0:  # torque control: action 0 is the middle of the ctrl range
        data.ctrl[:] = model.actuator_ctrlrange.mean(axis=1)
    base = model.body(robot.base_body).id
    lowest, least_upright = np.inf, np.inf
    for _ in range(round(2.0 / robot.sim_dt)):
        mujoco.mj_step(model, data)
        lowest = min(lowest, data.xpos[base, 2])
        least_upright = min(least_upright, data.xmat[base, 8])
    assert lowest > robot.min_base_height
    assert least_upright > max(robot.min_upright, 0.9)


def test_every_thumbnail_is_a_png_of_something(records):
    bundled = [r for r in records if r["source"] == "bundled"]
    assert len(bundled) == len(BUNDLED)
    for record in bundled:
        path = Path(record["thumbnail"])
        assert path.parent.name == "thumbnails"
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
        assert pixels.shape == (240, 320, 3)
        assert pixels.std() > 10, f"{record['id']}: thumbnail is nearly one colour"


def test_thumbnails_are_cached_by_model_hash(records):
    path = Path(records[0]["thumbnail"])
    before = path.stat().st_mtime_ns
    assert gallery.thumbnail(GO1) == path
    assert path.stat().st_mtime_ns == before


def test_list_models_offline_lists_trainable_robots_go1_first(records):
    trainable = [r for r in records if r["trainable"] and r["offline"]]
    assert len(trainable) >= 8
    first = records[0]
    assert (first["id"], first["default"], first["dof"]) == ("go1", True, 12)
    assert [r["id"] for r in records if r["default"]] == ["go1"]
    assert {r["category"] for r in records} <= set(CATEGORIES)
    assert {r["category"] for r in trainable} >= {"quadruped", "humanoid/biped", "arm", "classic"}
    assert robot_ids()[0] == "go1"


def test_list_models_shows_menagerie_robots_without_network(home, monkeypatch):
    def no_network(*args):
        raise AssertionError("list_models opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    menagerie = [r for r in gallery.list_models() if r["source"] == "menagerie"]
    assert len(menagerie) == len(mujoco_menagerie.names())
    go2 = next(r for r in menagerie if r["id"] == "unitree_go2")
    assert go2["license"] == "BSD-3-Clause"
    assert go2["offline"] is False and go2["trainable"] is None
    assert go2["download"]["state"] == "not downloaded"
    assert "download on first use" in go2["description"]


def test_unknown_robot_lists_valid_ids(home):
    with pytest.raises(UnknownRobotError) as caught:
        get_robot("go3")
    assert all(robot_id in str(caught.value) for robot_id in robot_ids())
    with pytest.raises(UnknownRobotError, match="unitree_go3"):
        fetch_menagerie_model("unitree_go3")
    with pytest.raises(RobotNotDownloadedError, match="fetch_menagerie_model"):
        get_robot("unitree_go2")


def test_broken_models_are_reported_and_not_trainable(home, tmp_path, monkeypatch):
    bad_xml = tmp_path / "bad.xml"
    bad_xml.write_text("<mujoco><worldbody><body>")
    pgs_xml = tmp_path / "pgs.xml"
    pgs_xml.write_text(_robot_xml('<option solver="PGS"/>'))
    broken = dataclasses.replace(GO1, id="broken", xml_path=bad_xml, default=False)
    no_mjx = dataclasses.replace(broken, id="no_mjx", xml_path=pgs_xml, base_body="torso",
                                 joint_names=("hip",), foot_names=())

    [load_problem] = check_robot(broken)
    assert load_problem.startswith("does not load in MuJoCo")
    assert check_robot(no_mjx) == ["does not compile in MJX: NotImplementedError: "
                                   "mjtSolver.mjSOL_PGS"]
    wrong_joints = dataclasses.replace(no_mjx, id="wrong_joints", xml_path=tmp_path / "ok.xml",
                                       joint_names=("knee",))
    wrong_joints.xml_path.write_text(_robot_xml(""))
    assert check_robot(wrong_joints) == [
        "actuators drive ['hip'], the catalogue lists ['knee']"]

    monkeypatch.setattr(gallery, "BUNDLED", (GO1, broken, no_mjx))
    monkeypatch.setenv("TABRL_MENAGERIE_REGISTRY", str(_write_registry(tmp_path, {})))
    by_id = {r["id"]: r for r in gallery.list_models()}
    assert by_id["go1"]["trainable"] is True
    assert by_id["broken"]["trainable"] is False and by_id["broken"]["thumbnail"] is None
    assert by_id["no_mjx"]["trainable"] is False and "MJX" in by_id["no_mjx"]["problems"][0]


def test_menagerie_download_from_local_mirror(home, tmp_path, monkeypatch):
    mirror = _menagerie_mirror(tmp_path, monkeypatch)
    with _serve(mirror) as url:
        monkeypatch.setenv("MENAGERIE_BASE_URL", url)
        before = _menagerie_records()
        assert before[TEST_BOT]["download"]["state"] == "not downloaded"
        path = fetch_menagerie_model(TEST_BOT)
        fetch_menagerie_model(BROKEN_BOT)

    assert path.is_relative_to(tmp_path / "cache") and (path / "LICENSE").is_file()
    robot = get_robot(TEST_BOT)  # the server is gone: it reads the cache
    assert robot.source == "menagerie" and robot.license == "MIT"
    assert (robot.base_body, robot.joint_names, robot.keyframe) == ("torso", ("hip",), "home")
    assert check_robot(robot) == []
    after = _menagerie_records()
    assert after[TEST_BOT]["download"] == {
        "state": "downloaded", "size_bytes": before[TEST_BOT]["download"]["size_bytes"],
        "error": None}
    assert after[TEST_BOT]["offline"] and after[TEST_BOT]["trainable"]
    assert after[TEST_BOT]["dof"] == 1 and Path(after[TEST_BOT]["thumbnail"]).is_file()
    broken = after[BROKEN_BOT]
    assert broken["download"]["state"] == "downloaded" and broken["trainable"] is False
    assert broken["problems"][0].startswith("does not load in MuJoCo")


def test_menagerie_download_fails_cleanly_without_server(home, tmp_path, monkeypatch):
    _menagerie_mirror(tmp_path, monkeypatch)
    monkeypatch.setenv("MENAGERIE_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    # The package retries a refused connection, waiting 1 + 2 + 4 s; skip the waits.
    monkeypatch.setattr(mujoco_menagerie._cache, "time", types.SimpleNamespace(sleep=lambda s: 0))

    with pytest.raises(MenagerieDownloadError, match=f"robot '{TEST_BOT}'.*Connection refused"):
        fetch_menagerie_model(TEST_BOT)
    records = gallery.list_models()
    failed = _menagerie_records(records)[TEST_BOT]
    assert failed["download"]["state"] == "failed"
    assert TEST_BOT in failed["download"]["error"] and failed["offline"] is False
    assert records[0]["id"] == "go1" and records[0]["trainable"]
    assert not list((tmp_path / "cache").glob("models/*"))


def test_models_command_prints_a_table_and_json(home, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TABRL_MENAGERIE_REGISTRY", str(_write_registry(tmp_path, {})))
    parser = argparse.ArgumentParser()
    gallery.add_models_command(parser.add_subparsers())
    for argv in (["models"], ["models", "--json"]):
        args = parser.parse_args(argv)
        assert args.func(args) == 0
    table, printed_json = capsys.readouterr().out.split("\n[", 1)
    assert table.splitlines()[0].split()[:3] == ["id", "name", "category"]
    assert table.splitlines()[1].split()[0] == "go1"
    assert [r["id"] for r in json.loads("[" + printed_json)] == robot_ids()


# A Menagerie-shaped model directory, archived and registered as the package expects.

def _robot_xml(option: str) -> str:
    return f"""<mujoco model="bot">{option}
      <worldbody><body name="torso" pos="0 0 0.3"><freejoint/>
        <geom type="box" size="0.1 0.05 0.05" mass="1"/>
        <body name="leg"><joint name="hip" axis="0 1 0" range="-1 1"/>
          <geom type="capsule" fromto="0 0 0 0 0 -0.25" size="0.02" mass="0.2"/></body>
      </body></worldbody>
      <actuator><position joint="hip" kp="10" ctrlrange="-1 1"/></actuator>
      <keyframe><key name="home" qpos="0 0 0.3 1 0 0 0 0" ctrl="0"/></keyframe>
    </mujoco>"""


def _menagerie_mirror(tmp_path: Path, monkeypatch) -> Path:
    """Archive TEST_BOT and BROKEN_BOT as the package expects; point it at their registry."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    robots = {name: _archive(mirror, name, bot_xml)
              for name, bot_xml in ((TEST_BOT, _robot_xml("")), (BROKEN_BOT, "<mujoco><bad"))}
    monkeypatch.setenv("TABRL_MENAGERIE_REGISTRY", str(_write_registry(tmp_path, robots)))
    monkeypatch.setenv("MENAGERIE_CACHE_DIR", str(tmp_path / "cache"))
    return mirror


def _archive(mirror: Path, name: str, bot_xml: str) -> dict:
    """Write `name`'s model archive into `mirror`; return its registry entry."""
    files = {
        "bot.xml": bot_xml,
        "scene.xml": '<mujoco><include file="bot.xml"/><worldbody>'
                     '<geom type="plane" size="0 0 1"/></worldbody></mujoco>',
        "LICENSE": "MIT License",
    }
    oid = hashlib.sha1(name.encode()).hexdigest()
    archive = mirror / f"{name}-{oid[:16]}.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for file_name, text in files.items():
            info = tarfile.TarInfo(f"{name}/{file_name}")
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    data = archive.read_bytes()
    return {
        "asset": archive.name, "category": "quadruped", "default_model": "bot",
        "default_scene": "scene", "display_name": name.replace("_", " ").title(),
        "download_size": len(data),
        "entry_points": {"bot": {"file": "bot.xml", "kind": "robot"},
                         "scene": {"file": "scene.xml", "kind": "scene"}},
        "installed_size": sum(len(t) for t in files.values()), "license": "MIT", "oid": oid,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _menagerie_records(records: list[dict] | None = None) -> dict[str, dict]:
    return {r["id"]: r for r in records or gallery.list_models() if r["source"] == "menagerie"}


def _write_registry(folder: Path, robots: dict) -> Path:
    path = folder / "registry.json"
    path.write_text(json.dumps({"schema": 1, "menagerie_commit": "test", "robots": robots}))
    return path


@contextlib.contextmanager
def _serve(folder: Path):
    """Serve a folder over HTTP on 127.0.0.1 while in the with-block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
