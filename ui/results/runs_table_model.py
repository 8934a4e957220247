"""The runs table as a QAbstractTableModel: a thin view of ui/results/model/runs_table.RunsTable.

Every text, tooltip, sort order and tick comes from the Qt-free table; this only answers Qt's roles
and resets itself when the table says it changed.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ui.results.model.runs_table import COLUMNS, KEYS, RunsTable, tickable

_NUMERIC = {"accuracy", "learning_rate", "batch_size", "epochs"}
_DAMAGED = QBrush(QColor("#b71c1c"))
_STUDY = QBrush(QColor("#1565c0"))


class RunsTableModel(QAbstractTableModel):
    tick_changed = Signal()

    def __init__(self, table: RunsTable, parent=None):
        super().__init__(parent)
        self.table = table
        table.on_change(self._reset)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    # ------------------------------------------------------------ Qt's questions
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self.table)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip or None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, key = index.row(), KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.table.text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.table.tooltip(row, key) or None
        entry = self.table.entry(row)
        if role == Qt.ItemDataRole.CheckStateRole and key == "name" and tickable(entry):
            return Qt.CheckState.Checked if entry.path in self.table.ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            if entry.status == "damaged" or (key == "note" and entry.notes.problem):
                return _DAMAGED
            if entry.kind == "study" and key in ("name", "status"):
                return _STUDY
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return str(entry.path)
        return None

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and KEYS[index.column()] == "name" and tickable(self.table.entry(index.row())):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or KEYS[index.column()] != "name":
            return False
        entry = self.table.entry(index.row())
        if not tickable(entry):
            return False
        if self.table.set_ticked(entry.path, Qt.CheckState(value) == Qt.CheckState.Checked):
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
            self.tick_changed.emit()
        return True

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.table.sort(KEYS[column], descending=order == Qt.SortOrder.DescendingOrder)
