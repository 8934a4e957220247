"""Live plots: training cost, training accuracy, test cost, test accuracy against epochs.

What the curves say, and why:

* x is the position in epochs, never rescaled: training values of epoch e
  cover [e, e+1], so the epoch mean is a dot at e + 0.5; a test value is taken
  after epoch e, at x = e + 1. Test values carry markers, so one epoch shows.
* During a run the training curve is the mean of the batches between two
  reports (x = the middle of those batches), derived from the engine's
  within-epoch running means: it never restarts at an epoch boundary. A run
  opened from disk (epoch means only) draws the epoch means.
* Nothing is drawn past the epochs the run folder keeps (`end_run`).
* Several trials: each trial a thin line in its case colour; the mean (thick)
  and its band (outlined in the case colour) only at epochs every trial reached.
* A case whose curve coincides exactly with an earlier case's is drawn dashed
  and named as coinciding in the legend and the hover tip.
* Axes are fitted to the data (unless the user zooms; the "A" button refits).

Curve items are created once per case and updated with setData from a QTimer
(15 Hz), never from the worker's signals directly. Overlays (other runs from
the run list, published logs) are drawn in the case colours, each overlay its
own dash pattern, each labelled in the legend.

This file is the widget that decides what to draw and when, a view of the run's data in
ui/plots/model/curve_store.py (Qt-free: every trial's points, which curves changed, the statistics
over trials); the pieces live apart: ui/plots/model/interval_means.py (the live training curve),
ui/plots/model/trial_spread.py (mean and band over trials), ui/plots/model/coincidence.py (which cases
coincide), ui/plots/overlays.py (other runs, published logs), ui/plots/model/hover_text.py and
ui/plots/hover.py (the tooltip's words and widget), ui/plots/model/ranges.py (fitted axes),
ui/plots/items.py (the curve items, long ones as min/max envelopes), ui/plots/export.py (figures and the
plotted data), ui/plots/model/plot_state.py (the panel's state and what each case's curves show),
ui/plots/model/x_axis.py (epoch, step or training-time axis), ui/plots/panel_parts.py (its widgets, built once).
The panel's own behaviours that are not drawing are mixins beside it: PlotLegend (ui/plots/legend.py),
PlotOverlays (ui/plots/overlays.py),
PlotCoincidence (ui/plots/coinciding.py), PlotRanges (ui/plots/view_ranges.py), PlotHover (ui/plots/hover.py)
and PlotReadback (ui/plots/readback.py: what is drawn, read back).
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from engine.cases import Case
from workbench.records.metrics import MetricRow

from ui.plots.model.coincidence import COINCIDE_FRACTION
from ui.plots.hover import HoverTip, PlotHover
from ui.plots.readback import PlotReadback
from ui.plots.view_ranges import PlotRanges
from ui.plots.coinciding import PlotCoincidence
from ui.plots.caption import figure_caption
from ui.plots.model.curve_store import CurveStore, ema_debiased
from ui.plots.items import CaseItems, LegendEntry
from ui.plots.legend import PlotLegend
from ui.plots.model.metrics import METRICS, epoch_x
from ui.plots.overlays import Overlay, PlotOverlays
from ui.plots.model.plot_state import PlotState, case_curves
from ui.plots.model.x_axis import X_CHOICES
from ui.plots.panel_parts import BAND_CHOICES, SMOOTHING_CHOICES, Y_CHOICES, build_controls, build_plots, lay_out

REFRESH_HZ = 15

__all__ = ["COINCIDE_FRACTION", "METRICS", "Overlay", "PlotsPanel", "ema_debiased", "epoch_x"]


class PlotsPanel(PlotLegend, PlotOverlays, PlotCoincidence, PlotRanges, PlotHover, PlotReadback, QWidget):
    """Four live plots with a shared legend, smoothing, bands, overlays and a hover tooltip."""

    hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state = PlotState()                   # what is shown and every choice made (ui/plots/model/plot_state.py)
        self.arch: str | None = None            # the shown run's architecture, when known
        self.curves = CurveStore()                              # the run's data: this panel is its view
        self.curves.on_change(self._on_curves_changed)
        self._overlays: list[Overlay] = []
        self._coincide: dict[str, str] = {}                     # case -> earlier case it coincides with
        self._covered: dict[str, list[str]] = {}                # case -> later cases drawn over it (< 2 px)
        self.plot_notes = [""] * len(METRICS)                   # per plot: the cases hidden under another's line
        self._dirty = False
        self._dirty_curves: set[tuple[int, str]] = set()
        self._last_plot = -1                       # the plot the last incremental refresh drew
        self._visibility_dirty = False
        self._displayed: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        # ((plot, trial), case) -> a thin trial line as drawn
        self._trial_lines: dict[tuple[tuple[int, int], str], tuple[np.ndarray, np.ndarray]] = {}
        self._hover_points: list[tuple[float, float]] = []
        self._hover_note = ""
        self._epochs_changed = False
        self._steps_changed = False                             # new training-curve points since the last check
        self._from_disk = False                                 # a run folder opened: epoch means only
        self._guide_shown = ""                                  # the legend's reading guide as last drawn
        self.guide_entry = None
        self._overlay_warning = ""
        self.run_caption = ""                   # the run's description, set by the window (for exports)
        self._x_missing = ""                    # why the chosen x-axis cannot be drawn ('' when it can)
        self.refresh_count = 0
        self.tick_count = 0
        self.refresh_seconds: list[float] = []

        # ---- the controls and the four plots (one scene, so exports hold all four and the legend)
        build_controls(self)
        build_plots(self)
        self._title_width = 0.0
        self._items: dict[tuple[int, str], CaseItems] = {}
        self._legend: dict[str, LegendEntry] = {}
        self._overlay_entries: dict[int, LegendEntry] = {}
        self._rebuild_legend()
        self.tip = HoverTip(self.view)
        self._mouse = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)

        lay_out(self)

        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REFRESH_HZ))
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_titles()

    def _fit_titles(self) -> None:
        """Titles wrap within their plot's half of the panel: a long one ('cases 0, 1, 2 … under 6') set the
        plots' minimum width, and at 1366 px with the settings pane widened the right-hand plots ran off."""
        axis = max(plot.getAxis("left").width() for plot in self.plots)      # the title sits beside it
        width = max(80.0, self.view.viewport().width() / 2 - axis - 24)
        if abs(width - self._title_width) < 1:
            return
        self._title_width = width
        for plot in self.plots:
            label = plot.titleLabel
            label.item.setTextWidth(width)
            label.resizeEvent(None)       # pyqtgraph's LabelItem: its minimum size follows the text's rectangle
        # once the layout has taken in the smaller minimum: the plots fitted to the view again
        QTimer.singleShot(0, lambda: self.view.ci.setGeometry(self.view.range))

    # ------------------------------------------------------------------ run data
    def begin_run(self, cases: list[Case], trials: int = 1, arch: str | None = None) -> None:
        """Forget the previous run's data and show `cases` (in this order)."""
        self.state.trials = max(1, int(trials))
        self.arch = arch
        for store in (self._displayed, self._trial_lines, self._coincide, self._covered):
            store.clear()
        self.curves.clear()
        for p in range(len(METRICS)):
            self._set_plot_note(p, {})
        self._from_disk = False
        self.state.order = [c.key for c in cases]
        for c in cases:
            self.state.cases[c.key] = c
        for items in self._items.values():
            items.clear()
            items.in_run = False
        for c in cases:
            for p in range(len(self.plots)):
                self._case_items(p, c.key).in_run = True
        self.state.refit()
        self.band_box.setEnabled(self.state.trials > 1)
        self.note_label.hide()
        self.note_label.setText("")
        self.clear_hover()
        self._rebuild_legend()
        self._apply_visibility()
        self._dirty = True

    def add_step(self, event) -> None:
        """A step report: one more point of each case's training curve (the store tells what changed)."""
        self.curves.add_step(event)

    def add_epoch(self, event) -> None:
        self.curves.add_epoch(event)
        if event.diverged_now:
            self._update_notes()

    def _on_curves_changed(self, changed: set[tuple[int, str]], kind: str) -> None:
        self._dirty_curves.update(changed)
        if kind == "steps":
            self._steps_changed = True
        else:
            self._epochs_changed = True

    def end_run(self) -> None:
        """The run ended: forget training points past the last finished epoch of each trial (after Stop the
        run folder keeps whole epochs only, and so do the plots)."""
        self.curves.end_run()
        self._dirty = True

    def load_rows(self, rows: list[MetricRow], cases: list[Case], trials: int | None = None,
                  arch: str | None = None, steps=()) -> None:
        """Show a finished run's metrics table (e.g. a run folder opened from disk) and, when its folder
        kept them (steps.csv), the step reports the window drew live: the same training curve again."""
        trials = trials or (max((r.trial for r in rows), default=0) + 1)
        self.begin_run(cases, trials, arch)
        self.add_rows(rows, steps)
        self.curves.end_run()                   # as the live view did at the end: whole epochs only
        self._from_disk = not self.curves.live
        self._rebuild_legend()
        self.refresh()

    def add_rows(self, rows: list[MetricRow], steps=()) -> None:
        """Epochs (and their kept step reports) the run folder already holds, drawn beside the live ones
        (a continued run keeps its curves from epoch 0, not only from where it resumed)."""
        self.curves.load_steps(steps)
        self.curves.load(rows)
        self._update_notes()
        self._dirty = True

    def kept_epochs(self) -> int:
        """Epochs with a test value (what the run folder keeps), over all trials."""
        return self.curves.kept_epochs()

    # ----------------------------------------------------------------- options
    def set_smoothing(self, weight: float) -> None:
        weight = float(weight or 0.0)
        if not 0.0 <= weight < 1.0:
            raise ValueError("smoothing weight must lie in [0, 1)")
        self.state.smoothing = weight
        index = next((i for i, (_, w) in enumerate(SMOOTHING_CHOICES) if abs(w - weight) < 1e-9), None)
        if index is not None and index != self.smoothing_box.currentIndex():
            self.smoothing_box.setCurrentIndex(index)
        self._dirty = True
        self._visibility_dirty = True
        self.refresh()

    @property
    def smoothing(self) -> float:
        return self.state.smoothing

    def set_log_epochs(self, on: bool) -> None:
        """Logarithmic epoch axis (x = epoch position > 0, so nothing is lost)."""
        on = bool(on)
        self.state.auto_log = False
        self.state.log_x = on
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
        if not on:
            for plot in self.plots:
                plot.getAxis("bottom").setStyle(maxTextLevel=2)
        self._apply_axis_modes()

    @property
    def log_epochs(self) -> bool:
        return self.state.log_x

    def set_y_mode(self, mode: str) -> None:
        """"linear", "log" (logarithmic cost axes) or "clip" (fit the shown run; overlays may leave the view)."""
        if mode not in [m for _t, m in Y_CHOICES]:
            raise ValueError(f"y mode must be one of {[m for _t, m in Y_CHOICES]}")
        self.state.y_mode = mode
        self.state.auto_clip = False
        index = [m for _t, m in Y_CHOICES].index(mode)
        if index != self.y_box.currentIndex():
            self.y_box.setCurrentIndex(index)
        self._apply_axis_modes()

    def _apply_axis_modes(self) -> None:
        """Put the epoch (log or linear) and cost (log, linear or clipped) axis modes on every plot and fit anew."""
        for p, (_split, metric, _title) in enumerate(METRICS):
            self.plots[p].setLogMode(x=self.state.log_x, y=self.state.y_mode == "log" and metric == "cost")
        self.state.refit()
        self._dirty = True
        self.refresh()

    @property
    def y_mode(self) -> str:
        return self.state.y_mode

    def set_band_kind(self, kind: str) -> None:
        if kind not in ("minmax", "sd"):
            raise ValueError("band kind must be 'minmax' or 'sd'")
        self.state.band_kind = kind
        index = [k for _, k in BAND_CHOICES].index(kind)
        if index != self.band_box.currentIndex():
            self.band_box.setCurrentIndex(index)
        self._dirty = True
        self.refresh()

    # ---------------------------------------------------------------- drawing
    def _tick(self) -> None:
        self.tick_count += 1
        self.refresh(one_plot=True)

    def refresh(self, one_plot: bool = False) -> None:
        """Push new data to the curve items (nothing to do when nothing changed).

        The timer passes `one_plot`: then only one plot's new curves are drawn a tick (see
        `_next_plot_curves`); a direct call draws everything new.

        Only the curves whose data changed are touched, and visibility only when it can have
        changed: every Qt call from Python may wait for the GIL while the worker trains.
        """
        if not (self._dirty or self._dirty_curves or self._visibility_dirty):
            return
        t0 = time.perf_counter()
        if self._dirty:
            todo = [(p, key) for p in range(len(METRICS)) for key in self.state.order]
        else:
            todo = self._next_plot_curves() if one_plot else sorted(self._dirty_curves)
        full = self._dirty
        self._dirty = False
        self._dirty_curves = set() if full else self._dirty_curves - set(todo)
        for p, key in todo:
            if key in self.state.order:
                self._draw_case(p, key, full)
        if full or self._epochs_changed or self._steps_changed:
            # once a tick at most, and from the step curves too: during the first epoch case 1 lies
            # exactly over case 0 long before an epoch's values arrive
            self._epochs_changed = self._steps_changed = False
            self._find_coinciding({p for p, _k in todo})
        if self.curves.axis.available(self.curves.axis.mode) != self._x_missing:
            self._update_notes()                   # the first step brought the step count and the clock
        if self.curve_guide_text != self._guide_shown:
            self._rebuild_legend()                 # the first step told how many batches the line averages
        if self._visibility_dirty:
            self._apply_visibility()
        for p in sorted({p for p, _k in todo}) if not full else range(len(self.plots)):
            if not self.state.manual[p]:
                self._fit(p)
        self.refresh_count += 1
        self.refresh_seconds.append(time.perf_counter() - t0)
        if len(self.refresh_seconds) > 10_000:
            del self.refresh_seconds[:5_000]

    def _next_plot_curves(self) -> list[tuple[int, str]]:
        """The new curves of one plot, the next after the last one drawn that has any.

        One plot a tick: the repaint that follows then covers that plot alone. All four at once
        made one long frame (axes, grid and curves of four plots) that kept the window from its
        events longer than anything else while a run trains (bench/bench_gui.py); at 15 ticks a
        second each plot still gets new points several times a second.
        """
        plots = sorted({p for p, _key in self._dirty_curves})
        if not plots:
            return []
        p = next((q for q in plots if q > self._last_plot), plots[0])
        self._last_plot = p
        return sorted(c for c in self._dirty_curves if c[0] == p)

    def _draw_case(self, p: int, key: str, full: bool = True) -> None:
        """Put case `key`'s curves in plot `p` (ui/plots/model/plot_state.py decides them) onto its items."""
        items = self._case_items(p, key)
        version = self.curves.epoch_version.get((key, p), 0)
        epochs_new = full or items.points_version != version     # a step changes the curve, not the dots
        items.points_version = version
        if self.state.trials > 1 and len(items.trials) < self.state.trials:
            self._visibility_dirty = True          # new thin lines start hidden
        drawn = case_curves(self.curves, self.state, p, key, epochs_new,
                            None if full else [self._current_trial(key)])
        for t, line in drawn.trials.items():
            items.trial_item(t).setData(*line)
            self._trial_lines[((p, t), key)] = line
        if drawn.main is None:
            return                                 # a step of one trial: the mean and band are unchanged
        if drawn.band is not None:
            x, lo, hi = drawn.band
            items.lo.setData(x, lo)
            items.hi.setData(x, hi)
        fx, fy = drawn.main
        items.main.setData(fx, fy)
        if drawn.points is not None:
            items.points.setData(*drawn.points)
        if drawn.faint is not None:
            items.faint.setData(*drawn.faint)
            items.faint_has_data = True
        elif items.faint_has_data:
            items.faint.setData([], [])
            items.faint_has_data = False
        self._displayed[(p, key)] = (fx, fy)
        diverged = [e for (t, k), e in self.curves.diverged.items() if k == key]
        if diverged and len(fx):
            items.marker.setData([fx[-1]], [fy[-1]])
            text = f"case {key} diverged (epoch {min(diverged)})"
            if items.note.textItem.toPlainText() != text:
                items.note.setText(text)
                self._visibility_dirty = True
            items.note.setPos(math.log10(fx[-1]) if self.state.log_x and fx[-1] > 0 else fx[-1], fy[-1])
            items.marker_shown = True
        elif items.marker_shown:
            items.marker.setData([], [])
            items.note.setText("")
            items.marker_shown = False
            self._visibility_dirty = True

    # ---------------------------------------------------------------- export
    def caption_text(self) -> str:
        """What an exported figure says about itself: the run, then how to read the curves."""
        state = self.state
        return figure_caption(self.run_caption, state.trials, state.band_kind, state.smoothing, self._coincide,
                              self._overlays, self.line_text, self.curves.axis.label)

    def export_png(self, path: Path, width: int = 1600) -> Path:
        """The four plots, the legend and the caption as a PNG `width` pixels wide."""
        from ui.plots.export import export_png
        self.refresh_now()
        self.clear_hover()
        return export_png(self.view, self.caption_text(), Path(path), width)

    def export_svg(self, path: Path) -> Path:
        """The four plots, the legend and the caption as vector graphics (Qt's SVG generator)."""
        from ui.plots.export import export_svg
        self.refresh_now()
        self.clear_hover()
        return export_svg(self.view, self.caption_text(), Path(path))

    @property
    def x_axis_label(self) -> str:
        return self.curves.axis.label

    @property
    def x_axis(self) -> str:
        return self.curves.axis.mode

    def set_x_axis(self, mode: str) -> None:
        """"epoch", "step" or "wall" (training time, paused time excluded): every curve and overlay redrawn
        at its points' positions on that axis, the axes fitted anew."""
        modes = [m for _t, m in X_CHOICES]
        if mode not in modes:
            raise ValueError(f"x-axis must be one of {modes}")
        self.curves.axis.mode = mode
        if self.x_box.currentIndex() != modes.index(mode):
            self.x_box.setCurrentIndex(modes.index(mode))
        for plot in self.plots:
            plot.setLabel("bottom", self.curves.axis.label, color="#303030")
        self._map_overlays()
        self._update_notes()
        self._visibility_dirty = True
        self._apply_axis_modes()

    def export_plotted_csv(self, path: Path) -> Path:
        """The plotted data as CSV (see plotted_series), its caption on the first line."""
        from ui.plots.export import export_plotted_csv
        self.refresh_now()
        return export_plotted_csv(self.plotted_series(), self.x_axis_label, self.caption_text(), Path(path))

    def refresh_now(self) -> None:
        self._dirty = True
        self.refresh()

    # -------------------------------------------------------------- internals
    def _current_trial(self, key: str) -> int:
        return self.curves.current_trial(key)

    def _case_items(self, plot_index: int, key: str) -> CaseItems:
        items = self._items.get((plot_index, key))
        if items is None:
            case = self.state.cases.get(key) or Case(key, f"case {key}", "#808080")
            items = self._items[(plot_index, key)] = CaseItems(self.plots[plot_index], case)
        return items

    def _apply_visibility(self) -> None:
        self._visibility_dirty = False
        smoothing = self.state.smoothing > 0
        multi = self.state.trials > 1
        for (p, key), items in self._items.items():
            shown = items.in_run and key not in self.state.hidden
            items.main.setVisible(shown)
            items.points.setVisible(shown)
            items.faint.setVisible(shown and smoothing)
            for t, item in enumerate(items.trials):
                item.setVisible(shown and multi and t < self.state.trials)
            for item in (items.band, items.lo, items.hi):
                item.setVisible(shown and multi)
            items.marker.setVisible(shown)
            items.note.setVisible(shown and bool(items.note.textItem.toPlainText()))
        for o in self._overlays:
            for (_p, key), item in o.items.items():
                item.setVisible(not o.hidden and key not in self.state.hidden and item.xData is not None
                                and len(item.xData) > 0)

    def _update_notes(self) -> None:
        parts = []
        for (trial, key), epoch in sorted(self.curves.diverged.items()):
            where = f" in trial {trial}" if self.state.trials > 1 else ""
            parts.append(f"case {key} diverged at epoch {epoch}{where}")
        text = ("⚠ " + "; ".join(parts) + ". Its curve ends at the last finite value (×).") if parts else ""
        warning = getattr(self, "_overlay_warning", "")
        missing = self._x_missing = self.curves.axis.available(self.curves.axis.mode)
        missing = missing if self.state.order else ""
        if missing:
            text = (text + "  " if text else "") + f"⚠ x: {self.x_box.currentText()[3:]}: {missing}."
        off_axis = [o.label for o in self._overlays if o.items and not any(
            item.xData is not None and len(item.xData) for item in o.items.values())]
        if off_axis:
            text = (text + "  " if text else "") + (f"⚠ not on this x-axis (no {self.x_box.currentText()[3:]} "
                                                    f"in their records): {', '.join(off_axis)}.")
        if warning:
            text = (text + "  " if text else "") + "⚠ " + warning
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))
