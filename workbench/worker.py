"""The one bridge between the engine and the window: a worker object on a QThread.

`RunController.start(config, out_dir)` moves a `RunWorker` to a fresh QThread
and calls `workbench.runner.run_experiment` there, so TensorFlow is imported
and every training step runs off the GUI thread. The worker turns the
engine's listener calls into Qt signals (queued into the GUI thread):

    started(str folder)  status(str)  step(StepEvent)  epoch(EpochEvent)
    log(str transparency.txt, once at the end)  log_append(str one finished epoch, see live_log)
    trial_end(TrialResult)  finished(RunOutcome)
    failed(str one-line error)

Step events are throttled (at most one every `min_step_interval` seconds,
except the last step of an epoch, which is always sent). Pause, resume and
stop go through the engine's `RunControl`, which the trainer checks between
steps. `shutdown()` stops a run, ends the thread and waits for it: the
window calls it from closeEvent, so no thread outlives the window.

Only QtCore is used here; no widgets.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path


from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.events import RunControl

from .config import ExperimentConfig
from .live_log import epoch_lines

from .paths import RUNS_ENV, runs_home  # noqa: E402,F401  (RUNS_ENV kept for importers)
from .run_folder import new_run_dir  # noqa: E402,F401  (one function for the CLI and the window)


def default_runs_dir() -> Path:
    """Where the window puts run folders: the one home of workbench.paths.runs_home()."""
    return runs_home()


TRAIN_NICE_ENV = "RCNN_WORKBENCH_TRAIN_NICE"


def lower_training_priority() -> int:
    """Run the calling thread, and the TensorFlow thread pools it starts, at a lower CPU priority.

    Training may use every core; the GUI thread keeps its normal priority, so the
    scheduler gives it the CPU whenever it has work and the window stays smooth
    (bench/RESULTS.md, "## GUI"). Linux nice values are per thread and inherited by
    threads created later, which is how TensorFlow's pools get it. Returns the nice
    increment applied (0: none; set RCNN_WORKBENCH_TRAIN_NICE=0 to turn it off).
    """
    try:
        nice = int(os.environ.get(TRAIN_NICE_ENV, "10"))
    except ValueError:
        nice = 10
    if nice <= 0 or not hasattr(os, "setpriority"):
        return 0
    try:
        tid = threading.get_native_id()
        # An increment on the thread's own priority: a window already started
        # under `nice` must not see its training thread raised above it.
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + min(nice, 19)))
    except OSError:
        return 0
    return min(nice, 19)


class RunWorker(QObject):
    """Runs one experiment in whatever thread it lives in; a listener for run_experiment."""

    started = Signal(str)
    status = Signal(str)
    step = Signal(object)
    epoch = Signal(object)
    log = Signal(str)
    log_append = Signal(str)        # one epoch's lines (workbench.live_log); never the whole text
    trial_end = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    rerun_done = Signal(object)     # workbench.rerun.RerunReport, for a re-run

    def __init__(self, config: ExperimentConfig, out_dir: Path, control: RunControl | None = None,
                 min_step_interval: float = 0.05, rerun_of: Path | None = None):
        super().__init__()
        self.config = config
        self.out_dir = Path(out_dir)
        self.rerun_of = Path(rerun_of) if rerun_of is not None else None
        self.control = control or RunControl()
        self.min_step_interval = min_step_interval
        self._last_step = 0.0
        self.steps_seen = 0
        self.steps_sent = 0
        self._case_names: dict[str, str] | None = None

    # ------------------------------------------------------------------ thread entry
    @Slot()
    def run(self) -> None:
        from .runner import RunOutcome, run_experiment   # TensorFlow loads inside, lazily
        lower_training_priority()
        try:
            if self.rerun_of is not None:
                from .rerun import rerun
                report = rerun(self.rerun_of, self.out_dir, listener=self, control=self.control)
                outcome = report.outcome or RunOutcome("failed", self.out_dir, error=report.message)
                self.rerun_done.emit(report)
            else:
                outcome = run_experiment(self.config, self.out_dir, listener=self, control=self.control)
        except Exception as exc:       # run_experiment records its own errors; this is a last resort
            outcome = RunOutcome("failed", self.out_dir, error=f"{type(exc).__name__}: {exc}")
        self.send_final_log(outcome.folder)
        if outcome.status == "failed":
            self.failed.emit(outcome.error or "the run failed")
        self.finished.emit(outcome)

    # ------------------------------------------------------------- engine listener
    def on_started(self, folder) -> None:
        self.started.emit(str(folder.dir))

    def on_status(self, text: str) -> None:
        self.status.emit(text)

    def on_step(self, event) -> None:
        self.steps_seen += 1
        now = time.monotonic()
        last_of_epoch = event.step >= event.steps_per_epoch
        if last_of_epoch or now - self._last_step >= self.min_step_interval:
            self._last_step = now
            self.steps_sent += 1
            self.step.emit(event)

    def on_epoch(self, event, folder) -> None:
        self.epoch.emit(event)
        if self._case_names is None:
            self._case_names = {c.key: c.name for c in self.config.case_objects()}
        self.log_append.emit(epoch_lines(event, self._case_names, self.config.trials))

    def send_final_log(self, folder: Path) -> None:
        """The run folder's transparency.txt, once, when the run has ended (its header has the status)."""
        try:
            self.log.emit((Path(folder) / "transparency.txt").read_text())
        except OSError:
            pass

    def on_trial_end(self, result) -> None:
        self.trial_end.emit(result)


class RunController(QObject):
    """Owns at most one running worker and its thread; forwards the worker's signals.

    Connect to the controller's signals once; every run re-uses them.
    """

    started = Signal(str)
    status = Signal(str)
    step = Signal(object)
    epoch = Signal(object)
    log = Signal(str)
    log_append = Signal(str)
    trial_end = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    rerun_done = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: RunWorker | None = None
        self.config: ExperimentConfig | None = None      # the configuration of the current/last run
        self.out_dir: Path | None = None

    # ------------------------------------------------------------------- state
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    @property
    def paused(self) -> bool:
        return self._worker is not None and self._worker.control.paused

    @property
    def control(self) -> RunControl | None:
        return self._worker.control if self._worker is not None else None

    @property
    def worker(self) -> RunWorker | None:
        return self._worker

    # ----------------------------------------------------------------- actions
    def start(self, config: ExperimentConfig, out_dir: Path, min_step_interval: float = 0.05,
              rerun_of: Path | None = None) -> None:
        """Run `config` into `out_dir` in a new thread (or, with `rerun_of`, re-run that run folder)."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        self._release()
        self.config, self.out_dir = config, Path(out_dir)
        thread = QThread()
        thread.setObjectName("rcnn-workbench-run")
        worker = RunWorker(config, out_dir, min_step_interval=min_step_interval, rerun_of=rerun_of)
        worker.moveToThread(thread)
        for name in ("started", "status", "step", "epoch", "log", "log_append", "trial_end", "failed",
                     "rerun_done"):
            getattr(worker, name).connect(getattr(self, name))
        worker.finished.connect(self._on_worker_finished)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()

    def pause(self) -> None:
        if self._worker is not None:
            self._worker.control.pause()

    def resume(self) -> None:
        if self._worker is not None:
            self._worker.control.resume()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.control.stop()

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Stop the run, end its thread and wait for it; True when no thread is left running.

        The trainer stops between steps, so this normally returns within a
        step; only TensorFlow's import (not interruptible) can take longer.
        """
        if self._thread is None:
            return True
        self.stop()
        self._thread.quit()
        done = self._thread.wait(timeout_ms)
        if done:
            self._release()
        return done

    # -------------------------------------------------------------- internals
    @Slot(object)
    def _on_worker_finished(self, outcome) -> None:
        thread = self._thread
        if thread is not None:
            thread.quit()
            thread.wait()       # run() has returned: only the event loop is left to end
        self._release()
        self.finished.emit(outcome)

    def _release(self) -> None:
        if self._thread is not None and not self._thread.isRunning():
            self._thread = None
            self._worker = None
