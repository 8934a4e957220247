"""After a run: results per case, a confusion matrix, misclassified digits, and the seed comparison.

Everything is read back from the run folder (manifest.json, metrics.csv,
predictions.npz), so the panel shows exactly what was saved and can show
any earlier run too. Test images are loaded with engine.data (NumPy only)
from the run's data source, and only when a case is chosen.
"""
from __future__ import annotations

import html

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QComboBox, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QListView, QListWidget, QListWidgetItem, QScrollArea, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine.cases import PUBLISHED_CASES
from workbench.stats import comparison
from workbench.records.metrics import MetricsFileError, read_metrics
from workbench.records.run_folder import read_manifest
from ui.window.widgets import PaneComboBox

MAX_TILES = 60
TILE = 56

RESULT_COLUMNS = ("Case", "Final train cost", "Final train acc", "Final test cost", "Final test acc",
                  "Best test acc (epoch)", "Training time (share)", "Note")
SHARED_TIME_TIP = ("The cases train in lockstep: one step trains every case on the same batch, so a case's time "
                   "is its share of the shared steps (each step's time split evenly between the cases still "
                   "training), not a separate measurement. Paused time is not counted.")


def _fmt(value, kind="acc") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.4f}" if kind == "acc" else f"{value:.4g}"


def _item(text: str, align_right: bool = True, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def confusion_matrix(labels, predictions, classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    labels = np.asarray(labels, int)
    predictions = np.asarray(predictions, int)
    out = np.zeros((classes, classes), dtype=int)
    np.add.at(out, (labels, predictions), 1)
    return out


def digit_pixmap(image: np.ndarray, size: int = TILE) -> QPixmap:
    """A [28,28] float image in [0,1] as a pixmap, scaled without smoothing."""
    a = np.ascontiguousarray((np.clip(image, 0.0, 1.0) * 255).astype(np.uint8))
    h, w = a.shape
    qimage = QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation)


class ResultsPanel(QWidget):
    """Results of one run folder."""

    case_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.manifest: dict = {}
        self.rows = []
        self.predictions: dict[str, np.ndarray] = {}
        self._images_cache: dict[tuple, tuple[np.ndarray, np.ndarray] | str] = {}
        self.misclassified: list[tuple[int, int, int]] = []    # (index, predicted, true)

        self.summary = QLabel("Results appear here when a run ends (or open a run folder from the File menu).")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(0, len(RESULT_COLUMNS))
        self.table.setHorizontalHeaderLabels(RESULT_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection)

        # ---- comparison between cases over trials
        self.compare_box = QGroupBox("Is a difference larger than the spread between seeds?")
        self.reference_combo = PaneComboBox()
        self.reference_combo.setToolTip("The case every other case is compared with")
        self.reference_combo.currentIndexChanged.connect(lambda _i: self._fill_comparison())
        self.compare_table = QTableWidget(0, 6)
        self.compare_table.setHorizontalHeaderLabels(
            ("Case", "Trials", "Final test acc, mean ± sd", "Difference vs reference", "95% CI", "Verdict"))
        self.compare_table.verticalHeader().setVisible(False)
        self.compare_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.compare_table.horizontalHeader().setStretchLastSection(True)
        self.compare_note = QLabel(
            "Each trial gives one final test accuracy per case; within a trial every case has the same "
            "seed, start and batches, so trials pair up. Difference = mean over trials of (case − "
            "reference), 95% CI from the paired t interval (Welch's where trials do not pair up). "
            "“better”/“worse” only when the whole interval is above/below 0; otherwise “within seed "
            "noise”. Needs ≥ 2 trials (set Trials in the Cases tab).")
        self.compare_note.setWordWrap(True)
        self.compare_note.setStyleSheet("color: #505050;")
        top = QHBoxLayout()
        top.addWidget(QLabel("Reference case:"))
        top.addWidget(self.reference_combo)
        top.addStretch(1)
        box = QVBoxLayout(self.compare_box)
        box.addLayout(top)
        box.addWidget(self.compare_table)
        box.addWidget(self.compare_note)

        # ---- confusion matrix and misclassified digits
        self.case_combo = PaneComboBox()
        self.case_combo.setToolTip("The case whose test predictions (last finished epoch) are shown")
        self.case_combo.currentIndexChanged.connect(self._on_case_combo)
        self.trial_combo = PaneComboBox()
        self.trial_combo.currentIndexChanged.connect(lambda _i: self._show_case())
        self.trial_label = QLabel("trial:")
        self.confusion = QTableWidget(10, 10)
        self.confusion.setHorizontalHeaderLabels([str(i) for i in range(10)])
        self.confusion.setVerticalHeaderLabels([str(i) for i in range(10)])
        self.confusion.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion.setMinimumSize(330, 300)
        self.confusion.setToolTip("Rows: true digit; columns: predicted digit; colour: share of the row")
        self.confusion_caption = QLabel("rows: true digit · columns: predicted digit")
        self.confusion_caption.setStyleSheet("color: #505050;")

        self.tiles = QListWidget()
        self.tiles.setViewMode(QListView.ViewMode.IconMode)
        self.tiles.setIconSize(QSize(TILE, TILE))
        self.tiles.setGridSize(QSize(TILE + 22, TILE + 24))
        self.tiles.setResizeMode(QListView.ResizeMode.Adjust)
        self.tiles.setMovement(QListView.Movement.Static)
        self.tiles.setWrapping(True)
        self.tiles.setUniformItemSizes(True)
        self.tiles.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tiles.setToolTip("Each digit is the clean test image; the network saw it with noise. "
                              "Caption: predicted / true.")
        self.tiles_caption = QLabel("")
        self.tiles_caption.setWordWrap(True)

        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Case:"))
        chooser.addWidget(self.case_combo, 1)
        chooser.addWidget(self.trial_label)
        chooser.addWidget(self.trial_combo)
        confusion_box = QGroupBox("Confusion matrix (test set)")
        cb = QVBoxLayout(confusion_box)
        cb.addLayout(chooser)
        cb.addWidget(self.confusion, 1)
        cb.addWidget(self.confusion_caption)
        tiles_box = QGroupBox("Misclassified test digits (predicted / true)")
        tb = QVBoxLayout(tiles_box)
        tb.addWidget(self.tiles_caption)
        tb.addWidget(self.tiles, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(confusion_box)
        lower.addWidget(tiles_box)
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 3)

        lower.setMinimumHeight(430)
        for table in (self.table, self.compare_table):
            # as tall as their rows: the panel scrolls as a whole instead of each table
            table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
            table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.table)
        column.addWidget(self.compare_box)
        column.addWidget(lower, 1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        self.compare_box.hide()

    # -------------------------------------------------------------- loading
    def clear(self) -> None:
        self.run_dir = None
        self.manifest, self.rows, self.predictions = {}, [], {}
        self.table.setRowCount(0)
        self.compare_table.setRowCount(0)
        self.compare_box.hide()
        self.case_combo.blockSignals(True)
        self.case_combo.clear()
        self.case_combo.blockSignals(False)
        self._clear_tiles()
        self.summary.setText("Results appear here when a run ends (or open a run folder from the File menu).")

    def show_run(self, run_dir: Path) -> None:
        """Read a run folder and show it (raises ValueError/OSError for a folder that is not a run)."""
        run_dir = Path(run_dir)
        manifest = read_manifest(run_dir)
        try:
            rows = read_metrics(run_dir / "metrics.csv")
        except MetricsFileError:
            rows = []
        predictions = {}
        path = run_dir / "predictions.npz"
        if path.exists():
            with np.load(path) as data:
                predictions = {k: data[k] for k in data.files}
        self.run_dir, self.manifest, self.rows, self.predictions = run_dir, manifest, rows, predictions
        self._fill_summary()
        self._fill_table()
        self._fill_case_choices()
        self._fill_comparison_choices()

    # ------------------------------------------------------------ summary
    def cases(self) -> list[str]:
        return list(self.manifest.get("cases", {}))

    def case_name(self, key: str) -> str:
        info = self.manifest.get("cases", {}).get(key)
        if info:
            return info.get("name", key)
        return PUBLISHED_CASES[key].name if key in PUBLISHED_CASES else key

    def case_colour(self, key: str) -> str:
        info = self.manifest.get("cases", {}).get(key)
        if info and info.get("colour"):
            return info["colour"]
        return PUBLISHED_CASES[key].colour if key in PUBLISHED_CASES else "#808080"

    def _fill_summary(self) -> None:
        m = self.manifest
        cfg = m.get("config", {})
        trials = m.get("trials", [])
        epochs = max((t.get("epochs_done", 0) for t in trials), default=0)
        data = (m.get("data") or {})
        from workbench.records.run_status import status_of
        status = status_of(m, self.run_dir).status if isinstance(m, dict) else "?"   # incl. "interrupted"
        text = (f"<b>{status}</b> · architecture {cfg.get('arch', '?')} · "
                f"{cfg.get('train', {}).get('semantics', '?')} semantics · {len(self.cases())} cases · "
                f"{epochs} epoch(s) done" + (f" · {len(trials)} trials" if len(trials) > 1 else "") +
                (f" · {data.get('n_train', '?')} training / {data.get('n_test', '?')} test images"
                 if data else ""))
        if m.get("error"):
            text += f"<br><span style='color:#c62828'>error: {m['error']}</span>"
        for note in self.run_notes():
            text += f"<br><span style='color:#505050'>note: {html.escape(note)}</span>"
        text += f"<br><span style='color:#505050'>{self.run_dir}</span>"
        self.summary.setText(text)

    def _fill_table(self) -> None:
        cases = self.cases()
        trials = self.manifest.get("trials", [])
        multi = len(trials) > 1
        self.table.setRowCount(len(cases))
        header = list(RESULT_COLUMNS)
        if multi:
            header[1:5] = [h + " (mean)" for h in header[1:5]]
            header[5] = "Best test acc (mean of trials)"
        self.table.setHorizontalHeaderLabels(header)
        for r, key in enumerate(cases):
            finals = [t.get("final", {}).get(key) for t in trials]
            finals = [f for f in finals if f]
            values = []
            for name in ("train_cost", "train_accuracy", "test_cost", "test_accuracy"):
                xs = [f.get(name) for f in finals if f.get(name) is not None]
                values.append(float(np.mean(xs)) if xs else None)
            best_text = "—"
            test_rows = [row for row in self.rows if row.case == key and row.split == "test"
                         and math.isfinite(row.accuracy)]
            if test_rows:
                if multi:
                    per_trial = {}
                    for row in test_rows:
                        per_trial[row.trial] = max(per_trial.get(row.trial, -1.0), row.accuracy)
                    best_text = f"{np.mean(list(per_trial.values())):.4f}"
                else:
                    best = max(test_rows, key=lambda row: row.accuracy)
                    best_text = f"{best.accuracy:.4f} ({best.epoch})"
            seconds = sum(float(t.get("train_seconds", {}).get(key, 0.0)) for t in trials)
            notes = []
            for t in trials:
                if key in t.get("diverged_at", {}):
                    where = f" (trial {t['trial']})" if multi else ""
                    notes.append(f"diverged at epoch {t['diverged_at'][key]}{where}")
            notes += self.case_notes(key)
            name_item = _item(f"  {key}  {self.case_name(key)}", align_right=False)
            swatch = QColor(self.case_colour(key))
            name_item.setForeground(QBrush(QColor("#202020")))
            name_item.setData(Qt.ItemDataRole.DecorationRole, swatch)
            self.table.setItem(r, 0, name_item)
            for c, (v, kind) in enumerate(zip(values, ("cost", "acc", "cost", "acc")), start=1):
                self.table.setItem(r, c, _item(_fmt(v, kind)))
            self.table.setItem(r, 5, _item(best_text, tip="epochs count from 0, as in metrics.csv and the log"))
            self.table.setItem(r, 6, _item(f"{seconds:.1f} s", tip=SHARED_TIME_TIP))
            self.table.setItem(r, 7, _item("; ".join(notes), align_right=False, tip="\n".join(notes)))
        if self.table.horizontalHeaderItem(6) is not None:
            self.table.horizontalHeaderItem(6).setToolTip(SHARED_TIME_TIP)

    def case_notes(self, key: str) -> list[str]:
        """The run's notes about case `key` (the manifest's notes start "case K ..." or "case K: ...")."""
        out = []
        for note in self.manifest.get("notes") or []:
            text = str(note)
            for prefix in (f"case {key} ", f"case {key}:"):
                if text.startswith(prefix):
                    out.append(text[len(prefix):].lstrip(" :"))
                    break
        return out

    def run_notes(self) -> list[str]:
        """The run's notes that are about no single case (shown under the summary)."""
        return [str(n) for n in self.manifest.get("notes") or [] if not str(n).startswith("case ")]

    def result_value(self, key: str, column: str) -> str:
        """The text shown for `key` in a column of the results table (for tests)."""
        r = self.cases().index(key)
        c = RESULT_COLUMNS.index(column)
        return self.table.item(r, c).text()

    # ---------------------------------------------------------- comparison
    def _fill_comparison_choices(self) -> None:
        cases = self.cases()
        trials = len(self.manifest.get("trials", []))
        self.reference_combo.blockSignals(True)
        self.reference_combo.clear()
        for key in cases:
            self.reference_combo.addItem(f"{key}  {self.case_name(key)}", key)
        default = "1" if "1" in cases else (cases[0] if cases else None)
        if default is not None:
            self.reference_combo.setCurrentIndex(cases.index(default))
        self.reference_combo.blockSignals(False)
        self.compare_box.setVisible(trials > 1 and len(cases) > 1)
        self._fill_comparison()

    def set_reference(self, key: str) -> None:
        index = self.reference_combo.findData(key)
        if index < 0:
            raise ValueError(f"no case {key!r} in this run")
        self.reference_combo.setCurrentIndex(index)

    def _fill_comparison(self) -> None:
        reference = self.reference_combo.currentData()
        self.compare_table.setRowCount(0)
        if reference is None or not self.rows:
            return
        summaries = {s.case: s for s in comparison.summarize(self.rows)}
        if reference not in summaries:
            return
        results = {c.case: c for c in comparison.compare(self.rows, reference=reference)}
        order = [k for k in self.cases() if k in summaries]
        self.compare_table.setRowCount(len(order))
        colours = {comparison.BETTER: "#1b7f2a", comparison.WORSE: "#c62828"}
        for r, key in enumerate(order):
            s = summaries[key]
            name = _item(f"  {key}  {self.case_name(key)}", align_right=False)
            name.setData(Qt.ItemDataRole.DecorationRole, QColor(self.case_colour(key)))
            self.compare_table.setItem(r, 0, name)
            n_text = f"{s.n}" + (f" (+{s.n_diverged} diverged)" if s.n_diverged else "")
            self.compare_table.setItem(r, 1, _item(n_text))
            sd = f" ± {s.sd:.4f}" if math.isfinite(s.sd) else ""
            self.compare_table.setItem(r, 2, _item(f"{s.mean:.4f}{sd}" if math.isfinite(s.mean) else "—"))
            if key == reference:
                self.compare_table.setItem(r, 3, _item("reference"))
                self.compare_table.setItem(r, 4, _item(""))
                self.compare_table.setItem(r, 5, _item("", align_right=False))
                continue
            c = results[key]
            self.compare_table.setItem(r, 3, _item(f"{c.diff:+.4f}" if math.isfinite(c.diff) else "—"))
            ci = (f"[{c.ci_low:+.4f}, {c.ci_high:+.4f}]" if math.isfinite(c.ci_low) else "—")
            self.compare_table.setItem(r, 4, _item(ci))
            verdict = _item(c.verdict, align_right=False)
            if c.verdict in colours:
                verdict.setForeground(QBrush(QColor(colours[c.verdict])))
            self.compare_table.setItem(r, 5, verdict)

    def comparison_rows(self) -> list[tuple[str, ...]]:
        """The comparison table's text, row by row (for tests and export)."""
        out = []
        for r in range(self.compare_table.rowCount()):
            out.append(tuple((self.compare_table.item(r, c).text() if self.compare_table.item(r, c) else "")
                             for c in range(self.compare_table.columnCount())))
        return out

    # ------------------------------------------------- case: confusion + tiles
    def _fill_case_choices(self) -> None:
        cases = [k for k in self.cases() if any(name.endswith(f"_case{k}") for name in self.predictions)]
        trials = sorted({int(name.split("_")[0][5:]) for name in self.predictions if name.startswith("trial")})
        self.trial_combo.blockSignals(True)
        self.trial_combo.clear()
        for t in trials:
            self.trial_combo.addItem(str(t + 1), t)
        if trials:
            self.trial_combo.setCurrentIndex(len(trials) - 1)
        self.trial_combo.blockSignals(False)
        self.trial_combo.setVisible(len(trials) > 1)
        self.trial_label.setVisible(len(trials) > 1)
        self.case_combo.blockSignals(True)
        self.case_combo.clear()
        for key in cases:
            self.case_combo.addItem(f"{key}  {self.case_name(key)}", key)
            self.case_combo.setItemData(self.case_combo.count() - 1, QColor(self.case_colour(key)),
                                        Qt.ItemDataRole.DecorationRole)
        self.case_combo.blockSignals(False)
        if cases:
            best = self._best_case(cases)
            self.case_combo.setCurrentIndex(cases.index(best))
            self._show_case()
        else:
            self._clear_confusion()
            self._clear_tiles()
            self.tiles_caption.setText("No test predictions were saved (the run ended before a test pass).")

    def _best_case(self, cases):
        finals = {}
        for t in self.manifest.get("trials", []):
            for key, f in t.get("final", {}).items():
                if f.get("test_accuracy") is not None:
                    finals[key] = f["test_accuracy"]
        known = [k for k in cases if k in finals]
        return max(known, key=lambda k: finals[k]) if known else cases[0]

    def select_case(self, key: str) -> None:
        index = self.case_combo.findData(key)
        if index < 0:
            raise ValueError(f"no predictions for case {key!r}")
        self.case_combo.setCurrentIndex(index)
        self._show_case()

    def _on_case_combo(self, _index) -> None:
        self._show_case()
        key = self.case_combo.currentData()
        if key:
            self.case_chosen.emit(key)

    def _on_table_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            key = self.cases()[rows[0].row()]
            index = self.case_combo.findData(key)
            if index >= 0 and index != self.case_combo.currentIndex():
                self.case_combo.setCurrentIndex(index)

    def current_case(self) -> str | None:
        return self.case_combo.currentData()

    def _predictions_for(self, key: str):
        trial = self.trial_combo.currentData()
        if trial is None:
            trial = 0
        name = f"trial{trial}_case{key}"
        if name not in self.predictions:
            candidates = sorted(n for n in self.predictions if n.endswith(f"_case{key}"))
            if not candidates:
                return None
            name = candidates[-1]
        return self.predictions[name]

    def _show_case(self) -> None:
        key = self.case_combo.currentData()
        if key is None:
            return
        predictions = self._predictions_for(key)
        labels = self.predictions.get("labels")
        if predictions is None or labels is None:
            return
        counts = confusion_matrix(labels, predictions)
        self.confusion_counts = counts
        self._fill_confusion(counts, self.case_colour(key))
        accuracy = np.trace(counts) / max(1, counts.sum())
        self.confusion_caption.setText(f"rows: true digit · columns: predicted digit · "
                                       f"{np.trace(counts)} of {counts.sum()} right ({accuracy:.1%})")
        wrong = np.nonzero(np.asarray(predictions) != np.asarray(labels))[0]
        self.misclassified = [(int(i), int(predictions[i]), int(labels[i])) for i in wrong]
        self._fill_tiles(labels)

    def _fill_confusion(self, counts: np.ndarray, colour: str) -> None:
        base = QColor(colour)
        row_sums = counts.sum(axis=1, keepdims=True)
        share = counts / np.maximum(row_sums, 1)
        for t in range(10):
            for p in range(10):
                item = QTableWidgetItem(str(counts[t, p]) if counts[t, p] else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                s = float(share[t, p])
                tint = QColor(int(255 - (255 - base.red()) * s), int(255 - (255 - base.green()) * s),
                              int(255 - (255 - base.blue()) * s))
                item.setBackground(QBrush(tint))
                item.setForeground(QBrush(QColor("white" if s > 0.55 and base.lightness() < 160 else "#202020")))
                item.setToolTip(f"true {t}, predicted {p}: {counts[t, p]} ({s:.0%} of the true {t}s)")
                self.confusion.setItem(t, p, item)

    def _clear_confusion(self) -> None:
        self.confusion.clearContents()
        self.confusion_caption.setText("rows: true digit · columns: predicted digit")

    def _clear_tiles(self) -> None:
        self.tiles.clear()

    def _test_images(self, labels) -> np.ndarray | str:
        data = self.manifest.get("config", {}).get("data", {})
        source = data.get("source", "sample")
        n = len(labels)
        key = (source, n)
        if key not in self._images_cache:
            try:
                from engine.data import load_dataset
                ds = load_dataset(source, train_limit=1, test_limit=n)
                if not np.array_equal(ds.y_test[:n], np.asarray(labels)):
                    self._images_cache[key] = ("the test labels of data source "
                                               f"{source!r} no longer match this run's")
                else:
                    self._images_cache[key] = ds.x_test[:n, :, :, 0]
            except Exception as exc:      # a source that is gone or unreadable: say so, no traceback
                self._images_cache[key] = f"cannot load the test images ({exc})"
        return self._images_cache[key]

    def _fill_tiles(self, labels) -> None:
        self._clear_tiles()
        total = len(self.misclassified)
        if not total:
            self.tiles_caption.setText("No misclassified test digits.")
            return
        images = self._test_images(labels)
        if isinstance(images, str):
            self.tiles_caption.setText(f"{total} misclassified; {images}.")
            return
        shown = self.misclassified[:MAX_TILES]
        self.tiles_caption.setText(f"{total} of {len(labels)} test digits misclassified"
                                   + (f"; the first {len(shown)} shown" if total > len(shown) else "") + ".")
        for index, predicted, true in shown:
            item = QListWidgetItem(QIcon(digit_pixmap(images[index])), f"{predicted} / {true}")
            item.setToolTip(f"test image {index}: predicted {predicted}, true {true}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.tiles.addItem(item)

    def tile_count(self) -> int:
        return self.tiles.count()
