"""Compare → Check the published claims…: choose a scale and seeds, run the claims study, open the report.

The dialog drives the same layer as the study panel: its own StudyController
(workbench/app/study_bridge.py) runs the study driver, whose trials train in
worker processes, so TensorFlow never loads into the window. The folder is the
one `claims` writes (workbench/claims/folder.py: the request, study/, then the
report, written in the worker thread however the study ended). Stop stops
every trial after its current step; finished trials stay, and the same dialog
continues the study later (as `claims --resume`). The dialog reads the study
folder every two seconds for its live plot (mean test accuracy per arm over
the seeds finished so far) and its progress bar, and opens the report in the
browser when the study ends.
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from workbench.app.study_bridge import StudyController
from workbench.claims.claim_set import SCALES, group_of, load_claims, scale_info
from workbench.claims.folder import create_claims_folder, read_claims_request, write_claims_report
from workbench.claims.report_html import ARCH_COLOURS, case_colour
from workbench.claims.study import REQUEST_FILE, STUDY_DIR, ClaimsRequest, build_spec, projected_seconds, read_trials, \
    study_options
from workbench.core.config import ConfigError
from workbench.core.paths import runs_home
from workbench.core.json_reader import read_json
from workbench.studies.trial_line import trial_groups, trial_line


class ClaimsDialog(QDialog):
    """Set up, run and follow one claims study; the report opens when it ends."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Check the published claims")
        self.resize(900, 680)
        self.claims = load_claims()
        self.controller = StudyController(self)         # the study panel's layer: the study driver
        self.out_dir: Path | None = None
        self.outcome = None                 # the last study's StudyOutcome
        self.curves: dict[tuple, pg.PlotDataItem] = {}
        self._groups: dict[int, str] = {}

        intro = QLabel("Runs every trial the posts' claims need (post A cases, post B architectures) over "
                       "several seeds, then writes a report with a verdict per claim: supported, contradicted, "
                       "within seed noise, or not testable at this scale.")
        intro.setWordWrap(True)
        self.scale = QComboBox()
        for name in SCALES:
            self.scale.addItem(name, name)
        self.scale_note = QLabel()
        self.scale_note.setWordWrap(True)
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 1000)
        self.corrected = QCheckBox("corrected")
        self.as_published = QCheckBox("as-published")
        self.corrected.setChecked(True)
        self.as_published.setChecked(True)
        sem = QHBoxLayout()
        sem.addWidget(self.corrected)
        sem.addWidget(self.as_published)
        sem.addStretch(1)
        self.backend = QComboBox()
        self.backend.addItem("in one process (local)", "local")
        self.backend.addItem("worker processes", "processes")
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(max(1, os.cpu_count() or 1))
        back = QHBoxLayout()
        back.addWidget(self.backend)
        back.addWidget(QLabel("workers"))
        back.addWidget(self.workers)
        back.addStretch(1)
        self.out = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_out)
        outrow = QHBoxLayout()
        outrow.addWidget(self.out, 1)
        outrow.addWidget(browse)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Scale", self.scale)
        form.addRow("", self.scale_note)
        form.addRow("Seeds per arm", self.seeds)
        form.addRow("Semantics", sem)
        form.addRow("Run on", back)
        form.addRow("Folder", outrow)

        self.plots = {group: self._make_plot(title) for group, title in
                      (("post-a", "Post A: test accuracy per case"),
                       ("post-b", "Post B: test accuracy per architecture"))}
        plots = QHBoxLayout()
        for plot in self.plots.values():
            plots.addWidget(plot, 1)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m trials")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMaximumHeight(110)

        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self.start())   # not clicked(bool) as a folder
        self.continue_button = QPushButton("Continue a stopped study…")
        self.continue_button.clicked.connect(self._ask_continue)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.report_button = QPushButton("Open report")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(self.open_report)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.continue_button, self.stop_button, self.report_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addLayout(plots, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.log)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(2000)
        self.timer.timeout.connect(self.refresh)
        self.scale.currentIndexChanged.connect(self._changed)
        self.backend.currentIndexChanged.connect(self._backend_changed)
        for w in (self.seeds, self.workers):
            w.valueChanged.connect(self._update_summary)
        for w in (self.corrected, self.as_published):
            w.toggled.connect(self._update_summary)
        self.controller.status.connect(lambda text: self.log.appendPlainText(f"{text}…"))
        self.controller.study_started.connect(self._study_started)
        self.controller.trial_changed.connect(self._trial_changed)
        self.controller.failed.connect(lambda message: self.log.appendPlainText(f"error: {message}"))
        self.controller.finished.connect(self._finished)
        self._changed()

    @property
    def running(self) -> bool:
        return self.controller.running

    @staticmethod
    def _make_plot(title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(background="w", title=title)
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", "test accuracy, mean over finished seeds")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.addLegend(offset=(-5, -5), labelTextSize="7pt", labelTextColor="#333", colCount=2)
        return plot

    # ------------------------------------------------------------ set-up
    def _changed(self):
        scale = self.scale.currentData()
        info = scale_info(scale)
        self.scale_note.setText(info.get("summary", ""))
        self.seeds.blockSignals(True)
        self.seeds.setValue(int(info.get("default_seeds", 5)))
        self.seeds.blockSignals(False)
        self._backend_changed()
        if not self.running:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            self.out.setText(str(runs_home() / f"{stamp}-claims-{scale}"))
        self._update_summary()

    def _backend_changed(self):
        self.workers.setEnabled(self.backend.currentData() != "local" and not self.running)
        self._update_summary()

    def request(self) -> ClaimsRequest:
        semantics = tuple(s for s, box in (("corrected", self.corrected), ("as-published", self.as_published))
                          if box.isChecked())
        local = self.backend.currentData() == "local"
        return ClaimsRequest(self.scale.currentData(), self.seeds.value(), semantics, (),
                             self.backend.currentData(), None if local else self.workers.value(),
                             None if local else 1)

    def problem(self) -> str | None:
        request = self.request()
        problem = request.problem()
        if problem:
            return problem.replace("--semantics: give", "tick")
        if not self.out.text().strip():
            return "choose a folder for the study and its report"
        out = Path(self.out.text().strip()).expanduser()
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            return f"{out} is not empty; choose a new folder (or Continue a stopped study)"
        if request.seeds < self.claims.min_seeds:
            return (f"with fewer than {self.claims.min_seeds} seeds every verdict is 'not testable'; "
                    f"choose at least {self.claims.min_seeds}")
        return None

    def _update_summary(self):
        if self.running:
            return
        problem = self.problem()
        if problem:
            self.summary.setText(f"<span style='color:#a00'>{problem}</span>")
            self.start_button.setEnabled(False)
            return
        try:
            spec = build_spec(self.claims, self.request())
        except ConfigError as exc:
            self.summary.setText(f"<span style='color:#a00'>{exc}</span>")
            self.start_button.setEnabled(False)
            return
        note = (f" For the time it will take, `main.py claims --estimate --scale {self.scale.currentData()}` "
                f"measures this machine's speed first." if self.scale.currentData() != "quick"
                else self._quick_estimate(spec))
        self.summary.setText(f"{len(self.claims.claims)} claims · {spec.describe()}.{note}")
        self.start_button.setEnabled(True)

    def _quick_estimate(self, spec) -> str:
        """The quick scale's CPU time for this study: its measured figure for the default study (default seeds,
        both semantics), scaled by the images the trials train and test (trial count × work per trial)."""
        info = scale_info("quick")
        default = build_spec(self.claims, ClaimsRequest("quick", int(info["default_seeds"]),
                                                        ("corrected", "as-published")))

        def images(s) -> float:       # images trained and tested over the whole study (a rate of 1 image/s)
            return projected_seconds(s, {b.arch: 1.0 for b in s.bases}, 1)[0]
        minutes = float(info["default_cpu_minutes"]) * images(spec) / images(default)
        return (f" Quick needs about {minutes:.0f} minutes of CPU time for these {spec.size} trials"
                f" ({info['default_cpu_minutes']} for the default {default.size})." if minutes >= 1 else
                f" Quick needs under a minute of CPU time for these {spec.size} trials.")

    def _choose_out(self):
        path = QFileDialog.getExistingDirectory(self, "Folder for the claims study", str(runs_home()))
        if path:
            self.out.setText(path)

    # ------------------------------------------------------------ running
    def start(self, resume: Path | None = None):
        """A new claims folder from the settings (or, with `resume`, continue that one), its study on the
        study driver; the report is written when the study ends."""
        if self.running:
            return
        try:
            if resume is None:
                problem = self.problem()
                if problem:
                    QMessageBox.warning(self, "Check the published claims", problem)
                    return
                out, request = Path(self.out.text().strip()).expanduser(), self.request()
                spec = build_spec(self.claims, request)
                create_claims_folder(out, request)
            else:
                out, spec = Path(resume), None
                request = read_claims_request(out)
        except ConfigError as exc:
            QMessageBox.warning(self, "Check the published claims", str(exc))
            return
        self.out_dir, self.outcome = out, None
        self.log.clear()
        for (arch, _, _), item in list(self.curves.items()):
            self.plots[group_of(arch)].removeItem(item)
        self.curves.clear()
        self.log.appendPlainText(("continuing " if resume is not None else "") + f"{out}: same as `"
                                 + (f"main.py claims --resume {out}" if resume is not None else request.command(out))
                                 + "`")
        claims = self.claims
        self._set_running(True)
        self.controller.start_study(spec, out / STUDY_DIR, study_options(request), resume=resume is not None,
                                    on_ended=lambda _outcome: write_claims_report(out, claims, request))
        self.timer.start()

    def _ask_continue(self):
        path = QFileDialog.getExistingDirectory(self, "A claims folder to continue", str(runs_home()))
        if not path:
            return
        if not (Path(path) / REQUEST_FILE).is_file():
            QMessageBox.warning(self, "Check the published claims", f"{path} is not a claims folder "
                                f"(no {REQUEST_FILE}).")
            return
        self.start(resume=Path(path))

    def stop(self):
        """Every trial stops after its current step; finished trials stay."""
        if not self.running:
            return
        self.stop_button.setEnabled(False)
        self.controller.stop()
        self.log.appendPlainText("stopping after the current step…")

    def _set_running(self, running: bool):
        for w in (self.scale, self.seeds, self.corrected, self.as_published, self.backend, self.workers,
                  self.out, self.start_button, self.continue_button):
            w.setEnabled(not running)
        if not running:
            self.workers.setEnabled(self.backend.currentData() != "local")
        self.stop_button.setEnabled(running)

    def _study_started(self, folder: str, state: dict):
        self._groups = trial_groups(state)
        self.log.appendPlainText(f"study {folder}: {state['description']}")

    def _trial_changed(self, k: int, entry: dict):
        self.log.appendPlainText(trial_line(k, entry, self._groups.get(k, "")))

    def _finished(self, outcome):
        """The study ended (its report already written by the worker thread): say how, open the report."""
        self.outcome = outcome
        self.timer.stop()
        self.refresh()
        self._set_running(False)
        self._update_summary()
        report = self.report_path()
        self.report_button.setEnabled(report is not None)
        if outcome.status == "completed" and report is not None:
            self.log.appendPlainText(f"report: {report}")
            self.open_report()
        elif report is not None:
            self.log.appendPlainText(f"{outcome.status}; the report covers the finished trials: {report}. "
                                     f"Continue the study with 'Continue a stopped study…'.")
        else:
            self.log.appendPlainText(f"the study ended ({outcome.status}) without a report; see the lines above")

    def report_path(self) -> Path | None:
        if self.out_dir and (self.out_dir / "report.html").is_file():
            return self.out_dir / "report.html"
        return None

    def open_report(self):
        report = self.report_path()
        if report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(report)))

    # ------------------------------------------------------------ live view
    def refresh(self):
        """Progress from study.json; curves from the trial folders' metrics (mean over seeds per arm)."""
        if not self.out_dir:
            return
        study = self.out_dir / STUDY_DIR
        try:
            state = read_json(study / "study.json", what="study file")
            entries = [e for e in state.get("trials", []) if isinstance(e, dict)] \
                if isinstance(state.get("trials"), list) else []
            done = sum(e.get("status") in ("completed", "failed") for e in entries)
            self.progress.setMaximum(max(1, len(entries)))
            self.progress.setValue(done)
        except (OSError, ValueError):
            return
        try:
            request = ClaimsRequest.from_dict(read_json(self.out_dir / REQUEST_FILE, what="claims request"))
        except (OSError, ValueError, ConfigError):
            return
        trials = read_trials(study)
        for arch, cases in self.claims.cases_by_arch().items():
            for case in cases:
                for sem in request.semantics:
                    self._draw(trials, arch, case, sem, request.semantics)

    def _draw(self, trials, arch, case, sem, semantics):
        per_epoch: dict[int, list[float]] = {}
        for t in trials:
            if t.arch == arch and t.semantics == sem:
                for r in t.rows:
                    if r.case == case and r.split == "test" and r.accuracy == r.accuracy:
                        per_epoch.setdefault(r.epoch + 1, []).append(r.accuracy)
        if not per_epoch:
            return
        xs = sorted(per_epoch)
        ys = [sum(per_epoch[x]) / len(per_epoch[x]) for x in xs]
        key = (arch, case, sem)
        if key not in self.curves:
            post_a = group_of(arch) == "post-a"
            colour = case_colour(case) if post_a else ARCH_COLOURS.get(arch, "#808080")
            style = Qt.PenStyle.DashLine if sem == "as-published" else Qt.PenStyle.SolidLine
            name = (f"case {case}" if post_a else arch) + (" (as-published)" if sem == "as-published" else "")
            self.curves[key] = self.plots[group_of(arch)].plot([], [], pen=pg.mkPen(colour, width=2, style=style), name=name,
                                              symbol="o", symbolSize=4, symbolBrush=colour, symbolPen=None)
        self.curves[key].setData(xs, ys)

    def closeEvent(self, event):  # noqa: N802 (Qt name)
        if self.running:
            answer = QMessageBox.question(self, "Check the published claims",
                                          "The study is running. Stop it? Finished trials are kept and the "
                                          "study can be continued later.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.stop()
        self.controller.shutdown()          # waits for the trials to stop and the report to be written
        super().closeEvent(event)


def open_claims_dialog(parent: QWidget | None = None) -> ClaimsDialog:
    """Show the (non-modal) dialog; the window stays usable while the study runs."""
    dialog = ClaimsDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
