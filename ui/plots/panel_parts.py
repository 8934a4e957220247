"""The plots panel's widgets, built once: the row of controls above the plots, the four plots in one
scene (so exports hold all four and the legend), their hover rings, and the panel's layout.

Apart from ui/plots/plots_panel.py so the panel's file holds what it does, not how it is assembled.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QCheckBox, QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout

from ui.plots.items import draw_long_curves
from ui.plots.model.metrics import METRICS
from ui.plots.model.x_axis import X_CHOICES

SMOOTHING_CHOICES = (("Smoothing: off", 0.0), ("Smoothing: 0.6", 0.6), ("Smoothing: 0.8", 0.8),
                     ("Smoothing: 0.9", 0.9), ("Smoothing: 0.95", 0.95), ("Smoothing: 0.99", 0.99))
BAND_CHOICES = (("Band: min–max", "minmax"), ("Band: ±1 sd", "sd"))
Y_CHOICES = (("y: linear", "linear"), ("y: log (costs)", "log"), ("y: clip overlays", "clip"))


def _choice_box(choices, tooltip: str, on_choice) -> QComboBox:
    """A combo box of (text, value) choices that calls on_choice(value) when the user picks one."""
    box = QComboBox()
    for text, value in choices:
        box.addItem(text, value)
    box.setToolTip(tooltip)
    box.currentIndexChanged.connect(lambda i: on_choice(box.itemData(i)))
    return box


def build_controls(panel) -> None:
    """The smoothing, band, x-axis and y-axis boxes, the log box, the hint and the note under the plots."""
    panel.smoothing_box = _choice_box(
        SMOOTHING_CHOICES, "Debiased exponential moving average (as in TensorBoard). "
        "When on, the raw curve stays faint behind the smoothed one.", lambda v: panel.set_smoothing(v))
    panel.band_box = _choice_box(
        BAND_CHOICES, "With several trials per case: thin lines are the trials, the thick curve "
        "their mean and the outlined band their spread, at epochs every trial reached",
        lambda v: panel.set_band_kind(v))
    panel.band_box.setEnabled(False)
    panel.y_box = _choice_box(
        Y_CHOICES, "For outliers (e.g. a published log on another cost scale): a logarithmic cost "
        "axis, or the y-axis fitted to the shown run with overlays clipped", lambda v: panel.set_y_mode(v))
    panel.x_box = _choice_box(
        X_CHOICES, "The x-axis: epochs, steps (batches since the trial began), or training time "
        "in seconds with paused time left out (from the run's records)", lambda v: panel.set_x_axis(v))
    panel.log_box = QCheckBox("log epochs")
    panel.log_box.setToolTip("Logarithmic epoch axis: a short run and a long published log side by side")
    panel.log_box.toggled.connect(panel.set_log_epochs)
    panel.hint_label = QLabel("Hover a plot to read every case at that epoch.")
    panel.hint_label.setStyleSheet("color: #606060;")
    panel.hint_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # never widens
    panel.note_label = QLabel("")
    panel.note_label.setWordWrap(True)
    panel.note_label.setStyleSheet("color: #a02020;")
    panel.note_label.hide()


def build_plots(panel) -> None:
    """The legend row and the four plots in one GraphicsLayoutWidget, each with its hover ring."""
    panel.view = pg.GraphicsLayoutWidget()
    panel.view.setBackground("w")
    panel.view.ci.setContentsMargins(4, 4, 4, 4)
    panel.legend_row = panel.view.addLayout(row=0, col=0, colspan=2)
    panel.legend_row.setContentsMargins(0, 0, 0, 0)
    panel.legend_row.setSpacing(0)
    panel.legend_row.setMaximumHeight(24)
    panel.plots = []
    for i, (split, metric, title) in enumerate(METRICS):
        plot = panel.view.addPlot(row=1 + i // 2, col=i % 2)
        plot.setTitle(f"<span style='color:#202020; font-size:10pt'>{title}</span>")
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setLabel("bottom", "epoch", color="#303030")
        plot.setLabel("left", "accuracy" if metric == "accuracy" else "cost", color="#303030")
        for axis in ("left", "bottom"):
            ax = plot.getAxis(axis)
            ax.setPen(pg.mkPen("#606060"))
            ax.setTextPen(pg.mkPen("#303030"))
            ax.enableAutoSIPrefix(False)       # epochs are epochs: never "epoch (x0.001)"
            # The axis draws the grid across the whole plot: replaying it at every redraw was most
            # of a frame's cost (bench/bench_gui.py); cached as a pixmap, it is redrawn only when
            # the axis changes (its range, its size).
            ax.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        draw_long_curves(plot)
        plot.setMenuEnabled(True)
        plot.vb.sigRangeChangedManually.connect(lambda *_a, p=i: panel._on_manual_range(p))
        plot.autoBtn.clicked.connect(lambda *_a, p=i: panel.fit_view(p))
        panel.plots.append(plot)
    for plot in panel.plots:
        plot.titleLabel.item.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
    panel.hover_dot = []
    for plot in panel.plots:
        dot = pg.PlotDataItem(pen=None, symbol="o", symbolSize=10, symbolPen=pg.mkPen("#202020", width=1.5),
                              symbolBrush=pg.mkBrush(None))
        dot.setZValue(50)
        plot.addItem(dot, ignoreBounds=True)
        panel.hover_dot.append(dot)


def lay_out(panel) -> None:
    """The controls above the plots, the note below them."""
    controls = QHBoxLayout()
    for w in (panel.smoothing_box, panel.band_box, panel.x_box, panel.y_box, panel.log_box):
        controls.addWidget(w)
    controls.addStretch(1)
    controls.addWidget(panel.hint_label)
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(controls)
    layout.addWidget(panel.view, 1)
    layout.addWidget(panel.note_label)
