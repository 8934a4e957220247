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
from PySide6.QtGui import QColor, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.cases import PUBLISHED_CASES  # noqa: E402
from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent  # noqa: E402
from ui.plots.plots_panel import METRICS, PlotsPanel, ema_debiased  # noqa: E402
from workbench.records.metrics import MetricRow  # noqa: E402

HANG_GUARD_MS = 60_000     # waits end as soon as the timer has drawn; this only ends a hang

LOGS = Path(__file__).resolve().parents[3] / "resources" / "published_logs"
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
    qtbot.waitUntil(lambda: entry.sceneBoundingRect().width() > 0, timeout=HANG_GUARD_MS)
    pos = panel.view.mapFromScene(entry.sceneBoundingRect().center())
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    qtbot.waitUntil(lambda: not panel.case_visible("1"), timeout=HANG_GUARD_MS)
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
    qtbot.waitUntil(shows_point, timeout=HANG_GUARD_MS)


# ---------------------------------------------------------------- curves that tell the truth
def test_steps_move_the_training_curves_before_the_first_epoch_ends(panel, qtbot):
    panel.begin_run(cases("0", "1"))
    panel.add_step(step(0, 1, 10, {"0": (5.0, 0.1), "1": (6.0, 0.2)}))
    panel.add_step(step(0, 2, 10, {"0": (4.0, 0.15), "1": (5.5, 0.25)}))
    # the QTimer pushes the data; no explicit refresh
    qtbot.waitUntil(lambda: len(panel.curve_points(0, "0")[0]) == 2, timeout=HANG_GUARD_MS)
    x, y = panel.curve_points(0, "0")
    # the mean of the batches between two reports, at their middle: step 2 alone had cost 2*4 - 5 = 3
    assert list(x) == pytest.approx([0.05, 0.15]) and list(y) == pytest.approx([5.0, 3.0])
    assert list(panel.curve_points(1, "1")[1]) == pytest.approx([0.2, 0.3])
    assert len(panel.curve_points(2, "0")[0]) == 0 and len(panel.curve_points(3, "0")[0]) == 0


def test_training_x_values_run_on_across_epochs_without_restarting(panel):
    """The within-epoch running mean restarts each epoch; the curve must not (no jump at an epoch's start)."""
    panel.begin_run(cases("0"))
    steps = 4
    batch_costs = [10.0 - 0.5 * i for i in range(3 * steps)]     # a steady fall over 3 epochs
    for e in range(3):
        for s in range(1, steps + 1):
            costs = batch_costs[e * steps:e * steps + s]
            panel.add_step(step(e, s, steps, {"0": (sum(costs) / s, 0.5)}))
        panel.add_epoch(epoch_event(e, {"0": ce(float(np.mean(batch_costs[e * steps:(e + 1) * steps])), 0.5,
                                                 1.0, 0.5)}))
    panel.refresh_now()
    x, y = panel.curve_points(0, "0")
    assert np.all(np.diff(x) > 0), "x keeps increasing through epoch boundaries"
    assert x[-1] < 3.0
    np.testing.assert_allclose(y, batch_costs)      # every batch's own cost: the curve falls steadily
    # the epoch means are dots at each epoch's middle
    px, py = panel.epoch_points(0, "0")
    assert list(px) == [0.5, 1.5, 2.5]
    np.testing.assert_allclose(py, [np.mean(batch_costs[i * 4:(i + 1) * 4]) for i in range(3)])


def test_the_legend_and_hover_say_what_the_training_line_and_its_dots_are(panel, qtbot):
    """A rising curve's epoch-mean dot sits below the line: the legend and the hover say why (what each is)."""
    panel.begin_run(cases("0"))
    panel.refresh_now()
    assert panel.guide_entry is not None and panel.guide_entry.scene() is panel.view.scene()
    assert "mean of the batches between two progress reports" in panel.guide_entry.text   # before any step
    steps, every = 40, 4                                    # the engine reports every 4 batches: 10 points an epoch
    batch_acc = [0.9 - 0.8 * 0.9 ** b for b in range(1, steps + 1)]          # rises fast, then levels off
    for s in range(every, steps + 1, every):
        panel.add_step(step(0, s, steps, {"0": (1.0, float(np.mean(batch_acc[:s])))}))
    panel.add_epoch(epoch_event(0, {"0": ce(1.0, float(np.mean(batch_acc)), 1.0, 0.5)}))
    qtbot.waitUntil(lambda: "each 4 batches" in panel.guide_entry.text, timeout=HANG_GUARD_MS)   # the timer updates it
    assert panel.guide_entry.text == ("Training: line = mean of each 4 batches (10 points an epoch)"
                                      " · ● mean over epoch k (at k + ½)")
    panel.refresh_now()                                     # the timer draws one plot a tick; draw the rest
    x, y = panel.curve_points(1, "0")                       # the text tells the truth: each point averages 4 batches
    np.testing.assert_allclose(y, [np.mean(batch_acc[i:i + every]) for i in range(0, steps, every)])
    px, py = panel.epoch_points(1, "0")
    assert py[0] < y[np.searchsorted(x, px[0])]             # the dot the reader asks about: below the line
    _mouse_to(panel, qtbot, 1, QPointF(0.5, float(py[0])))
    qtbot.waitUntil(lambda: panel.hover_text != "", timeout=HANG_GUARD_MS)
    assert panel.hover_text.splitlines()[-1] == ("● = mean over epoch 0; line = mean of each 4 batches "
                                                 "(10 points an epoch)")
    _title, _lines = panel.hover_lines(3, 1.0)
    assert panel._hover_note == "● = test value after epoch 0 (line joins them)"
    assert "line = mean of each 4 batches" in panel.caption_text() and "● = mean over epoch k" in panel.caption_text()
    panel.load_rows([MetricRow(0, "0", 0, split, 1.0, 0.5, 1.0) for split in ("train", "test")], cases("0"))
    assert panel.guide_entry.text.startswith("Training: line joins the epoch means")   # a run opened from disk


def test_a_single_test_point_is_drawn_with_a_marker_and_a_fitted_axis(panel, qtbot):
    panel.begin_run(cases("0", "1"))
    panel.add_epoch(epoch_event(0, {"0": ce(150.0, 0.3, 135.4, 0.35), "1": ce(150.0, 0.3, 140.0, 0.4)}))
    panel.refresh_now()
    items = panel._items[(2, "0")]
    assert items.points.isVisible() and items.points.opts["symbol"] == "o"
    assert list(panel.epoch_points(2, "0")[0]) == [1.0]
    (x0, x1), (y0, y1) = panel.plots[2].vb.viewRange()
    assert x0 == pytest.approx(0.0) and 1.0 < x1 < 1.2          # epochs from 0, not −0.5 … 2.7
    assert y0 < 135.4 and 140.0 < y1 and (y1 - y0) < 20        # both values, a sensible margin
    assert not panel.plots[2].getAxis("bottom").autoSIPrefix   # never "epoch (x0.001)"


def test_nothing_is_drawn_past_the_kept_epochs_after_stop(panel):
    panel.begin_run(cases("0"))
    for e in range(2):
        for s in range(1, 5):
            panel.add_step(step(e, s, 4, {"0": (5.0 - e, 0.5)}))
        panel.add_epoch(epoch_event(e, {"0": ce(5.0 - e, 0.5, 4.0, 0.5)}))
    panel.add_step(step(2, 1, 4, {"0": (3.0, 0.6)}))              # stopped a quarter into epoch 2
    panel.add_step(step(2, 2, 4, {"0": (3.0, 0.6)}))
    panel.refresh_now()
    assert panel.curve_points(0, "0")[0].max() > 2.0
    panel.end_run()
    panel.refresh_now()
    for p in range(4):
        x, _ = panel.curve_points(p, "0")
        assert x.max() <= 2.0, p       # the run folder keeps epochs 0 and 1: nothing past x = 2
    assert panel.kept_epochs() == 2


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


def test_a_diverged_case_ends_with_a_marker_and_a_note(panel):
    panel.begin_run(cases("0", "3"))
    panel.add_epoch(epoch_event(0, {"0": ce(5, 0.5, 5, 0.5), "3": ce(6, 0.4, 6, 0.4)}))
    panel.add_epoch(epoch_event(1, {"0": ce(4, 0.6, 4, 0.6), "3": ce(math.nan, math.nan, math.nan, math.nan, True)},
                                diverged=("3",)))
    panel.add_epoch(epoch_event(2, {"0": ce(3, 0.7, 3, 0.7)}))
    panel.refresh_now()
    for p in range(4):
        x, _ = panel.curve_points(p, "3")
        expected = [0.5] if p < 2 else [1.0]
        assert list(x) == expected
        items = panel._items[(p, "3")]
        mx, my = items.marker.getData()
        assert list(mx) == expected
        assert "diverged" in items.note.textItem.toPlainText()
    # epochs are numbered from 0 everywhere the user reads them (as in metrics.csv)
    assert panel.note_label.isVisibleTo(panel) and "case 3 diverged at epoch 1" in panel.note_label.text()


def _mouse_to(panel, qtbot, plot_index, target):
    vb = panel.plots[plot_index].vb
    qtbot.waitUntil(lambda: vb.sceneBoundingRect().contains(vb.mapViewToScene(target)), timeout=HANG_GUARD_MS)
    scene_pos = vb.mapViewToScene(target)
    pos = panel.view.mapFromScene(scene_pos)
    viewport = panel.view.viewport()
    local = QPointF(pos.x(), pos.y())
    move = QMouseEvent(QEvent.Type.MouseMove, local, viewport.mapToGlobal(local), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    return scene_pos, pos


def test_hover_tooltip_lists_every_case_at_the_nearest_epoch_and_clears(panel, qtbot):
    feed(panel, keys=("0", "1", "6"))
    panel.set_case_visible("6", False)
    scene_pos, pos = _mouse_to(panel, qtbot, 3, QPointF(2.1, 0.3))   # near the test value after epoch 1 (x = 2)
    qtbot.waitUntil(lambda: panel.hover_text != "", timeout=HANG_GUARD_MS)
    text = panel.hover_text
    assert text.startswith("Test accuracy · after epoch 1")
    line0 = next(l for l in text.splitlines() if l.startswith("case 0"))
    line1 = next(l for l in text.splitlines() if l.startswith("case 1"))
    assert line0.endswith("0.3000") and line1.endswith("0.3500")
    assert "case 6" not in text                 # hidden cases are not listed
    tip = panel.tip.geometry()                  # at the cursor, not in a label far away
    assert min(abs(tip.left() - pos.x()), abs(tip.right() - pos.x())) < 40
    assert min(abs(tip.top() - pos.y()), abs(tip.bottom() - pos.y())) < 40
    QApplication.sendEvent(panel.view.viewport(), QEvent(QEvent.Type.Leave))
    assert panel.hover_text == ""               # leaving the plots clears it
    panel.hover_at(scene_pos)
    assert panel.hover_text
    panel.begin_run(cases("0"))                 # and a new run clears it too
    assert panel.hover_text == "" and not panel.tip.isVisible()


def test_hover_counts_the_trials_behind_a_mean(panel):
    panel.begin_run(cases("0"), trials=3)
    for t in range(2):
        panel.add_epoch(epoch_event(0, {"0": ce(1, 0.5 + 0.1 * t, 1, 0.5 + 0.1 * t)}, trial=t))
    _title, lines = panel.hover_lines(3, 1.0)
    assert lines[0][1].endswith("0.5500 (mean of 2 trials of 3 so far)")
    panel.begin_run(cases("0"), trials=3)
    panel.add_epoch(epoch_event(0, {"0": ce(1, 0.5, 1, 0.5)}, trial=0))
    assert panel.hover_lines(3, 1.0)[1][0][1].endswith("(1 trial of 3 so far)")


def test_coinciding_cases_are_said_to_coincide(panel):
    panel.begin_run(cases("0", "1", "2", "3"))
    for e in range(2):
        m = ce(5.0 - e, 0.5, 4.0 - e, 0.6)
        rounding = ce(5.0 - e + 1e-9, 0.5, 4.0 - e - 1e-9, 0.6)     # manual vs autodiff: last-digit rounding
        float32 = ce(5.0 - e + 1e-5, 0.5, 4.0 - e - 1e-5, 0.6)     # 2e-6 relative, as measured on post A's costs
        panel.add_epoch(epoch_event(e, {"0": m, "1": rounding, "2": ce(5.0 - e + 1e-3, 0.5, 4.0 - e, 0.6),
                                        "3": float32}))
    panel.refresh_now()
    assert panel.coinciding == {"1": "0", "3": "0"}       # case 2 is 1/1000 of the range away: visible, not the same
    assert "coincides" in panel.legend_entry("1").text and "case 0" in panel.legend_entry("1").text
    assert "coincides" not in panel.legend_entry("2").text
    assert panel._items[(0, "1")].main.opts["pen"].style() == Qt.PenStyle.CustomDashLine   # red shows through
    assert panel._items[(0, "0")].main.opts["pen"].style() == Qt.PenStyle.SolidLine
    lines = [t for _c, t in panel.hover_lines(3, 1.0)[1]]
    assert any(t.startswith("case 1") and "coincides with case 0" in t for t in lines)


def test_coinciding_cases_are_said_to_coincide_during_the_first_epoch_from_steps_alone(panel, qtbot):
    """No epoch event yet: the training curves alone must tell the legend that case 1 hides case 0."""
    panel.begin_run(cases("0", "1", "2"))
    first = panel.refresh_count
    qtbot.waitUntil(lambda: panel.refresh_count > first, timeout=HANG_GUARD_MS)    # the timer drew the empty run
    steps = 10
    for s in range(1, steps + 1):
        cost, acc = 2.0 - 0.1 * s, 0.1 + 0.05 * s                 # ranges 0.9 and 0.45 over the epoch
        panel.add_step(step(0, s, steps, {
            "0": (cost, acc),
            "1": (cost * (1 + 1e-6), acc * (1 - 1e-6)),             # autodiff vs manual: float32 rounding
            "2": (cost + 0.9e-3, acc + 0.45e-3)}))                  # 1/1000 of each range: visibly apart
    # no refresh_now(): the plots' own timer must find it as the curves are drawn
    qtbot.waitUntil(lambda: "coincides" in panel.legend_entry("1").text, timeout=HANG_GUARD_MS)
    assert len(panel.curve_points(0, "2")[0]) == steps                # case 2's whole curve was compared too
    assert panel.coinciding == {"1": "0"}
    assert panel.legend_entry("1").text.endswith("= case 0 (coincides)")
    assert "coincides" not in panel.legend_entry("2").text
    assert panel._items[(0, "1")].main.opts["pen"].style() == Qt.PenStyle.CustomDashLine   # red shows through
    # the first epoch ends: one test point each, apart by the same rounding; they still coincide
    cost, acc = 1.2, 0.6
    panel.add_epoch(epoch_event(0, {"0": ce(cost, acc, cost, acc),
                                    "1": ce(cost * (1 + 1e-6), acc, cost * (1 - 1e-6), acc),
                                    "2": ce(cost + 0.9e-3, acc, cost + 0.9e-3, acc)}))
    qtbot.waitUntil(lambda: len(panel.curve_points(2, "2")[0]) == 1, timeout=HANG_GUARD_MS)
    assert panel.coinciding == {"1": "0"}


def test_coinciding_cases_with_several_trials_are_said_to_coincide_before_any_mean(panel, qtbot):
    """Three trials: no mean before every trial has finished an epoch, but the thin lines already coincide."""
    panel.begin_run(cases("0", "1", "2"), trials=3)
    first = panel.refresh_count
    qtbot.waitUntil(lambda: panel.refresh_count > first, timeout=HANG_GUARD_MS)
    for s in range(1, 11):
        cost, acc = 2.0 - 0.1 * s, 0.1 + 0.05 * s
        panel.add_step(step(0, s, 10, {"0": (cost, acc), "1": (cost * (1 + 1e-6), acc),
                                       "2": (cost + 0.9e-3, acc + 0.45e-3)}))
    qtbot.waitUntil(lambda: "coincides" in panel.legend_entry("1").text, timeout=HANG_GUARD_MS)
    assert len(panel.trial_points(0, "2", 0)[0]) == 10 and not len(panel.curve_points(0, "0")[0])
    assert panel.coinciding == {"1": "0"}


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
    assert items.lo.opts["pen"].color().rgb() == QColor(PUBLISHED_CASES["0"].colour).rgb()   # outlined
    panel.set_band_kind("sd")
    sd = [np.std(finals[0], ddof=1), np.std(finals[1], ddof=1)]
    np.testing.assert_allclose(items.lo.getData()[1], np.array(y) - sd)
    np.testing.assert_allclose(items.hi.getData()[1], np.array(y) + sd)


def test_each_trial_is_a_thin_line_and_the_mean_only_where_every_trial_arrived(panel):
    panel.begin_run(cases("0"), trials=3)
    for t in range(3):
        reached = 3 if t < 2 else 1            # the last trial is still in its first epochs
        for e in range(reached):
            for s in range(1, 3):
                panel.add_step(step(e, s, 2, {"0": (3.0 - e + t, 0.5)}, trial=t))
            panel.add_epoch(epoch_event(e, {"0": ce(3.0 - e + t, 0.5, 2.0 - e + t, 0.6)}, trial=t))
    panel.refresh_now()
    items = panel._items[(2, "0")]
    for t in range(3):
        tx, _ = panel.trial_points(2, "0", t)
        assert len(tx) == (3 if t < 2 else 1)
        assert items.trials[t].isVisible()
        pen = items.trials[t].opts["pen"]
        assert pen.color().rgb() == QColor(PUBLISHED_CASES["0"].colour).rgb() and pen.widthF() <= 1
    assert len(panel.trial_points(0, "0", 0)[0]) == 3 * 2    # training: each trial's continuous curve
    x, y = panel.curve_points(2, "0")
    assert list(x) == [1.0]                     # only epoch 0 has all three trials
    assert y[0] == pytest.approx(np.mean([2.0, 3.0, 4.0]))
    assert list(items.lo.getData()[0]) == [1.0]   # the band does not pinch to one trial


# ------------------------------------------------------------------------------ overlays
def test_published_log_is_drawn_dashed_in_case_colours(panel):
    from workbench.records.published_logs import parse_log
    feed(panel, keys=("0", "1"))
    log = parse_log(LOGS / "Transparcy2.txt")
    panel.set_reference(log.rows, "published (Transparcy2.txt)")
    assert panel.reference_cases == sorted(log.cases)
    ref = panel.overlays[0].items[(3, "0")]
    assert ref.isVisible() and ref.opts["pen"].style() == Qt.PenStyle.CustomDashLine
    assert ref.opts["pen"].color().name() == PUBLISHED_CASES["0"].colour
    expected = sorted((r.epoch + 1, r.accuracy) for r in log.rows if r.case == "0" and r.split == "test")
    assert list(zip(ref.xData, ref.yData)) == expected
    # 801 published epochs beside a 3-epoch run: the epoch axis turns logarithmic so both show
    assert panel.log_epochs and panel.log_box.isChecked()
    (x0, x1), _ = panel.plots[3].vb.viewRange()
    assert x0 <= 0.0 and x1 >= math.log10(801.0)           # the view holds the run and the whole log
    assert panel.plots[3].getAxis("bottom").style["maxTextLevel"] == 0   # 1, 10, 100: no crowded 2…9 labels
    lines = panel.hover_lines(3, math.log10(3.0))[1]
    assert any(t.startswith("case 1") for _c, t in lines)
    lines = panel.hover_lines(3, math.log10(101.0))[1]       # the log's epoch 100 (tested after it: x = 101)
    assert any(t.startswith("published (Transparcy2.txt) · case 0: ") for _c, t in lines)
    assert panel.legend_entry("published") is not None
    panel.set_case_visible("published", False)
    assert not ref.isVisible()
    panel.clear_reference()
    assert panel.legend_entry("published") is None
    assert not panel.log_epochs            # the automatic log axis goes with the reference
    assert panel.plots[3].getAxis("bottom").style["maxTextLevel"] == 2


def test_two_published_logs_and_two_runs_overlay_each_labelled_with_its_own_dash(panel):
    from workbench.records.published_logs import parse_log
    feed(panel, keys=("0", "1"))
    log = parse_log(LOGS / "Transparcy2.txt")
    panel.add_reference(log.rows, "published A")
    panel.add_reference(log.rows, "published B")
    rows = [MetricRow(0, "0", e, split, 5.0 - e, 0.4 + 0.1 * e, 1.0) for e in range(3) for split in ("train", "test")]
    panel.set_run_overlays([("run X", rows, 1, ""), ("run Y", rows, 1, "")])
    assert [o.label for o in panel.overlays] == ["published A", "published B", "run X", "run Y"]
    assert len({o.dash for o in panel.overlays}) == 4          # each overlay its own dash pattern
    for i, o in enumerate(panel.overlays):
        assert panel.legend_entry(f"overlay:{i}").text.endswith(o.label)
        assert o.items[(3, "0")].opts["pen"].color().name() == PUBLISHED_CASES["0"].colour
        assert o.items[(3, "0")].isVisible()
    item = panel.overlays[2].items[(3, "0")]
    x, y = item.xData, item.yData
    assert list(x) == [1.0, 2.0, 3.0] and list(y) == pytest.approx([0.4, 0.5, 0.6])
    panel.set_run_overlays([])
    assert [o.label for o in panel.overlays] == ["published A", "published B"]


def test_a_log_of_another_architecture_is_flagged_and_the_y_axis_fits_the_run(panel):
    feed(panel, keys=("0",))
    huge = [MetricRow(0, "0", e, s, 5e17, 0.1, 0.0) for e in range(3) for s in ("train", "test")]
    panel.add_reference(huge, "published (casea.txt)", warning="a vanilla log, the shown run is post-a")
    assert panel.legend_entry("published").text.startswith("⚠")
    assert "vanilla" in panel.note_label.text() and panel.note_label.isVisibleTo(panel)
    assert panel.y_mode == "clip"
    (_x0, _x1), (_y0, y1) = panel.plots[2].vb.viewRange()
    assert y1 < 100                            # the run's costs (5 … 10) are not flattened by 5e17
    panel.set_y_mode("log")
    assert panel.plots[2].getAxis("left").logMode


# ------------------------------------------------------------------------------- figures
def _svg_polylines(path, colour):
    """Every polyline stroked in `colour`, its points mapped through its group's matrix (SVG user units)."""
    import re
    import xml.etree.ElementTree as ET
    ns = "{http://www.w3.org/2000/svg}"
    out = []
    for g in ET.parse(path).getroot().iter(f"{ns}g"):
        if g.get("stroke", "").lower() != colour.lower():
            continue
        m = re.match(r"matrix\(([^)]*)\)", g.get("transform", "matrix(1,0,0,1,0,0)"))
        a, b, c, d, e, f = (float(v) for v in m.group(1).split(","))
        pts = []           # Qt writes a curve as segments: one polyline per pair of points
        for line in g.iter(f"{ns}polyline"):
            for p in line.get("points").split():
                x, y = (float(v) for v in p.split(","))
                point = (a * x + c * y + e, b * x + d * y + f)
                if not pts or point != pts[-1]:
                    pts.append(point)
        if pts:
            out.append(pts)
    return out


def test_svg_curves_lie_inside_their_plot_boxes(panel, tmp_path):
    panel.begin_run(cases("0"))
    for e in range(4):
        panel.add_epoch(epoch_event(e, {"0": ce(5.0 - e, 0.3 + 0.1 * e, 4.0 - e, 0.4 + 0.1 * e)}))
    panel.refresh_now()
    svg = panel.export_svg(tmp_path / "plots.svg")
    origin = panel.view.ci.sceneBoundingRect().topLeft()
    boxes = [plot.vb.sceneBoundingRect().translated(-origin) for plot in panel.plots]
    lines = [pts for pts in _svg_polylines(svg, PUBLISHED_CASES["0"].colour) if len(pts) >= 4]
    assert len(lines) == 4, "one curve of four epoch points per plot"
    for pts in lines:
        inside = [i for i, box in enumerate(boxes)
                  if all(box.adjusted(-1, -1, 1, 1).contains(QPointF(x, y)) for x, y in pts)]
        assert len(inside) == 1, pts
    # and where the data says: plot 3's last point (x = 4, accuracy 0.7) maps to the view's position
    vb = panel.plots[3].vb
    expected = vb.mapViewToScene(QPointF(4.0, 0.7)) - origin
    last = max((pts for pts in lines if boxes[3].contains(QPointF(*pts[0]))), key=lambda p: p[-1][0])[-1]
    assert abs(last[0] - expected.x()) < 1.0 and abs(last[1] - expected.y()) < 1.0


def test_exported_figures_carry_a_caption(panel, tmp_path):
    panel.begin_run(cases("0", "1"), trials=2)
    for t in range(2):
        panel.add_epoch(epoch_event(0, {"0": ce(5, 0.5, 4, 0.5), "1": ce(5, 0.5, 4, 0.5)}, trial=t))
    panel.run_caption = "Run 20260101-post-a: architecture post-a, corrected maths, seeds 0–1."
    panel.refresh_now()
    caption = panel.caption_text()
    assert caption.startswith("Run 20260101-post-a") and "band = min–max over trials" in caption
    assert "case 1 = case 0" in caption                       # coinciding cases are said to coincide
    svg = panel.export_svg(tmp_path / "plots.svg").read_text()
    assert "Run 20260101-post-a" in svg and "min–max over trials" in svg
    png = panel.export_png(tmp_path / "plots.png", width=1200)
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    rect = panel.view.ci.sceneBoundingRect()
    assert image.width() == 1200 and image.height() > 1200 * rect.height() / rect.width() + 10   # room for it


def test_the_timer_draws_one_plots_new_points_a_tick_and_every_plot_in_turn(panel):
    """A frame that repaints one plot, not four: the longest stall while a run trains (bench/bench_gui.py)."""
    panel.begin_run(cases("0", "1"))
    panel.refresh_now()
    for s in (1, 2):
        panel.add_step(step(0, s, 10, {"0": (2.0 - 0.1 * s, 0.5), "1": (2.1 - 0.1 * s, 0.4)}))
    drawn = lambda p: {key: len(panel.curve_points(p, key)[0]) for key in ("0", "1")}
    assert drawn(0) == drawn(1) == {"0": 0, "1": 0}
    panel._tick()
    assert drawn(0) == {"0": 2, "1": 2} and drawn(1) == {"0": 0, "1": 0}     # training cost only
    panel._tick()
    assert drawn(1) == {"0": 2, "1": 2}                                         # then training accuracy
    panel.add_step(step(0, 3, 10, {"0": (1.6, 0.6), "1": (1.7, 0.5)}))
    panel._tick()
    panel._tick()
    assert drawn(0) == drawn(1) == {"0": 3, "1": 3}                             # in turn, never one starved


def test_a_case_hidden_under_a_later_ones_curve_is_named_in_the_legend(panel):
    """Cases 2-6 can lie within a pixel of each other for a whole short run: the one drawn last hides the
    others, though they are far more than 1/10,000 of the range apart (so they do not 'coincide')."""
    panel.begin_run(cases("0", "2", "6"))
    for s in range(1, 11):
        base = 2.0 - 0.1 * s
        panel.add_step(step(0, s, 10, {"0": (base, 0.5), "2": (base + 0.003, 0.5), "6": (base + 0.4, 0.9)}))
    panel.refresh_now()
    # 0 and 2 are 0.003 apart on a ~1.5-wide axis: below a pixel in a 700-pixel-tall panel, above 1e-4 of it
    assert panel.coinciding == {}
    legend = {key: panel.legend_entry(key).text for key in ("0", "2", "6")}
    assert legend["0"] == "0 manual back-prop (under 2)", legend
    assert legend["2"] == "2 dilated sparse 1" and legend["6"] == "6 dilated dense 3"
    panel.set_case_visible("2", False)             # hide case 2 and case 0 shows: nothing to say any more
    panel.refresh_now()
    assert panel.legend_entry("0").text == "0 manual back-prop"


def test_a_plot_names_the_cases_hidden_under_another_line_in_that_plot_alone(panel):
    """Training costs a pixel apart, accuracies far apart: only the cost plot has something to say."""
    panel.begin_run(cases("0", "2", "6"))
    for s in range(1, 11):
        base = 2.0 - 0.1 * s
        panel.add_step(step(0, s, 10, {"0": (base, 0.3), "2": (base + 0.002, 0.6), "6": (base + 0.001, 0.9)}))
    panel.refresh_now()
    assert panel.plot_notes[0] == "0, 2 under 6"                  # 6 is drawn last: it hides both
    assert panel.plot_notes[1] == ""
    assert panel.legend_entry("0").text == "0 manual back-prop"    # not hidden in every plot
    assert "cases 0, 2 under 6" in panel.plots[0].titleLabel.text
    panel.begin_run(cases("0", "6"))                               # a new run starts with clean titles
    assert panel.plot_notes == ["", "", "", ""] and "under" not in panel.plots[0].titleLabel.text


def test_axes_and_their_grid_are_kept_as_pictures_between_redraws(panel):
    """A frame replays the axes' cached pixmaps; redrawing every axis and its grid per frame was the longest
    stall while training (bench/bench_gui.py). The cache follows the axis: it is redrawn when its range changes."""
    from PySide6.QtWidgets import QGraphicsItem
    for plot in panel.plots:
        for name in ("left", "bottom"):
            assert plot.getAxis(name).cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


def test_with_smoothing_the_mean_stays_inside_its_band(panel):
    """Smoothed mean, raw band: the mean of a rising curve lagged below every trial's last values."""
    panel.begin_run(cases("0"), trials=3)
    for t in range(3):
        for e in range(8):
            v = 0.1 + 0.66 * (1 - 0.5 ** e) + 0.003 * t          # every trial ends 0.76–0.77
            panel.add_epoch(epoch_event(e, {"0": ce(1 - v, v, 1 - v, v)}, trial=t))
    panel.set_smoothing(0.9)
    panel.refresh_now()
    x, y = panel.curve_points(3, "0")
    bx, lo, hi = panel.band_points(3, "0")
    assert len(x) == 8 and list(bx) == list(x)
    assert np.all(lo <= y + 1e-12) and np.all(y <= hi + 1e-12)
    raw_x, raw_y = panel.epoch_points(3, "0")
    assert raw_y[-1] == pytest.approx(np.mean([0.1 + 0.66 * (1 - 0.5 ** 7) + 0.003 * t for t in range(3)]))
    assert y[-1] < raw_y[-1]                                   # the line is smoothed, the dots are not


def test_an_overlaid_run_of_one_epoch_shows_a_marker(panel):
    panel.begin_run(cases("0"))
    panel.add_epoch(epoch_event(0, {"0": ce(2.0, 0.3, 1.9, 0.35)}))
    panel.add_epoch(epoch_event(1, {"0": ce(1.5, 0.5, 1.4, 0.55)}))
    one_epoch = [MetricRow(0, "2", 0, split, 1.7, 0.45, 1.0) for split in ("train", "test")]
    panel.set_run_overlays([("one epoch", one_epoch, 1, "")])
    overlay, = panel.overlays
    for p in range(4):
        item = overlay.items[(p, "2")]
        assert len(item.xData) == 1
        assert item.scatter.isVisible() and len(item.scatter.data) == 1     # something is drawn there
        assert panel.plots[p].vb.viewRange()[0][0] <= item.xData[0] <= panel.plots[p].vb.viewRange()[0][1]
