"""Curves that stay: a reopened run folder draws the step curve that was watched live, and the plotted
data exports as CSV exactly as drawn (after smoothing)."""
from __future__ import annotations

import csv

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent  # noqa: E402
from ui.plots.plots_panel import METRICS, PlotsPanel  # noqa: E402
from ui.window.files import kept_steps  # noqa: E402
from workbench.records.metrics import read_metrics  # noqa: E402
from workbench.records.run_folder import RunFolder  # noqa: E402

from tests.ui.plots.test_plots_panel import cases  # noqa: E402
from tests.workbench.records.test_records import small  # noqa: E402


def shown(qtbot):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def train(panel, folder, epochs=2, steps=6):
    """What the run's writer does: each step report it sends the window goes to steps.csv too."""
    panel.begin_run(cases("0", "1"))
    folder.start_trial(0, 0)
    for e in range(epochs):
        for s in range(2, steps + 1, 2):
            running = {k: (3.0 - e - s / 7 + int(k) * np.sin(s), 0.3 + 0.05 * e + s / 40 + int(k) / 10) for k in "01"}
            event = StepEvent(0, e, s, steps, running, Progress(s, 20, 1.5 * e + s / 5, None))
            folder.step(event)
            panel.add_step(event)
        metrics = {k: CaseEpoch(2.5 - e + int(k), 0.4 + 0.1 * e, 2.4 - e, 0.5 + 0.1 * e) for k in "01"}
        epoch = EpochEvent(0, e, metrics, (), Progress(20, 20, 1.5 * e + 1.4, None), 1.5 * e + 1.4)
        folder.epoch(epoch)
        panel.add_epoch(epoch)
    panel.end_run()
    panel.refresh_now()


def test_a_reopened_run_draws_the_step_curve_that_was_watched(qtbot, tmp_path):
    live, reopened = shown(qtbot), shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(live, folder)
    folder.finish("completed")
    reopened.load_rows(read_metrics(tmp_path / "run" / "metrics.csv"), cases("0", "1"), 1,
                       steps=kept_steps(tmp_path / "run"))
    for p in range(len(METRICS)):
        for key in "01":
            x, y = live.curve_points(p, key)
            assert len(x) == (6 if p < 2 else 2)             # three step points an epoch in the training plots
            np.testing.assert_array_equal(reopened.curve_points(p, key)[0], x)
            np.testing.assert_array_equal(reopened.curve_points(p, key)[1], y)
    assert reopened.line_text == live.line_text and "2 batches" in live.line_text


def test_a_folder_without_steps_draws_its_epoch_means_and_says_so(qtbot, tmp_path):
    panel = shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(shown(qtbot), folder)
    folder.finish("completed")
    (tmp_path / "run" / "steps.csv").unlink()                   # a run recorded before steps were kept
    panel.load_rows(read_metrics(tmp_path / "run" / "metrics.csv"), cases("0", "1"), 1,
                    steps=kept_steps(tmp_path / "run"))
    assert list(panel.curve_points(0, "0")[0]) == [0.5, 1.5] and "epoch mean" in panel.line_text


def test_the_plotted_data_exports_as_csv_after_smoothing_as_drawn(qtbot, tmp_path):
    panel = shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(panel, folder)
    folder.finish("completed")
    panel.smoothing_box.setFocus()
    qtbot.keyClick(panel.smoothing_box, Qt.Key.Key_Down)        # the user picks "Smoothing: 0.6"
    assert panel.smoothing == 0.6
    path = panel.export_plotted_csv(tmp_path / "plotted.csv")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# ") and "EMA 0.6" in lines[0]
    rows = list(csv.DictReader(lines[1:]))
    assert {r["x_axis"] for r in rows} == {"epoch"}

    def series(plot, name):
        got = [(float(r["x"]), float(r["y"])) for r in rows if r["plot"] == plot and r["series"] == name]
        return np.array([x for x, _ in got]), np.array([y for _, y in got])

    for p, (_split, _metric, title) in enumerate(METRICS):
        x, y = series(title, "case 1")
        np.testing.assert_array_equal(x, panel.curve_points(p, "1")[0])
        np.testing.assert_array_equal(y, panel.curve_points(p, "1")[1])          # the smoothed line, exactly
        raw_x, raw_y = series(title, "case 1 unsmoothed")
        assert len(raw_y) == len(y) and not np.allclose(raw_y, y)                # and the raw one behind it


def test_the_x_axis_box_puts_the_curves_on_steps_or_training_time_read_from_the_records(qtbot, tmp_path):
    live, reopened = shown(qtbot), shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(live, folder)
    folder.finish("completed")
    reopened.load_rows(read_metrics(tmp_path / "run" / "metrics.csv"), cases("0", "1"), 1,
                       steps=kept_steps(tmp_path / "run"))
    epochs = {p: live.curve_points(p, "0")[0] for p in range(len(METRICS))}
    reopened.x_box.setFocus()
    qtbot.keyClick(reopened.x_box, Qt.Key.Key_Down)              # "x: step"
    assert reopened.x_axis == "step" and reopened.plots[0].getAxis("bottom").labelText.startswith("step")
    for p in range(len(METRICS)):
        np.testing.assert_allclose(reopened.curve_points(p, "0")[0], epochs[p] * 6)      # 6 batches an epoch
    qtbot.keyClick(reopened.x_box, Qt.Key.Key_Down)              # "x: wall time"
    assert reopened.x_axis == "wall" and "paused time excluded" in reopened.x_axis_label
    # test values sit at their epoch's end on the clock metrics.csv keeps; training points between the
    # step reports' times steps.csv keeps (each epoch's reports at 1.5 e + step / 5 s)
    np.testing.assert_allclose(reopened.curve_points(3, "0")[0], [1.4, 2.9])
    x = reopened.curve_points(0, "0")[0]
    # epoch 0's points at the middles of batches 0-2, 2-4, 4-6 (positions 1/6, 1/2, 5/6), between the readings
    # 0 s at 0, 0.4 s at 1/3, 0.8 s at 2/3 and the epoch's end, 1.4 s at 1
    np.testing.assert_allclose(x[:3], [0.2, 0.6, 1.1])
    assert np.all(np.diff(x) > 0) and x[-1] <= 2.9
    live.set_x_axis("wall")
    for p in range(len(METRICS)):                                 # the live view read the same clock from its events
        np.testing.assert_allclose(live.curve_points(p, "0")[0], reopened.curve_points(p, "0")[0])
    rows = list(csv.DictReader(reopened.export_plotted_csv(tmp_path / "wall.csv").read_text().splitlines()[1:]))
    assert {r["x_axis"] for r in rows} == {reopened.x_axis_label}
    assert "x: training time" in reopened.caption_text()


def test_a_published_log_without_a_clock_leaves_the_wall_time_axis_and_says_so(qtbot, tmp_path):
    panel = shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(panel, folder)
    folder.finish("completed")
    from workbench.records.metrics import MetricRow
    log = [MetricRow(0, "0", e, split, 2.0 - e, 0.5, float("nan")) for e in range(3) for split in ("train", "test")]
    panel.add_reference(log, "post-A log")
    panel.set_x_axis("wall")
    assert not any(item.isVisible() for item in panel.overlays[0].items.values())
    assert "not on this x-axis" in panel.note_label.text() and "post-A log" in panel.note_label.text()
    panel.set_x_axis("epoch")
    assert all(item.isVisible() for item in panel.overlays[0].items.values())
    assert "not on this x-axis" not in panel.note_label.text()


def test_an_overlaid_run_draws_the_step_curve_that_was_watched_on_every_axis(qtbot, tmp_path):
    live, other = shown(qtbot), shown(qtbot)
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    train(live, folder)
    folder.finish("completed")
    other.begin_run(cases("0", "1"))
    other.set_run_overlays([("watched", read_metrics(tmp_path / "run" / "metrics.csv"), 1, "",
                             kept_steps(tmp_path / "run"))])
    item = other.overlays[0].items[(0, "1")]
    for mode in ("epoch", "step", "wall"):
        live.set_x_axis(mode)
        other.set_x_axis(mode)
        np.testing.assert_allclose(item.xData, live.curve_points(0, "1")[0])
        np.testing.assert_allclose(item.yData, live.curve_points(0, "1")[1])
