"""The window's buttons, clicked as a user does (qtbot.mouseClick), checked by what they do.

Training is replaced by RecordingController where a click would start a run or a study; file
dialogs are answered by replacing QFileDialog's static methods.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from .test_main_window import dialogs, window  # noqa: E402,F401 (fixtures)
from .test_window_actions import action, recorder  # noqa: E402,F401 (fixture)
from .window_doubles import answer, tiny  # noqa: E402,F401 (fixture)

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
    action(w, "Save plots (PNG/SVG)…").trigger()
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
