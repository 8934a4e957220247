"""The workbench window: configuration on the left, live plots and results in the centre, run control below.

The window holds one ExperimentConfig. Each configuration panel shows part
of it (`load`) and writes its part back (`apply`); the first `problem()` of
any panel or of the configuration itself disables Run and is shown beside
it. Runs go through workbench.app.worker (a QThread relaying an engine process); nothing here
imports TensorFlow. The menus and Help live in ui/window/menus.py, opening, overlaying and
exporting runs in ui/window/files.py (mixins of this class).
"""
from __future__ import annotations

from pathlib import Path

from workbench.app.worker import default_runs_dir, new_run_dir
from workbench.app.study_bridge import StudyController   # studies

from PySide6.QtCore import Qt, QTimer, Signal  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import (QApplication, QFrame, QLabel, QMainWindow,  # noqa: E402
                               QMessageBox, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from workbench.core.config import ConfigError, ExperimentConfig, load_preset  # noqa: E402
from workbench.execution.run_progress import RunProgress  # noqa: E402
from workbench.app.settings_store import SettingsStore  # noqa: E402

from ui.plots.plots_panel import PlotsPanel  # noqa: E402
from ui.window.reflow import ReflowScrollArea  # noqa: E402
from ui.results.results_panel import ResultsPanel  # noqa: E402
from ui.config.run_panel import LogView, RunPanel  # noqa: E402
from ui.window.files import WindowFiles  # noqa: E402
from ui.window.menus import README_URL, SHORTCUTS, WindowMenus  # noqa: E402,F401 (importers)

APP_TITLE = "RCNN Workbench"
PREFERRED_SIZE = (1680, 1020)        # only where Qt knows no screen; otherwise the screen's free area


def _panels():
    """The three configuration panels (imported here so a broken panel names itself in the error)."""
    from ui.config.case_panel import CasePanel
    from ui.config.data_panel import DataNoisePanel
    from ui.config.gallery_panel import ArchitectureGallery
    return DataNoisePanel, ArchitectureGallery, CasePanel


class MainWindow(WindowMenus, WindowFiles, QMainWindow):
    run_state_changed = Signal(str)     # "idle", "starting", "running", "paused", "stopping"

    def __init__(self, store: SettingsStore | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store or SettingsStore()
        self.config: ExperimentConfig = self.store.load_config()
        self.run_config: ExperimentConfig | None = None     # what the last run was started with
        self.run_dir: Path | None = None                    # the run shown in plots/results
        self.last_outcome = None
        self.last_rerun_report = None
        self._loading = False
        self._state = "idle"
        self._title_detail = ""
        self._stepped = False               # the current run has trained a step
        self._continuing = False            # the run starting is a continued one (its kept epochs shown)
        self.confirm_close = True           # ask before closing mid-run (tests and benchmarks turn it off)

        DataNoisePanel, ArchitectureGallery, CasePanel = _panels()
        self.data_panel = DataNoisePanel(arch=self.config.arch)
        self.gallery = ArchitectureGallery()
        self.case_panel = CasePanel(arch=self.config.arch)
        self.config_panels = (self.gallery, self.data_panel, self.case_panel)

        self.config_tabs = QTabWidget()
        for panel, title in ((self.data_panel, "1 · Data && noise"), (self.gallery, "2 · Architecture"),
                             (self.case_panel, "3 · Cases && training")):
            self.add_config_tab(panel, title)
        self.config_tabs.setDocumentMode(True)
        self.config_tabs.setMinimumWidth(360)

        self.plots = PlotsPanel()
        self.results = ResultsPanel()
        self.log_view = LogView()
        self.centre_tabs = QTabWidget()
        self.centre_tabs.addTab(self.plots, "Live plots")
        self.centre_tabs.addTab(self.results, "Results")
        self.centre_tabs.addTab(self.log_view, "Log")
        # -- gradient flow: one tab, fed by the controller's step/epoch signals
        from ui.plots.gradient_flow_panel import GradientFlowPanel
        self.gradient_flow = GradientFlowPanel()
        self.centre_tabs.addTab(self.gradient_flow, "Gradient flow")
        # -- studies: the Trials field grown into a grid, a backend and a live trial table
        from ui.studies.study_panel import StudyPanel
        self.study_panel = StudyPanel()
        self.centre_tabs.addTab(self.study_panel, "Study")
        from ui.studies.study_result_view import StudyResultView
        self.study_result = StudyResultView()
        self.centre_tabs.addTab(self.study_result, "Study result")
        self.centre_tabs.setDocumentMode(True)
        self.centre_tabs.currentChanged.connect(self._on_centre_tab)

        self.run_panel = RunPanel()
        self.controller = StudyController(self)      # runs, and studies on any backend
        self.controller.step.connect(self.gradient_flow.add_step)        # gradient flow
        self.controller.epoch.connect(self.gradient_flow.add_epoch)
        self.run_list = self._build_run_list()

        # The settings pane keeps whatever width the user drags it to (nothing resizes it on Run).
        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.addWidget(self.config_tabs)
        self.top_split.addWidget(self.centre_tabs)
        self.top_split.setStretchFactor(0, 0)
        self.top_split.setStretchFactor(1, 1)
        self.top_split.setChildrenCollapsible(False)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.top_split, 1)
        column.addWidget(self.run_panel, 0)
        self.setCentralWidget(central)
        self.fit_to_screen()

        self.state_label = QLabel()
        self.statusBar().addPermanentWidget(self.state_label)
        self.device_label = QLabel()       # the device the shown run trained on (its manifest says)
        self.statusBar().addPermanentWidget(self.device_label)
        self._build_menus()
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(600)
        self._save_timer.timeout.connect(self.save_settings)

        # ---- wiring
        for panel in self.config_panels:
            panel.changed.connect(self._on_panels_changed)
        self.gallery.architecture_selected.connect(self._on_architecture)
        self.data_panel.dataset_loaded.connect(lambda _source: self._on_panels_changed())   # its size is known
        self.case_panel.preset_requested.connect(self.apply_preset)
        self.run_panel.run_requested.connect(self.start_run)
        self.run_panel.pause_requested.connect(self.pause_run)
        self.run_panel.resume_requested.connect(self.resume_run)
        self.run_panel.stop_requested.connect(self.stop_run)
        c = self.controller
        c.started.connect(self._on_started)
        c.status.connect(self._on_status)
        c.step.connect(self._on_step)
        c.epoch.connect(self._on_epoch)
        c.log.connect(self.log_view.set_text)
        c.log_append.connect(self.log_view.append)
        c.failed.connect(self._on_failed)
        c.finished.connect(self._on_finished)
        c.rerun_done.connect(self._on_rerun_done)
        # -- studies
        c.study_started.connect(self.study_panel.begin)
        c.study_started.connect(lambda _folder, _state: self.run_list.refresh())   # listed while it runs
        c.trial_changed.connect(self.study_panel.update_trial)
        c.step.connect(self.study_panel.show_step)
        c.progress.connect(self._on_study_progress)
        self.study_panel.run_requested.connect(self.start_study)
        self.run_state_changed.connect(lambda state: self.study_panel.set_running(state != "idle"))
        for panel in self.config_panels:
            panel.changed.connect(self._study_base_changed)
        QTimer.singleShot(0, self._study_base_changed)
        self._study_running = False

        notice = self.load_config(self.config)
        if self.store.last_problem or notice:
            self.statusBar().showMessage(f"Started from the quick preset: {self.store.last_problem or notice}",
                                         15000)
        else:
            self.statusBar().showMessage("Ready. Press Run to train the selected cases "
                                         f"(runs are saved under {default_runs_dir()}).", 15000)
        self._set_state("idle")

    # ============================================================== layout
    def add_config_tab(self, panel: QWidget, title: str) -> QScrollArea:
        """A tab in the left pane (scrolls, so a tall panel never pushes the window off the screen)."""
        scroll = ReflowScrollArea()      # a two-column panel stacks its columns when the pane is narrow
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.config_tabs.addTab(scroll, title)
        return scroll

    def _build_run_list(self):
        from ui.results.run_list_panel import RunListPanel
        panel = RunListPanel()
        self.run_list_tab = self.add_config_tab(panel, "4 · Runs")
        panel.overlay_changed.connect(self._on_overlay_changed)
        panel.open_requested.connect(self._open_run_from_list)
        panel.study_requested.connect(self.show_study_result)
        return panel

    def fit_to_screen(self) -> None:
        """Open filling what the screen has free: a large screen's room goes to the plots and the table,
        a 1366×768 laptop gets it all and no more; the preferred size only where no screen is known."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = PREFERRED_SIZE
        if screen is not None:
            free = screen.availableGeometry()
            frame = 32                      # title bar and borders the window manager adds
            width, height = free.width(), free.height() - frame
            self.resize(width, height)
            self.move(free.left() + (free.width() - self.width()) // 2,
                      free.top() + max(0, (free.height() - frame - self.height()) // 2))
        else:
            self.resize(width, height)
        self.set_pane_widths(width)

    def set_pane_widths(self, width: int) -> None:
        """Settings pane and plots for a window `width` wide: the plots keep at least 55%."""
        left = max(360, int((0.38 if width < 1500 else 0.45) * width))
        self.top_split.setSizes([left, max(1, width - left)])

    # ======================================================= configuration
    def load_config(self, config: ExperimentConfig) -> str | None:
        """Show `config` in every panel; returns a one-line notice when it had to show the default instead.

        A configuration the window's fields cannot hold (a manifest or settings
        value of 10^10 epochs, a 2^40 training limit) is never put into them.
        """
        from ui.config.limits import window_problem
        problem = window_problem(config)
        if problem is None:
            try:
                self._show_config(config)
                return None
            except (OverflowError, ValueError, TypeError) as exc:
                problem = str(exc)
        from workbench.app.settings_store import default_config
        self._show_config(default_config())
        notice = f"the configuration could not be shown ({problem}); the default is shown instead"
        self.statusBar().showMessage(notice[:1].upper() + notice[1:], 20000)
        return notice

    def _show_config(self, config: ExperimentConfig) -> None:
        self._loading = True
        try:
            self.config = config
            self.gallery.load(config)
            self.data_panel.load(config)
            self.case_panel.load(config)
        finally:
            self._loading = False
        self._on_panels_changed()

    def current_config(self) -> ExperimentConfig:
        """The configuration the panels show now (may have a problem(); see config_problem())."""
        config = self.config
        for panel in self.config_panels:
            config = panel.apply(config)
        return config

    def config_problem(self) -> str | None:
        self.case_panel.batch.set_extra_problem(self._batch_problem())
        for panel in self.config_panels:
            problem = panel.problem()
            if problem:
                return problem
        try:
            return self.current_config().problem()
        except (ValueError, TypeError) as exc:
            return str(exc)

    def _batch_problem(self) -> str | None:
        """A batch larger than the training images the run uses trains no step: refused here, before the
        engine starts (it failed there, leaving a failed run)."""
        images, batch = self.data_panel.training_images(), self.case_panel.batch.value()
        if images is None or not isinstance(batch, int) or batch <= images:
            return None
        return f"batch size {batch:,} is larger than the {images:,} training images this run uses"

    def _on_panels_changed(self) -> None:
        if self._loading:
            return
        problem = self.config_problem()
        if problem is None:
            self.config = self.current_config()
            self._save_timer.start()
        self.run_panel.set_problem(problem)
        if hasattr(self, "run_action"):
            self._update_run_actions()
        self._update_title()

    def _on_architecture(self, key: str) -> None:
        self.data_panel.set_architecture(key)
        self.case_panel.set_architecture(key)
        self._on_panels_changed()

    def apply_preset(self, name: str) -> None:
        arch = self.gallery.selected() or self.config.arch
        try:
            config = load_preset(name, arch)
        except ConfigError as exc:
            self.show_error("Preset", str(exc))
            return
        self.load_config(config)
        self.statusBar().showMessage(f"Preset {name} loaded for {arch}.", 8000)

    def save_settings(self) -> None:
        if self.config_problem() is None:
            self.store.save_config(self.current_config())

    def save_configuration(self, path: Path) -> Path:
        problem = self.config_problem()
        if problem:
            raise ConfigError(f"the configuration cannot be saved while it is invalid: {problem}")
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        self.current_config().save(path)
        self.statusBar().showMessage(f"Configuration saved to {path}", 8000)
        return path

    def open_configuration(self, path: Path) -> ExperimentConfig:
        config = ExperimentConfig.load(Path(path))
        if self.load_config(config) is None:
            self.statusBar().showMessage(f"Configuration loaded from {path}", 8000)
        return config

    # ================================================================ runs
    @property
    def running(self) -> bool:
        return self.controller.running

    def start_run(self) -> Path | None:
        """Start a run with the current configuration; returns its folder (None if it cannot run)."""
        if self.controller.running:
            return None
        problem = self.config_problem()
        if problem:
            self.run_panel.set_problem(problem)
            return None
        config = self.current_config().validated()
        self.config = config
        self.save_settings()
        try:
            out_dir = new_run_dir(config)       # created here, exclusively: never an earlier run's folder
        except ValueError as exc:
            self.run_panel.set_problem(str(exc))
            return None
        self._begin_display(config, str(out_dir))
        self.run_config = config
        self.run_dir = out_dir
        self.controller.start(config, out_dir)
        return out_dir

    def confirm(self, title: str, text: str) -> bool:
        """Yes/No question (tests replace this)."""
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes |
                                      QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def rerun_current(self, ask: bool = True) -> Path | None:
        """Re-run the run shown (its manifest) into a new folder, after asking; the report arrives at the end."""
        if self.controller.running or self.run_dir is None:
            return None
        source = Path(self.run_dir)
        if ask and not self.confirm("Re-run", f"Train run {source.name} again from its manifest, into a new "
                                              "folder, and check that the numbers match bit for bit?"):
            return None
        try:
            from workbench.execution.rerun import RerunError, plan
            from workbench.records.run_folder import create_run_dir
            config = plan(source).config
            out_dir = create_run_dir(default_runs_dir(), f"{source.name}-rerun")
        except (RerunError, OSError, ValueError) as exc:
            self.show_error("Re-run", f"cannot re-run: {exc}")
            return None
        self._begin_display(config, str(out_dir))
        self.run_config = config
        self.run_dir = out_dir
        self.statusBar().showMessage(f"Re-running {source.name}…")
        self.controller.start(config, out_dir, rerun_of=source)
        return out_dir

    def continue_current(self) -> Path | None:
        """Continue the shown run in its own folder from its last checkpoint (nothing asked: the folder
        is the run's own, and the engine refuses in one line what it cannot continue)."""
        if self.controller.running or not self._resumable():
            return None
        run_dir = Path(self.run_dir)
        from workbench.records.run_folder import read_manifest
        try:
            config = ExperimentConfig.from_dict(read_manifest(run_dir)["config"])
        except (OSError, KeyError, TypeError, ValueError, ConfigError) as exc:
            self.show_error("Continue", f"cannot continue: {exc}")
            return None
        self._begin_display(config, str(run_dir))
        self.run_config = config
        self.statusBar().showMessage(f"Continuing {run_dir.name} from its last checkpoint…")
        self._continuing = True
        self.controller.start(config, run_dir, resume=True)
        return run_dir

    def _resumable(self) -> bool:
        """The shown run ended before its last epoch (stopped, interrupted, failed) and has checkpoints."""
        if self.run_dir is None or not (Path(self.run_dir) / "checkpoints").is_dir():
            return False
        from workbench.records.run_status import read_status
        try:
            return read_status(Path(self.run_dir)).status in ("stopped", "interrupted", "failed")
        except (OSError, ValueError):
            return False

    def _begin_display(self, config: ExperimentConfig, folder: str, seeds: tuple[int, ...] | None = None) -> None:
        """`seeds`: the trials' seeds when they are not the Seed field's (a study's grid)."""
        self.plots.begin_run(config.case_objects(), config.trials, arch=config.arch)
        self.plots.run_caption = self._caption(config, Path(folder).name, seeds=seeds)
        self.gradient_flow.begin_run(config.case_objects(), config.trials)   # gradient flow
        self.run_panel.begin(config.train.epochs, config.trials, folder)
        self.log_view.clear()
        self._stepped = False
        self.centre_tabs.setCurrentWidget(self.plots)
        self.centre_tabs.setTabText(1, "Results")
        self._title_detail = ""
        self._set_state("starting")

    def pause_run(self) -> None:
        """Pause (honoured while the engine is still starting: it waits before its first step)."""
        if self.controller.running and self._state in ("starting", "running"):
            self.controller.pause()
            self._set_state("paused")

    def resume_run(self) -> None:
        if self.controller.running and self._state == "paused":
            self.controller.resume()
            self._set_state("running" if self._stepped else "starting")

    def toggle_pause(self) -> None:
        if self._state == "paused":
            self.resume_run()
        else:
            self.pause_run()

    def stop_run(self) -> None:
        if self.controller.running:
            self.controller.stop()
            self._set_state("stopping")

    # ------------------------------------------------------- worker signals
    def _on_started(self, folder: str) -> None:
        self.run_panel.set_folder(folder)
        if not self._study_running:      # a study is one row, listed at its start
            self.run_list.refresh()      # the new run is in the Runs tab without pressing Refresh
        if self._continuing:             # the folder is cut back to its checkpoint now: show what it keeps
            self._continuing = False
            self._show_kept_epochs(Path(folder))

    def _show_kept_epochs(self, folder: Path) -> None:
        from workbench.records.metrics import MetricsFileError, read_metrics
        try:
            rows = read_metrics(folder / "metrics.csv")
        except (OSError, MetricsFileError):
            return                        # the live epochs still come; the folder's own reader says what is wrong
        from ui.window.files import kept_steps
        self.plots.add_rows(rows, kept_steps(folder))

    def _on_status(self, text: str) -> None:
        self.run_panel.set_status(text)
        if text == "training":                 # TensorFlow is loaded: the manifest names the device
            self._show_device(self.run_dir)
        if text == "training" and self._state == "starting":
            self._set_state("running")

    def _on_step(self, event) -> None:
        self._stepped = True
        if self._state == "starting":
            self._set_state("running")
        self.plots.add_step(event)
        if self._study_running:         # a study's progress is the whole study's
            return
        self.run_panel.show_step(event)
        self._title_progress(event.trial, event.epoch, event.progress)

    def _on_epoch(self, event) -> None:
        self.plots.add_epoch(event)
        if self._study_running:
            return
        self.run_panel.show_epoch(event)
        self._title_progress(event.trial, event.epoch, event.progress)

    def _on_failed(self, message: str) -> None:
        self.show_error("The run failed", message)

    def _on_finished(self, outcome) -> None:
        if hasattr(outcome, "trials"):         # a study
            self._on_study_finished(outcome)
            return
        self.last_outcome = outcome
        self._set_state("idle")
        self.plots.end_run()        # nothing past the epochs the run folder keeps
        self.run_panel.finish(outcome.status, outcome.error, str(outcome.folder))
        self._title_detail = outcome.status
        self.plots.run_caption = self._caption(self.run_config, Path(outcome.folder).name, outcome.status)
        self._update_title()
        if outcome.status != "failed" or (Path(outcome.folder) / "manifest.json").exists():
            try:
                self.results.show_run(outcome.folder)
                if outcome.status != "failed":
                    self.centre_tabs.setTabText(1, "Results ●")
            except (OSError, ValueError) as exc:
                self.statusBar().showMessage(f"Cannot show the results: {exc}", 10000)
        self.plots.refresh_now()
        self._show_device(outcome.folder)
        self.run_list.refresh()
        on = f" on {self.device_label.text()}" if self.device_label.text() else ""
        self.statusBar().showMessage(f"Run {outcome.status}{on}: {outcome.folder}", 15000)

    def _on_rerun_done(self, report) -> None:
        self.last_rerun_report = report
        box = QMessageBox.information if report.match else QMessageBox.warning
        box(self, "Re-run", f"{report.message}\n\nOriginal: {report.original}\nRe-run: {report.rerun}")

    # ------------------------------------------------------------ state
    def _set_state(self, state: str) -> None:
        if state == "running":
            self._stepped = True         # training has begun: Resume goes back to "running"
        self._state = state
        self.run_panel.set_state(state)
        for panel in self.config_panels:
            panel.setEnabled(state == "idle")
        self._update_run_actions()
        self._update_title()
        self.run_state_changed.emit(state)

    @property
    def state(self) -> str:
        return self._state

    def _title_progress(self, trial, epoch, progress) -> None:
        trials = self.run_config.trials if self.run_config else 1
        epochs = self.run_config.train.epochs if self.run_config else 1
        run = RunProgress(epochs, trials)
        self._title_detail = f"{' · '.join(run.position(trial, epoch))}, {run.fraction(trial, progress):.0%}"
        self._update_title()

    def _update_title(self) -> None:
        state = self._state
        if state == "idle":
            text = f"{APP_TITLE} — {self._title_detail}" if self._title_detail else f"{APP_TITLE} — idle"
            if self.run_panel.problem:
                text += " (configuration has a problem)"
        elif state in ("running", "starting"):
            text = f"{APP_TITLE} — {state}" + (f" ({self._title_detail})" if self._title_detail else "")
        else:
            text = f"{APP_TITLE} — {state}" + (f" ({self._title_detail})" if self._title_detail else "")
        self.setWindowTitle(text)
        self.state_label.setText(state if state != "idle" else "")

    def _update_run_actions(self) -> None:
        busy = self._state != "idle"
        active = self._state in ("starting", "running", "paused")
        self.run_action.setEnabled(not busy and self.run_panel.problem is None)
        self.pause_action.setEnabled(active)
        self.pause_action.setText("Resume" if self._state == "paused" else "Pause")
        self.stop_action.setEnabled(active)
        has_run = self.run_dir is not None and (Path(self.run_dir) / "manifest.json").exists()
        for a in (self.open_config_action, self.open_run_action):
            a.setEnabled(not busy)
        for a in (self.export_run_action, self.export_zip_action, self.export_csv_action):
            a.setEnabled(has_run)
        self.rerun_action.setEnabled(has_run and not busy)
        self.continue_action.setEnabled(not busy and has_run and self._resumable())

    def _on_centre_tab(self, index: int) -> None:
        if index == 1:
            self.centre_tabs.setTabText(1, "Results")
        elif hasattr(self, "study_result") and self.centre_tabs.widget(index) is self.study_result:
            self.centre_tabs.setTabText(index, "Study result")

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.critical(self, title, message)

    # ============================================================ studies
    def _study_base_changed(self) -> None:
        if self.config_problem() is None:
            self.study_panel.set_base(self.current_config())

    def start_study(self) -> Path | None:
        """Run the study panel's grid over the current configuration; returns the study folder."""
        if self.controller.running:
            return None
        problem = self.config_problem()
        if problem is None:
            self.study_panel.set_base(self.current_config())
            problem = self.study_panel.problem()
        if problem:
            self.run_panel.set_problem(problem)
            return None
        config = self.current_config().validated()
        spec, options = self.study_panel.spec(config), self.study_panel.options()
        self.config = config
        self.save_settings()
        from workbench.records.run_folder import create_run_dir, default_stem
        out_dir = create_run_dir(default_runs_dir(), default_stem(config) + "-study")   # new and empty
        self.run_config = config.with_(trials=spec.size)
        self.run_dir = out_dir
        self._begin_display(self.run_config, str(out_dir), seeds=spec.seeds)
        self._study_running = True
        self.centre_tabs.setCurrentWidget(self.study_panel)
        self.controller.start_study(spec, out_dir, options)
        return out_dir

    def show_study_result(self, study_dir) -> None:
        """A study's pooled result (per case, per seed) in the Study result tab."""
        self.study_result.show_result(Path(study_dir))
        self.centre_tabs.setCurrentWidget(self.study_result)

    def _on_study_progress(self, progress) -> None:
        self.study_panel.show_progress(progress)
        self.run_panel.progress.setValue(int(round(1000 * progress.fraction)))
        self.run_panel.progress.setFormat(self.study_panel.bar.format())
        self._title_detail = f"study {progress.fraction:.0%}, {progress.completed}/{progress.total} trials"
        self._update_title()

    def _on_study_finished(self, outcome) -> None:
        self._study_running = False
        self.last_outcome = outcome
        self._set_state("idle")
        self.study_panel.finish(outcome)
        self.run_panel.finish(outcome.status, outcome.error, str(outcome.dir))
        self._title_detail = f"study {outcome.status}"
        self._update_title()
        self.plots.refresh_now()
        done = [e for e in outcome.trials if e["status"] == "completed"]
        if done:                               # the last completed trial opens like any run
            self.run_dir = Path(outcome.dir) / done[-1]["folder"]
            try:
                self.results.show_run(self.run_dir)
            except (OSError, ValueError) as exc:
                self.statusBar().showMessage(f"Cannot show the results: {exc}", 10000)
            self._update_run_actions()
        pooled = bool(done) and self.study_result.show_result(Path(outcome.dir))
        if pooled:
            self.centre_tabs.setTabText(self.centre_tabs.indexOf(self.study_result), "Study result ●")
        self.run_list.refresh()
        self.statusBar().showMessage(f"Study {outcome.status}: {len(done)}/{len(outcome.trials)} trials "
                                     f"completed in {outcome.dir}" + (" (their pooled result: the Study result "
                                                                      "tab)" if pooled else ""), 20000)

    # ============================================================ closing
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.controller.running and self.confirm_close:
            name = Path(self.run_dir).name if self.run_dir else "the run"
            if not self.confirm("Quit during a run", f"Run {name} is still training. Stop it (finished epochs "
                                                      "are kept in its folder) and close the window?"):
                event.ignore()
                return
        if self.controller.running:
            self.statusBar().showMessage("Stopping the run…")
            self.run_panel.set_state("stopping")
            QApplication.processEvents()
            self.controller.shutdown()
        self._save_timer.stop()
        try:
            self.save_settings()
        except Exception:      # never keep a window open because settings cannot be written
            pass
        super().closeEvent(event)
