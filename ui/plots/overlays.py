"""Overlays: another run from the run list, or a published log, drawn over the shown run.

Each overlay keeps the case colours and gets its own dash pattern, so "which run" reads from the dash
and "which case" from the colour; a run with several trials is drawn as its mean where every trial
reached an epoch. The panel owns the list; this module holds an overlay, draws it once, and
(PlotOverlays, a mixin of the panel) lays overlays over the plots and maps them to the chosen x-axis.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg

from engine.cases import Case
from workbench.records.metrics import MetricRow

from ui.plots.items import OVERLAY_DASHES, EnvelopeCurve, dashed_pen, finite_xy
from ui.plots.model.metrics import METRICS, epoch_x, plot_indices
from ui.plots.model.trial_spread import mean_where_all
from ui.plots.model.x_axis import TrainingClock

__all__ = ["Overlay", "PlotOverlays", "draw_overlay"]


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


class PlotOverlays:
    """The plots panel's overlays (a mixin of PlotsPanel): published logs and other runs laid over the shown
    run, each drawn once, mapped again when the x-axis changes."""

    def set_reference(self, rows: list[MetricRow], label: str = "published", warning: str = "") -> None:
        """Only this published log over the plots (see add_reference for several)."""
        self.clear_reference(refit=False)
        self.add_reference(rows, label, warning)

    def add_reference(self, rows: list[MetricRow], label: str = "published", warning: str = "") -> None:
        """Lay a published log over the plots: its own dash pattern, the case colours, labelled.

        `warning` (e.g. another architecture than the shown run's) is shown in the legend and below
        the plots, and the y-axis then fits the shown run so the log cannot flatten it.
        """
        self._add_overlay(Overlay("published", label, [r for r in rows if r.trial == 0], 1, warning))
        if warning and self.state.y_mode == "linear":
            self.set_y_mode("clip")
            self.state.auto_clip = True
        run_end = self.curves.last_x()
        ref_end = max((r.epoch + 1 for o in self._overlays for r in o.rows), default=0)
        if run_end and ref_end > 10 * run_end and not self.state.log_x:
            self.set_log_epochs(True)       # otherwise the run is a sliver at the left edge
            self.state.auto_log = True

    def set_run_overlays(self, runs: list[tuple]) -> None:
        """Other runs over the shown one: (label, rows, trials, warning[, kept step reports]) each; replaces
        the previous ones. A one-trial run with its step reports draws its training curve as it was watched."""
        for o in [o for o in self._overlays if o.kind == "run"]:
            self._remove_overlay(o)
        for label, rows, trials, warning, *steps in runs:
            kept = max((r.epoch + 1 for r in rows if r.split == "test"), default=0)
            steps = [e for e in (steps[0] if steps else ()) if e.epoch < kept]       # whole epochs, as shown runs
            self._add_overlay(Overlay("run", label, list(rows), max(1, trials), warning, steps=steps))
        self._after_overlays()

    def clear_reference(self, refit: bool = True) -> None:
        """Remove every published log."""
        for o in [o for o in self._overlays if o.kind == "published"]:
            self._remove_overlay(o)
        if self.state.auto_log:                  # undo only what add_reference switched on
            self.state.auto_log = False
            self.set_log_epochs(False)
        if self.state.auto_clip:
            self.set_y_mode("linear")
        self._after_overlays()

    @property
    def reference_cases(self) -> list[str]:
        return sorted({r.case for o in self._overlays if o.kind == "published" for r in o.rows})

    @property
    def overlays(self) -> list[Overlay]:
        return list(self._overlays)

    def _add_overlay(self, overlay: Overlay) -> None:
        self._overlays.append(overlay)
        draw_overlay(overlay, self._overlays.index(overlay), self.plots, self.state.cases)
        if self.curves.axis.mode != "epoch":
            self._map_overlays()
        self._after_overlays()

    def _remove_overlay(self, overlay: Overlay) -> None:
        remove_overlay_items(overlay, self.plots)
        self._overlays.remove(overlay)

    def _after_overlays(self) -> None:
        warnings = [f"{o.label}: {o.warning}" for o in self._overlays if o.warning]
        self._overlay_warning = "; ".join(warnings)
        self._update_notes()
        self._rebuild_legend()
        self._apply_visibility()
        self.state.fitted = [None] * len(METRICS)
        self._dirty = True
        self.refresh()

    def _map_overlays(self) -> None:
        """Each overlay's curves on the chosen axis, by its own records' clock (a published log has none)."""
        for o in self._overlays:
            clock = TrainingClock()
            for e in o.steps:
                clock.note(e.trial, e.epoch + e.step / e.steps_per_epoch, e.wall_time_s)
            clock.note_rows(o.rows)                   # an epoch's end after its test pass, as the live clock
            for (p, key), item in o.items.items():
                x, y = o.epoch_data[(p, key)]
                spe = o.steps[0].steps_per_epoch if o.steps else None
                x = self.curves.axis.map(x, None, clock=clock, steps_per_epoch=spe)
                keep = np.isfinite(x)
                item.setData(x[keep], y[keep])
