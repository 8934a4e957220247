"""The window's menus, keyboard shortcuts and Help (README, shortcuts, About).

A mixin of MainWindow, apart so the window's file holds the layout and the run's life; it uses
the window's panels and actions (`self.plots`, `start_run`, …) and adds nothing else to its state.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMessageBox

README_URL = "https://github.com/rcnn-workbench/rcnn-workbench#readme"
SHORTCUTS = {"run": ("F5", "Ctrl+R"), "pause": ("Space", "Ctrl+P"), "stop": ("Esc", "Ctrl+.")}


class WindowMenus:
    """File, Run, Compare and Help menus for MainWindow."""

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")

        def action(menu, text, slot, shortcut=None, tip=""):
            a = QAction(text, self)
            if isinstance(shortcut, tuple):
                a.setShortcuts([QKeySequence(k) for k in shortcut])
            elif shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setStatusTip(tip)
            a.setToolTip(tip or text)
            a.triggered.connect(lambda _checked=False: slot())   # never triggered(bool) as the slot's argument
            menu.addAction(a)
            return a

        self.open_config_action = action(file_menu, "Open configuration…", self._ask_open_configuration,
                                         QKeySequence.StandardKey.Open,
                                         "Load a saved configuration (or a run's manifest.json)")
        self.save_config_action = action(file_menu, "Save configuration…", self._ask_save_configuration,
                                         QKeySequence.StandardKey.Save, "Save the current configuration as JSON")
        file_menu.addSeparator()
        self.open_run_action = action(file_menu, "Open run folder…", self._ask_open_run,
                                      tip="Show an earlier run's curves and results")
        self.save_plots_action = action(file_menu, "Save plots (PNG/SVG/CSV)…", self._ask_save_plots,
                                        "Ctrl+Shift+S",
                                        "The four plots and their legend as an image, or the plotted data as CSV")
        self.export_run_action = action(file_menu, "Export run folder…", self._ask_export_run,
                                        tip="Copy the run folder (manifest, metrics, transparency log, "
                                            "predictions, TensorBoard files) elsewhere")
        self.export_zip_action = action(file_menu, "Export run as ZIP…", self._ask_export_zip,
                                        tip="The whole run folder in one ZIP file")
        self.export_csv_action = action(file_menu, "Export metrics as one CSV…", self._ask_export_csv,
                                        tip="Every case, trial, epoch and metric in one long-format CSV")
        file_menu.addSeparator()
        action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)

        run_menu = self.menuBar().addMenu("&Run")
        self.run_menu = run_menu
        self.run_action = action(run_menu, "Run", self.start_run, SHORTCUTS["run"],
                                 "Train the selected cases with the current configuration")
        self.pause_action = action(run_menu, "Pause / Resume", self.toggle_pause, SHORTCUTS["pause"],
                                   "Pause between two steps (also while the engine starts); again to resume")
        self.stop_action = action(run_menu, "Stop", self.stop_run, SHORTCUTS["stop"],
                                  "Stop after the current step; finished epochs stay in the run folder")
        for a in (self.run_action, self.pause_action, self.stop_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.continue_action = action(run_menu, "Continue this run", self.continue_current,
                                      tip="Train the shown stopped, interrupted or failed run on from its last "
                                          "checkpoint, in its own folder")

        compare_menu = self.menuBar().addMenu("&Compare")
        self.compare_menu = compare_menu
        self.compare_action = action(compare_menu, "Add a published log…", self._ask_compare_log,
                                     tip="Draw a published 2018 log as dashed curves beside your run "
                                         "(as many logs as you like, each labelled)")
        self.clear_reference_action = action(compare_menu, "Remove published curves",
                                             self.plots.clear_reference)
        compare_menu.addSeparator()
        self.rerun_action = action(compare_menu, "Re-run this run…", self.rerun_current,
                                   tip="Train the shown run again from its manifest and check the numbers "
                                       "match bit for bit")
        # --- claims ---
        compare_menu.addSeparator()
        self.claims_action = action(compare_menu, "Check the published claims…", self.open_claims_dialog,
                                    tip="Run the study the posts' claims need and open a report with verdicts")
        # --- end claims ---

        help_menu = self.menuBar().addMenu("&Help")
        self.help_menu = help_menu
        self.readme_action = action(help_menu, "README", self.open_readme,
                                    tip="The workbench's README (how to run, what each panel does)")
        self.shortcuts_action = action(help_menu, "Keyboard shortcuts", self.show_shortcuts)
        self.about_action = action(help_menu, "About RCNN Workbench", self.show_about)
        self._update_run_actions()

    @staticmethod
    def version() -> str:
        from workbench.core.version import app_version
        return app_version()

    # --- claims ---
    def open_claims_dialog(self):
        from ui.studies.claims_dialog import open_claims_dialog
        self.claims_dialog = open_claims_dialog(self)
        return self.claims_dialog
    # --- end claims ---

    def about_text(self) -> str:
        """Version (package metadata), where runs go, and the libraries that change the numbers."""
        from importlib import metadata

        from workbench.core.paths import runs_home
        from workbench.core.version import app_version

        def version(name):
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                return "not installed"
        return (f"<b>RCNN Workbench {app_version()}</b><br>"
                "Reproduce and extend two 2018 recurrent-CNN experiments.<br><br>"
                f"Runs are saved in: {runs_home()}<br>"
                f"TensorFlow {version('tensorflow')}, NumPy {version('numpy')}, "
                f"PySide6 {version('PySide6-Essentials')}, pyqtgraph {version('pyqtgraph')}")

    def show_about(self) -> None:
        QMessageBox.about(self, "About RCNN Workbench", self.about_text())

    def shortcuts_text(self) -> str:
        return "\n".join(f"{name.capitalize()}: {' or '.join(keys)}" for name, keys in SHORTCUTS.items())

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", self.shortcuts_text())

    def readme_path(self) -> Path | None:
        path = Path(__file__).resolve().parents[2] / "README.md"
        return path if path.exists() else None

    def open_readme(self) -> None:
        path = self.readme_path()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)) if path else QUrl(README_URL))
