"""The one bridge between the engine and the window: a worker object on a QThread.

`RunController.start(config, out_dir)` moves a `RunWorker` to a fresh QThread. The run itself
trains in a child process (workbench/execution/engine_process.py: the warm spare when there is one), so
neither TensorFlow's import nor its training steps ever hold the window's GIL; the worker thread
only reads the child's events from a pipe and turns them into Qt signals (queued into the GUI
thread):

    started(str folder)  status(str)  step(StepEvent)  epoch(EpochEvent)
    log(str transparency.txt, once at the end)  log_append(str one finished epoch, see live_log)
    trial_end(TrialResult)  finished(RunOutcome)
    failed(str one-line error)  rerun_done(RerunReport)

Step events are throttled in the child (at most one every `min_step_interval` seconds, except
the last step of an epoch, which is always sent). Pause, resume and stop are two shared bytes
the child's trainer reads between steps. `shutdown()` stops a run, waits for the child to write
its final status and ends the thread: the window calls it from closeEvent, so no thread or
engine process outlives the window.

Only QtCore is used here; no widgets.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.events import RunControl

from workbench.core.config import ExperimentConfig
from workbench.execution.engine_process import (TRAIN_NICE_ENV, EngineLost, EngineProcess, RunRequest,  # noqa: F401
                             lower_training_priority, take_engine, warm_spare)
from workbench.core.paths import RUNS_ENV, runs_home  # noqa: F401  (RUNS_ENV kept for importers)
from workbench.records.run_folder import new_run_dir  # noqa: F401  (one function for the CLI and the window)


def default_runs_dir() -> Path:
    """Where the window puts run folders: the one home of workbench.core.paths.runs_home()."""
    return runs_home()


class RunWorker(QObject):
    """Relays one run from its engine process to Qt signals, in whatever thread it lives in."""

    started = Signal(str)
    status = Signal(str)
    step = Signal(object)
    epoch = Signal(object)
    log = Signal(str)
    log_append = Signal(str)        # one epoch's lines (workbench.records.live_log); never the whole text
    trial_end = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    rerun_done = Signal(object)     # workbench.execution.rerun.RerunReport, for a re-run

    def __init__(self, config: ExperimentConfig, out_dir: Path, engine: EngineProcess,
                 min_step_interval: float = 0.05, rerun_of: Path | None = None, resume: bool = False):
        super().__init__()
        self.config = config
        self.out_dir = Path(out_dir)
        self.rerun_of = Path(rerun_of) if rerun_of is not None else None
        self.engine = engine
        self.control = engine.control
        self.request = RunRequest(config.to_dict(), str(self.out_dir),
                                  str(self.rerun_of) if self.rerun_of is not None else None, min_step_interval,
                                  resume_of=str(self.out_dir) if resume else None)

    # ------------------------------------------------------------------ thread entry
    @Slot()
    def run(self) -> None:
        from workbench.execution.runner import RunOutcome
        outcome = None
        try:
            self.engine.submit(self.request)
            for message in self.engine.messages():
                kind = message[0]
                if kind == "finished":
                    outcome = message[1]
                elif kind == "epoch":
                    self.epoch.emit(message[1])
                    self.log_append.emit(message[2])
                elif kind in ("started", "status", "step", "trial_end", "rerun_done"):
                    getattr(self, kind).emit(message[1])
        except EngineLost as exc:
            outcome = RunOutcome("failed", self.out_dir, error=str(exc))
        except Exception as exc:       # a last resort: the window must hear how the run ended
            outcome = RunOutcome("failed", self.out_dir, error=f"{type(exc).__name__}: {exc}")
        finally:
            self.engine.close(5.0)
        self.send_final_log(outcome.folder)
        if outcome.status == "failed":
            self.failed.emit(outcome.error or "the run failed")
        self.finished.emit(outcome)

    def send_final_log(self, folder: Path) -> None:
        """The run folder's transparency.txt, once, when the run has ended (its header has the status)."""
        try:
            self.log.emit((Path(folder) / "transparency.txt").read_text())
        except OSError:
            pass


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

    def __init__(self, parent: QObject | None = None, keep_spare: bool = False):
        super().__init__(parent)
        self.keep_spare = keep_spare     # the app keeps a warm engine process for the next Run
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

    def keep_engine_warm(self) -> None:
        """From now on keep one engine process loaded for the next Run (the app does; tests need not)."""
        self.keep_spare = True
        if not self.running:
            warm_spare()

    # ----------------------------------------------------------------- actions
    def start(self, config: ExperimentConfig, out_dir: Path, min_step_interval: float = 0.05,
              rerun_of: Path | None = None, resume: bool = False) -> None:
        """Run `config` into `out_dir` in a new thread (or, with `rerun_of`, re-run that run folder; with
        `resume`, continue the run in `out_dir` from its last checkpoint)."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        self._release()
        self.config, self.out_dir = config, Path(out_dir)
        thread = QThread()
        thread.setObjectName("rcnn-workbench-run")
        engine = take_engine(fresh=rerun_of is not None)
        worker = RunWorker(config, out_dir, engine, min_step_interval=min_step_interval, rerun_of=rerun_of,
                           resume=resume)
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
        step; only TensorFlow's import in a fresh engine process can take longer.
        """
        self.keep_spare = False          # shutting down: no new engine process for a next Run
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
        if self.keep_spare:
            warm_spare()        # the next Run starts without waiting for TensorFlow
        self.finished.emit(outcome)

    def _release(self) -> None:
        if self._thread is not None and not self._thread.isRunning():
            self._thread = None
            self._worker = None
