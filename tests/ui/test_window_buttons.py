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
