"""The live training curve: the mean of the batches between two step reports, from the engine's running means.

The engine reports, `points_per_epoch` times an epoch, each case's running mean since the start of the
epoch. Drawn as such, that mean restarts at every epoch boundary (training accuracy seemed to jump from
0.58 to 0.87 at epoch 1). The mean of just the batches since the previous report never restarts:
window mean = (running·step − previous running·previous step) / (step − previous step), drawn at the
middle of those batches.
"""
from __future__ import annotations

__all__ = ["IntervalMeans"]


class IntervalMeans:
    """Turns step events (per trial) into (x, {case: (cost, accuracy)}) points of the training curve."""

    def __init__(self) -> None:
        self._prev: dict[int, tuple[int, int, dict]] = {}   # trial -> (epoch, step, running means)
        self.batches: int | None = None            # batches in the run's first window (the report interval)
        self.steps_per_epoch: int | None = None

    def clear(self) -> None:
        self._prev.clear()
        self.batches = self.steps_per_epoch = None

    def add(self, event) -> tuple[float, dict[str, tuple[float, float]]]:
        """The new point of every case in `event`: x in epochs and the mean over the batches since the last report."""
        prev_epoch, prev_step, prev = self._prev.get(event.trial, (event.epoch, 0, {}))
        if prev_epoch != event.epoch or prev_step >= event.step:
            prev_step, prev = 0, {}
        span = event.step - prev_step
        if self.batches is None:
            self.batches, self.steps_per_epoch = span, event.steps_per_epoch
        x = event.epoch + (prev_step + event.step) / (2.0 * event.steps_per_epoch)
        means: dict[str, tuple[float, float]] = {}
        for key, (cost, acc) in event.running.items():
            before = prev.get(key)
            if before is None or prev_step == 0:
                means[key] = (cost, acc)
            else:
                means[key] = ((cost * event.step - before[0] * prev_step) / span,
                              (acc * event.step - before[1] * prev_step) / span)
        self._prev[event.trial] = (event.epoch, event.step, dict(event.running))
        return x, means
