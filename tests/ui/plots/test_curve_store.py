"""The plots' curve data without Qt: what the curves hold, who hears of a change, the statistics over trials."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent
from ui.plots.model.curve_store import CurveStore
from workbench.records.metrics import MetricRow

P = Progress(1, 10, 1.0, 2.0)


def epoch(trial, e, values, diverged=()):
    return EpochEvent(trial, e, {k: CaseEpoch(1 - v, v, 1 - v, v, False) for k, v in values.items()},
                      tuple(diverged), P, 1.0)


@pytest.fixture
def store():
    s = CurveStore()
    s.heard = []
    s.on_change(lambda changed, kind: s.heard.append((kind, set(changed))))
    return s


def test_steps_make_the_training_curves_and_say_which_changed(store):
    store.add_step(StepEvent(0, 0, 1, 2, {"0": (2.0, 0.1)}, P))
    store.add_step(StepEvent(0, 0, 2, 2, {"0": (1.0, 0.3)}, P))
    x, y = store.trial_curve(0, "0", 0)
    assert list(x) == [0.25, 0.75] and list(y) == [2.0, 0.0]       # interval means: (1·2 − 2·1) / (2 − 1) = 0
    assert store.heard[-1] == ("steps", {(0, "0"), (1, "0")})
    assert store.intervals.batches == 1


def test_epochs_fill_all_four_plots_and_divergence_is_kept(store):
    store.add_epoch(epoch(0, 0, {"0": 0.4, "2": 0.5}, diverged=["2"]))
    assert store.heard[-1] == ("epochs", {(p, k) for p in range(4) for k in ("0", "2")})
    x, y = store.epoch_curve(0, "0", 3)
    assert list(x) == [1.0] and list(y) == [0.4]                   # a test value sits at e + 1
    assert store.diverged == {(0, "2"): 0} and store.kept_epochs() == 1


def test_end_run_forgets_training_points_past_the_last_finished_epoch(store):
    store.add_epoch(epoch(0, 0, {"0": 0.4}))
    for s in (1, 2):
        store.add_step(StepEvent(0, 1, s, 4, {"0": (1.0, 0.5)}, P))       # epoch 1, stopped half way
    assert store.last_x() > 1.0
    store.end_run()
    x, _ = store.trial_curve(0, "0", 0)
    assert x.max() <= 1.0


def test_with_smoothing_the_mean_over_trials_stays_in_its_band(store):
    for t in range(3):
        for e in range(8):
            store.add_epoch(epoch(t, e, {"0": 0.1 + 0.66 * (1 - 0.5 ** e) + 0.003 * t}))
    x, mean, lo, hi = store.mean_over_trials("0", 3, 3, "minmax", smoothing=0.9)
    assert len(x) == 8 and np.all(lo <= mean + 1e-12) and np.all(mean <= hi + 1e-12)
    _x, raw, _lo, _hi = store.mean_over_trials("0", 3, 3, "minmax")
    assert mean[-1] < raw[-1]


def test_a_loaded_table_marks_a_non_finite_value_as_divergence(store):
    store.load([MetricRow(0, "4", 0, "test", 1.0, 0.5, 1.0), MetricRow(0, "4", 1, "test", float("nan"), 0.1, 2.0)])
    assert store.diverged == {(0, "4"): 1} and store.heard[-1][0] == "epochs"
    store.clear()
    assert store.rows == [] and store.kept_epochs() == 0 and store.trial_curve(0, "4", 3)[0].size == 0


def test_the_store_imports_no_qt():
    code = "import sys, ui.plots.model.curve_store; sys.exit(1 if any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
