"""Statistics over the trials of a case: the mean and its band, only at epochs every trial reached.

Where only some trials have reached an epoch, a mean over those would pinch the band and jump when the
others arrive; so such an epoch gets no mean at all (each trial's own thin line still shows it).
"""
from __future__ import annotations

import math

import numpy as np

from workbench.stats.comparison import spread

__all__ = ["mean_and_band", "mean_where_all"]


def mean_and_band(per_trial: list[tuple[list[float], list[float]] | None], trials: int, band_kind: str):
    """(x, mean, low, high) at the x every one of `trials` trials has reached.

    `per_trial` holds each trial's (xs, ys) or None; the band is "minmax" (min to max over the
    trials) or "sd" (mean ± one sample standard deviation). Non-finite values are left out of the
    statistics; an epoch where every value is non-finite gets NaN.
    """
    per_x: dict[float, list[float]] = {}
    for series in per_trial:
        if series is not None:
            for x, y in zip(*series):
                per_x.setdefault(x, []).append(y)
    xs = sorted(x for x, values in per_x.items() if len(values) >= trials)
    stats = np.array([spread(per_x[x], band_kind) for x in xs]).reshape(-1, 3)
    return np.asarray(xs, float), stats[:, 0], stats[:, 1], stats[:, 2]


def mean_where_all(points: list[tuple[float, int, float]], trials: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, mean over trials) at the x every trial reached; `points` are (x, trial, value).

    Unlike mean_and_band, one non-finite trial makes the mean NaN (an overlay ends where any trial diverged).
    """
    per_x: dict[float, list[float]] = {}
    for x, _trial, value in points:
        per_x.setdefault(x, []).append(value)
    xs = sorted(x for x, v in per_x.items() if len(v) >= trials)
    ys = [float(np.mean(per_x[x])) if all(math.isfinite(v) for v in per_x[x]) else math.nan for x in xs]
    return np.asarray(xs, float), np.asarray(ys, float)
