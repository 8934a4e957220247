"""Honest at any length: a curve of 48,000 points is drawn as the min and max of each bucket of points
(never random or skipped points), re-bucketed when the user zooms, from the full series kept."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent  # noqa: E402
from ui.plots.plots_panel import PlotsPanel  # noqa: E402

from tests.ui.plots.test_plots_panel import cases  # noqa: E402

EPOCHS, POINTS = 801, 60


def long_run(panel):
    """801 epochs of 60 step points, one sharp dip and one spike a single point wide."""
    panel.begin_run(cases("0"))
    rng = np.random.default_rng(0)
    progress = Progress(1, 2, 1.0, None)
    for e in range(EPOCHS):
        total = 0.0
        for s in range(1, POINTS + 1):
            cost = 2.0 - e / EPOCHS + 0.01 * rng.standard_normal()
            cost = {(123, 7): -5.0, (700, 31): 9.0}.get((e, s), cost)     # the batch's own value
            total += cost
            panel.curves.add_step(StepEvent(0, e, s, POINTS, {"0": (total / s, 0.5)}, progress))   # running mean
        panel.curves.add_epoch(EpochEvent(0, e, {"0": CaseEpoch(1.0, 0.5, 1.0, 0.5)}, (), progress, float(e)))
    panel.refresh_now()


def drawn(item):
    shown = item._getDisplayDataset()            # what the item paints (pyqtgraph's display copy)
    return np.asarray(shown.x), np.asarray(shown.y)


def test_a_long_curve_is_drawn_as_min_max_envelopes_per_pixel_and_rebucketed_on_zoom(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    long_run(panel)
    item = panel._items[(0, "0")].main
    full_x, full_y = panel.curve_points(0, "0")
    assert len(full_x) == EPOCHS * POINTS and len(item.xData) == len(full_x)     # the full series is kept
    x, y = drawn(item)
    columns = panel.plots[0].vb.width()
    per_column = len(full_x) / columns
    assert len(x) <= 2 * columns + 2 * per_column         # a bucket a pixel column, two values each (and the tail)
    assert y.min() == pytest.approx(-5.0) and y.max() == pytest.approx(9.0)     # a one-point dip and spike stay
    assert x[-1] == full_x[-1] and y[-1] == full_y[-1]     # nor the curve's last value
    assert np.isin(y, full_y).all()                        # only values the series holds

    panel.plots[0].vb.setXRange(700.0, 701.0, padding=0)   # the user zooms onto one epoch
    x, y = drawn(item)
    window = (full_x >= 700.0) & (full_x <= 701.0)
    inside = (x >= 700.0) & (x <= 701.0)
    np.testing.assert_array_equal(x[inside], full_x[window])   # every point of it, none bucketed
    assert y[inside].max() == pytest.approx(9.0) and len(x) < 4 * POINTS     # only the points in view (clipped)
