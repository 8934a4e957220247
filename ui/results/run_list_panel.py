"""The Runs tab: every run and study side by side with their hyper-parameters, as TensorBoard users expect.

A sortable, filterable table of the runs home plus any folder the user adds (workbench.records.run_index
through ui/results/model/runs_table.py; this is only its view). Tick runs to lay them over the plots (each
run its own dash pattern, cases keep their colours); double-click (or Open) shows a run as the main one,
or a study's pooled result. Rename, Tags, Note write the folder's notes file, never its manifest; Move to
trash asks first and refuses a folder a live run writes (rules in ui/results/model/run_actions.py).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFile, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget)

from workbench.core.paths import runs_home
from workbench.records.run_index import RunEntry, scan

from ui.results.config_diff_dialog import ConfigDiffDialog
from ui.results.model import run_actions
from ui.results.model.config_diff import compare
from ui.results.model.runs_table import COLUMNS, KEYS, RunsTable
from ui.results.runs_table_model import RunsTableModel


SAMPLE_ROWS = 60
MAX_COLUMN = 240          # px: a long name or note is elided in the middle (its tooltip has it whole)


def trash_folder(path: Path) -> bool:
    """QtCore's move to the desktop's trash; False where the platform has none here or it refused."""
    result = QFile.moveToTrash(str(path))
    return bool(result[0] if isinstance(result, tuple) else result)


class RunListPanel(QWidget):
    overlay_changed = Signal()
    open_requested = Signal(str)          # a run folder to show as the main run (or a claims report)
    study_requested = Signal(str)         # a study folder whose pooled result to show

    def __init__(self, parent=None):
        super().__init__(parent)
        self.folders: list[Path] = []        # folders the user added (each a run or a folder of runs)
        self.runs = RunsTable()
        self.model = RunsTableModel(self.runs, self)
        self.model.tick_changed.connect(self.overlay_changed)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        # column widths from the first SAMPLE_ROWS rows only: measuring every row of 5,000 took seconds
        self.view.horizontalHeader().setResizeContentsPrecision(SAMPLE_ROWS)
        self.view.horizontalHeader().setSortIndicator(KEYS.index("started"), Qt.SortOrder.DescendingOrder)
        self.view.doubleClicked.connect(lambda index: self._open_entry(self.runs.entry(index.row())))

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: words in any column, e.g. post-a 0.007 baseline")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter)
        self.hint = QLabel("Tick runs to lay them over the plots (each run its own dash style; cases keep their "
                           "colours). Double-click a run to show it as the main run, a study to see its result. "
                           "Click a header to sort.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #505050;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.same_label = QLabel()
        self.same_label.setWordWrap(True)
        self.same_label.setToolTip("Columns where every run shown has the same value are folded into this "
                                   "line, so the columns that differ fit the pane")
        self.home_label = QLabel()
        self.home_label.setStyleSheet("color: #505050;")
        self.home_label.setWordWrap(True)
        self.home_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        def button(text, tip, slot):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.open_button = button("Open", "Show the selected run as the main run (plots, results, log), or "
                                          "the selected study's pooled result", self.open_selected)
        self.add_button = button("Add folder…", "A run folder, or a folder that holds run folders (e.g. a "
                                                "colleague's runs)", self._ask_add_folder)
        self.refresh_button = button("Refresh", "Read the folders again", self.refresh)
        self.clear_button = button("Untick all", "Take every overlaid run off the plots", self.untick_all)
        self.rename_button = button("Rename…", "A display name, kept in the folder's notes file (the folder "
                                               "and its manifest keep theirs)", self._ask_rename)
        self.tags_button = button("Tags…", "Words to find the run by (the filter matches them)", self._ask_tags)
        self.note_button = button("Note…", "A note about the run, kept in its folder", self._ask_note)
        self.trash_button = button("Move to trash…", "Move the selected folder to the desktop's trash (asks "
                                                     "first; never a running run's)", self._ask_trash)
        self.compare_button = button("Compare configurations…", "The settings that differ between the ticked "
                                     "runs, side by side", self.compare_ticked)
        self.trials_button = button("Show trials", "List the selected study's trials under its row (tick them to "
                                    "overlay its seeds); again to hide them", self.toggle_trials)
        self.diff_dialog: ConfigDiffDialog | None = None
        first, second = QHBoxLayout(), QHBoxLayout()
        for b in (self.open_button, self.add_button, self.refresh_button, self.clear_button):
            first.addWidget(b)
        first.addStretch(1)
        for b in (self.rename_button, self.tags_button, self.note_button, self.trash_button):
            second.addWidget(b)
        second.addStretch(1)
        third = QHBoxLayout()          # one row of its own: the pane must fit a 1366 px screen's settings width
        for b in (self.trials_button, self.compare_button):
            third.addWidget(b)
        third.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(first)
        layout.addLayout(third)
        layout.addWidget(self.filter)
        layout.addWidget(self.same_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(second)
        layout.addWidget(self.message)
        layout.addWidget(self.home_label)
        self.refresh()

    # ------------------------------------------------------------------ model
    @property
    def entries(self) -> list[RunEntry]:
        return self.runs.entries

    def refresh(self) -> None:
        """Scan the runs home and the added folders again (ticks and the selection are kept by folder)."""
        selected = self.selected()
        before = set(self.runs.ticked)
        self.runs.load(scan(self.folders))
        self.fit_columns()
        self.home_label.setText(f"Runs home: {runs_home()}" +
                                (f"; added: {', '.join(str(f) for f in self.folders)}" if self.folders else ""))
        if selected is not None:
            self.select(selected.path)
        if self.runs.ticked != before:
            self.overlay_changed.emit()

    def fit_columns(self) -> None:
        """Settings the same in every row fold into one line above the table; the other columns are as
        wide as their text (in the first SAMPLE_ROWS rows), none wider than MAX_COLUMN px."""
        same = self.runs.same_everywhere()
        for section, key in enumerate(KEYS):
            self.view.setColumnHidden(section, key in same)
        self.same_label.setText("Same in every run shown: " + "; ".join(
            f"{COLUMNS[KEYS.index(k)].header} {text}" for k, text in same.items()) if same else "")
        self.same_label.setVisible(bool(same))
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for section in range(header.count()):
            if header.sectionSize(section) > MAX_COLUMN:
                header.resizeSection(section, MAX_COLUMN)

    def add_folder(self, folder: Path) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no such folder")
        if folder not in self.folders:
            self.folders.append(folder)
        self.refresh()

    def overlays(self) -> list[RunEntry]:
        """The ticked runs, in the table's order."""
        return self.runs.overlays()

    def set_ticked(self, path: Path, ticked: bool) -> None:
        if self.runs.set_ticked(path, ticked):
            row = self.runs.row_of(path)
            if row is not None:
                index = self.model.index(row, 0)
                self.model.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
            self.overlay_changed.emit()

    def untick_all(self) -> None:
        if self.runs.ticked:
            self.runs.ticked.clear()
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(max(0, len(self.runs) - 1), 0))
            self.overlay_changed.emit()

    def select(self, path: Path) -> bool:
        """Select the row of `path`; False when it is not shown (filtered out or gone)."""
        row = self.runs.row_of(Path(path))
        if row is None:
            self.view.clearSelection()
            return False
        self.view.selectRow(row)
        return True

    def selected(self) -> RunEntry | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return self.runs.entry(rows[0].row()) if rows and rows[0].row() < len(self.runs) else None

    def row_texts(self, shown_only: bool = False) -> list[dict[str, str]]:
        """The table's text, row by row, column header -> text; `shown_only`: without the folded columns."""
        return [{c.header: self.runs.text(r, c.key) for i, c in enumerate(COLUMNS)
                 if not (shown_only and self.view.isColumnHidden(i))} for r in range(len(self.runs))]

    # --------------------------------------------------------------- actions
    def open_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self._open_entry(entry)

    def _open_entry(self, entry: RunEntry) -> None:
        if entry.kind == "study":
            self.study_requested.emit(str(entry.path))
        else:
            self.open_requested.emit(str(entry.path))

    def _on_filter(self, text: str) -> None:
        selected = self.selected()
        self.runs.set_filter(text)
        self.fit_columns()
        if selected is not None:
            self.select(selected.path)

    def _say(self, text: str, problem: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if problem else "color: #2e7d32;")
        self.message.setText(text)

    def _chosen(self) -> RunEntry | None:
        """The selected entry, or None after saying that one must be selected."""
        entry = self.selected()
        if entry is None:
            self._say("Select a run first (click its row).", problem=True)
        return entry

    def _act(self, action, *args) -> bool:
        entry = self._chosen()
        if entry is None:
            return False
        try:
            result = action(entry, *args)
        except run_actions.ActionRefused as exc:
            self._say(str(exc), problem=True)
            return False
        self.refresh()
        if isinstance(result, str):
            self._say(result)
        else:
            self._say(f"Saved in {entry.path / 'notes.json'}.")
        return True

    def toggle_trials(self) -> None:
        """Expand the selected study to its trials, or fold them back under it."""
        entry = self._chosen()
        if entry is None:
            return
        if entry.kind != "study":
            return self._say("Select a study's row to show its trials.", problem=True)
        before = set(self.runs.ticked)
        self.runs.set_expanded(entry.path, entry.path not in self.runs.expanded)
        self.fit_columns()
        self.select(entry.path)
        if self.runs.ticked != before:
            self.overlay_changed.emit()

    def compare_ticked(self) -> None:
        """Show the differences between the ticked runs' configurations (two or more ticked)."""
        ticked = self.overlays()
        if len(ticked) < 2:
            return self._say("Tick two or more runs to compare their configurations.", problem=True)
        self.diff_dialog = ConfigDiffDialog(compare(ticked), self)
        self.diff_dialog.show()

    def _ask_rename(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        name, ok = QInputDialog.getText(self, "Rename", f"Display name for {entry.name} (empty: the folder's "
                                                        f"name):", text=entry.notes.display_name)
        if ok:
            self._act(run_actions.rename, name)

    def _ask_tags(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        text, ok = QInputDialog.getText(self, "Tags", f"Tags for {entry.display_name} (commas or spaces "
                                                      f"between them):", text=", ".join(entry.notes.tags))
        if ok:
            self._act(run_actions.set_tags, text)

    def _ask_note(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", f"Note on {entry.display_name}:", entry.notes.note)
        if ok:
            self._act(run_actions.set_note, text)

    def _ask_trash(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        problem = run_actions.why_not_change(entry)
        if problem:
            return self._say(problem, problem=True)
        answer = QMessageBox.question(self, "Move to trash", run_actions.delete_question(entry),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._act(run_actions.move_to_trash, trash_folder)

    def _ask_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of runs", str(Path.home()))
        if folder:
            self.add_folder(Path(folder))
