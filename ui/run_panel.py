"""Run control: Run, Pause/Resume, Stop; progress with epoch, step, elapsed and ETA; status; console.

The panel only shows state and asks for actions (signals); the main window
owns the worker. The console shows the run's transparency log (the same
text as transparency.txt in the run folder) as it grows, one block per case
in the layout of the published post-A log.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextCursor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

STATES = ("idle", "starting", "running", "paused", "stopping")


def clock(seconds: float | None) -> str:
    """12.3 -> '00:12'; 3725 -> '1:02:05'; None -> '--:--'."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


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

        self.run_button = QPushButton("▶  Run")
        self.run_button.setToolTip("Train the selected cases side by side (Ctrl+R)")
        self.run_button.setShortcut("Ctrl+R")
        self.run_button.setMinimumWidth(110)
        self.run_button.setStyleSheet("QPushButton:enabled { font-weight: bold; }")
        self.pause_button = QPushButton("❚❚  Pause")
        self.pause_button.setToolTip("Pause between two training steps; Resume continues exactly there")
        self.pause_button.setMinimumWidth(110)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip("Stop after the current step; finished epochs stay in the run folder")
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

        self.console = QPlainTextEdit()
        self.console.setReadOnly(True)
        self.console.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        self.console.setFont(font)
        self.console.setPlaceholderText("The transparency log appears here as the run goes: every case's "
                                        "average training and test cost and accuracy per epoch, in the "
                                        "published log's layout (also saved as transparency.txt).")
        self.console.setMaximumBlockCount(200_000)
        self._pending_log: str | None = None
        self._log_timer = QTimer(self)
        self._log_timer.setInterval(1000)
        self._log_timer.setSingleShot(True)
        self._log_timer.timeout.connect(self._flush_log)

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
        layout.addWidget(self.console, 1)
        self.set_state("idle")

    # ----------------------------------------------------------------- state
    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        self.state = state
        busy = state != "idle"
        self.run_button.setEnabled(not busy and self._problem is None)
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("▶  Resume" if state == "paused" else "❚❚  Pause")
        self.stop_button.setEnabled(state in ("starting", "running", "paused"))
        if state == "paused":
            self.status_label.setText("Paused between two steps. Resume continues from there.")
        elif state == "stopping":
            self.status_label.setText("Stopping after the current step…")

    def set_problem(self, problem: str | None) -> None:
        """A reason the configuration cannot run (disables Run), or None."""
        self._problem = problem
        self.problem_label.setText(f"Cannot run: {problem}" if problem else "")
        self.problem_label.setVisible(bool(problem))
        self.run_button.setToolTip(f"Cannot run: {problem}" if problem else
                                   "Train the selected cases side by side (Ctrl+R)")
        self.set_state(self.state)

    @property
    def problem(self) -> str | None:
        return self._problem

    # --------------------------------------------------------------- events
    def begin(self, epochs: int, trials: int = 1, folder: str = "") -> None:
        self._epochs, self._trials = max(1, epochs), max(1, trials)
        self._last_epoch_done = 0
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self._log_timer.stop()
        self._pending_log = None
        self.console.clear()
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

    def _show_progress(self, trial, epoch, step, steps, p) -> None:
        overall = (trial + p.fraction) / self._trials
        self.progress.setValue(int(round(1000 * min(1.0, overall))))
        parts = []
        if self._trials > 1:
            parts.append(f"trial {trial + 1}/{self._trials}")
        parts.append(f"epoch {epoch + 1}/{self._epochs}")
        if step is not None:
            parts.append(f"step {step}/{steps}")
        else:
            parts.append("epoch done")
        parts.append(f"{clock(p.elapsed_s)} elapsed")
        parts.append(f"ETA {clock(p.eta_s)}")
        self.progress.setFormat("  ·  ".join(parts) + f"  ({100 * overall:.0f}%)")

    def set_log(self, text: str) -> None:
        """Show the transparency log: at once if the console has been quiet for a second, else
        the latest text when that second is over (a long log is not re-laid-out every epoch)."""
        self._pending_log = text
        if not self._log_timer.isActive():
            self._flush_log()
            self._log_timer.start()

    def _flush_log(self) -> None:
        text, self._pending_log = self._pending_log, None
        if text is None:
            return
        bar = self.console.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        old_value = bar.value()
        self.console.setPlainText(text)
        if at_end:
            self.console.moveCursor(QTextCursor.MoveOperation.End)
            bar.setValue(bar.maximum())
        else:
            bar.setValue(old_value)

    def finish(self, status: str, error: str | None = None, folder: str = "") -> None:
        self._log_timer.stop()
        self._flush_log()
        self.set_state("idle")
        if status == "completed":
            self.progress.setValue(1000)
            self.progress.setFormat(f"completed  ·  {self._epochs} epoch(s)" +
                                    (f" × {self._trials} trials" if self._trials > 1 else ""))
            self.status_label.setText("Completed. Results are in the Results tab; files in the run folder.")
        elif status == "stopped":
            self.progress.setFormat(f"stopped after {self._last_epoch_done} finished epoch(s) "
                                    "(kept in the run folder)")
            self.status_label.setText("Stopped. Finished epochs are kept in the run folder.")
        else:
            self.progress.setFormat("failed")
            self.status_label.setText(f"Failed: {error}" if error else "Failed.")

    # ------------------------------------------------------------ internals
    def _on_pause(self) -> None:
        if self.state == "paused":
            self.resume_requested.emit()
        elif self.state == "running":
            self.pause_requested.emit()
