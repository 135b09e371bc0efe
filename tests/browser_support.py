"""What the browser checks share: Debian's Chromium (never a downloaded browser build) and the
folder their screenshots and pages go to."""

from __future__ import annotations

import os
from pathlib import Path

ARTIFACTS = Path(os.environ.get("TABRL_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[1] / "test-artifacts")

EXECUTABLE = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def launch(playwright):
    """A headless Debian Chromium through `playwright` (a sync_playwright() context)."""
    return playwright.chromium.launch(executable_path=EXECUTABLE, args=ARGS, headless=True)
