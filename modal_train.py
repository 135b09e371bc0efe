"""TabRL on Modal: the app `tabrl` and its function `tabrl-custom-reward-training`.

Deploy with `modal deploy modal_train.py` (see docs/modal.md); choose the GPU at deploy time with
TABRL_MODAL_GPU (default H100). The function trains one batch of approaches with the same code as
the local worker (`tabrl_core.jobs.remote.run_remote_batch`), writes progress to the Dict
`tabrl-progress` under its call id, and checkpoints and videos to the Volume `tabrl-artifacts`,
where its resume points let a preempted or retried call continue each job.
"""

from __future__ import annotations

import os
from pathlib import Path

import modal

from tabrl_core.jobs.modal_backend import APP_NAME, DICT_NAME, FUNCTION_NAME, VOLUME_NAME

GPU = os.environ.get("TABRL_MODAL_GPU", "H100")
TIMEOUT_S = 2 * 60 * 60
RETRIES = modal.Retries(max_retries=2, initial_delay=5.0, backoff_coefficient=1.0)
"""A call that crashed runs again and resumes from the Volume (preempted ones always do)."""
VOLUME_PATH = Path("/artifacts")
_LOCAL_ONLY = ("pytest", "playwright", "streamlit")  # tests and the app never run remotely


def requirements(path: Path = Path(__file__).with_name("requirements.txt")) -> list[str]:
    """The pinned requirements for the GPU image: jax[cuda12] instead of jax[cpu]."""
    pins = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith(_LOCAL_ONLY):
            pins.append(line.replace("jax[cpu]", "jax[cuda12]"))
    return pins


image = (
    modal.Image.debian_slim(python_version="3.11")
    .apt_install("libegl1", "libegl-mesa0", "libgl1-mesa-dri", "libopengl0", "libosmesa6")
    .pip_install(*(requirements() if modal.is_local() else []))
    .add_local_python_source("tabrl_core", ignore=["**/__pycache__", "**/*.pyc"])
)
app = modal.App(APP_NAME, image=image)
volume = modal.Volume.from_name(VOLUME_NAME, create_if_missing=True)
progress = modal.Dict.from_name(DICT_NAME, create_if_missing=True)


@app.function(name=FUNCTION_NAME, gpu=GPU, timeout=TIMEOUT_S, retries=RETRIES,
              volumes={VOLUME_PATH: volume})
def train_batch(config: dict) -> dict:
    """Train and render one batch (see run_remote_batch for `config` and the result); resume
    points are committed to the Volume as they are written, so a restarted call resumes."""
    from tabrl_core.jobs.remote import run_remote_batch

    result = run_remote_batch(config, volume_root=VOLUME_PATH, progress=progress,
                              key=modal.current_function_call_id(), on_resume_point=volume.commit)
    volume.commit()
    return result
