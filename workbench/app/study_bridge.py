"""The window's one bridge to any backend: `StudyController` runs a run *or* a study on a QThread.

It is a `RunController` (same signals, same run and re-run behaviour) that
can also `start_study(spec, out_dir, options)`. A study's driver runs in the
worker thread and drives whichever backend was chosen; its events come out
as the signals the plots and results already consume (`step` and `epoch`
carry the study trial index as `event.trial`, so every trial gets its curve
and each case its mean and band), plus:

    trial_changed(int k, dict entry)   a trial's study.json entry (status, node, attempts, error)
    progress(StudyProgress)            the whole study: fraction, ETA, trials done/running/failed
    study_started(str dir, dict state)

`finished` carries a `StudyOutcome` for a study; `start_study(..., on_ended=f)` calls
f(outcome) in the worker thread first, however the study ended (the claims
dialog writes its report there, as `claims` does after its study). Pause, Resume and Stop go
through the same RunControl, which the driver passes on to every worker
process or Ray actor. Only QtCore is used here.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.events import RunControl

from workbench.records.live_log import epoch_lines
from workbench.studies.spec import StudyOptions, StudySpec
from workbench.app.worker import RunController, lower_training_priority


def beside_the_window(options: StudyOptions) -> StudyOptions:
    """A study started from the window never trains in the window's process.

    "local" there means what it means on the command line, trials one after another on this
    machine, but in one worker process instead of the window's own: TensorFlow's import and
    training would otherwise hold the window's GIL (see workbench/execution/engine_process.py). The
    numbers are the same (the backends are bit-identical at the same thread count), and
    study.json records what really ran: processes, 1 worker.
    """
    if options.backend != "local":
        return options
    return replace(options, backend="processes", workers=1,
                   threads_per_worker=options.threads_per_worker or os.cpu_count() or 1)


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class StudyWorker(QObject):
    """Runs one study in whatever thread it lives in; the driver's listener."""

    started = Signal(str)
    status = Signal(str)
    step = Signal(object)
    epoch = Signal(object)
    log = Signal(str)
    log_append = Signal(str)        # one trial's finished epoch (workbench.records.live_log), never a whole file
    trial_end = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    trial_changed = Signal(int, object)
    progress = Signal(object)
    study_started = Signal(str, object)

    def __init__(self, spec: StudySpec | None, out_dir: Path, options: StudyOptions,
                 control: RunControl | None = None, min_step_interval: float = 0.05, resume: bool = False,
                 on_ended: Callable[[object], None] | None = None):
        super().__init__()
        self.on_ended = on_ended
        self.spec, self.out_dir, self.options = spec, Path(out_dir), beside_the_window(options)
        self.control = control or RunControl()
        self.step_interval = min_step_interval     # the driver throttles each trial's steps to this
        self.resume = resume

    @Slot()
    def run(self) -> None:
        from workbench.execution.study_driver import StudyOutcome, resume_study, run_study
        # Trials train in this thread (local) or in worker processes: both below the window's priority.
        nice = lower_training_priority()
        try:
            if self.resume:
                outcome = resume_study(self.out_dir, self.options, self, self.control, worker_nice=nice)
            else:
                outcome = run_study(self.spec, self.out_dir, self.options, self, self.control, worker_nice=nice)
        except Exception as exc:               # a bad request (folder exists, Ray missing): one line
            outcome = StudyOutcome("failed", self.out_dir, [], _one_line(exc))
        if self.on_ended is not None:
            try:
                self.on_ended(outcome)
            except Exception as exc:           # the study's record stands; say what did not follow it
                self.status.emit(f"after the study: {_one_line(exc)}")
        if outcome.status == "failed":
            self.failed.emit(outcome.error or "the study failed")
        self.finished.emit(outcome)

    # ------------------------------------------------------------- driver listener
    def on_study_started(self, study_dir, state) -> None:
        self.started.emit(str(study_dir))
        self.study_started.emit(str(study_dir), state)

    def on_status(self, text: str) -> None:
        self.status.emit(text)

    def on_trial(self, k: int, entry: dict) -> None:
        self.trial_changed.emit(k, entry)

    def on_step(self, k: int, event) -> None:
        self.step.emit(event)

    def on_epoch(self, k: int, event, folder) -> None:
        self.epoch.emit(event)
        names = {c.key: c.name for c in folder.config.case_objects()}
        self.log_append.emit(epoch_lines(event, names).replace("====== ", f"====== trial-{k} · ", 1))

    def on_trial_end(self, k: int, result) -> None:
        self.trial_end.emit(result)

    def on_progress(self, progress) -> None:
        self.progress.emit(progress)


class StudyController(RunController):
    """A RunController that can also run studies (one worker thread at a time, runs or studies)."""

    trial_changed = Signal(int, object)
    progress = Signal(object)
    study_started = Signal(str, object)

    def start_study(self, spec: StudySpec | None, out_dir: Path, options: StudyOptions,
                    min_step_interval: float = 0.05, resume: bool = False,
                    on_ended: Callable[[object], None] | None = None) -> None:
        """Run `spec` into the new folder `out_dir` (or, with resume=True, continue the study there);
        `on_ended(outcome)` runs in the worker thread when the study has ended, before `finished`."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        self._release()
        self.config, self.out_dir = (spec.bases[0] if spec is not None else None), Path(out_dir)
        thread = QThread()
        thread.setObjectName("rcnn-workbench-study")
        worker = StudyWorker(spec, out_dir, options, min_step_interval=min_step_interval, resume=resume,
                             on_ended=on_ended)
        worker.moveToThread(thread)
        for name in ("started", "status", "step", "epoch", "log", "log_append", "trial_end", "failed", "trial_changed",
                     "progress", "study_started"):
            getattr(worker, name).connect(getattr(self, name))
        worker.finished.connect(self._on_worker_finished)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
