"""What a case's curves show, decided without a widget (ui/plots/model/plot_state.py)."""
import numpy as np

from engine.events import CaseEpoch, EpochEvent, Progress
from ui.plots.model.curve_store import CurveStore
from ui.plots.model.plot_state import PlotState, case_curves


def store_of_two_trials():
    store = CurveStore()
    for t, slope in ((0, 0.1), (1, 0.2)):
        for e in range(4):
            acc = 0.3 + slope * e + (0.15 if e == 1 else 0.0)
            store.add_epoch(EpochEvent(t, e, {"0": CaseEpoch(1.0, acc, 1.0, acc)}, (), Progress(1, 1, 1.0, None),
                                       2.0 * (e + 1) + t))
    return store


def test_a_smoothed_mean_stays_inside_its_band_and_the_raw_mean_is_the_dots():
    store = store_of_two_trials()
    drawn = case_curves(store, PlotState(trials=2, smoothing=0.8), 3, "0", epochs_new=True)
    x, lo, hi = drawn.band
    mx, my = drawn.main
    np.testing.assert_array_equal(mx, x)
    assert np.all(lo <= my + 1e-12) and np.all(my <= hi + 1e-12)
    np.testing.assert_allclose(drawn.points[1], [0.3, 0.6, 0.6, 0.75])     # the raw means over the trials
    assert drawn.faint is drawn.points and set(drawn.trials) == {0, 1}
    assert case_curves(store, PlotState(trials=2), 3, "0", epochs_new=False, trials=[1]).main is None


def test_on_the_wall_time_axis_each_trial_keeps_its_own_clock_and_the_mean_the_mean_clock():
    store = store_of_two_trials()
    store.axis.mode = "wall"
    drawn = case_curves(store, PlotState(trials=2), 3, "0", epochs_new=True)
    np.testing.assert_allclose(drawn.trials[0][0], [2.0, 4.0, 6.0, 8.0])      # test values at each epoch's end
    np.testing.assert_allclose(drawn.trials[1][0], [3.0, 5.0, 7.0, 9.0])
    np.testing.assert_allclose(drawn.main[0], [2.5, 4.5, 6.5, 8.5])
