"""A study's result, its own tab: per configuration and case the mean final test accuracy over seeds with
its 95% interval, the paired difference against a chosen reference case, each seed's value in a table and a
strip plot (a dot per seed, the mean and its interval beside them).

A view of ui/studies/model/study_result.py (the command line's `compare` statistics, pooled by seed);
shown at a study's end or when a study is opened from the Runs tab.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine.cases import PUBLISHED_CASES
from workbench.core.config import ConfigError
from workbench.stats import comparison

from ui.studies.model.study_result import StudyResult, read_study_result
from ui.window.widgets import PaneComboBox

RESULT_COLUMNS = ("Configuration", "Case", "Seeds", "Mean test acc.", "95% CI of the mean",
                  "Diff. vs reference", "95% CI (paired)", "Verdict")
RESULT_TIPS = ("", "", "Completed seeds with a finite final value", "The mean final test accuracy over seeds",
               "Mean ± t(n−1)·sd/√n", "Mean over seeds of (case − reference case), within its configuration",
               "The paired t interval over seeds (Welch's where seeds do not pair up)",
               "better/worse only when the whole interval is above/below 0")
_VERDICT_COLOUR = {comparison.BETTER: "#1b7f2a", comparison.WORSE: "#c62828"}
EMPTY = "A study's result appears here when it ends, or open a study from the Runs tab (double-click it)."


class StudyResultView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: StudyResult | None = None
        self._dir: Path | None = None
        self._choices: list[tuple[str, str | None]] = []       # the reference combo's entries
        self.caption = QLabel(EMPTY)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reference_combo = PaneComboBox()
        self.reference_combo.setToolTip("The case each other case of its configuration is compared with")
        self.reference_combo.currentIndexChanged.connect(self._on_reference)
        self.pooled = _table(RESULT_COLUMNS)
        self.per_seed = _table(("Configuration", "Seed"))
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #505050;")
        self.strip_plot = pg.PlotWidget(background="w")
        self.strip_plot.setTitle("Each seed's final test accuracy (dot), the mean and its 95% CI (bar)",
                                 color="#202020", size="9pt")
        self.strip_plot.setLabel("left", "final test accuracy")
        self.strip_plot.showGrid(x=False, y=True, alpha=0.3)
        self.strip_plot.setMouseEnabled(x=False, y=True)
        self.strip_plot.setMinimumWidth(260)
        self.strip_plot.getAxis("left").enableAutoSIPrefix(False)
        self.strip_plot.getAxis("bottom").setHeight(44)           # two-line labels: case, configuration
        for col, tip in enumerate(RESULT_TIPS):
            if tip:
                self.pooled.horizontalHeaderItem(col).setToolTip(tip)

        top = QHBoxLayout()
        top.addWidget(QLabel("Reference case:"))
        top.addWidget(self.reference_combo)
        top.addStretch(1)
        seeds = QWidget()
        column = QVBoxLayout(seeds)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Each seed's final test accuracy:"))
        column.addWidget(self.per_seed, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)      # the seeds: as numbers and as dots
        lower.addWidget(seeds)
        lower.addWidget(self.strip_plot)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Vertical)        # the pooled table keeps the full width
        split.addWidget(self.pooled)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.notes)

    def show_result(self, study_dir, reference: str | None = None, reference_group: str | None = None) -> bool:
        """Show a study folder's pooled result; False (and the reason, one line) when it has none yet.

        `reference_group`: compare every configuration with that configuration's `reference` case
        (paired by seed); None: each configuration with its own `reference` case."""
        study_dir = Path(study_dir)
        if reference is None and self._dir == study_dir and self.reference() is not None:
            reference, reference_group = self.reference()
        try:
            result = read_study_result(study_dir, reference or "1", reference_group)
        except (ConfigError, OSError, ValueError) as exc:
            self.result, self._dir = None, study_dir
            self.pooled.setRowCount(0)
            self.per_seed.setRowCount(0)
            self.strip_plot.clear()
            self.caption.setText(f"<span style='color:#c62828'>{html.escape(str(exc))}</span>")
            self.notes.setText("")
            return False
        self.result, self._dir = result, study_dir
        seeds = sorted({s for group in result.seeds.values() for s in group})
        against = ("the reference case of its own configuration" if result.reference_group is None else
                   f"case {html.escape(result.reference)} of {html.escape(result.reference_group)}")
        self.caption.setText(
            f"<b>{html.escape(study_dir.name)}</b>: {len(result.groups)} configuration(s), seeds "
            f"{', '.join(map(str, seeds))}. Mean over the completed seeds with its 95% t interval; each case "
            f"against {against}, "
            f"paired by seed (as <code>main.py compare</code> reports it).")
        self.reference_combo.blockSignals(True)
        self.reference_combo.clear()
        self._choices = [(key, None) for key in result.case_keys()]
        if len(result.groups) > 1:                 # across configurations, paired by seed
            self._choices += [(c.case, c.group) for c in result.cases]
        for key, group in self._choices:
            self.reference_combo.addItem(
                f"case {key} of {group} (for every configuration)" if group is not None else
                f"case {key}" + (" of each configuration" if len(result.groups) > 1 else ""))
        chosen = (result.reference, result.reference_group)
        self.reference_combo.setCurrentIndex(self._choices.index(chosen) if chosen in self._choices else 0)
        self.reference_combo.blockSignals(False)
        self._fill_pooled(result)
        self._fill_per_seed(result)
        self._draw_strip(result)
        self.notes.setText("\n".join(f"note: {n}" for n in result.notes))
        return True

    def reference(self) -> tuple[str, str | None] | None:
        """The chosen reference: (case, None) within each configuration, (case, configuration) across."""
        i = self.reference_combo.currentIndex()
        return self._choices[i] if 0 <= i < len(self._choices) else None

    def _on_reference(self, _index) -> None:
        if self._dir is not None and self.reference() is not None:
            self.show_result(self._dir, *self.reference())

    def _fill_pooled(self, result: StudyResult) -> None:
        self.pooled.setRowCount(len(result.cases))
        shown = min(len(result.cases), 8)                 # up to 8 rows without scrolling, then it scrolls
        self.pooled.setMinimumHeight(self.pooled.horizontalHeader().sizeHint().height() + 24 * shown + 6)
        for r, c in enumerate(result.cases):
            v = c.versus
            texts = [c.group, f"case {c.case}", f"{c.n}" + (f" (+{c.n_diverged} diverged)" if c.n_diverged else ""),
                     _acc(c.mean), _interval(c.low, c.high, signed=False),
                     "reference" if v is None else (f"{v.diff:+.4f}" if math.isfinite(v.diff) else "—"),
                     "" if v is None else _interval(v.ci_low, v.ci_high, signed=True),
                     "" if v is None else v.verdict]
            for col, text in enumerate(texts):
                item = _cell(text, right=2 <= col <= 6)
                item.setToolTip(text if col in (0, 7) else "")        # a long verdict or name is elided
                if col == 1:
                    item.setData(Qt.ItemDataRole.DecorationRole, QColor(_colour(c.case)))
                if col == 7 and v is not None and v.verdict in _VERDICT_COLOUR:
                    item.setForeground(QColor(_VERDICT_COLOUR[v.verdict]))
                self.pooled.setItem(r, col, item)

    def _fill_per_seed(self, result: StudyResult) -> None:
        keys = result.case_keys()
        self.per_seed.setColumnCount(2 + len(keys))
        self.per_seed.setHorizontalHeaderLabels(["Configuration", "Seed"] + [f"case {k}" for k in keys])
        rows = [(g, s) for g in result.groups for s in result.seeds[g]]
        self.per_seed.setRowCount(len(rows))
        by = {(c.group, c.case): c for c in result.cases}
        for r, (group, seed) in enumerate(rows):
            self.per_seed.setItem(r, 0, _cell(group))
            self.per_seed.setItem(r, 1, _cell(str(seed), right=True))
            for col, key in enumerate(keys, start=2):
                case = by.get((group, key))
                value = case.per_seed.get(seed) if case else None
                text = "" if value is None else ("diverged" if not math.isfinite(value) else f"{value:.4f}")
                self.per_seed.setItem(r, col, _cell(text, right=True))

    def _draw_strip(self, result: StudyResult) -> None:
        plot = self.strip_plot
        plot.clear()
        ticks = []
        for x, label, case in result.strip():
            colour = _colour(case.case)
            values = [(seed, v) for seed, v in sorted(case.per_seed.items()) if math.isfinite(v)]
            offsets = [0.08 * (i - (len(values) - 1) / 2) for i in range(len(values))]
            plot.addItem(pg.ScatterPlotItem([x - 0.15 + o for o in offsets], [v for _, v in values], size=8,
                                            brush=pg.mkBrush(colour), pen=pg.mkPen("#202020", width=0.5)))
            if math.isfinite(case.mean):
                plot.addItem(pg.PlotDataItem([x + 0.05, x + 0.35], [case.mean, case.mean],
                                             pen=pg.mkPen(colour, width=3)))
            if math.isfinite(case.low):
                plot.addItem(pg.ErrorBarItem(x=np.array([x + 0.2]), y=np.array([case.mean]),
                                             top=np.array([case.high - case.mean]),
                                             bottom=np.array([case.mean - case.low]), beam=0.12,
                                             pen=pg.mkPen(colour, width=2)))
            ticks.append((x, label))
        plot.getAxis("bottom").setTicks([ticks])

    def result_rows(self) -> list[tuple[str, ...]]:
        """The pooled table's text, row by row (for tests)."""
        return _texts(self.pooled)

    def seed_rows(self) -> list[tuple[str, ...]]:
        """The per-seed table's text, row by row (for tests)."""
        return _texts(self.per_seed)


def _colour(case: str) -> str:
    return PUBLISHED_CASES[case].colour if case in PUBLISHED_CASES else "#808080"


def _acc(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "—"


def _interval(low: float, high: float, signed: bool) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a (fewer than 2 seeds)" if not signed else "n/a"
    return f"[{low:+.4f}, {high:+.4f}]" if signed else f"[{low:.4f}, {high:.4f}]"


def _table(headers) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _cell(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _texts(table: QTableWidget) -> list[tuple[str, ...]]:
    return [tuple(table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount()))
            for r in range(table.rowCount())]
