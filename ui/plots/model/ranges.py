"""The view range a plot is fitted to: x in whole epochs from 0, y over what is shown, with a margin.

Kept apart from the panel so the rules (never a degenerate range, accuracy kept near [0, 1], overlays
left out when the user clips them, log axes) read in one place and are plain NumPy.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["fitted_range", "still_fits"]


def fitted_range(metric: str, xs: list, ys: list, oxs: list, oys: list, y_mode: str,
                 log_x: bool) -> tuple[float, float, float, float, float]:
    """(x0, x1, y0, y1, pad) in view coordinates (log10 on a log axis) for the shown run's and overlays' data.

    `xs`, `ys` are the shown run's arrays, `oxs`, `oys` the overlays'; y_mode "clip" fits the run only,
    "log" uses a logarithmic cost axis.
    """
    all_x = np.concatenate(xs + oxs) if xs or oxs else np.array([1.0])
    y_parts = ys if (y_mode == "clip" and ys) else ys + oys
    all_y = np.concatenate(y_parts) if y_parts else np.array([0.0, 1.0])
    all_y = all_y[np.isfinite(all_y)]
    if not all_y.size:
        all_y = np.array([0.0, 1.0])
    log_y = y_mode == "log" and metric == "cost"
    if log_y:
        all_y = all_y[all_y > 0]
        all_y = np.log10(all_y) if all_y.size else np.array([0.0, 1.0])
    y0, y1 = float(all_y.min()), float(all_y.max())
    span = y1 - y0
    floor = 0.02 if metric == "accuracy" and not log_y else max(abs(y1) * 0.02, 1e-6)
    pad = max(0.06 * span, floor)
    y0, y1 = y0 - pad, y1 + pad
    if metric == "accuracy" and not log_y:
        y0, y1 = max(y0, -0.02), min(y1, 1.02)
    x_max = float(np.nanmax(all_x)) if all_x.size else 1.0
    if log_x:
        positive = all_x[all_x > 0]
        lo = math.log10(float(positive.min())) if positive.size else -1.0
        x0, x1 = lo - 0.05, math.log10(max(x_max, 1e-3)) + 0.05
        if x1 - x0 < 0.2:
            x0, x1 = x0 - 0.1, x1 + 0.1
    else:
        # whole epochs: the range (and the axis' ticks) change once an epoch, not on every step
        x0, x1 = 0.0, float(max(1, math.ceil(x_max - 1e-9)))
        x1 += 0.02 * x1
    return x0, x1, y0, y1, pad


def still_fits(old, x0: float, x1: float, y0: float, y1: float, pad: float) -> bool:
    """The data still fits the previously set view well (no axis redraw): same x, y inside and not lost in it."""
    return (old is not None and (x0, x1) == old[:2] and old[2] <= y0 + pad and y1 - pad <= old[3]
            and (old[3] - old[2]) <= 1.6 * (y1 - y0))
