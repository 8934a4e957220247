"""Run control: Run, Pause/Resume, Stop; progress with epoch, step, elapsed and ETA; status.

The panel only shows state and asks for actions (signals); the main window
owns the worker. Elapsed time and ETA cover the whole run (every trial);
the engine already leaves paused time out. Epochs and trials are numbered
from 0, as in metrics.csv, transparency.txt and the console.

Between two progress reports the elapsed clock ticks on from the window's own timer, while the run
is running (not while paused): the engine sends no progress during the test pass, and the clock
froze there.

The run's log has its own tab (`LogView`): one appended block per finished
epoch while the run goes, then the run folder's transparency.txt.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from workbench.execution.run_progress import RunProgress, clock

STATES = ("idle", "starting", "running", "paused", "stopping")
RUN_TIP = "Train the selected cases side by side (F5)"


class RunPanel(QWidget):
    run_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state = "idle"
        self._problem: str | None = None
        self._epochs = 1
        self._trials = 1
        self._last_epoch_done = 0
        self._run = RunProgress(1)                     # whole-run fraction, times and numbering
        self.now = time.monotonic                      # the clock the elapsed time ticks on (tests replace it)
        self._shown: tuple | None = None               # the last progress shown: (trial, epoch, step, steps, p)
        self._ticked = 0.0                             # running seconds since that progress arrived
        self._running_since: float | None = None       # when running last resumed (None: not running)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._tick_clock)

        self.run_button = QPushButton("▶  Run")
        self.run_button.setToolTip(RUN_TIP)
        self.run_button.setMinimumWidth(110)
        self.run_button.setStyleSheet("QPushButton:enabled { font-weight: bold; }")
        self.pause_button = QPushButton("❚❚  Pause")
        self.pause_button.setToolTip("Pause between two training steps; Resume continues exactly there "
                                     "(Space or Ctrl+P). Paused time is not counted as training time.")
        self.pause_button.setMinimumWidth(110)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip("Stop after the current step; finished epochs stay in the run folder "
                                    "(Esc or Ctrl+.)")
        self.stop_button.setMinimumWidth(90)
        self.run_button.clicked.connect(self.run_requested)
        self.pause_button.clicked.connect(self._on_pause)
        self.stop_button.clicked.connect(self.stop_requested)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("not started")
        self.progress.setMinimumWidth(320)
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.status_label = QLabel("Ready.")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.problem_label.hide()
        self.folder_label = QLabel("")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setStyleSheet("color: #505050;")

        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.progress, 1)
        status = QHBoxLayout()
        status.addWidget(self.status_label, 1)
        status.addWidget(self.folder_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.problem_label)
        layout.addLayout(status)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.set_state("idle")

    # ----------------------------------------------------------------- state
    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        resumed = self.state == "paused" and state == "running"
        busy = state != "idle"
        self.run_button.setEnabled(not busy and self._problem is None)
        self.pause_button.setEnabled(state in ("starting", "running", "paused"))
        self.pause_button.setText("▶  Resume" if state == "paused" else "❚❚  Pause")
        self.stop_button.setEnabled(state in ("starting", "running", "paused"))
        self._clock_state(state)
        if state == "paused":
            self.status_label.setText("Paused between two steps. Resume continues from there; "
                                      "paused time is not training time.")
        elif resumed:
            self.status_label.setText("Training…")
        elif state == "stopping":
            self.status_label.setText("Stopping after the current step…")
        self.state = state

    def set_problem(self, problem: str | None) -> None:
        """A reason the configuration cannot run (disables Run), or None."""
        self._problem = problem
        self.problem_label.setText(f"Cannot run: {problem}" if problem else "")
        self.problem_label.setVisible(bool(problem))
        self.run_button.setToolTip(f"Cannot run: {problem}" if problem else RUN_TIP)
        self.set_state(self.state)

    @property
    def problem(self) -> str | None:
        return self._problem

    # --------------------------------------------------------------- events
    def begin(self, epochs: int, trials: int = 1, folder: str = "") -> None:
        self._epochs, self._trials = max(1, epochs), max(1, trials)
        self._last_epoch_done = 0
        self._run = RunProgress(epochs, trials)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.folder_label.setText(folder)
        self.set_state("starting")

    def set_status(self, text: str) -> None:
        if self.state in ("paused", "stopping"):
            return
        self.status_label.setText(text[:1].upper() + text[1:] + ("…" if text and text[-1] != "." else ""))

    def set_folder(self, folder: str) -> None:
        self.folder_label.setText(f"run folder: {folder}")
        self.folder_label.setToolTip(folder)

    def show_step(self, event) -> None:
        self._show_progress(event.trial, event.epoch, event.step, event.steps_per_epoch, event.progress)

    def show_epoch(self, event) -> None:
        self._last_epoch_done = event.epoch + 1
        p = event.progress
        self._show_progress(event.trial, event.epoch, None, None, p)

    def run_times(self, trial: int, p) -> tuple[float, float | None]:
        """(elapsed, ETA) for the whole run from a trial's progress (see `RunProgress.times`)."""
        return self._run.times(trial, p)

    def _clock_state(self, state: str) -> None:
        """Running time counts only while running: paused (or stopping, or starting) time stays out."""
        if state == "running":
            if self._running_since is None:
                self._running_since = self.now()
            if not self.clock_timer.isActive():
                self.clock_timer.start()
            return
        if self._running_since is not None:
            self._ticked += self.now() - self._running_since
            self._running_since = None
        if state == "idle":
            self.clock_timer.stop()
            self._shown = None

    def _tick_clock(self) -> None:
        """Redraw the progress line with the running time since the last report added."""
        if self._shown is not None and self.state == "running":
            self._show_progress(*self._shown, ticking=True)

    def _show_progress(self, trial, epoch, step, steps, p, ticking: bool = False) -> None:
        if not ticking:
            self._shown = (trial, epoch, step, steps, p)
            self._ticked = 0.0
            self._running_since = self.now() if self._running_since is not None else None
        overall = self._run.fraction(trial, p)
        self.progress.setValue(int(round(1000 * overall)))
        elapsed, eta = self.run_times(trial, p)
        since = self._ticked + (self.now() - self._running_since if self._running_since is not None else 0.0)
        elapsed, eta = elapsed + since, (max(0.0, eta - since) if eta is not None else None)
        parts = self._run.position(trial, epoch)
        if step is not None:
            parts.append(f"step {step}/{steps}")
        else:
            parts.append("epoch done")
        parts.append(f"{clock(elapsed)} elapsed")
        parts.append(f"run ETA {clock(eta)}")
        self.progress.setFormat("  ·  ".join(parts) + f"  ({100 * overall:.0f}%)")
        self.progress.setToolTip("Elapsed time and ETA cover the whole run (every trial); paused time is "
                                 "left out. Epochs and trials are numbered from 0, as in metrics.csv.")

    def finish(self, status: str, error: str | None = None, folder: str = "") -> None:
        self.set_state("idle")
        if folder:
            self.set_folder(folder)
        if status == "completed":
            self.progress.setValue(1000)
            self.progress.setFormat(f"completed  ·  {self._epochs} epoch(s)" +
                                    (f" × {self._trials} trials" if self._trials > 1 else ""))
            self.status_label.setText("Completed. Results are in the Results tab; files in the run folder.")
        elif status == "stopped":
            self.progress.setFormat(f"stopped after {self._last_epoch_done} finished epoch(s) "
                                    f"(epochs 0–{self._last_epoch_done - 1} kept in the run folder)"
                                    if self._last_epoch_done else "stopped before the first epoch ended")
            self.status_label.setText("Stopped. Finished epochs are kept in the run folder.")
        else:
            self.progress.setFormat("failed")
            self.status_label.setText(f"Failed: {error}" if error else "Failed.")

    # ------------------------------------------------------------ internals
    def show_opened(self, folder: str, status: str, epochs_done: int, trials: int) -> None:
        """An earlier run opened from disk: the progress line and folder describe it, not the last run."""
        self.set_state("idle")
        self._last_epoch_done = epochs_done
        self.progress.setValue(1000 if status == "completed" else 0)
        kept = f"epochs 0–{epochs_done - 1}" if epochs_done else "no finished epoch"
        self.progress.setFormat(f"opened run · {status} · {kept}" + (f" × {trials} trials" if trials > 1 else ""))
        self.status_label.setText(f"Showing an earlier run ({status}). Run starts a new one.")
        self.set_folder(folder)

    def _on_pause(self) -> None:
        if self.state == "paused":
            self.resume_requested.emit()
        elif self.state in ("running", "starting"):
            self.pause_requested.emit()


class LogView(QWidget):
    """The run's log in its own tab: a line block per finished epoch, then transparency.txt."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.caption = QLabel("The log appears here as the run goes: every case's training and test cost and "
                              "accuracy per finished epoch. When the run ends, this shows the run folder's "
                              "transparency.txt (the published log's layout).")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #505050;")
        self.console = QPlainTextEdit()
        self.console.setReadOnly(True)
        self.console.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        self.console.setFont(font)
        self.console.setMaximumBlockCount(200_000)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.console, 1)

    def clear(self) -> None:
        self.console.clear()

    def append(self, text: str) -> None:
        """Add text at the end (cheap: nothing already shown is laid out again); follows the end
        only when the view was already there."""
        bar = self.console.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.console.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_end:
            bar.setValue(bar.maximum())

    def set_text(self, text: str) -> None:
        """Replace the whole text (the final transparency.txt, or an opened run's)."""
        self.console.setPlainText(text)
        self.console.moveCursor(QTextCursor.MoveOperation.End)

    def text(self) -> str:
        return self.console.toPlainText()
