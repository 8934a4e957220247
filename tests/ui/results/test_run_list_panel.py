"""The Runs tab driven by clicks: sort by a header, rename, tag, note, move to the trash, open a study."""
from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton

from tests.ui.results.record_doubles import tiny, write_run, write_study
from workbench.records.run_lock import FolderLock
from workbench.records.run_notes import NOTES_FILE
from workbench.studies.spec import StudySpec
from ui.results import run_list_panel
from ui.results.model.runs_table import KEYS
from ui.results.run_list_panel import RunListPanel

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    write_run(home / "older-better", tiny(), {"0": [0.9]}, started="2026-11-01T10:00:00+00:00")
    write_run(home / "newer-worse", tiny(), {"0": [0.6]}, started="2026-11-03T10:00:00+00:00")
    spec = StudySpec.from_config(tiny(), (0, 1))
    write_study(home / "two-seeds-study", spec, lambda g, c, s: 0.7, created="2026-11-02T10:00:00+00:00")
    return home


@pytest.fixture
def panel(qtbot, home):
    panel = RunListPanel()
    qtbot.addWidget(panel)
    panel.resize(1300, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def button(panel, text) -> QPushButton:
    return next(b for b in panel.findChildren(QPushButton) if b.text() == text)


def names(panel):
    return [row["Run"] for row in panel.row_texts()]


def click_row(qtbot, panel, name):
    row = names(panel).index(name)
    rect = panel.view.visualRect(panel.model.index(row, KEYS.index("status")))
    qtbot.mouseClick(panel.view.viewport(), LEFT, pos=rect.center())
    assert panel.selected().display_name == name


def test_clicking_the_metric_header_moves_the_best_run_to_the_top(qtbot, panel):
    assert names(panel) == ["newer-worse", "two-seeds-study", "older-better"]
    header = panel.view.horizontalHeader()
    section = KEYS.index("accuracy")
    centre = QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2, header.height() // 2)
    best_first = ["older-better", "two-seeds-study", "newer-worse"]
    seen = set()
    for _ in range(2):                                                 # each click: the other order
        qtbot.mouseClick(header.viewport(), LEFT, pos=centre)
        assert header.sortIndicatorSection() == section
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert names(panel) == (best_first if descending else best_first[::-1])
        seen.add(descending)
    assert seen == {True, False}


def test_rename_tags_and_note_go_to_the_notes_file_and_the_manifest_is_untouched(qtbot, panel, home, monkeypatch):
    manifest = (home / "older-better" / "manifest.json").read_bytes()
    click_row(qtbot, panel, "older-better")
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("baseline lr 0.001", True)))
    qtbot.mouseClick(button(panel, "Rename…"), LEFT)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("paper, keep", True)))
    qtbot.mouseClick(button(panel, "Tags…"), LEFT)
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: ("the one in Fig. 2\n", True)))
    qtbot.mouseClick(button(panel, "Note…"), LEFT)
    saved = json.loads((home / "older-better" / NOTES_FILE).read_text())
    assert (saved["display_name"], saved["tags"], saved["note"]) == ("baseline lr 0.001", ["paper", "keep"],
                                                                    "the one in Fig. 2")
    assert (home / "older-better" / "manifest.json").read_bytes() == manifest
    row = next(r for r in panel.row_texts() if r["Run"] == "baseline lr 0.001")
    assert row["Tags"] == "paper, keep" and row["Note"] == "the one in Fig. 2"
    assert panel.selected().name == "older-better"                          # the selection follows the run


def trash_into(folder):
    def trash(path):
        folder.mkdir(exist_ok=True)
        os.rename(path, folder / path.name)
        return True
    return trash


def test_move_to_trash_asks_and_the_row_goes_only_when_the_answer_is_yes(qtbot, panel, home, tmp_path, monkeypatch):
    monkeypatch.setattr(run_list_panel, "trash_folder", trash_into(tmp_path / "trash"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _p, _t, text, *a: asked.append(text) or QMessageBox.StandardButton.No))
    click_row(qtbot, panel, "two-seeds-study")
    qtbot.mouseClick(button(panel, "Move to trash…"), LEFT)
    assert "2 trial folder(s)" in asked[-1] and (home / "two-seeds-study").is_dir()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(button(panel, "Move to trash…"), LEFT)
    assert not (home / "two-seeds-study").exists() and (tmp_path / "trash" / "two-seeds-study" / "study.json").exists()
    assert names(panel) == ["newer-worse", "older-better"] and "trash" in panel.message.text()


def test_a_running_runs_folder_is_never_moved_or_written(qtbot, panel, home, monkeypatch):
    live = home / "live"
    write_run(live, tiny(), {"0": [0.5]}, status="running", started="2026-11-04T10:00:00+00:00")
    lock = FolderLock(live).acquire()
    try:
        panel.refresh()
        monkeypatch.setattr(run_list_panel, "trash_folder", lambda path: pytest.fail("a live folder was moved"))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: pytest.fail("asked to delete it")))
        monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("mine", True)))
        click_row(qtbot, panel, "live")
        qtbot.mouseClick(button(panel, "Move to trash…"), LEFT)
        assert "running run" in panel.message.text() and live.is_dir()
        qtbot.mouseClick(button(panel, "Rename…"), LEFT)
        assert "running run" in panel.message.text() and not (live / NOTES_FILE).exists()
    finally:
        lock.release()


def test_the_platforms_own_trash_moves_the_folder_or_says_it_did_nothing(qtbot, panel, home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    click_row(qtbot, panel, "newer-worse")
    qtbot.mouseClick(button(panel, "Move to trash…"), LEFT)
    trashed = list((tmp_path / "share").rglob("newer-worse"))
    if (home / "newer-worse").exists():
        assert not trashed and "nothing was deleted" in panel.message.text()
        assert "\n" not in panel.message.text()
    else:
        assert trashed and (trashed[0] / "manifest.json").exists()


def test_opening_a_study_asks_for_its_result_and_a_run_for_the_run(qtbot, panel, home):
    studies, runs = [], []
    panel.study_requested.connect(studies.append)
    panel.open_requested.connect(runs.append)
    row = names(panel).index("two-seeds-study")
    where = panel.view.visualRect(panel.model.index(row, 1)).center()
    qtbot.mouseClick(panel.view.viewport(), LEFT, pos=where)
    qtbot.mouseDClick(panel.view.viewport(), LEFT, pos=where)
    click_row(qtbot, panel, "older-better")
    qtbot.mouseClick(button(panel, "Open"), LEFT)
    assert studies == [str(home / "two-seeds-study")] and runs == [str(home / "older-better")]


def test_the_filter_field_hides_rows_as_the_user_types(qtbot, panel):
    qtbot.keyClicks(panel.filter, "study")
    assert names(panel) == ["two-seeds-study"]


def test_a_setting_every_run_shares_folds_into_one_line_and_its_column_hides(qtbot, panel, home):
    shown = panel.row_texts(shown_only=True)[0]
    assert "Init" not in shown and "Learning rate" not in shown     # every run here: scaled, 0.001
    assert "Init scaled" in panel.same_label.text() and panel.same_label.isVisible()
    write_run(home / "faster", tiny(learning_rate=0.007), {"0": [0.5]}, started="2026-11-05T10:00:00+00:00")
    qtbot.mouseClick(button(panel, "Refresh"), LEFT)
    assert panel.row_texts(shown_only=True)[0]["Learning rate"] == "0.007"
    assert "Learning rate" not in panel.same_label.text()


def test_space_on_a_runs_name_ticks_it_for_the_plots_and_a_study_cannot_be_ticked(qtbot, panel, home):
    changed = []
    panel.overlay_changed.connect(lambda: changed.append(True))
    for name in ("older-better", "two-seeds-study"):               # the run ticks; the study's Space does nothing
        row = names(panel).index(name)
        rect = panel.view.visualRect(panel.model.index(row, 0))
        qtbot.mouseClick(panel.view.viewport(), LEFT, pos=rect.center() + QPoint(rect.width() // 4, 0))
        qtbot.keyClick(panel.view, Qt.Key.Key_Space)
        assert [e.name for e in panel.overlays()] == ["older-better"] and len(changed) == 1


def test_an_action_without_a_selected_row_says_so_and_asks_nothing(qtbot, panel, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: pytest.fail("asked for a name")))
    panel.view.clearSelection()
    qtbot.mouseClick(button(panel, "Rename…"), LEFT)
    assert panel.message.text() == "Select a run first (click its row)."


def test_compare_configurations_shows_the_ticked_runs_differences(qtbot, tmp_path, monkeypatch):
    home = tmp_path / "cmp"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    slow = write_run(home / "lr-0.001", tiny(learning_rate=0.001), {"0": [0.8]})
    fast = write_run(home / "lr-0.007", tiny(learning_rate=0.007), {"0": [0.9]})
    panel = RunListPanel()
    qtbot.addWidget(panel)
    qtbot.mouseClick(button(panel, "Compare configurations…"), LEFT)
    assert panel.diff_dialog is None and "Tick two or more" in panel.message.text()
    panel.set_ticked(slow, True)
    panel.set_ticked(fast, True)
    qtbot.mouseClick(button(panel, "Compare configurations…"), LEFT)
    shown = panel.diff_dialog.cell_texts()
    order = [panel.diff_dialog.table.horizontalHeaderItem(c).text() for c in range(2)]
    assert shown == {"train.learning_rate": [{"lr-0.001": "0.001", "lr-0.007": "0.007"}[n] for n in order]}


def test_a_study_row_expands_to_its_trials_and_folds_back(qtbot, panel, home):
    study = home / "two-seeds-study"
    assert panel.select(study)
    show_trials = button(panel, "Show trials")
    qtbot.mouseClick(show_trials, LEFT)
    rows = names(panel)
    at = rows.index("two-seeds-study")
    assert rows[at + 1:at + 3] == ["└ trial-0", "└ trial-1"]
    trial = study / "trial-1"
    panel.set_ticked(trial, True)                       # a study's seed overlays like any run
    assert [e.path for e in panel.overlays()] == [trial]
    assert panel.select(study)
    qtbot.mouseClick(show_trials, LEFT)
    assert "└ trial-0" not in names(panel) and panel.overlays() == []
