"""The shown run's curve data, without Qt: each trial's training-curve points and epoch values, per case and plot.

The plots panel is a view of this store (napari's components pattern: plain Python, evented by simple
callbacks): it subscribes with `on_change` and redraws the curves the store names, so what the curves
hold, and the statistics over trials, are tested without a widget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from workbench.records.metrics import MetricRow

from ui.plots.model.interval_means import IntervalMeans
from ui.plots.model.metrics import METRICS, epoch_x, plot_indices
from ui.plots.model.trial_spread import mean_and_band
from ui.plots.model.x_axis import XAxis

__all__ = ["CurveStore", "Series", "ema_debiased"]

Changed = set[tuple[int, str]]          # (plot, case) pairs whose data changed


def ema_debiased(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: s_i = w·s_(i-1) + (1-w)·x_i, divided by 1 - w^(n_i).

    n_i counts the finite values seen so far; a non-finite value is passed
    through and does not disturb the average.
    """
    values = np.asarray(values, dtype=float)
    if weight <= 0.0 or values.size == 0:
        return values.copy()
    out = np.empty_like(values)
    s, n = 0.0, 0
    for i, v in enumerate(values):
        if math.isfinite(v):
            s = weight * s + (1.0 - weight) * v
            n += 1
            out[i] = s / (1.0 - weight ** n)
        else:
            out[i] = v
    return out


@dataclass
class Series:
    xs: list = field(default_factory=list)
    ys: list = field(default_factory=list)

    def put(self, x: float, y: float) -> None:
        """Append, or replace the last point when x is the same; x stays sorted."""
        if self.xs and abs(self.xs[-1] - x) < 1e-9:
            self.ys[-1] = y
        elif self.xs and x < self.xs[-1]:
            i = int(np.searchsorted(self.xs, x))
            if i < len(self.xs) and abs(self.xs[i] - x) < 1e-9:
                self.ys[i] = y
            else:
                self.xs.insert(i, x)
                self.ys.insert(i, y)
        else:
            self.xs.append(x)
            self.ys.append(y)

    def keep_until(self, x_max: float) -> None:
        """Forget every point past x_max (what the run folder does not keep)."""
        n = int(np.searchsorted(self.xs, x_max + 1e-9, side="right"))
        del self.xs[n:], self.ys[n:]


class CurveStore:
    """Every trial's curves of the shown run; listeners hear which (plot, case) curves changed, and how.

    A listener is called as listener(changed, kind) with kind "steps" (new training-curve points) or
    "epochs" (new epoch values).
    """

    def __init__(self) -> None:
        self.live: dict[tuple[int, str, int], Series] = {}      # (trial, case, plot) -> interval means
        self.epochs: dict[tuple[int, str, int], Series] = {}    # (trial, case, plot) -> epoch values
        self.intervals = IntervalMeans()                        # step events -> the training curve's points
        self.rows: list[MetricRow] = []
        self.diverged: dict[tuple[int, str], int] = {}          # (trial, case) -> epoch
        self.last_trial: dict[str, int] = {}                    # case -> the trial that last sent data
        self.epoch_version: dict[tuple[str, int], int] = {}     # (case, plot) -> changes of its epoch values
        self.axis = XAxis()                                     # the chosen x-axis and its training clock
        self._listeners: list[Callable[[Changed, str], None]] = []

    def on_change(self, listener: Callable[[Changed, str], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, changed: Changed, kind: str) -> None:
        for listener in self._listeners:
            listener(changed, kind)

    # ------------------------------------------------------------------ data in
    def clear(self) -> None:
        for store in (self.live, self.epochs, self.diverged, self.last_trial, self.epoch_version):
            store.clear()
        self.intervals.clear()
        self.rows.clear()
        self.axis.clear()

    def add_step(self, event) -> None:
        """A step report: one more point of each case's training curve (see ui/interval_means.py)."""
        x, means = self.intervals.add(event)
        seconds = getattr(event, "wall_time_s", None)
        if seconds is None:
            seconds = event.progress.elapsed_s              # a live StepEvent: the same clock steps.csv keeps
        self.axis.clock.note(event.trial, event.epoch + event.step / event.steps_per_epoch, seconds)
        self.axis.steps_per_epoch = event.steps_per_epoch
        changed: Changed = set()
        for key, (cost, acc) in means.items():
            self.last_trial[key] = event.trial
            self._series(self.live, event.trial, key, 0).put(x, cost)
            self._series(self.live, event.trial, key, 1).put(x, acc)
            changed.update(((0, key), (1, key)))
        self._emit(changed, "steps")

    def add_epoch(self, event) -> None:
        """An epoch's training and test values of every case; the cases that diverged in it."""
        wall = getattr(event, "wall_time_s", math.nan)
        changed: Changed = set()
        for key, m in event.metrics.items():
            self.add_row(MetricRow(event.trial, key, event.epoch, "train", m.train_cost, m.train_accuracy, wall))
            self.add_row(MetricRow(event.trial, key, event.epoch, "test", m.test_cost, m.test_accuracy, wall))
            changed.update((p, key) for p in range(len(METRICS)))
        for key in event.diverged_now:
            self.diverged[(event.trial, key)] = event.epoch
        self._emit(changed, "epochs")

    def load_steps(self, steps) -> None:
        """A run folder's kept step reports (workbench/records/steps.py) replayed in the order they came:
        the training curve the window drew while the run trained, point for point."""
        for event in steps:
            self.add_step(event)

    def load(self, rows: list[MetricRow]) -> None:
        """A finished run's metrics table; a non-finite value marks its case diverged there."""
        for r in rows:
            self.add_row(r)
            if not (math.isfinite(r.cost) and math.isfinite(r.accuracy)):
                self.diverged.setdefault((r.trial, r.case), r.epoch)
        self._emit({(p, r.case) for r in rows for p in range(len(METRICS))}, "epochs")

    def add_row(self, r: MetricRow) -> None:
        self.rows.append(r)
        self.last_trial[r.case] = r.trial
        cost_plot, accuracy_plot = plot_indices(r.split)
        for p in (cost_plot, accuracy_plot):
            self.epoch_version[(r.case, p)] = self.epoch_version.get((r.case, p), 0) + 1
        if r.split == "test":
            self.axis.clock.note(r.trial, r.epoch + 1.0, r.wall_time_s)
        x = epoch_x(r.split, r.epoch)
        self._series(self.epochs, r.trial, r.case, cost_plot).put(x, r.cost)
        self._series(self.epochs, r.trial, r.case, accuracy_plot).put(x, r.accuracy)

    def end_run(self) -> None:
        """Forget training points past each trial's last finished epoch (what the run folder keeps)."""
        kept: dict[int, int] = {}
        for r in self.rows:
            kept[r.trial] = max(kept.get(r.trial, 0), r.epoch + 1)
        for (trial, _key, _p), series in self.live.items():
            series.keep_until(kept.get(trial, 0))

    # ------------------------------------------------------------------ reading
    def kept_epochs(self) -> int:
        """Epochs with a test value (what the run folder keeps), over all trials."""
        return max((r.epoch + 1 for r in self.rows if r.split == "test"), default=0)

    def last_x(self) -> float:
        """The furthest epoch position any curve reached (0 when there is none)."""
        return max((s.xs[-1] for s in [*self.live.values(), *self.epochs.values()] if s.xs), default=0.0)

    def current_trial(self, key: str) -> int:
        return self.last_trial.get(key, 0)

    def trial_curve(self, trial: int, key: str, p: int) -> tuple[np.ndarray, np.ndarray]:
        """One trial's curve: interval means while it trains (training plots), else its epoch values."""
        live = self.live.get((trial, key, p))
        if live is not None and live.xs:
            return np.asarray(live.xs, float), np.asarray(live.ys, float)
        return self.epoch_curve(trial, key, p)

    def epoch_curve(self, trial: int, key: str, p: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.epochs.get((trial, key, p))
        if s is None:
            return np.empty(0), np.empty(0)
        return np.asarray(s.xs, float), np.asarray(s.ys, float)

    def mean_over_trials(self, key: str, p: int, trials: int, band_kind: str, smoothing: float = 0.0):
        """(x, mean, low, high) at the epochs all `trials` reached, over the trials smoothed by `smoothing`
        (0: as they are): the mean of smoothed trials is the smoothed mean, so it stays inside its band."""
        per_trial = [(s.xs, ema_debiased(s.ys, smoothing) if smoothing > 0 else s.ys)
                     if (s := self.epochs.get((t, key, p))) is not None else None
                     for t in range(trials)]
        return mean_and_band(per_trial, trials, band_kind)

    @staticmethod
    def _series(store: dict, trial: int, key: str, p: int) -> Series:
        series = store.get((trial, key, p))
        if series is None:                       # (not setdefault: that built a Series for every point)
            series = store[(trial, key, p)] = Series()
        return series
