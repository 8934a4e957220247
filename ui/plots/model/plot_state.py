"""What the plots show, without Qt: the user's choices (smoothing, band, axes, hidden cases), the shown
run's cases, and each case's curves in a plot computed from the curve store as they are to be drawn.

The plots panel (ui/plots/plots_panel.py) holds one PlotState and puts `case_curves` onto its items:
the numbers a curve shows are decided here and tested without a widget.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.cases import PUBLISHED_CASES, Case

from ui.plots.model.curve_store import CurveStore, ema_debiased
from ui.plots.model.metrics import METRICS

__all__ = ["CaseCurves", "PlotState", "case_curves", "on_axis"]


def finite_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(y) & np.isfinite(x)
    return x[keep], y[keep]


@dataclass
class PlotState:
    """The plots' state: the shown run's cases and trials, and every choice the user made."""
    cases: dict[str, Case] = field(default_factory=lambda: dict(PUBLISHED_CASES))
    order: list[str] = field(default_factory=list)          # the shown run's cases, in drawing order
    trials: int = 1
    hidden: set[str] = field(default_factory=set)
    smoothing: float = 0.0
    band_kind: str = "minmax"
    y_mode: str = "linear"
    log_x: bool = False
    auto_log: bool = False          # add_reference chose the log epoch axis (undone with the logs)
    auto_clip: bool = False         # add_reference chose "clip overlays" (undone with the logs)
    manual: list[bool] = field(default_factory=lambda: [False] * len(METRICS))   # the user zoomed or panned
    fitted: list = field(default_factory=lambda: [None] * len(METRICS))          # the range last set, per plot

    def refit(self) -> None:
        """Every plot fitted to its data again, zoomed or not."""
        self.manual = [False] * len(METRICS)
        self.fitted = [None] * len(METRICS)


@dataclass
class CaseCurves:
    """One case's curves in one plot, on the chosen x-axis, as drawn: None where nothing changes."""
    main: tuple[np.ndarray, np.ndarray] | None               # None: only thin lines changed
    points: tuple[np.ndarray, np.ndarray] | None = None    # the epoch values (dots), when they changed
    faint: tuple[np.ndarray, np.ndarray] | None = None     # the raw curve behind a smoothed one
    band: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None     # (x, low, high) over trials
    trials: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)   # thin lines redrawn


def on_axis(store: CurveStore, x, y, trial: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A curve's finite points (kept in epoch positions) on the chosen x-axis."""
    x, y = finite_xy(x, y)
    return finite_xy(store.axis.map(x, trial), y)


def case_curves(store: CurveStore, state: PlotState, p: int, key: str, epochs_new: bool,
                trials=None) -> CaseCurves | None:
    """What case `key` shows in plot `p`. Several trials: the thin lines of `trials` (each on its own
    clock) and, when the epoch values changed (`epochs_new`), the mean and its band, both from the
    smoothed trials (smoothing is linear: the mean of the smoothed trials is the smoothed mean, so the
    line never leaves its band), with the raw mean faint and as the dots; None when only thin lines
    changed. One trial: its curve (the step points while it trains), smoothed or not, its epoch values
    the dots."""
    smoothing = state.smoothing > 0
    if state.trials > 1:
        lines = {t: on_axis(store, *store.trial_curve(t, key, p), trial=t)
                 for t in (trials if trials is not None else range(state.trials))}
        if not epochs_new:
            return CaseCurves(main=None, trials=lines)
        x, shown, lo, hi = store.mean_over_trials(key, p, state.trials, state.band_kind, state.smoothing)
        raw = store.mean_over_trials(key, p, state.trials, state.band_kind)[:2] if smoothing else (x, shown)
        x = store.axis.map(x, None)             # the mean over trials at the trials' mean clock
        keep = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(x)
        points = on_axis(store, *raw, trial=None)
        return CaseCurves(main=finite_xy(x, shown), points=points, faint=points if smoothing else None,
                          band=(x[keep], lo[keep], hi[keep]), trials=lines)
    x, y = store.trial_curve(0, key, p)
    points = on_axis(store, *store.epoch_curve(0, key, p)) if epochs_new else None
    faint = on_axis(store, x, y) if smoothing else None
    shown = ema_debiased(y, state.smoothing) if smoothing else y
    return CaseCurves(main=finite_xy(store.axis.map(x, 0), shown), points=points, faint=faint)
