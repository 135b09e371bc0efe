"""Auto-refine in the background of a long-lived process (the app's server): one thread per
run, its progress lines kept for the page to poll."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from tabrl_core.refining.api import auto_refine


@dataclass
class AutoRefineTask:
    """One run's auto-refine: its progress lines, and its result or error once done."""

    run_id: str
    lines: list[str] = field(default_factory=list)
    result: dict | None = None
    error: str | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


_tasks: dict[str, AutoRefineTask] = {}
_lock = threading.Lock()


def start_auto_refine(run_id: str, rounds: int = 3, steps: int | None = None, *,
                      secrets=None, keys=None) -> AutoRefineTask:
    """Start auto-refining `run_id` in a thread (the background worker trains); the running
    task if one is already going for it."""
    with _lock:
        task = _tasks.get(run_id)
        if task is not None and task.running:
            return task
        task = _tasks[run_id] = AutoRefineTask(run_id)

    def work() -> None:
        try:
            task.result = auto_refine(run_id, rounds, steps, secrets=secrets, keys=keys,
                                      on_progress=task.lines.append)
        except Exception as err:  # noqa: BLE001 -- shown to the user, never raised in a thread
            task.error = str(err)

    task.thread = threading.Thread(target=work, name=f"tabrl-auto-refine-{run_id}", daemon=True)
    task.thread.start()
    return task


def auto_refine_task(run_id: str) -> AutoRefineTask | None:
    """This process's auto-refine task for `run_id`, running or finished, if any."""
    with _lock:
        return _tasks.get(run_id)
