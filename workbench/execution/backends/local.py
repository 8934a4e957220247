"""`local`: the trials run in this process, one after another (what `--trials K` always did).

No start-up cost and no extra memory; one trial at a time. The study's own
RunControl reaches the trainer directly, so Pause and Stop act within a step.
"""
from __future__ import annotations

from collections import deque

from workbench.execution.backends import protocol as P
from workbench.execution.backends.trial_runner import apply_threads, run_task, worker_facts


class LocalBackend:
    name = "local"

    def __init__(self, emit: P.Emit, dataset_for, control, threads: int | None = None):
        """`dataset_for(task)` gives the driver's loaded Dataset for a task (no copy, no reload)."""
        self.emit, self.dataset_for, self.control, self.threads = emit, dataset_for, control, threads
        self._queue: deque[P.TrialTask] = deque()
        self._facts: dict | None = None

    def start(self) -> dict:
        apply_threads(self.threads)
        self._facts = worker_facts(self.name, self.threads, "local")
        return {"workers": 1, "threads_per_worker": self._facts["intra_op_threads"],
                "nodes": [self._facts["node"]], "device": self._facts["device_label"]}

    def free_slots(self) -> int:
        return 0 if self._queue else 1

    def submit(self, task) -> None:
        self._queue.append(task)

    def wait(self, timeout: float) -> None:
        if self._queue:
            task = self._queue.popleft()
            run_task(task, self.dataset_for(task), self.emit, self.control, dict(self._facts))

    # The trainer reads the study's RunControl itself.
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> None: ...
    def shutdown(self) -> None: ...
