"""A run's downloads on the Runs page: the run as Parquet or CSV, and a trained policy as its
checkpoint (zip) or as ONNX. Files are made only when a button is pressed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from tabrl_core import get_status
from tabrl_core.research import export_policy, export_run

_MIME = {"parquet": "application/octet-stream", "csv": "text/csv", "zip": "application/zip",
         "onnx": "application/octet-stream"}


def _made(write: Callable[[Path], Path], suffix: str) -> Callable[[], bytes]:
    """A download's deferred data: `write` a file into a temporary folder and read it back."""
    def data() -> bytes:
        with tempfile.TemporaryDirectory(prefix="tabrl-export-") as folder:
            return write(Path(folder) / f"export.{suffix}").read_bytes()
    return data


def run_downloads(run_id: str, *, key: str = "") -> None:
    """Download buttons for run `run_id` and for the policies of its trained jobs."""
    status = get_status(run_id)
    with st.expander("Export", icon=":material/download:"):
        table, policy = st.columns(2)
        for fmt in ("parquet", "csv"):
            table.download_button(
                f"Run as {fmt.upper() if fmt == 'csv' else 'Parquet'}",
                _made(lambda path, f=fmt: export_run(run_id, path, format=f), fmt),
                file_name=f"{run_id}.{fmt}", mime=_MIME[fmt], on_click="ignore",
                key=f"export-{fmt}-{key}{run_id}")
        trained = {j["id"]: f"{j['provider']} · {j['name']}" for j in status["jobs"]
                   if "checkpoint" in j["artifacts"]}
        if not trained:
            policy.caption("No trained policy yet.")
            return
        job_id = policy.selectbox("Policy", list(trained), format_func=trained.get,
                                  key=f"export-policy-{key}{run_id}")
        for fmt, label in (("onnx", "Policy as ONNX"), ("zip", "Checkpoint as zip")):
            policy.download_button(
                label, _made(lambda path, f=fmt: export_policy(job_id, path, format=f), fmt),
                file_name=f"{job_id}.{fmt}", mime=_MIME[fmt], on_click="ignore",
                key=f"export-{fmt}-{key}{run_id}")
