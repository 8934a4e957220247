"""The *Compare configurations* dialog: the ticked runs' differing settings side by side.

A view of ui/results/model/config_diff.compare: one row per dotted setting name, one column per run.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from ui.results.model.config_diff import ConfigDiff


class ConfigDiffDialog(QDialog):
    def __init__(self, diff: ConfigDiff, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare configurations")
        self.diff = diff
        lines = list(diff.problems)
        if not diff.rows:
            lines.insert(0, "These runs were started with the same configuration.")
        else:
            lines.insert(0, f"{len(diff.rows)} settings differ (settings every run shares are left out).")
        self.summary = QLabel("\n".join(lines))
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(diff.rows), len(diff.runs))
        self.table.setHorizontalHeaderLabels(list(diff.runs))
        self.table.setVerticalHeaderLabels(diff.names)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (_name, texts) in enumerate(diff.rows):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 420)

    def cell_texts(self) -> dict[str, list[str]]:
        """Setting name -> the texts shown for it, one per run (what the user reads)."""
        return {self.table.verticalHeaderItem(r).text(): [self.table.item(r, c).text()
                                                           for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())}
