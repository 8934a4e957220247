"""Overlays: another run from the run list, or a published log, drawn over the shown run.

Each overlay keeps the case colours and gets its own dash pattern, so "which run" reads from the dash
and "which case" from the colour; a run with several trials is drawn as its mean where every trial
reached an epoch. The panel owns the list; this module holds an overlay and draws it once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyqtgraph as pg

from engine.cases import Case
from workbench.records.metrics import MetricRow

from ui.plots.items import OVERLAY_DASHES, EnvelopeCurve, dashed_pen, finite_xy
from ui.plots.model.metrics import epoch_x, plot_indices
from ui.plots.model.trial_spread import mean_where_all

__all__ = ["Overlay", "draw_overlay"]


@dataclass
class Overlay:
    """Another run, or a published log, drawn over the shown run."""
    kind: str                      # "run" or "published"
    label: str
    rows: list[MetricRow]
    trials: int = 1
    warning: str = ""              # e.g. a different architecture than the shown run's
    hidden: bool = False
    dash: tuple = (6, 3)
    items: dict = field(default_factory=dict)     # (plot, case) -> PlotDataItem
    steps: list = field(default_factory=list)    # its folder's kept step reports (workbench/records/steps.py)
    epoch_data: dict = field(default_factory=dict)     # (plot, case) -> (x in epoch positions, y)


def draw_overlay(overlay: Overlay, index: int, plots: list[pg.PlotItem], cases: dict[str, Case]) -> None:
    """Create the overlay's curves (the `index`-th overlay's dash) in `plots`; unknown cases are added grey."""
    dash = OVERLAY_DASHES[index % len(OVERLAY_DASHES)]
    by: dict[tuple[str, int], list[tuple[float, int, float]]] = {}
    for r in overlay.rows:
        cost_plot, accuracy_plot = plot_indices(r.split)
        by.setdefault((r.case, cost_plot), []).append((epoch_x(r.split, r.epoch), r.trial, r.cost))
        by.setdefault((r.case, accuracy_plot), []).append((epoch_x(r.split, r.epoch), r.trial, r.accuracy))
    live = step_curves(overlay.steps) if overlay.trials == 1 else {}
    for (key, p), points in by.items():
        if key not in cases:
            cases[key] = Case(key, f"case {key}", "#808080")
        x, y = live[(key, p)] if (key, p) in live else mean_where_all(points, overlay.trials)
        x, y = finite_xy(x, y)
        item = EnvelopeCurve(x, y, pen=dashed_pen(cases[key].colour, 1.5, dash))
        if len(x) == 1:                 # a line of one point draws nothing: a one-epoch run is a marker
            item.setSymbol("o")
            item.setSymbolSize(7)
            item.setSymbolPen(pg.mkPen(cases[key].colour, width=1.5))
            item.setSymbolBrush(pg.mkBrush(None))
        item.setZValue(-2)
        plots[p].addItem(item)
        overlay.items[(p, key)] = item
        overlay.epoch_data[(p, key)] = (x, y)
    overlay.dash = dash


def step_curves(steps) -> dict[tuple[str, int], tuple]:
    """(case, plot) -> the training curve a one-trial run's kept step reports draw, as it was watched."""
    if not steps:
        return {}
    from ui.plots.model.curve_store import CurveStore
    store = CurveStore()
    store.load_steps(steps)
    return {(key, p): (series.xs, series.ys) for (trial, key, p), series in store.live.items() if trial == 0}


def remove_overlay_items(overlay: Overlay, plots: list[pg.PlotItem]) -> None:
    for (p, _key), item in overlay.items.items():
        plots[p].removeItem(item)
