"""In the window: a study in the runs home is one row of the Runs tab, and opening it shows its result in its own tab."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.ui.results.record_doubles import tiny, write_study
from workbench.studies.spec import StudySpec
from ui.window.main_window import MainWindow


def test_opening_a_study_row_shows_its_pooled_result_in_the_study_tab(qtbot, tmp_path, monkeypatch):
    home = tmp_path / "runs"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    write_study(home / "lr-study", StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007)),
                lambda group, case, seed: 0.8 + 0.01 * seed + (0.02 if "0.007" in group else 0.0))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.config_tabs.setCurrentWidget(w.run_list_tab)
    assert [r["Run"] for r in w.run_list.row_texts()] == ["lr-study"]          # not trial-0 … trial-5
    assert w.run_list.select(home / "lr-study")
    open_button = next(b for b in w.run_list.findChildren(QPushButton) if b.text() == "Open")
    qtbot.mouseClick(open_button, Qt.MouseButton.LeftButton)
    assert w.centre_tabs.currentWidget() is w.study_result
    rows = w.study_result.result_rows()
    assert {(r[0], r[1]) for r in rows} == {(g, c) for g in ("post-a lr=0.001", "post-a lr=0.007")
                                           for c in ("case 0", "case 1")}
    assert len(w.study_result.seed_rows()) == 6


def test_a_renamed_run_is_overlaid_under_its_display_name(qtbot, tmp_path, monkeypatch):
    from tests.ui.results.record_doubles import write_run
    from workbench.records.run_notes import update_notes
    home = tmp_path / "runs"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    run = write_run(home / "20261101-post-a", tiny(), {"0": [0.8], "1": [0.7]})
    update_notes(run, display_name="baseline")
    w = MainWindow()
    qtbot.addWidget(w)
    w.run_list.set_ticked(run, True)
    assert [o.label for o in w.plots.overlays] == ["baseline"]


def test_a_run_or_study_that_starts_is_listed_without_pressing_refresh(qtbot, tmp_path, monkeypatch):
    from tests.ui.results.record_doubles import write_run
    home = tmp_path / "runs"
    home.mkdir()
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.run_list.row_texts() == []
    run = write_run(home / "20261101-post-a", tiny(), {"0": [0.8], "1": [0.7]})
    w.controller.started.emit(str(run))                  # the worker's signal as a window's Run sends it
    assert [r["Run"] for r in w.run_list.row_texts()] == ["20261101-post-a"]
    study = write_study(home / "lr-study", StudySpec.from_config(tiny(), (0,), learning_rates=(0.001,)),
                        lambda group, case, seed: 0.8)
    import json
    w.controller.study_started.emit(str(study), json.loads((study / "study.json").read_text()))
    assert sorted(r["Run"] for r in w.run_list.row_texts()) == ["20261101-post-a", "lr-study"]
