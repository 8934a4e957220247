"""The study panel: the Trials field grown into a grid, a backend and a live table of trials.

Left: the grid (seeds, architectures, optional values of learning rate,
batch size, semantics, initialisation, dilation P and k) and where it runs
(local, worker processes or Ray, with workers and threads). Right: one
progress bar with ETA for the whole study and a table of trials (status,
epoch, ETA, node, attempts), fed by the study bridge's signals. The study's result has its own tab
(ui/studies/study_result_view.py). Talks to workbench/ only (no TensorFlow).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.core.config import ConfigError, ExperimentConfig
from workbench.execution.run_progress import clock
from workbench.studies.spec import BACKENDS, StudyOptions, StudySpec, parse_seeds, parse_values

COLUMNS = ("Trial", "Configuration", "Seed", "Status", "Epoch", "ETA", "Node", "Tries")
_AXES = (  # (field label, StudySpec axis, value type, placeholder)
    ("Learning rates", "learning_rates", float, "the configuration's, or e.g. 0.001, 0.007"),
    ("Batch sizes", "batch_sizes", int, "the configuration's, or e.g. 50, 100"),
    ("Dilation P", "dilation_Ps", float, "the configuration's, or e.g. 100, 1000"),
    ("Dilation k", "dilation_ks", float, "the configuration's, or e.g. 0.008, 0.08"),
)
_STATUS_COLOUR = {"completed": "#2e7d32", "failed": "#c62828", "running": "#1565c0", "stopped": "#8d6e63",
                  "pending": "#757575"}


class StudyPanel(QWidget):
    run_requested = Signal()
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        from engine import catalog
        self._rows: dict[int, int] = {}
        self._epochs = 1

        # ------------------------------------------------------------ grid
        grid_box = QGroupBox("Grid: every combination is one trial")
        form = QFormLayout(grid_box)
        self.seeds = QLineEdit()
        self.seeds.setPlaceholderText("from Seed and Trials, e.g. 0-4 or 0,3,7")
        self.seeds.setToolTip("One trial per seed and configuration; empty: seed … seed + trials − 1 "
                              "from the training settings")
        form.addRow("Seeds", self.seeds)
        self.archs = QListWidget()
        self.archs.setMaximumHeight(110)
        for key in catalog.keys():
            item = QListWidgetItem(key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.archs.addItem(item)
        self.archs.setToolTip("Tick several architectures to compare them; none ticked: the chosen one")
        form.addRow("Architectures", self.archs)
        self.axes: dict[str, QLineEdit] = {}
        for label, axis, _, hint in _AXES:
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            self.axes[axis] = edit
            form.addRow(label, edit)
        self.semantics = {s: QCheckBox(s) for s in ("corrected", "as-published")}
        row = QHBoxLayout()
        for box in self.semantics.values():
            row.addWidget(box)
        row.addStretch(1)
        form.addRow("Semantics", row)
        for w in [self.seeds, *self.axes.values()]:
            w.textChanged.connect(self._on_changed)
        for box in self.semantics.values():
            box.toggled.connect(self._on_changed)
        self.archs.itemChanged.connect(self._on_changed)

        # ------------------------------------------------------------ backend
        backend_box = QGroupBox("Where the trials run")
        bform = QFormLayout(backend_box)
        self.backend = QComboBox()
        self.backend.addItems(BACKENDS)
        self.backend.setToolTip("local: one trial after another, in one worker process beside the window; "
                                "processes: worker processes on this machine; ray: a Ray cluster")
        bform.addRow("Backend", self.backend)
        self.workers = QSpinBox()
        self.workers.setRange(1, 4096)
        self.workers.setValue(2)
        bform.addRow("Workers", self.workers)
        self.threads = QSpinBox()
        self.threads.setRange(1, 256)
        self.threads.setValue(1)
        self.threads.setToolTip("TensorFlow threads in each worker; the numbers are bit-identical between "
                                "backends at the same thread count")
        bform.addRow("Threads per worker", self.threads)
        self.address = QLineEdit()
        self.address.setPlaceholderText("empty: a local Ray for this study; 'auto' or HOST:PORT")
        bform.addRow("Ray address", self.address)
        self.backend.currentTextChanged.connect(self._on_backend)
        for w in (self.workers, self.threads):
            w.valueChanged.connect(self._on_changed)
        self.address.textChanged.connect(self._on_changed)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.run_button = QPushButton("Run study")
        self.run_button.clicked.connect(self.run_requested)

        left = QVBoxLayout()
        left.addWidget(grid_box)
        left.addWidget(backend_box)
        left.addWidget(self.summary)
        left.addWidget(self.run_button)
        left.addStretch(1)
        self.controls = QWidget()
        self.controls.setLayout(left)
        self.controls.setMaximumWidth(430)

        # ------------------------------------------------------------ live
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("no study yet")
        self.bar.setTextVisible(True)
        self.folder = QLabel()
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)   # status: errors
        right = QVBoxLayout()
        right.addWidget(self.bar)
        right.addWidget(self.folder)
        right.addWidget(self.table, 1)

        layout = QHBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addLayout(right, 1)
        self._base: ExperimentConfig | None = None
        self._on_backend(self.backend.currentText())

    # ------------------------------------------------------------------ the grid
    def set_base(self, config: ExperimentConfig) -> None:
        """The window's configuration: the grid's defaults (its architecture, seed and trials)."""
        self._base = config
        self._refresh_summary()

    def _default_seeds(self) -> tuple[int, ...]:
        c = self._base
        return tuple(range(c.train.seed, c.train.seed + c.trials)) if c is not None else (0,)

    def spec(self, base: ExperimentConfig | None = None) -> StudySpec:
        """The grid as a StudySpec over `base`; raises ConfigError with one line when it cannot run."""
        base = base or self._base
        if base is None:
            raise ConfigError("no configuration yet")
        seeds = parse_seeds(self.seeds.text()) if self.seeds.text().strip() else \
            tuple(range(base.train.seed, base.train.seed + base.trials))
        archs = [self.archs.item(i).text() for i in range(self.archs.count())
                 if self.archs.item(i).checkState() == Qt.CheckState.Checked] or [base.arch]
        axes = {}
        for label, axis, kind, _ in _AXES:
            text = self.axes[axis].text().strip()
            if text:
                axes[axis] = parse_values(text, kind, label)
        semantics = tuple(s for s, box in self.semantics.items() if box.isChecked())
        if semantics:
            axes["semantics"] = semantics
        return StudySpec.from_config(base.with_(trials=1), seeds, archs, **axes)

    def options(self) -> StudyOptions:
        backend = self.backend.currentText()
        parallel = backend != "local"
        return StudyOptions(backend=backend, workers=self.workers.value() if parallel else None,
                            threads_per_worker=self.threads.value() if parallel else None,
                            address=(self.address.text().strip() or None) if backend == "ray" else None
                            ).validated()

    def problem(self) -> str | None:
        try:
            self.spec()
            self.options()
        except ConfigError as exc:
            return str(exc)
        return None

    def _on_backend(self, backend: str) -> None:
        parallel = backend != "local"
        self.workers.setEnabled(parallel)
        self.threads.setEnabled(parallel)
        self.address.setEnabled(backend == "ray")
        self._on_changed()

    def _on_changed(self, *_):
        self._refresh_summary()
        self.changed.emit()

    def _refresh_summary(self) -> None:
        problem = self.problem()
        if problem:
            self.summary.setText(f"<span style='color:#c62828'>{problem}</span>")
            self.run_button.setEnabled(False)
            return
        spec, options = self.spec(), self.options()
        where = {"local": "one after another, in one worker process beside the window",
                 "processes": f"on {options.workers} worker process(es) × {options.threads_per_worker} thread(s)",
                 "ray": f"on {options.workers} Ray actor(s) × {options.threads_per_worker} thread(s)"
                        + (f" at {options.address}" if options.address else " (a local Ray)")}[options.backend]
        self.summary.setText(f"{spec.describe()}, {where}.")
        self.run_button.setEnabled(True)

    def set_running(self, running: bool) -> None:
        self.controls.setEnabled(not running)

    # ------------------------------------------------------------------ live
    def begin(self, study_dir: str, state: dict) -> None:
        """A study started (or resumed): one row per trial from its study.json."""
        self.folder.setText(study_dir)
        self.table.setRowCount(0)
        self._rows.clear()
        epochs = [b.get("train", {}).get("epochs", 1) for b in state.get("spec", {}).get("bases", [])]
        self._epochs = max(epochs or [1])
        for entry in state["trials"]:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self._rows[entry["index"]] = row
            for col, text in enumerate((f"trial-{entry['index']}", entry["group"], str(entry["seed"]))):
                self.table.setItem(row, col, QTableWidgetItem(text))
            self.update_trial(entry["index"], entry)
        self.bar.setValue(0)
        self.bar.setFormat("starting…")

    def _set(self, row: int, col: int, text: str, colour: str | None = None) -> None:
        item = self.table.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, col, item)
        if item.text() != text:
            item.setText(text)
        if colour:
            item.setForeground(_qcolor(colour))

    def update_trial(self, k: int, entry: dict) -> None:
        row = self._rows.get(k)
        if row is None:
            return
        status = entry["status"]
        self._set(row, 3, status + (f": {entry['error']}" if entry.get("error") and status != "completed" else ""),
                  _STATUS_COLOUR.get(status))
        done = entry.get("epochs_done", 0)
        self._set(row, 4, f"{done}/{self._epochs}" if status != "pending" else "")
        if status != "running":
            self._set(row, 5, "")
        self._set(row, 6, str(entry.get("node") or "") + (f" ({entry['worker']})" if entry.get("worker") else ""))
        self._set(row, 7, str(entry.get("attempts", 0)))

    def show_step(self, event) -> None:
        row = self._rows.get(event.trial)
        if row is None:
            return
        self._set(row, 4, f"{event.epoch + event.step / max(1, event.steps_per_epoch):.1f}/{self._epochs}")
        self._set(row, 5, clock(event.progress.eta_s))

    def show_progress(self, p) -> None:
        self.bar.setValue(int(round(p.fraction * 1000)))
        extra = f", {p.failed} failed" if p.failed else ""
        self.bar.setFormat(f"{p.fraction:.0%}: {p.completed}/{p.total} trials done, {p.running} running{extra}"
                           f" — elapsed {clock(p.elapsed_s)}, ETA {clock(p.eta_s)}")

    def finish(self, outcome) -> None:
        for entry in outcome.trials:
            self.update_trial(entry["index"], entry)
        done = sum(1 for e in outcome.trials if e["status"] == "completed")
        if outcome.trials:
            self.bar.setValue(int(round(1000 * done / len(outcome.trials))))
        self.bar.setFormat(f"study {outcome.status}: {done}/{len(outcome.trials)} trials completed"
                           + (f" — {outcome.error}" if outcome.error else ""))


def _qcolor(hex_colour: str):
    from PySide6.QtGui import QColor
    return QColor(hex_colour)
