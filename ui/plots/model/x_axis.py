"""The plots' x-axis: epochs (as the curves are stored), steps, or wall time with paused time left out.

Every curve is kept in epoch positions (ui/plots/model/metrics.py); the chosen axis is a mapping of
those positions, so a change of axis redraws the same points elsewhere and loses nothing:

* step: the position times the batches an epoch (the step count since the trial began);
* wall time: the trial's training seconds, read from the clock its records carry: each step report's
  elapsed time (steps.csv, the live events) and each epoch's wall_time_s (metrics.csv), both with paused
  time excluded by the engine; between two readings the time is interpolated linearly.
"""
from __future__ import annotations

import math

import numpy as np

X_CHOICES = (("x: epoch", "epoch"), ("x: step", "step"), ("x: wall time", "wall"))
AXIS_LABELS = {"epoch": "epoch", "step": "step (batches since the trial began)",
               "wall": "training time, s (paused time excluded)"}

__all__ = ["AXIS_LABELS", "TrainingClock", "X_CHOICES", "XAxis"]


class TrainingClock:
    """Per trial: epoch position -> training seconds, from the readings its records give."""

    def __init__(self) -> None:
        self.readings: dict[int, dict[float, float]] = {}
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def clear(self) -> None:
        self.readings.clear()
        self._arrays.clear()

    def note(self, trial: int, position: float, seconds: float) -> None:
        if math.isfinite(seconds):
            self.readings.setdefault(trial, {})[round(position, 9)] = float(seconds)
            self._arrays.pop(trial, None)

    def note_rows(self, rows) -> None:
        """Each epoch's end from metrics rows (their wall_time_s, taken when the epoch's test pass ended)."""
        for r in rows:
            if r.split == "test":
                self.note(r.trial, r.epoch + 1.0, r.wall_time_s)

    def known(self, trial: int | None = None) -> bool:
        return bool(self.readings.get(trial)) if trial is not None else any(self.readings.values())

    def _table(self, trial: int) -> tuple[np.ndarray, np.ndarray]:
        table = self._arrays.get(trial)
        if table is None:
            points = sorted({0.0: 0.0, **self.readings.get(trial, {})}.items())
            position = np.array([p for p, _s in points])
            seconds = np.maximum.accumulate(np.array([s for _p, s in points]))     # a clock never runs back
            table = self._arrays[trial] = (position, seconds)
        return table

    def seconds(self, positions, trial: int | None) -> np.ndarray:
        """Training seconds at epoch positions of `trial`; trial None: the mean over the trials with a clock
        (a mean curve over trials). NaN where no clock is known."""
        positions = np.asarray(positions, float)
        trials = [trial] if trial is not None else [t for t, r in self.readings.items() if r]
        trials = [t for t in trials if self.readings.get(t)]
        if not trials:
            return np.full(positions.shape, np.nan)
        return np.mean([np.interp(positions, *self._table(t)) for t in trials], axis=0)

    def position(self, seconds: float, trial: int = 0) -> float:
        """The epoch position at `seconds` of training (the inverse, for the hover)."""
        trial = trial if self.readings.get(trial) else next((t for t, r in self.readings.items() if r), trial)
        position, clock = self._table(trial)
        return float(np.interp(seconds, clock, position))


class XAxis:
    """The chosen x-axis and the facts it maps with (batches an epoch, the training clock)."""

    def __init__(self) -> None:
        self.mode = "epoch"
        self.clock = TrainingClock()
        self.steps_per_epoch: int | None = None

    def clear(self) -> None:
        self.clock.clear()
        self.steps_per_epoch = None

    @property
    def label(self) -> str:
        return AXIS_LABELS[self.mode]

    def available(self, mode: str) -> str:
        """'' when `mode` can be drawn, else why not (one line)."""
        if mode == "step" and not self.steps_per_epoch:
            return "no step count: this run kept its epoch values only"
        if mode == "wall" and not self.clock.known():
            return "no training clock in this run's records"
        return ""

    def map(self, positions, trial: int | None = 0, clock: TrainingClock | None = None,
            steps_per_epoch: int | None = None) -> np.ndarray:
        """Epoch positions on the chosen axis (an overlay passes its own clock and step count)."""
        positions = np.asarray(positions, float)
        if self.mode == "step":
            spe = steps_per_epoch if clock is not None else self.steps_per_epoch
            return positions * spe if spe else np.full(positions.shape, np.nan)
        if self.mode == "wall":
            return (clock or self.clock).seconds(positions, trial)
        return positions

    def to_position(self, x: float) -> float:
        """A point on the chosen axis back in epoch positions (of the first trial)."""
        if self.mode == "step":
            return x / self.steps_per_epoch if self.steps_per_epoch else x
        if self.mode == "wall":
            return self.clock.position(x)
        return x
