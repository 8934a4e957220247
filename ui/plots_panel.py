"""Live plots: training cost, training accuracy, test cost, test accuracy against epochs.

One curve per selected case in its published colour (engine.cases, the one
colour map), on a light background. Curve items are created once per case
and updated with setData from a QTimer (15 Hz), never from the worker's
signals directly, so a burst of events costs one redraw.

x is the epoch position: epoch e's values sit at x = e + 1 (the end of that
epoch); the training plots also get the running means sent within an epoch
(x = e + step / steps), so the curves move before the first epoch ends.

The legend (one row above the plots, part of the exported image) hides and
shows a case in all four plots at once when clicked. Smoothing is a debiased
exponential moving average (as TensorBoard's) with an explicit "off"; when
on, the raw curve stays faint behind. With several trials, each case shows
its mean with a band (min–max or ±1 sd). A published log can be laid over
the run as dashed curves.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.cases import PUBLISHED_CASES, Case
from workbench.comparison import band as comparison_band
from workbench.metrics import MetricRow

METRICS = (("train", "cost", "Training cost"), ("train", "accuracy", "Training accuracy"),
           ("test", "cost", "Test cost"), ("test", "accuracy", "Test accuracy"))
SMOOTHING_CHOICES = (("Smoothing: off", 0.0), ("Smoothing: 0.6", 0.6), ("Smoothing: 0.8", 0.8),
                     ("Smoothing: 0.9", 0.9), ("Smoothing: 0.95", 0.95), ("Smoothing: 0.99", 0.99))
BAND_CHOICES = (("Band: min–max", "minmax"), ("Band: ±1 sd", "sd"))
REFRESH_HZ = 15
HOVER_PIXELS = 24
LEGEND_COLUMNS = 4


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
class _Series:
    xs: list = field(default_factory=list)
    ys: list = field(default_factory=list)

    def put(self, x: float, y: float) -> None:
        """Append, or replace the last point when x is the same (epoch end = last step)."""
        if self.xs and abs(self.xs[-1] - x) < 1e-9:
            self.ys[-1] = y
        elif self.xs and x < self.xs[-1]:
            # out of order (should not happen): keep x sorted
            i = int(np.searchsorted(self.xs, x))
            self.xs.insert(i, x)
            self.ys.insert(i, y)
        else:
            self.xs.append(x)
            self.ys.append(y)


def _colour(hex_colour: str, alpha: int = 255) -> QColor:
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c


def _finite_xy(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(y)
    return x[keep], y[keep]


class _LegendEntry(pg.GraphicsWidget):
    """A clickable legend entry (line sample + text), drawn with QPainter so exports keep it."""

    LINE = 26

    def __init__(self, panel: "PlotsPanel", key: str, text: str, colour: str, dashed: bool = False):
        super().__init__()
        self.panel, self.key, self.text, self.colour, self.dashed = panel, key, text, colour, dashed
        self.shown = True
        self.font = QFont()
        self.font.setPointSizeF(9.0)
        metrics = QFontMetricsF(self.font)
        self._width = self.LINE + 8 + metrics.horizontalAdvance(text) + 16
        self._height = metrics.height() + 6
        self.setMinimumSize(self._width, self._height)
        self.setMaximumHeight(self._height)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip("click to hide or show this case in all four plots")
        self.setAcceptHoverEvents(True)

    def render(self) -> None:
        self.update()

    def paint(self, painter, *args):
        colour = QColor(self.colour if self.shown else "#c8c8c8")
        pen = QPen(colour, 3.0)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if self.dashed:
            pen.setWidthF(2.0)
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = self._height / 2
        painter.drawLine(QPointF(4, y), QPointF(4 + self.LINE, y))
        painter.setFont(self.font)
        painter.setPen(QColor("#202020" if self.shown else "#a0a0a0"))
        text_rect = QRectF(self.LINE + 10, 0, self._width - self.LINE - 10, self._height)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), self.text)
        if not self.shown:
            painter.drawLine(QPointF(self.LINE + 10, y), QPointF(self._width - 16, y))

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.panel.set_case_visible(self.key, not self.shown)


class _CaseItems:
    """Everything drawn for one case in one plot; created once, re-used across runs."""

    def __init__(self, plot: pg.PlotItem, case: Case):
        colour = case.colour
        self.main = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), name=case.key)
        self.faint = pg.PlotDataItem(pen=pg.mkPen(_colour(colour, 70), width=1))
        self.lo = pg.PlotDataItem(pen=pg.mkPen(None))
        self.hi = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.lo, self.hi, brush=pg.mkBrush(_colour(colour, 45)))
        self.marker = pg.PlotDataItem(pen=None, symbol="x", symbolSize=14, symbolPen=pg.mkPen(colour, width=2),
                                      symbolBrush=pg.mkBrush(colour))
        self.note = pg.TextItem("", color=colour, anchor=(1.0, 1.0), fill=pg.mkBrush(255, 255, 255, 200))
        self.ref = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine))
        for item in (self.ref, self.band, self.lo, self.hi, self.faint, self.main, self.marker):
            plot.addItem(item)
            item.setVisible(False)
        # A TextItem keeps its pixel size, so its bounds in data units grow as the view zooms in:
        # counted in the auto-range it makes the view shrink without end.
        plot.addItem(self.note, ignoreBounds=True)
        self.note.setVisible(False)
        for item in (self.main, self.faint, self.ref):
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
        self.in_run = False
        self.has_ref = False
        self.faint_has_data = False
        self.marker_shown = False

    def clear(self) -> None:
        for item in (self.main, self.faint, self.lo, self.hi):
            item.setData([], [])
        self.marker.setData([], [])
        self.note.setText("")
        self.faint_has_data = False
        self.marker_shown = False


class PlotsPanel(QWidget):
    """Four live plots with a shared legend, smoothing, bands and a hover readout."""

    hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cases: dict[str, Case] = dict(PUBLISHED_CASES)
        self._order: list[str] = []
        self._trials = 1
        self._live: dict[tuple[int, str, int], _Series] = {}   # (trial, case, metric) -> series
        self._rows: list[MetricRow] = []
        self._diverged: dict[tuple[int, str], int] = {}         # (trial, case) -> epoch
        self._hidden: set[str] = set()
        self._ref_rows: list[MetricRow] = []
        self._ref_label = ""
        self._ref_hidden = False
        self._smoothing = 0.0
        self._band_kind = "minmax"
        self._dirty = False                     # every curve must be redrawn
        self._dirty_curves: set[tuple[int, str]] = set()   # (plot, case) with new data
        self._visibility_dirty = False
        self._displayed: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self.refresh_count = 0                  # redraws that pushed new data
        self.tick_count = 0                     # timer ticks (redraw opportunities)
        self.refresh_seconds: list[float] = []

        # ---- controls
        self.smoothing_box = QComboBox()
        for text, weight in SMOOTHING_CHOICES:
            self.smoothing_box.addItem(text, weight)
        self.smoothing_box.setToolTip("Debiased exponential moving average (as in TensorBoard). "
                                      "When on, the raw curve stays faint behind the smoothed one.")
        self.smoothing_box.currentIndexChanged.connect(
            lambda i: self.set_smoothing(self.smoothing_box.itemData(i)))
        self.band_box = QComboBox()
        for text, kind in BAND_CHOICES:
            self.band_box.addItem(text, kind)
        self.band_box.setToolTip("With several trials per case: the curve is the mean over trials, "
                                 "the shaded band their spread")
        self.band_box.currentIndexChanged.connect(lambda i: self.set_band_kind(self.band_box.itemData(i)))
        self.band_box.setEnabled(False)
        self.log_box = QCheckBox("log epochs")
        self.log_box.setToolTip("Logarithmic epoch axis: a short run and a long published log side by side")
        self.log_box.toggled.connect(self.set_log_epochs)
        self._log_x = False
        self._auto_log = False
        self.readout_label = QLabel("Hover over a curve to read its values.")
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel("")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #a02020;")
        self.note_label.hide()

        # ---- the plots (one scene, so exports hold all four and the legend)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.setContentsMargins(4, 4, 4, 4)
        self.legend_row = self.view.addLayout(row=0, col=0, colspan=2)
        self.legend_row.setContentsMargins(0, 0, 0, 0)
        self.legend_row.setSpacing(0)
        self.legend_row.setMaximumHeight(24)
        self.plots: list[pg.PlotItem] = []
        for i, (_split, metric, title) in enumerate(METRICS):
            plot = self.view.addPlot(row=1 + i // 2, col=i % 2)
            plot.setTitle(f"<span style='color:#202020; font-size:10pt'>{title}</span>")
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch", color="#303030")
            plot.setLabel("left", "accuracy" if metric == "accuracy" else "cost", color="#303030")
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setPen(pg.mkPen("#606060"))
                ax.setTextPen(pg.mkPen("#303030"))
            if metric == "accuracy":
                plot.setLimits(yMin=-0.05, yMax=1.05)
                plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setLimits(xMin=-0.5)
            plot.setMenuEnabled(True)
            self.plots.append(plot)
        self.hover_dot = []
        for plot in self.plots:
            dot = pg.PlotDataItem(pen=None, symbol="o", symbolSize=10, symbolPen=pg.mkPen("#202020", width=1.5),
                                  symbolBrush=pg.mkBrush(None))
            dot.setZValue(50)
            plot.addItem(dot, ignoreBounds=True)
            self.hover_dot.append(dot)
        self._items: dict[tuple[int, str], _CaseItems] = {}
        self._legend: dict[str, _LegendEntry] = {}
        self._ref_entry: _LegendEntry | None = None
        self._placeholder = pg.LabelItem("<span style='color:#606060'>Press Run: the selected cases "
                                         "appear here, one colour each.</span>", size="9pt")
        self.legend_row.addItem(self._placeholder)
        self._mouse = pg.SignalProxy(self.view.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)

        controls = QHBoxLayout()
        controls.addWidget(self.smoothing_box)
        controls.addWidget(self.band_box)
        controls.addWidget(self.log_box)
        controls.addStretch(1)
        controls.addWidget(self.readout_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note_label)

        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REFRESH_HZ))
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    # ------------------------------------------------------------------ run data
    def begin_run(self, cases: list[Case], trials: int = 1) -> None:
        """Forget the previous run's data and show `cases` (in this order)."""
        self._trials = max(1, int(trials))
        self._live.clear()
        self._rows.clear()
        self._diverged.clear()
        self._displayed.clear()
        self._order = [c.key for c in cases]
        for c in cases:
            self._cases[c.key] = c
        for items in self._items.values():
            items.clear()
            items.in_run = False
        for c in cases:
            for p in range(len(self.plots)):
                self._case_items(p, c.key).in_run = True
        self.band_box.setEnabled(self._trials > 1)
        self.note_label.hide()
        self.note_label.setText("")
        for dot in self.hover_dot:
            dot.setData([], [])
        self._rebuild_legend()
        self._apply_visibility()
        self._dirty = True

    def add_step(self, event) -> None:
        x = event.epoch_position
        for key, (cost, acc) in event.running.items():
            self._series(event.trial, key, 0).put(x, cost)
            self._series(event.trial, key, 1).put(x, acc)
            self._dirty_curves.update(((0, key), (1, key)))

    def add_epoch(self, event) -> None:
        x = event.epoch + 1
        for key, m in event.metrics.items():
            values = (m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy)
            for i, v in enumerate(values):
                self._series(event.trial, key, i).put(x, v)
            wall = getattr(event, "wall_time_s", math.nan)
            self._rows.append(MetricRow(event.trial, key, event.epoch, "train", m.train_cost,
                                        m.train_accuracy, wall))
            self._rows.append(MetricRow(event.trial, key, event.epoch, "test", m.test_cost,
                                        m.test_accuracy, wall))
            self._dirty_curves.update((p, key) for p in range(len(METRICS)))
        for key in event.diverged_now:
            self._diverged[(event.trial, key)] = event.epoch
        if event.diverged_now:
            self._update_notes()

    def load_rows(self, rows: list[MetricRow], cases: list[Case], trials: int | None = None) -> None:
        """Show a finished run's metrics table (e.g. a run folder opened from disk)."""
        trials = trials or (max((r.trial for r in rows), default=0) + 1)
        self.begin_run(cases, trials)
        for r in rows:
            first, second = (0, 1) if r.split == "train" else (2, 3)
            self._series(r.trial, r.case, first).put(r.epoch + 1, r.cost)
            self._series(r.trial, r.case, second).put(r.epoch + 1, r.accuracy)
            self._rows.append(r)
            if not (math.isfinite(r.cost) and math.isfinite(r.accuracy)):
                self._diverged.setdefault((r.trial, r.case), r.epoch)
        self._update_notes()
        self._dirty = True
        self.refresh()

    # ------------------------------------------------------------- reference log
    def set_reference(self, rows: list[MetricRow], label: str = "published") -> None:
        """Lay a published log over the plots: dashed curves per case, in the case's colour."""
        self._ref_rows = [r for r in rows if r.trial == 0]
        self._ref_label = label
        self._ref_hidden = False
        for items in self._items.values():
            items.has_ref = False
        by: dict[tuple[str, int], _Series] = {}
        for r in self._ref_rows:
            first, second = (0, 1) if r.split == "train" else (2, 3)
            by.setdefault((r.case, first), _Series()).put(r.epoch + 1, r.cost)
            by.setdefault((r.case, second), _Series()).put(r.epoch + 1, r.accuracy)
        for (key, p), s in by.items():
            if key not in self._cases:
                self._cases[key] = Case(key, f"case {key}", "#808080")
            items = self._case_items(p, key)
            x, y = _finite_xy(s.xs, s.ys)
            items.ref.setData(x, y)
            items.has_ref = True
        self._rebuild_legend()
        self._apply_visibility()
        run_end = max((x for (t, k, m), s in self._live.items() for x in s.xs[-1:]), default=0.0)
        ref_end = max((r.epoch + 1 for r in self._ref_rows), default=0)
        if run_end and ref_end > 10 * run_end and not self._log_x:
            self.set_log_epochs(True)       # otherwise the run is a sliver at the left edge
            self._auto_log = True
        for plot in self.plots:
            plot.enableAutoRange()

    def clear_reference(self) -> None:
        self._ref_rows = []
        if self._auto_log:                  # undo only what set_reference switched on
            self._auto_log = False
            self.set_log_epochs(False)
        for items in self._items.values():
            items.has_ref = False
            items.ref.setData([], [])
        self._rebuild_legend()
        self._apply_visibility()

    @property
    def reference_cases(self) -> list[str]:
        return sorted({r.case for r in self._ref_rows})

    # ----------------------------------------------------------------- options
    def set_smoothing(self, weight: float) -> None:
        weight = float(weight or 0.0)
        if not 0.0 <= weight < 1.0:
            raise ValueError("smoothing weight must lie in [0, 1)")
        self._smoothing = weight
        index = next((i for i, (_, w) in enumerate(SMOOTHING_CHOICES) if abs(w - weight) < 1e-9), None)
        if index is not None and index != self.smoothing_box.currentIndex():
            self.smoothing_box.setCurrentIndex(index)
        self._dirty = True
        self._visibility_dirty = True        # the faint raw curves appear or go
        self.refresh()

    @property
    def smoothing(self) -> float:
        return self._smoothing

    def set_log_epochs(self, on: bool) -> None:
        """Logarithmic epoch axis (x = epoch position > 0, so nothing is lost)."""
        on = bool(on)
        self._auto_log = False
        self._log_x = on
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
        for plot in self.plots:
            plot.setLogMode(x=on, y=False)
            plot.setLimits(xMin=-3.0 if on else -0.5)   # log10 units when on
            plot.enableAutoRange()
        self._dirty = True
        self.refresh()

    @property
    def log_epochs(self) -> bool:
        return self._log_x

    def set_band_kind(self, kind: str) -> None:
        if kind not in ("minmax", "sd"):
            raise ValueError("band kind must be 'minmax' or 'sd'")
        self._band_kind = kind
        index = [k for _, k in BAND_CHOICES].index(kind)
        if index != self.band_box.currentIndex():
            self.band_box.setCurrentIndex(index)
        self._dirty = True
        self.refresh()

    def set_case_visible(self, key: str, visible: bool) -> None:
        """Hide or show a case (or "published", the reference) in all four plots."""
        if key == "published":
            self._ref_hidden = not visible
            if self._ref_entry is not None:
                self._ref_entry.shown = visible
                self._ref_entry.render()
        else:
            (self._hidden.discard if visible else self._hidden.add)(key)
            if key in self._legend:
                self._legend[key].shown = visible
                self._legend[key].render()
        self._apply_visibility()

    def case_visible(self, key: str) -> bool:
        return key not in self._hidden

    # ---------------------------------------------------------------- drawing
    def _tick(self) -> None:
        self.tick_count += 1
        self.refresh()

    def refresh(self) -> None:
        """Push new data to the curve items (called by the timer; nothing to do when nothing changed).

        Only the curves whose data changed are touched, and visibility only when it can have
        changed: every Qt call from Python may wait for the GIL while the worker trains, so
        fewer calls mean shorter stalls of the GUI thread.
        """
        if not (self._dirty or self._dirty_curves or self._visibility_dirty):
            return
        t0 = time.perf_counter()
        if self._dirty:
            todo = [(p, key) for p in range(len(METRICS)) for key in self._order]
        else:
            todo = sorted(self._dirty_curves)
        self._dirty = False
        self._dirty_curves = set()
        multi = self._trials > 1
        smoothing = self._smoothing > 0
        for p, key in todo:
            if key not in self._order:
                continue
            split, metric, _title = METRICS[p]
            items = self._case_items(p, key)
            trial = self._current_trial(key)
            live = self._live.get((trial, key, p), _Series())
            lx, ly = np.asarray(live.xs, float), np.asarray(live.ys, float)
            if multi:
                epochs, mean, lo, hi = comparison_band(self._rows, key, metric, split, self._band_kind)
                x = epochs.astype(float) + 1.0
                y = mean
                bx, blo, bhi = _finite_band(x, lo, hi)
                items.lo.setData(bx, blo)
                items.hi.setData(bx, bhi)
                faint = _finite_xy(lx, ly)
            else:
                x, y = lx, ly
                faint = _finite_xy(x, y) if smoothing else None
            shown_y = ema_debiased(y, self._smoothing) if smoothing else y
            fx, fy = _finite_xy(x, shown_y)
            items.main.setData(fx, fy)
            if faint is not None:
                items.faint.setData(*faint)
                items.faint_has_data = True
            elif items.faint_has_data:
                items.faint.setData([], [])
                items.faint_has_data = False
            self._displayed[(p, key)] = (fx, fy)
            diverged = [e for (t, k), e in self._diverged.items() if k == key]
            if diverged and len(fx):
                items.marker.setData([fx[-1]], [fy[-1]])
                text = f"case {key} diverged (epoch {min(diverged) + 1})"
                if items.note.textItem.toPlainText() != text:
                    items.note.setText(text)
                    self._visibility_dirty = True
                items.note.setPos(math.log10(fx[-1]) if self._log_x and fx[-1] > 0 else fx[-1], fy[-1])
                items.marker_shown = True
            elif items.marker_shown:
                items.marker.setData([], [])
                items.note.setText("")
                items.marker_shown = False
                self._visibility_dirty = True
        if self._visibility_dirty:
            self._apply_visibility()
        self.refresh_count += 1
        self.refresh_seconds.append(time.perf_counter() - t0)
        if len(self.refresh_seconds) > 10_000:
            del self.refresh_seconds[:5_000]

    def curve_points(self, plot_index: int, key: str) -> tuple[np.ndarray, np.ndarray]:
        """What the main curve of `key` shows in plot `plot_index` (after the last refresh)."""
        return self._displayed.get((plot_index, key), (np.empty(0), np.empty(0)))

    # ---------------------------------------------------------------- hover
    def readout(self, plot_index: int, x: float, y: float, max_pixels: float = HOVER_PIXELS) -> str | None:
        """The nearest visible point to view position (x, y) in a plot, as text; None if far."""
        plot = self.plots[plot_index]
        px, py = plot.vb.viewPixelSize()
        px, py = px or 1.0, py or 1.0
        best = None
        for key in self._order:
            if key in self._hidden:
                continue
            fx, fy = self.curve_points(plot_index, key)
            if not len(fx):
                continue
            vx = np.log10(np.maximum(fx, 1e-12)) if self._log_x else fx
            d = np.hypot((vx - x) / px, (fy - y) / py)
            i = int(np.argmin(d))
            if best is None or d[i] < best[0]:
                best = (d[i], key, fx[i], fy[i])
        if best is None or best[0] > max_pixels:
            self.hover_dot[plot_index].setData([], [])
            return None
        _, key, bx, by = best
        self.hover_dot[plot_index].setData([bx], [by])
        split, metric, title = METRICS[plot_index]
        case = self._cases.get(key)
        name = f" ({case.name})" if case else ""
        mean = " mean over trials" if self._trials > 1 else ""
        smooth = ", smoothed" if self._smoothing > 0 else ""
        value = f"{by:.4f}" if metric == "accuracy" else f"{by:.4g}"
        return f"case {key}{name} · epoch {bx:.2f} · {title.lower()}{mean}{smooth}: {value}"

    def _on_mouse(self, args) -> None:
        pos = args[0]
        for i, plot in enumerate(self.plots):
            if plot.vb.sceneBoundingRect().contains(pos):
                point = plot.vb.mapSceneToView(pos)
                text = self.readout(i, point.x(), point.y())
                self.readout_label.setText(text or "Hover over a curve to read its values.")
                if text:
                    self.hovered.emit(text)
            else:
                self.hover_dot[i].setData([], [])

    # ---------------------------------------------------------------- export
    def export_png(self, path: Path, width: int = 1600) -> Path:
        from pyqtgraph.exporters import ImageExporter
        self.refresh_now()
        exporter = ImageExporter(self.view.ci)
        exporter.parameters()["width"] = int(width)
        exporter.parameters()["antialias"] = True
        exporter.export(str(path))
        return Path(path)

    def export_svg(self, path: Path) -> Path:
        """The four plots and the legend as vector graphics.

        Rendered with Qt's own SVG generator: pyqtgraph 0.14's SVGExporter
        cannot parse the closed paths Qt 6.12 writes ('... Z').
        """
        from PySide6.QtCore import QRectF, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator
        self.refresh_now()
        rect = self.view.ci.sceneBoundingRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(rect.width()), int(rect.height())))
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle("RCNN Workbench plots")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"{path}: cannot write the SVG file")
        try:
            painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), QColor("white"))
            self.view.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()
        if not Path(path).exists():
            raise OSError(f"{path}: cannot write the SVG file")
        return Path(path)

    def refresh_now(self) -> None:
        self._dirty = True
        self.refresh()

    # -------------------------------------------------------------- internals
    def _series(self, trial: int, key: str, metric: int) -> _Series:
        s = self._live.get((trial, key, metric))
        if s is None:
            s = self._live[(trial, key, metric)] = _Series()
        return s

    def _current_trial(self, key: str) -> int:
        trials = [t for (t, k, _m) in self._live if k == key]
        return max(trials) if trials else 0

    def _case_items(self, plot_index: int, key: str) -> _CaseItems:
        items = self._items.get((plot_index, key))
        if items is None:
            case = self._cases.get(key) or Case(key, f"case {key}", "#808080")
            items = self._items[(plot_index, key)] = _CaseItems(self.plots[plot_index], case)
        return items

    def _rebuild_legend(self) -> None:
        row = self.legend_row
        old = list(row.items)
        row.clear()
        for item in old:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self._legend.clear()
        self._ref_entry = None
        keys = list(self._order)
        if not keys and not self._ref_rows:
            row.setMaximumHeight(24)
            self._placeholder = pg.LabelItem("<span style='color:#606060'>Press Run: the selected cases "
                                             "appear here, one colour each.</span>", size="9pt")
            row.addItem(self._placeholder)
            return
        entries = []
        for key in keys:
            case = self._cases[key]
            entry = _LegendEntry(self, key, f"{key} {case.name}", case.colour)
            entry.shown = key not in self._hidden
            entry.render()
            self._legend[key] = entry
            entries.append(entry)
        if self._ref_rows:
            entry = _LegendEntry(self, "published", self._ref_label, "#404040", dashed=True)
            entry.shown = not self._ref_hidden
            entry.render()
            self._ref_entry = entry
            entries.append(entry)
        per_row = LEGEND_COLUMNS
        for i, entry in enumerate(entries):
            row.addItem(entry, row=i // per_row, col=i % per_row)
        rows = (len(entries) + per_row - 1) // per_row
        row.setMaximumHeight(24 * rows + 2)

    def _apply_visibility(self) -> None:
        self._visibility_dirty = False
        smoothing = self._smoothing > 0
        multi = self._trials > 1
        for (p, key), items in self._items.items():
            shown = items.in_run and key not in self._hidden
            items.main.setVisible(shown)
            items.faint.setVisible(shown and (smoothing or multi))
            items.band.setVisible(shown and multi)
            items.marker.setVisible(shown)
            items.note.setVisible(shown and bool(items.note.textItem.toPlainText()))
            items.ref.setVisible(items.has_ref and not self._ref_hidden and key not in self._hidden)

    def _update_notes(self) -> None:
        if not self._diverged:
            self.note_label.hide()
            return
        parts = []
        for (trial, key), epoch in sorted(self._diverged.items()):
            where = f" in trial {trial + 1}" if self._trials > 1 else ""
            parts.append(f"case {key} diverged at epoch {epoch + 1}{where}")
        self.note_label.setText("⚠ " + "; ".join(parts) + ". Its curve ends at the last finite value (×).")
        self.note_label.show()

    def legend_entry(self, key: str) -> _LegendEntry | None:
        return self._ref_entry if key == "published" else self._legend.get(key)


def _finite_band(x, lo, hi):
    keep = np.isfinite(lo) & np.isfinite(hi)
    return x[keep], lo[keep], hi[keep]
