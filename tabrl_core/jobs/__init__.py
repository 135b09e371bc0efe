"""Training jobs: the batch API, the local worker and the Modal backend."""

from tabrl_core.budgets import BACKENDS
from tabrl_core.jobs.api import (Batch, cancel, check_backend, ensure_worker, estimate, get_status,
                                 list_runs, render, retry, start_batch)
from tabrl_core.jobs.cli import add_cancel_command, add_status_command, add_worker_command
from tabrl_core.jobs.modal_backend import ModalUnavailableError

__all__ = [
    "BACKENDS", "Batch", "ModalUnavailableError", "add_cancel_command", "add_status_command",
    "add_worker_command", "cancel", "check_backend", "ensure_worker", "estimate", "get_status",
    "list_runs", "render", "retry", "start_batch",
]
