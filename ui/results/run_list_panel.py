"""The run list: your runs side by side, as TensorBoard users expect.

A table of the runs home plus any folder the user adds (workbench.records.run_index):
name, date, architecture, cases, status, final test accuracy. Tick runs to lay
them over the plots (each run its own dash pattern, cases keep their colours);
double-click (or Open) shows a run as the main one. The model is Qt-free; this
is only its view.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from workbench.core.paths import runs_home
from workbench.records.run_index import RunEntry, scan

COLUMNS = ("Run", "Status", "Final test acc.", "Architecture", "Cases", "Date")


class RunListPanel(QWidget):
    overlay_changed = Signal()
    open_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.folders: list[Path] = []        # folders the user added (each a run or a folder of runs)
        self.entries: list[RunEntry] = []
        self._ticked: set[Path] = set()
        self._filling = False

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self.open_requested.emit(item.data(0, Qt.UserRole)))
        self.hint = QLabel("Tick runs to lay them over the plots (each run its own dash style; cases keep their "
                           "colours). Double-click a run to show it as the main run.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #505050;")
        self.home_label = QLabel()
        self.home_label.setStyleSheet("color: #505050;")
        self.home_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show the selected run as the main run (plots, results, log)")
        self.open_button.clicked.connect(self._open_selected)
        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("A run folder, or a folder that holds run folders (e.g. a colleague's runs)")
        self.add_button.clicked.connect(self._ask_add_folder)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.clear_button = QPushButton("Untick all")
        self.clear_button.clicked.connect(self.untick_all)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.add_button, self.refresh_button, self.clear_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.home_label)
        self.refresh()

    # ------------------------------------------------------------------ model
    def refresh(self) -> None:
        """Scan the runs home and the added folders again (ticks are kept by folder)."""
        self.entries = scan(self.folders)
        self.home_label.setText(f"Runs home: {runs_home()}" +
                                (f"; added: {', '.join(str(f) for f in self.folders)}" if self.folders else ""))
        self._filling = True
        try:
            self.tree.setSortingEnabled(False)
            self.tree.clear()
            for entry in self.entries:
                item = QTreeWidgetItem([entry.name,
                                        entry.status + (f" ({entry.epochs_done} ep.)" if entry.epochs_done else ""),
                                        entry.accuracy_text(), entry.arch, " ".join(entry.cases),
                                        entry.date.replace("T", " ")[:19]])
                item.setData(0, Qt.UserRole, str(entry.path))
                item.setToolTip(0, entry.problem or str(entry.path))
                if entry.report is not None:            # a claims report: opened in the browser, never overlaid
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
                    item.setToolTip(0, f"{entry.report} (double-click to open the report)")
                elif entry.status == "damaged":
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
                    item.setForeground(1, Qt.GlobalColor.darkRed)
                else:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(0, Qt.Checked if entry.path in self._ticked else Qt.Unchecked)
                self.tree.addTopLevelItem(item)
            self.tree.setSortingEnabled(True)
            self.tree.sortByColumn(COLUMNS.index("Date"), Qt.SortOrder.DescendingOrder)
        finally:
            self._filling = False
        known = {e.path for e in self.entries}
        if self._ticked - known:
            self._ticked &= known
            self.overlay_changed.emit()

    def add_folder(self, folder: Path) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no such folder")
        if folder not in self.folders:
            self.folders.append(folder)
        self.refresh()

    def overlays(self) -> list[RunEntry]:
        """The ticked runs, in the list's order."""
        return [e for e in self.entries if e.path in self._ticked]

    def set_ticked(self, path: Path, ticked: bool) -> None:
        path = Path(path)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if Path(item.data(0, Qt.UserRole)) == path:
                item.setCheckState(0, Qt.Checked if ticked else Qt.Unchecked)
                return
        raise KeyError(f"{path} is not in the run list")

    def untick_all(self) -> None:
        if self._ticked:
            self._ticked.clear()
            self.refresh()
            self.overlay_changed.emit()

    # --------------------------------------------------------------- internals
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        path = Path(item.data(0, Qt.UserRole))
        ticked = item.checkState(0) == Qt.Checked
        if ticked == (path in self._ticked):
            return
        (self._ticked.add if ticked else self._ticked.discard)(path)
        self.overlay_changed.emit()

    def _open_selected(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.open_requested.emit(item.data(0, Qt.UserRole))

    def _ask_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of runs", str(Path.home()))
        if folder:
            self.add_folder(Path(folder))
