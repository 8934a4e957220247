"""The gradient-flow view: per timestep for an epoch, over epochs for a timestep, log scale, case colours."""
import math

import pytest

from engine.cases import PUBLISHED_CASES
from engine.events import EpochEvent, Progress, StepEvent
from ui.plots.gradient_flow_panel import GradientFlowPanel

CASES = [PUBLISHED_CASES["0"], PUBLISHED_CASES["6"]]


def record(scale):
    out = {}
    for t in range(4):
        out[("in", str(t))] = scale * (t + 1)
        out[("g", str(t))] = 0.1 * (t + 1)
        out[("p", str(t))] = 0.0 if t == 0 else scale
    out[("grad", "Wx")], out[("update", "Wx")] = 3.0 * scale, 0.01
    return out


def epoch_event(epoch, scales):
    return EpochEvent(0, epoch, {}, (), Progress(1, 2, 1.0, None), 1.0,
                      gradients={k: record(s) for k, s in scales.items()})


@pytest.fixture
def panel(qtbot):
    w = GradientFlowPanel()
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    w.begin_run(CASES)
    return w


def test_per_timestep_view_of_a_chosen_epoch(panel):
    panel.add_epoch(epoch_event(0, {"0": 1.0, "6": 100.0}))
    panel.add_epoch(epoch_event(1, {"0": 2.0, "6": 50.0}))
    panel.redraw()
    assert panel.plot.getPlotItem().ctrl.logYCheck.isChecked()
    x, y = panel.curve_data("6")
    assert list(x) == [0, 1, 2, 3] and list(y) == [50.0, 100.0, 150.0, 200.0]   # latest epoch
    panel.epoch.setCurrentText("0")
    panel.redraw()
    assert list(panel.curve_data("0")[1]) == [1.0, 2.0, 3.0, 4.0]
    assert panel.curves["6"].opts["pen"].color().name() == PUBLISHED_CASES["6"].colour
    panel.quantity.setCurrentIndex([panel.quantity.itemData(i) for i in range(panel.quantity.count())].index("p"))
    panel.redraw()
    assert math.isnan(panel.curve_data("0")[1][0])             # a zero cannot sit on a log axis: a gap


def test_over_epochs_view_for_a_timestep_and_for_a_weight(panel):
    for e, s in enumerate((1.0, 2.0, 4.0)):
        panel.add_epoch(epoch_event(e, {"0": s, "6": 10 * s}))
    panel.view.setCurrentIndex(1)
    panel.timestep.setValue(2)
    panel.redraw()
    assert list(panel.curve_data("0")[0]) == [0, 1, 2] and list(panel.curve_data("0")[1]) == [3.0, 6.0, 12.0]
    panel.quantity.setCurrentIndex(4)                           # weight gradient
    panel._changed()
    assert panel.weight.isVisible() and panel.weight.currentText() == "Wx"
    assert list(panel.curve_data("6")[1]) == [30.0, 60.0, 120.0]


def test_live_step_samples_show_in_the_latest_view(panel):
    event = StepEvent(0, 0, 2, 4, {}, Progress(2, 8, 1.0, None), gradients={"0": record(7.0)})
    panel.add_step(event)
    panel.redraw()
    assert list(panel.curve_data("0")[1]) == [7.0, 14.0, 21.0, 28.0]
    assert "latest step" in panel.plot.getPlotItem().titleLabel.text
