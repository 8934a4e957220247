"""The pieces the live plots are drawn with: legend entries, per-case and overlay items.

Kept apart from ui/plots/plots_panel.py (which decides what to draw) so each file holds one concept.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QSizePolicy

from engine.cases import Case

# Dash patterns (in pen widths) for overlaid runs and published logs: each overlay its own.
OVERLAY_DASHES = ((6, 3), (1, 2), (6, 2, 1, 2), (10, 4), (3, 3), (6, 2, 1, 2, 1, 2))
COINCIDE_DASH = (4, 4)       # a case drawn exactly over another shows the one below through its gaps


def colour(hex_colour: str, alpha: int = 255) -> QColor:
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c


def finite_xy(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(y)
    return x[keep], y[keep]


def dashed_pen(hex_colour: str, width: float, pattern) -> QPen:
    pen = pg.mkPen(hex_colour, width=width)
    if pattern:
        pen.setStyle(Qt.PenStyle.CustomDashLine)
        pen.setDashPattern([float(v) for v in pattern])
    return pen


def draw_long_curves(plot: pg.PlotItem) -> None:
    """Curves of any length drawn without lying: pyqtgraph's own peak downsampling (each bucket of points,
    a pixel column wide for EnvelopeCurves, drawn as its maximum and minimum: never random or skipped points),
    recomputed whenever the view changes, over the points in view (clip to view), from the full series
    each item holds (`xData`, `yData`). Set on the plot: it gives every item added to it these modes."""
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)


class EnvelopeCurve(pg.PlotDataItem):
    """A line of a plot set up by draw_long_curves, with one amendment: peak downsampling drops the last
    len % bucket points, so the drawn curve stopped short of its last value; those points are drawn as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # one bucket a pixel column (pyqtgraph's default, 5, drew ten points a column: twice the paint time
        # of a long overlaid run, bench/bench_gui.py, for nothing the eye sees)
        self.opts["autoDownsampleFactor"] = 1.0

    def _getDisplayDataset(self):
        shown = super()._getDisplayDataset()
        data = self._datasetMapped
        if shown is None or data is None or shown.x is None or not len(shown.x) or len(shown.x) >= len(data.x):
            return shown
        last = shown.x[-1]
        if not np.isfinite(last) or last >= data.x[-1]:
            return shown
        view = self.getViewBox()
        if view is not None and data.x[-1] > view.viewRect().right():
            return shown                      # the end lies outside the view: clipped or off screen, not lost
        tail = data.x > last
        from pyqtgraph.graphicsItems.PlotDataItem import PlotDataset
        shown = PlotDataset(np.concatenate([shown.x, data.x[tail]]), np.concatenate([shown.y, data.y[tail]]))
        self._datasetDisplay = shown
        return shown


class LegendEntry(pg.GraphicsWidget):
    """A clickable legend entry (line sample + text), drawn with QPainter so exports keep it."""

    LINE = 26

    def __init__(self, panel, key: str, text: str, colour_: str, dash=None, tip: str = ""):
        super().__init__()
        self.panel, self.key, self.text, self.colour, self.dash = panel, key, text, colour_, dash
        self.shown = True
        self.font = QFont()
        self.font.setPointSizeF(9.0)
        metrics = QFontMetricsF(self.font)
        self._metrics = metrics
        self._width = self.LINE + 8 + metrics.horizontalAdvance(text) + 16
        self._height = metrics.height() + 6
        # It may shrink below its text (elided) so the legend never makes the plots wider than the window.
        self.setMinimumSize(min(self._width, self.LINE + 90), self._height)
        self.setPreferredSize(self._width, self._height)
        self.setMaximumHeight(self._height)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip(f"{text}: {tip}" if tip else f"{text} (click to hide or show it in all four plots)")
        self.setAcceptHoverEvents(True)

    def render(self) -> None:
        self.update()

    def paint(self, painter, *args):
        c = QColor(self.colour if self.shown else "#c8c8c8")
        pen = dashed_pen(c.name(), 2.0, self.dash) if self.dash else QPen(c, 3.0)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        y = self._height / 2
        painter.drawLine(QPointF(4, y), QPointF(4 + self.LINE, y))
        painter.setFont(self.font)
        painter.setPen(QColor("#202020" if self.shown else "#a0a0a0"))
        width = min(self._width, self.size().width())
        text_rect = QRectF(self.LINE + 10, 0, max(0.0, width - self.LINE - 14), self._height)
        shown = self._metrics.elidedText(self.text, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown)
        if not self.shown:
            painter.drawLine(QPointF(self.LINE + 10, y), QPointF(width - 16, y))

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.panel.set_case_visible(self.key, not self.shown)


class GuideEntry(LegendEntry):
    """The legend's reading guide: a grey line with a dot on it, and what each of them means (not clickable)."""

    def __init__(self, text: str, tip: str):
        super().__init__(None, "guide", text, "#707070", tip=tip)

    def paint(self, painter, *args):
        super().paint(painter, *args)
        painter.setPen(QPen(QColor("#707070"), 1.0))
        painter.setBrush(QColor("#707070"))
        painter.drawEllipse(QPointF(4 + self.LINE / 2, self._height / 2), 3.0, 3.0)

    def mouseClickEvent(self, ev):
        ev.ignore()


class CaseItems:
    """Everything drawn for one case of the shown run in one plot; created once, re-used across runs.

    main: the curve (one trial) or the mean over trials; points: the epoch values on it;
    trials: one thin line per trial; lo/hi/band: the spread over trials, outlined in the case colour.
    """

    def __init__(self, plot: pg.PlotItem, case: Case):
        self.plot, self.case = plot, case
        c = case.colour
        self.main = EnvelopeCurve(pen=pg.mkPen(c, width=2), name=case.key)
        self.points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=6, symbolPen=pg.mkPen(c, width=1),
                                      symbolBrush=pg.mkBrush(c))
        self.faint = EnvelopeCurve(pen=pg.mkPen(colour(c, 70), width=1))
        self.lo = EnvelopeCurve(pen=pg.mkPen(colour(c, 160), width=1))
        self.hi = EnvelopeCurve(pen=pg.mkPen(colour(c, 160), width=1))
        self.band = pg.FillBetweenItem(self.lo, self.hi, brush=pg.mkBrush(colour(c, 40)))
        self.marker = pg.PlotDataItem(pen=None, symbol="x", symbolSize=14, symbolPen=pg.mkPen(c, width=2),
                                      symbolBrush=pg.mkBrush(c))
        self.note = pg.TextItem("", color=c, anchor=(1.0, 1.0), fill=pg.mkBrush(255, 255, 255, 200))
        self.trials: list[pg.PlotDataItem] = []
        for item in (self.band, self.lo, self.hi, self.faint, self.main, self.points, self.marker):
            plot.addItem(item)
            item.setVisible(False)
        # A TextItem keeps its pixel size, so its bounds in data units grow as the view zooms in:
        # counted in the auto-range it makes the view shrink without end.
        plot.addItem(self.note, ignoreBounds=True)
        self.note.setVisible(False)
        # The lines are EnvelopeCurves (min and max per bucket, over the view); the dots (one an epoch) are not.
        self.in_run = False
        self.faint_has_data = False
        self.marker_shown = False
        self.dash = None
        self.points_version = -1

    def trial_item(self, trial: int) -> pg.PlotDataItem:
        while len(self.trials) <= trial:
            item = EnvelopeCurve(pen=pg.mkPen(colour(self.case.colour, 120), width=1))
            item.setZValue(-1)
            self.plot.addItem(item)
            item.setVisible(False)
            self.trials.append(item)
        return self.trials[trial]

    def set_dash(self, pattern) -> None:
        """Dashed when the curve coincides with an earlier case's (so both colours show)."""
        if pattern != self.dash:
            self.dash = pattern
            self.main.setPen(dashed_pen(self.case.colour, 2, pattern) if pattern
                             else pg.mkPen(self.case.colour, width=2))

    def clear(self) -> None:
        for item in (self.main, self.faint, self.lo, self.hi, self.points, *self.trials):
            item.setData([], [])
        self.marker.setData([], [])
        self.note.setText("")
        self.faint_has_data = False
        self.marker_shown = False
        self.points_version = -1
        self.set_dash(None)
