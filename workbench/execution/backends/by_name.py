"""The backend a study's options name (local, processes, ray), started by the study driver.

A new backend is a module beside this one speaking protocol.py, its name in `BACKENDS`
(workbench/studies/spec.py) and its branch here.
"""
from __future__ import annotations

from engine.events import RunControl

from workbench.execution.backends import protocol as P
from workbench.execution.backends.protocol import BackendUnavailable
from workbench.studies.spec import StudyOptions


def make_backend(options: StudyOptions, emit: P.Emit, datasets: dict, control: RunControl,
                 worker_nice: int = 0):
    """The backend named in `options`; `datasets` maps a data checksum to the loaded Dataset."""
    if options.backend == "local":
        from workbench.execution.backends.local import LocalBackend
        return LocalBackend(emit, _DatasetsByTask(datasets), control, options.threads_per_worker)
    if options.backend == "processes":
        from workbench.execution.backends.processes import ProcessBackend
        return ProcessBackend(emit, workers=options.workers, threads=options.threads_per_worker or 1,
                              nice=worker_nice)
    if options.backend == "ray":
        from workbench.execution.backends.ray_backend import RayBackend, require_ray
        require_ray(options.address)
        return RayBackend(emit, datasets, workers=options.workers, threads=options.threads_per_worker or 1,
                          address=options.address)
    raise BackendUnavailable(f"unknown backend {options.backend!r}")


class _DatasetsByTask:
    """Lets the local backend find a task's dataset by the checksum the task carries."""

    def __init__(self, datasets: dict):
        self.datasets = datasets

    def __call__(self, task: P.TrialTask):
        return self.datasets[task.data_sha256]
