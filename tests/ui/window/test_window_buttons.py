"""The window's buttons, clicked as a user does (qtbot.mouseClick), checked by what they do.

Training is replaced by RecordingController where a click would start a run or a study; file
dialogs are answered by replacing QFileDialog's static methods.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from tests.ui.window.test_main_window import dialogs, window  # noqa: E402,F401 (fixtures)
from tests.ui.window.test_window_actions import action, recorder  # noqa: E402,F401 (fixture)
from tests.ui.window_doubles import answer, tiny  # noqa: E402,F401 (fixture)

LEFT = Qt.MouseButton.LeftButton


def test_run_study_starts_the_grid_and_the_exported_caption_names_the_studys_seeds(window, recorder, answer,
                                                                                    qtbot, tmp_path):
    w = window
    w.load_config(tiny().with_(trials=3).with_train(seed=1))        # the Seed field: seeds 1–3
    w.centre_tabs.setCurrentWidget(w.study_panel)
    qtbot.keyClicks(w.study_panel.seeds, "0-2")                    # the study's own: seeds 0–2
    qtbot.mouseClick(w.study_panel.run_button, LEFT)
    kind, spec, _folder = recorder.calls[-1]
    assert kind == "start_study" and spec.seeds == (0, 1, 2)
    answer(getSaveFileName=tmp_path / "study.svg")
    action(w, "Save plots (PNG/SVG/CSV)…").trigger()
    figure = (tmp_path / "study.svg").read_text()
    assert "seeds 0–2" in figure and "seeds 1–3" not in figure


def test_a_batch_larger_than_the_training_images_is_refused_before_run(window, recorder, qtbot):
    w = window
    w.load_config(tiny())                                           # 200 training images
    qtbot.waitUntil(lambda: w.data_panel.training_images() == 200, timeout=30_000)
    w.case_panel.batch.edit.clear()
    qtbot.keyClicks(w.case_panel.batch.edit, "300")
    assert not w.run_panel.run_button.isEnabled()
    assert "batch size 300 is larger than the 200 training images" in w.run_panel.problem_label.text()
    assert w.case_panel.batch.error.isVisibleTo(w.case_panel)       # said at the field too
    qtbot.mouseClick(w.run_panel.run_button, LEFT)
    w.run_action.trigger()
    assert recorder.calls == [] and w.state == "idle"              # no engine started, no failed run
    w.data_panel.train_limit.setValue(400)                         # more images: the same batch now fits
    assert w.run_panel.problem is None and w.case_panel.batch.problem() is None
    qtbot.mouseClick(w.run_panel.run_button, LEFT)
    assert recorder.calls[-1][0] == "start"


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def elapsed_shown(w) -> str:
    return next(part for part in w.run_panel.progress.format().split("  ·  ") if part.endswith("elapsed"))


def test_the_elapsed_clock_ticks_between_reports_and_not_while_paused(window, recorder, qtbot):
    """The engine reports no progress during the test pass: the clock ticks on from the window's timer."""
    from engine.events import Progress, StepEvent
    w = window
    clock = w.run_panel.now = FakeClock()
    w.load_config(tiny(epochs=2))
    qtbot.mouseClick(w.run_panel.run_button, LEFT)
    assert recorder.calls[-1][0] == "start"
    recorder.real.step.emit(StepEvent(0, 0, 4, 4, {}, Progress(4, 10, 10.0, 15.0)))   # the last training step
    assert w.state == "running" and elapsed_shown(w) == "00:10 elapsed"
    clock.t += 5                                                      # the test pass: no report for 5 s
    with qtbot.waitSignal(w.run_panel.clock_timer.timeout, timeout=5000):
        pass
    assert elapsed_shown(w) == "00:15 elapsed" and "run ETA 00:10" in w.run_panel.progress.format()
    qtbot.mouseClick(w.run_panel.pause_button, LEFT)
    assert w.state == "paused"
    clock.t += 100                                                    # paused: not training time
    with qtbot.waitSignal(w.run_panel.clock_timer.timeout, timeout=5000):
        pass
    assert elapsed_shown(w) == "00:15 elapsed"
    qtbot.mouseClick(w.run_panel.pause_button, LEFT)                  # Resume
    assert w.state == "running"
    clock.t += 2
    with qtbot.waitSignal(w.run_panel.clock_timer.timeout, timeout=5000):
        pass
    assert elapsed_shown(w) == "00:17 elapsed"
    recorder.real.step.emit(StepEvent(0, 1, 1, 4, {}, Progress(5, 10, 17.5, 17.5)))    # the engine's own count
    assert elapsed_shown(w) == "00:18 elapsed"


# ------------------------------------------------------------------ every button, by its text
def buttons_of(widget) -> set[str]:
    from PySide6.QtWidgets import QPushButton
    return {b.text() for b in widget.findChildren(QPushButton) if b.text()}


def button(widget, text: str):
    from PySide6.QtWidgets import QPushButton
    found = [b for b in widget.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1, f"no single button {text!r}"
    return found[0]


# Each button, and the test that clicks it (here unless named).
WINDOW_BUTTONS = {
    "▶  Run": "test_a_batch_larger_than_the_training_images_is_refused_before_run",
    "❚❚  Pause": "test_the_elapsed_clock_ticks_between_reports_and_not_while_paused",
    "■  Stop": "test_main_window.py::test_stop_ends_a_run_as_stopped_and_keeps_every_finished_epoch",
    "Run study": "test_run_study_starts_the_grid_and_the_exported_caption_names_the_studys_seeds",
    "All": "test_the_case_lists_all_none_and_custom_form_buttons", "None": "(same)",
    "Add custom case…": "(same)", "Cancel": "(same)",
    "Add case": "test_case_panel.py::test_add_custom_case (and the refused factor)",
    "Random image": "test_data_panel.py::test_image_browser_changes_the_digit",
    "Resample noise": "test_data_panel.py::test_resample_draws_new_noise",
    "Architecture's noise": "test_data_panel.py::test_reset_returns_to_the_architecture_default",
    "Open": "test_the_run_list_buttons", "Add folder…": "(same)", "Refresh": "(same)", "Untick all": "(same)",
    "Rename…": "test_run_list_panel.py::test_rename_tags_and_note_go_to_the_notes_file_and_the_manifest_is_untouched",
    "Tags…": "(same)", "Note…": "(same)",
    "Move to trash…": "test_run_list_panel.py::test_move_to_trash_asks_and_the_row_goes_only_when_the_answer_is_yes",
    "Show trials": "test_run_list_panel.py::test_a_study_row_expands_to_its_trials_and_folds_back",
    "Compare configurations…": "test_run_list_panel.py::test_compare_configurations_shows_the_ticked_runs_differences",
}
CLAIMS_BUTTONS = {
    "Start": "test_claims_dialog.py::test_clicking_start_runs_the_claims_study_and_writes_its_folder_and_report",
    "Stop": "test_claims_dialog.py::test_clicking_stop_ends_the_study_stopped_and_the_report_covers_the_finished_trials",
    "Choose…": "test_the_claims_dialogs_other_buttons", "Continue a stopped study…": "(same)",
    "Open report": "(same)", "Close": "(same)",
}


def test_every_button_of_the_window_and_the_claims_dialog_has_a_click_test(window):
    from ui.studies.claims_dialog import ClaimsDialog
    assert buttons_of(window) == set(WINDOW_BUTTONS)
    dialog = ClaimsDialog()
    try:
        assert buttons_of(dialog) == set(CLAIMS_BUTTONS)
    finally:
        dialog.deleteLater()


def test_the_case_lists_all_none_and_custom_form_buttons(window, qtbot):
    w = window
    panel = w.case_panel
    w.config_tabs.setCurrentWidget(w.config_tabs.widget(2))
    qtbot.mouseClick(button(panel, "None"), LEFT)
    assert panel.selected_cases() == () and w.run_panel.problem is not None
    qtbot.mouseClick(button(panel, "All"), LEFT)
    assert panel.selected_cases() == tuple(panel.rows) and w.current_config().cases == tuple(panel.rows)
    qtbot.mouseClick(button(panel, "Add custom case…"), LEFT)
    assert panel.custom_box.isVisible()
    qtbot.mouseClick(button(panel, "Cancel"), LEFT)
    assert not panel.custom_box.isVisible()


def test_the_run_list_buttons(window, answer, qtbot, tmp_path, monkeypatch):
    from tests.ui.window_doubles import fake_run
    w = window
    runs = w.run_list
    w.config_tabs.setCurrentWidget(w.run_list_tab)
    first = fake_run(tmp_path / "colleague" / "first-run")
    answer(getExistingDirectory=first.parent)
    qtbot.mouseClick(button(runs, "Add folder…"), LEFT)
    assert [e.name for e in runs.entries] == ["first-run"]
    fake_run(tmp_path / "colleague" / "second-run")
    qtbot.mouseClick(button(runs, "Refresh"), LEFT)
    assert {e.name for e in runs.entries} == {"first-run", "second-run"}
    assert runs.select(first)
    qtbot.mouseClick(button(runs, "Open"), LEFT)
    assert "first-run" in w.windowTitle()
    runs.set_ticked(tmp_path / "colleague" / "second-run", True)
    assert [o.label for o in w.plots.overlays] == ["second-run"]
    qtbot.mouseClick(button(runs, "Untick all"), LEFT)
    assert runs.overlays() == [] and w.plots.overlays == []


def test_the_claims_dialogs_other_buttons(qtbot, tmp_path, monkeypatch, answer, dialogs):
    from PySide6.QtGui import QDesktopServices
    from ui.studies.claims_dialog import ClaimsDialog
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    dialog = ClaimsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    answer(getExistingDirectory=tmp_path / "chosen")
    qtbot.mouseClick(button(dialog, "Choose…"), LEFT)
    assert dialog.out.text() == str(tmp_path / "chosen")
    (tmp_path / "not-claims").mkdir()
    answer(getExistingDirectory=tmp_path / "not-claims")
    qtbot.mouseClick(button(dialog, "Continue a stopped study…"), LEFT)
    assert dialogs[-1][0] == "warning" and "not a claims folder" in dialogs[-1][2] and not dialog.running
    # a stopped claims folder (its request and the report of what finished); the study layer stands in:
    # Start and Stop on a real study are clicked in tests/ui/studies/test_claims_dialog.py
    from types import SimpleNamespace
    from workbench.claims.folder import create_claims_folder
    stopped = tmp_path / "stopped-claims"
    create_claims_folder(stopped, dialog.request())
    report = stopped / "report.html"
    report.write_text("<html></html>")
    asked = []
    monkeypatch.setattr(dialog.controller, "start_study",
                        lambda spec, out_dir, options, resume=False, on_ended=None: asked.append((out_dir, resume)))
    answer(getExistingDirectory=stopped)
    qtbot.mouseClick(button(dialog, "Continue a stopped study…"), LEFT)
    assert asked == [(stopped / "study", True)]                     # continued in its own folder
    dialog.controller.finished.emit(SimpleNamespace(status="stopped"))
    assert "Continue the study" in dialog.log.toPlainText() and dialog.report_button.isEnabled()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    qtbot.mouseClick(button(dialog, "Open report"), LEFT)
    assert opened == [str(report)]
    qtbot.mouseClick(button(dialog, "Close"), LEFT)
    assert not dialog.isVisible()
