"""A real `streamlit run app.py` on a free port with its own TABRL_HOME, and Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from browser_support import ARTIFACTS, launch as launch_chromium
from jobs_support import stop_workers
from tabrl_core.robots.gallery import list_models

ROOT = Path(__file__).resolve().parents[2]
VIEWPORTS = {"desktop": (1280, 900), "tablet": (820, 1180)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, deadline_s: float) -> None:
    """Return once the server answers its health check; fail if it exits or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:  # the pause between tries doubles as the check that the server is still up
            proc.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"streamlit exited with {proc.returncode}")
    raise TimeoutError(f"streamlit did not answer at {url} within {deadline_s} s")


@dataclass(frozen=True)
class App:
    """A running `streamlit run app.py`."""

    url: str
    pid: int


@pytest.fixture(scope="module")
def tabrl_home(tmp_path_factory) -> Path:
    """The module's data dir, with the robot gallery's thumbnails and checks already made (as
    `tabrl models` leaves them), so the app's first page shows without that one-time work."""
    home = tmp_path_factory.mktemp("tabrl-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TABRL_HOME", str(home))
        list_models()
    return home


@pytest.fixture(scope="module")
def app(tabrl_home):
    """The app, served by its own Streamlit process for the module's tests; at the end, the
    server and any local worker it started are stopped."""
    port = _free_port()
    env = {**os.environ, "TABRL_HOME": str(tabrl_home), "PYTHONPATH": str(ROOT)}
    log = (tabrl_home / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, 60)
        yield App(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        stop_workers(tabrl_home)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page (1280x900)."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), VIEWPORTS["desktop"])))
    yield context.new_page()
    context.close()


@pytest.fixture
def shoot(page):
    """shoot(name, viewport, at): resize the page to a VIEWPORTS entry, scroll `at` (a locator)
    into view, and save what the page shows as test-artifacts/<name>-<viewport>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, viewport: str = "desktop", at=None) -> Path:
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport])))
        if at is not None:
            at.scroll_into_view_if_needed()
        page.wait_for_timeout(400)  # layout and scrolling settle
        path = ARTIFACTS / f"{name}-{viewport}.png"
        page.screenshot(path=path)
        return path

    return take
