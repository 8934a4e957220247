"""What the window opens and writes: run folders shown or overlaid, published logs, exports, dialogs.

A mixin of MainWindow, apart so the window's file holds the layout and the run's life. Every
file dialog opens in the shown run's folder; every export goes through workbench.records.export, which
never follows a symbolic link out of a run folder and never writes into an existing one.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from engine.cases import PUBLISHED_CASES, Case
from workbench.core.config import ConfigError, ExperimentConfig
from workbench.app.worker import default_runs_dir


def kept_steps(run_dir: Path) -> list:
    """The step reports a run folder kept (steps.csv), as the plots replay them; none when it has none
    (recorded before steps were kept) or they cannot be read: the plots then draw the epoch means and say so."""
    from workbench.records.steps import StepsFileError, read_steps, step_events
    try:
        return step_events(read_steps(Path(run_dir) / "steps.csv"))
    except (OSError, StepsFileError):
        return []


class WindowFiles:
    """Open, overlay, compare and export for MainWindow."""

    def save_plots(self, path: Path) -> list[Path]:
        """PNG or SVG by the suffix; no suffix writes both."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".png":
            return [self.plots.export_png(path)]
        if suffix == ".svg":
            return [self.plots.export_svg(path)]
        if suffix == ".csv":
            return [self.plots.export_plotted_csv(path)]
        if suffix:
            raise ValueError(f"{path.name}: plots are saved as .png, .svg or .csv (the plotted data)")
        return [self.plots.export_png(path.with_suffix(".png")), self.plots.export_svg(path.with_suffix(".svg")),
                self.plots.export_plotted_csv(path.with_suffix(".csv"))]

    def export_run_folder(self, dest_dir: Path) -> Path:
        """Copy the shown run's files into a new folder dest_dir/<run name> (as the ZIP export: no symbolic
        link followed, no lock or disk-space reserve, an existing folder never written into)."""
        from workbench.records.export import export_folder
        if self.run_dir is None or not Path(self.run_dir).exists():
            raise FileNotFoundError("no run to export yet: press Run or open a run folder")
        target, skipped = export_folder(Path(self.run_dir), Path(dest_dir))
        note = f" (skipped {len(skipped)} symbolic link(s))" if skipped else ""
        self.statusBar().showMessage(f"Run folder copied to {target}{note}", 10000)
        return target

    def export_zip(self, dest: Path) -> Path:
        from workbench.records.export import export_zip
        if self.run_dir is None:
            raise FileNotFoundError("no run to export yet")
        export_zip(Path(self.run_dir), Path(dest), replace=True)   # the save dialog asked
        return Path(dest)

    def export_csv(self, dest: Path) -> Path:
        from workbench.records.export import export_long_csv
        if self.run_dir is None:
            raise FileNotFoundError("no run to export yet")
        export_long_csv(Path(self.run_dir), Path(dest), replace=True)
        return Path(dest)

    def open_run(self, run_dir: Path) -> None:
        """Show an earlier run's curves and results."""
        from workbench.records.metrics import read_metrics
        from workbench.records.run_folder import read_manifest
        run_dir = Path(run_dir)
        manifest = read_manifest(run_dir)
        rows = read_metrics(run_dir / "metrics.csv")
        cases = []
        for key, info in manifest.get("cases", {}).items():
            if key in PUBLISHED_CASES:
                cases.append(PUBLISHED_CASES[key])
            else:
                cases.append(Case(key, info.get("name", key), info.get("colour", "#808080")))
        trials = max(1, len(manifest.get("trials", [])))
        self.plots.load_rows(rows, cases, trials, arch=manifest.get("config", {}).get("arch"),
                             steps=kept_steps(run_dir))
        from workbench.records.gradient_log import read_gradients
        self.gradient_flow.load_rows(read_gradients(run_dir), cases)     # this run's, or none: never the last one's
        self.results.show_run(run_dir)
        self.run_dir = run_dir
        self._show_device(run_dir)
        self.run_config = None
        from workbench.records.run_status import status_of
        status = status_of(manifest, run_dir).status
        try:
            opened = ExperimentConfig.from_dict(manifest["config"])
        except (KeyError, TypeError, ValueError, ConfigError):
            opened = None
        self.plots.run_caption = self._caption(opened, run_dir.name, status)
        self._on_overlay_changed()
        epochs_done = len({r.epoch for r in rows if r.split == "test"})
        self.run_panel.show_opened(str(run_dir), status, epochs_done, trials)
        try:
            self.log_view.set_text((run_dir / "transparency.txt").read_text())
        except OSError:
            self.log_view.set_text("")
        self._title_detail = f"{run_dir.name} ({status})"
        self._update_run_actions()
        self._update_title()
        self.statusBar().showMessage(f"Opened run {run_dir.name} ({status}).", 10000)

    def _open_run_from_list(self, path: str) -> None:
        report = Path(path) / "report.html"
        if any(e.report == report for e in self.run_list.entries):     # a claims report: the browser shows it
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(report)))
            self.statusBar().showMessage(f"Opened the claims report {report}", 8000)
            return
        if self._state != "idle":
            self.statusBar().showMessage("A run is in progress: open the other run when it ends.", 8000)
            return
        try:
            self.open_run(Path(path))
        except (OSError, ValueError) as exc:
            self.show_error("Open run folder", str(exc))

    def _on_overlay_changed(self) -> None:
        """The runs ticked in the run list, drawn over the shown run (each run its own dash style)."""
        from workbench.records.metrics import read_metrics
        shown = self.shown_arch()
        runs, problems = [], []
        for entry in self.run_list.overlays():
            if self.run_dir is not None and Path(entry.path) == Path(self.run_dir):
                continue            # the shown run itself
            try:
                rows = read_metrics(Path(entry.path) / "metrics.csv")
            except (OSError, ValueError) as exc:
                problems.append(f"{entry.display_name}: {exc}")
                continue
            warning = (f"architecture {entry.arch}, the shown run is {shown}"
                       if shown and entry.arch != shown else "")
            runs.append((entry.display_name, rows, entry.trials, warning, kept_steps(Path(entry.path))))
        self.plots.set_run_overlays(runs)
        if problems:
            self.statusBar().showMessage("Cannot overlay " + "; ".join(problems), 15000)

    def shown_arch(self) -> str | None:
        """The architecture of the run on the plots (opened, last run, else the configured one)."""
        return self.plots.arch or (self.run_config.arch if self.run_config else None)

    def _caption(self, config: ExperimentConfig | None, name: str, status: str = "",
                 seeds: tuple[int, ...] | None = None) -> str:
        """The figure's first sentence; `seeds` are the trials' own (a study's), else Seed … Seed + Trials − 1."""
        if config is None:
            return f"Run {name}."
        seeds = tuple(seeds) if seeds else tuple(range(config.train.seed, config.train.seed + config.trials))
        if len(seeds) == 1:
            seeds = f"seed {seeds[0]}"
        elif seeds == tuple(range(seeds[0], seeds[0] + len(seeds))):
            seeds = f"seeds {seeds[0]}–{seeds[-1]}"
        else:
            seeds = "seeds " + ", ".join(str(s) for s in seeds)
        return (f"Run {name}{' (' + status + ')' if status else ''}: architecture {config.arch}, "
                f"{config.train.semantics} maths, cases {', '.join(config.cases)}, {config.train.epochs} epochs, "
                f"batch {config.train.batch_size}, {seeds}.")

    def _show_device(self, run_dir) -> None:
        from workbench.records.device_record import device_text, device_tooltip, recorded_device
        device = recorded_device(run_dir) if run_dir is not None else None
        self.device_label.setText(device_text(device))
        self.device_label.setToolTip(device_tooltip(device))

    def _shown_batch_size(self) -> int:
        """The batch size of the run on the plots (an opened run, the last run, else the configured one)."""
        manifest = getattr(self.results, "manifest", None) or {}
        batch = manifest.get("config", {}).get("train", {}).get("batch_size")
        if isinstance(batch, int):
            return batch
        config = self.run_config or self.current_config()
        return config.train.batch_size

    def compare_with_log(self, path: Path):
        """Lay a published log over the plots as dashed curves; returns the parsed log."""
        from workbench.records.published_logs import cost_at_batch, parse_log
        log = parse_log(Path(path))
        rows, scaled = cost_at_batch(log, self._shown_batch_size())
        label = f"published ({Path(path).name}{', ' + scaled if scaled else ''})"
        shown = self.shown_arch()
        warning = ""
        if shown and log.architecture != shown:
            warning = (f"a {log.architecture} log, the shown run is {shown}: not comparable "
                       "(y-axis fitted to the run)")
        self.plots.add_reference(rows, label, warning)
        message = (f"Published log {Path(path).name}: {log.layout} layout, cases {', '.join(log.cases)}, "
                   f"{_epochs_logged(sorted({r.epoch for r in log.rows}))}.")
        if log.notes:
            message += f" {len(log.notes)} damaged place(s) skipped, e.g. {log.notes[0]}"
        if warning:
            message = f"⚠ {log.architecture} log over a {shown} run. " + message
        self.statusBar().showMessage(message, 20000)
        self.centre_tabs.setCurrentWidget(self.plots)
        return log

    # ---------------------------------------------------------- dialogs
    def _attempt(self, title: str, action, errors: tuple = (OSError, ValueError)):
        """Do what the user asked in a dialog; a failure is one line in an error box titled `title`.

        Returns the action's result (True for an action that returns nothing), or None when it failed.
        """
        try:
            result = action()
        except errors as exc:
            self.show_error(title, str(exc))
            return None
        return True if result is None else result

    def _dialog_dir(self) -> Path:
        """File dialogs open in the shown run's folder, else the runs folder, else home."""
        for candidate in (self.run_dir, default_runs_dir()):
            if candidate is not None and Path(candidate).is_dir():
                return Path(candidate)
        return Path.home()

    def _ask_open_configuration(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open configuration", str(self._dialog_dir()),
                                              "Configuration or manifest (*.json);;All files (*)")
        if path:
            self._attempt("Open configuration", lambda: self.open_configuration(Path(path)), (ConfigError,))

    def _ask_save_configuration(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save configuration", str(self._dialog_dir() / "rcnn-config.json"),
                                              "Configuration (*.json)")
        if path:
            self._attempt("Save configuration", lambda: self.save_configuration(Path(path)), (ConfigError, OSError))

    def _ask_save_plots(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "Save plots", str(self._dialog_dir() / "plots.png"),
                                                   "PNG image (*.png);;SVG vector image (*.svg);;"
                                                   "Plotted data as CSV (*.csv)")
        if not path:
            return
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".svg" if "svg" in chosen.lower() else ".csv" if "csv" in chosen.lower()
                                    else ".png")
        saved = self._attempt("Save plots", lambda: self.save_plots(path))
        if saved:
            self.statusBar().showMessage("Saved " + ", ".join(str(p) for p in saved), 10000)

    def _ask_export_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Copy the run folder into…", str(Path.home()))
        if folder:
            self._attempt("Export run folder", lambda: self.export_run_folder(Path(folder)))

    def _ask_export_zip(self) -> None:
        self._ask_save_export("Export run as ZIP", ".zip", "ZIP (*.zip)", self.export_zip)

    def _ask_export_csv(self) -> None:
        self._ask_save_export("Export metrics as one CSV", "-metrics.csv", "CSV (*.csv)", self.export_csv)

    def _ask_save_export(self, title: str, suffix: str, filter_: str, export) -> None:
        """Ask where (outside the run folder: exports never write into it), export, say where it went."""
        name = f"{Path(self.run_dir).name}{suffix}" if self.run_dir else f"run{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), filter_)
        if path and self._attempt(title, lambda: export(Path(path))) is not None:
            self.statusBar().showMessage(f"Saved {path}", 10000)

    def _ask_open_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open run folder", str(default_runs_dir()))
        if folder:
            self._attempt("Open run folder", lambda: self.open_run(Path(folder)))

    def _ask_compare_log(self) -> None:
        import resources
        start = str(resources.published_logs())        # the shipped 2018 logs (package data)
        path, _ = QFileDialog.getOpenFileName(self, "Add a published log", start,
                                              "Published logs (*.txt);;All files (*)")
        if path:
            self._attempt("Compare with published log", lambda: self.compare_with_log(Path(path)))


def _epochs_logged(epochs: list[int]) -> str:
    """'31 epochs' when a log has every epoch; '9 points over epochs 0–800' when it printed every 100th."""
    if not epochs or epochs == list(range(epochs[0], epochs[0] + len(epochs))):
        return f"{len(epochs)} epochs"
    return f"{len(epochs)} points over epochs {epochs[0]}–{epochs[-1]}"

