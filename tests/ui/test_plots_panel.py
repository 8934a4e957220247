"""The live plots: curves per case, intra-epoch points, legend, smoothing, bands, divergence, hover, export.

Synthetic engine events only (no TensorFlow): the panel must not care where they come from.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.cases import PUBLISHED_CASES  # noqa: E402
from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent  # noqa: E402
from ui.plots_panel import METRICS, PlotsPanel, ema_debiased  # noqa: E402
from workbench.metrics import MetricRow  # noqa: E402

LOGS = Path(__file__).resolve().parents[2] / "resources" / "published_logs"
P = Progress(1, 10, 1.0, 2.0)


def cases(*keys):
    return [PUBLISHED_CASES[k] for k in keys]


def step(epoch, s, steps, values, trial=0):
    return StepEvent(trial, epoch, s, steps, values, P)


def epoch_event(epoch, metrics, trial=0, diverged=()):
    return EpochEvent(trial, epoch, metrics, tuple(diverged), P, 1.0)


def ce(tc, ta, sc, sa, diverged=False):
    return CaseEpoch(tc, ta, sc, sa, diverged)


@pytest.fixture
def panel(qtbot):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def feed(panel, keys=("0", "1"), epochs=3, steps=4):
    panel.begin_run(cases(*keys))
    for e in range(epochs):
        for s in range(1, steps + 1):
            panel.add_step(step(e, s, steps, {k: (10.0 - e - s / steps + int(k), 0.1 * (e + s / steps))
                                              for k in keys}))
        panel.add_epoch(epoch_event(e, {k: ce(9.0 - e + int(k), 0.1 * (e + 1), 8.0 - e + int(k), 0.2 + 0.1 * e + 0.05 * int(k))
                                        for k in keys}))
    panel.refresh_now()


def test_steps_move_the_training_curves_before_the_first_epoch_ends(panel, qtbot):
    panel.begin_run(cases("0", "1"))
    panel.add_step(step(0, 1, 10, {"0": (5.0, 0.1), "1": (6.0, 0.2)}))
    panel.add_step(step(0, 2, 10, {"0": (4.0, 0.15), "1": (5.5, 0.25)}))
    # the QTimer pushes the data; no explicit refresh
    qtbot.waitUntil(lambda: len(panel.curve_points(0, "0")[0]) == 2, timeout=2000)
    x, y = panel.curve_points(0, "0")
    assert list(x) == pytest.approx([0.1, 0.2]) and list(y) == [5.0, 4.0]
    assert list(panel.curve_points(1, "1")[1]) == [0.2, 0.25]
    assert len(panel.curve_points(2, "0")[0]) == 0 and len(panel.curve_points(3, "0")[0]) == 0


def test_every_plot_gets_epoch_points_in_the_case_colour(panel):
    feed(panel)
    for p in range(4):
        for key in ("0", "1"):
            x, y = panel.curve_points(p, key)
            assert len(x) > 0 and np.all(np.isfinite(y))
            items = panel._items[(p, key)]
            assert items.main.opts["pen"].color().name() == PUBLISHED_CASES[key].colour
            assert items.main.isVisible()
    x, y = panel.curve_points(3, "1")
    assert list(x) == [1.0, 2.0, 3.0] and list(y) == pytest.approx([0.25, 0.35, 0.45])
    # the last step of an epoch and the epoch's value share x = epoch + 1: one point, the epoch value
    x, y = panel.curve_points(0, "0")
    assert list(x).count(1.0) == 1 and y[list(x).index(1.0)] == 9.0


def test_curve_items_are_created_once_and_reused(panel):
    feed(panel)
    before = {k: id(v.main) for k, v in panel._items.items()}
    n_items = [len(p.items) for p in panel.plots]
    feed(panel)
    assert {k: id(v.main) for k, v in panel._items.items()} == before
    assert [len(p.items) for p in panel.plots] == n_items


def test_legend_click_hides_a_case_in_all_four_plots(panel, qtbot):
    feed(panel, keys=("0", "1", "6"))
    entry = panel.legend_entry("1")
    qtbot.waitUntil(lambda: entry.sceneBoundingRect().width() > 0, timeout=2000)
    pos = panel.view.mapFromScene(entry.sceneBoundingRect().center())
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    qtbot.waitUntil(lambda: not panel.case_visible("1"), timeout=2000)
    assert all(not panel._items[(p, "1")].main.isVisible() for p in range(4))
    assert all(panel._items[(p, "0")].main.isVisible() for p in range(4))
    panel.set_case_visible("1", True)
    assert all(panel._items[(p, "1")].main.isVisible() for p in range(4))


def test_ema_is_debiased_and_has_an_off_position():
    x = np.array([1.0, 2.0, 3.0, math.nan, 4.0])
    w = 0.6
    out = ema_debiased(x, w)
    # by hand: s1 = 0.4, s2 = 0.24 + 0.8 = 1.04, s3 = 0.624 + 1.2 = 1.824; s4 = 1.0944 + 1.6 = 2.6944
    expected = [0.4 / (1 - w), 1.04 / (1 - w ** 2), 1.824 / (1 - w ** 3), math.nan, 2.6944 / (1 - w ** 4)]
    assert out[0] == pytest.approx(1.0)
    np.testing.assert_allclose(out, expected)
    np.testing.assert_array_equal(ema_debiased(x, 0.0), x)


def test_smoothing_shows_the_raw_curve_faint_behind(panel):
    feed(panel)
    raw_x, raw_y = panel.curve_points(2, "0")
    assert panel.smoothing_box.currentText() == "Smoothing: off"
    assert not panel._items[(2, "0")].faint.isVisible()
    panel.set_smoothing(0.8)
    x, y = panel.curve_points(2, "0")
    np.testing.assert_allclose(y, ema_debiased(raw_y, 0.8))
    faint = panel._items[(2, "0")].faint
    assert faint.isVisible() and faint.opts["pen"].color().alpha() < 255
    np.testing.assert_array_equal(faint.getData()[1], raw_y)
    panel.smoothing_box.setCurrentIndex(0)          # the explicit "off"
    assert panel.smoothing == 0.0
    np.testing.assert_array_equal(panel.curve_points(2, "0")[1], raw_y)
    assert not faint.isVisible()


def test_a_diverged_case_ends_with_a_marker_and_a_note(panel):
    panel.begin_run(cases("0", "3"))
    panel.add_epoch(epoch_event(0, {"0": ce(5, 0.5, 5, 0.5), "3": ce(6, 0.4, 6, 0.4)}))
    panel.add_epoch(epoch_event(1, {"0": ce(4, 0.6, 4, 0.6), "3": ce(math.nan, math.nan, math.nan, math.nan, True)},
                                diverged=("3",)))
    panel.add_epoch(epoch_event(2, {"0": ce(3, 0.7, 3, 0.7)}))
    panel.refresh_now()
    for p in range(4):
        x, _ = panel.curve_points(p, "3")
        assert list(x) == [1.0]
        items = panel._items[(p, "3")]
        mx, my = items.marker.getData()
        assert list(mx) == [1.0]
        assert "diverged" in items.note.textItem.toPlainText()
    assert panel.note_label.isVisibleTo(panel) and "case 3 diverged at epoch 2" in panel.note_label.text()


def test_hover_readout_names_case_epoch_and_value(panel, qtbot):
    feed(panel)
    x, y = panel.curve_points(3, "1")
    text = panel.readout(3, x[1], y[1])
    assert text.startswith("case 1 (automatic differentiation) · epoch 2.00") and text.endswith(f"{y[1]:.4f}")
    assert "test accuracy" in text
    assert panel.readout(3, 50.0, -40.0) is None
    # and with the real mouse over the scene
    vb = panel.plots[3].vb
    target = QPointF(x[2], y[2])
    # the view range follows the data when the view next paints
    qtbot.waitUntil(lambda: vb.sceneBoundingRect().contains(vb.mapViewToScene(target)), timeout=3000)
    scene_pos = vb.mapViewToScene(target)
    pos = panel.view.mapFromScene(scene_pos)
    viewport = panel.view.viewport()
    local = QPointF(pos.x(), pos.y())
    move = QMouseEvent(QEvent.Type.MouseMove, local, viewport.mapToGlobal(local), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    qtbot.waitUntil(lambda: panel.readout_label.text().startswith("case 1"), timeout=3000)
    assert "epoch 3.00" in panel.readout_label.text()


def test_trials_show_the_mean_with_a_min_max_or_sd_band(panel):
    panel.begin_run(cases("0", "1"), trials=3)
    finals = {0: [0.5, 0.6, 0.8], 1: [0.55, 0.65, 0.9]}   # epoch -> trial values (case 0, test accuracy)
    for t in range(3):
        for e in range(2):
            v = finals[e][t]
            panel.add_epoch(epoch_event(e, {"0": ce(1, v, 1, v), "1": ce(2, v / 2, 2, v / 2)}, trial=t))
    panel.refresh_now()
    assert panel.band_box.isEnabled()
    x, y = panel.curve_points(3, "0")
    assert list(x) == [1.0, 2.0]
    np.testing.assert_allclose(y, [np.mean(finals[0]), np.mean(finals[1])])
    items = panel._items[(3, "0")]
    assert items.band.isVisible()
    np.testing.assert_allclose(items.lo.getData()[1], [0.5, 0.55])
    np.testing.assert_allclose(items.hi.getData()[1], [0.8, 0.9])
    panel.set_band_kind("sd")
    sd = [np.std(finals[0], ddof=1), np.std(finals[1], ddof=1)]
    np.testing.assert_allclose(items.lo.getData()[1], np.array(y) - sd)
    np.testing.assert_allclose(items.hi.getData()[1], np.array(y) + sd)


def test_published_log_is_drawn_dashed_in_case_colours(panel):
    from workbench.published_logs import parse_log
    feed(panel, keys=("0", "1"))
    log = parse_log(LOGS / "Transparcy2.txt")
    panel.set_reference(log.rows, "published (Transparcy2.txt)")
    assert panel.reference_cases == sorted(log.cases)
    ref = panel._items[(3, "0")].ref
    assert ref.isVisible() and ref.opts["pen"].style() == Qt.PenStyle.DashLine
    assert ref.opts["pen"].color().name() == PUBLISHED_CASES["0"].colour
    expected = sorted((r.epoch + 1, r.accuracy) for r in log.rows if r.case == "0" and r.split == "test")
    assert list(zip(ref.xData, ref.yData)) == expected
    # 801 published epochs beside a 3-epoch run: the epoch axis turns logarithmic so both show
    assert panel.log_epochs and panel.log_box.isChecked()
    text = panel.readout(3, math.log10(3.0), panel.curve_points(3, "1")[1][-1])
    assert text is not None and "epoch 3.00" in text
    assert panel.legend_entry("published") is not None
    panel.set_case_visible("published", False)
    assert not ref.isVisible()
    panel.clear_reference()
    assert panel.legend_entry("published") is None
    assert not panel.log_epochs            # the automatic log axis goes with the reference


def test_png_and_svg_export(panel, tmp_path):
    feed(panel)
    png = panel.export_png(tmp_path / "plots.png")
    svg = panel.export_svg(tmp_path / "plots.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    text = svg.read_text()
    assert "<svg" in text and ("<path" in text or "<polyline" in text)
    assert "Test accuracy" in text      # titles are text, not pixels


def test_auto_range_follows_the_data_when_trials_start_with_steps_only(panel, qtbot):
    """Regression: an empty note TextItem in the auto-range made the view shrink to 1e-146."""
    panel.begin_run(cases("0", "1"), trials=3)
    for s in range(1, 10):        # the test plots stay empty while the first epoch trains
        panel.add_step(step(0, s, 10, {"0": (3.0, 0.3), "1": (3.0, 0.3)}))
        panel.refresh_now()
        panel.view.grab()         # paint, as the screen would between steps
    vb = panel.plots[2].vb
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x1 - x0 > 0.1 and y1 - y0 > 0.1, "an empty plot must keep a usable range"
    panel.add_epoch(epoch_event(0, {"0": ce(150.0, 0.5, 140.0, 0.5), "1": ce(150.0, 0.5, 140.0, 0.5)}))
    panel.refresh_now()

    def shows_point():
        (x0, x1), (y0, y1) = vb.viewRange()
        return x0 <= 1.0 <= x1 and y0 <= 140.0 <= y1 and (x1 - x0) > 0.1
    qtbot.waitUntil(shows_point, timeout=3000)
