"""Gradient-flow view: how large the gradient is at each timestep and weight, case by case.

Two views of the norms the trainer samples (workbench/records/gradient_log.py):
"per timestep" draws, for one epoch, a curve over the timesteps 0..T−1 per
case; "over epochs" draws, for one timestep (or weight), a curve over the
epochs. Both on a log scale (a dilated case's gradient is hundreds of times
case 0's), in the case colours. While a run trains, the per-timestep view of
the current epoch shows the latest step sample; finished epochs show the mean
of their samples (weights: their last step, where the weight norms are
taken). Curves are created once per case and updated with setData,
coalesced by a short timer. No TensorFlow.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ui.window.widgets import hint_label

QUANTITIES = (
    ("in", "in_t: total gradient at timestep t"),
    ("g", "g_t: gradient from the head"),
    ("p", "p_t: what timestep t passes back"),
    ("dilated", "dilated addition into timestep t"),
    ("grad", "weight gradient"),
    ("update", "weight update (Adam's step)"),
)
VIEWS = ("per timestep, one epoch", "over epochs, one timestep")
LATEST = "latest"


class GradientFlowPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.cases: dict[str, tuple[str, str]] = {}        # key -> (name, colour)
        self.epoch_means: dict[int, dict[str, dict]] = {}  # epoch -> case -> {(signal, label): norm}
        self.live: dict[str, dict] = {}                     # case -> latest step sample
        self.live_epoch: int | None = None
        self.trial: int | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}

        self.quantity = QComboBox()
        for key, text in QUANTITIES:
            self.quantity.addItem(text, key)
        self.view = QComboBox()
        self.view.addItems(VIEWS)
        self.epoch = QComboBox()
        self.epoch.setToolTip("The epoch whose per-timestep norms are drawn (latest: the current step sample)")
        self.timestep = QSpinBox()
        self.timestep.setRange(0, 3)
        self.weight = QComboBox()
        for widget in (self.quantity, self.view, self.epoch, self.weight):
            widget.activated.connect(lambda _i: self._changed())
        self.timestep.valueChanged.connect(lambda _v: self._changed())

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.quantity, 2)
        controls.addWidget(self.view, 1)
        self.epoch_label, self.timestep_label, self.weight_label = QLabel("epoch"), QLabel("timestep"), QLabel("weight")
        for label, widget in ((self.epoch_label, self.epoch), (self.timestep_label, self.timestep),
                              (self.weight_label, self.weight)):
            controls.addWidget(label)
            controls.addWidget(widget)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("left", "norm (log scale)")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.empty = hint_label("Gradient norms appear here while a run trains (sampled at every progress "
                                "point, averaged per epoch; saved as gradients.csv in the run folder).")
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.empty)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.redraw)
        self._changed()

    # ------------------------------------------------------------------ data in
    def begin_run(self, cases, trials: int = 1) -> None:
        """Forget the last run; `cases`: engine Case objects (key, name, colour)."""
        self.cases = {c.key: (c.name, c.colour) for c in cases}
        self.epoch_means.clear()
        self.live.clear()
        self.live_epoch, self.trial = None, None
        self.plot.clear()
        self.legend.clear()
        self.curves = {}
        for key, (name, colour) in self.cases.items():
            self.curves[key] = self.plot.plot([], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6,
                                              symbolBrush=colour, symbolPen=colour, name=f"{key} · {name}")
        self._refresh_choices()
        self.redraw()

    def _same_trial(self, trial: int) -> bool:
        if self.trial != trial:          # a new trial starts a new picture
            self.trial = trial
            self.epoch_means.clear()
            self.live.clear()
        return True

    def add_step(self, event) -> None:
        if not getattr(event, "gradients", None):
            return
        self._same_trial(event.trial)
        self.live = dict(event.gradients)
        self.live_epoch = event.epoch
        self._schedule()

    def add_epoch(self, event) -> None:
        if not getattr(event, "gradients", None):
            return
        self._same_trial(event.trial)
        self.epoch_means[event.epoch] = dict(event.gradients)
        self._schedule()

    def load_rows(self, rows: list[dict], cases) -> None:
        """A finished run's epoch means, from workbench.records.gradient_log.read_gradients (first trial)."""
        self.begin_run(cases)
        trials = sorted({r["trial"] for r in rows})
        for r in rows:
            if r["scope"] != "epoch" or r["trial"] != trials[0]:
                continue
            label = str(r["timestep"]) if r["timestep"] is not None else r["weight"]
            self.epoch_means.setdefault(r["epoch"], {}).setdefault(r["case"], {})[(r["signal"], label)] = r["norm"]
        self._refresh_choices()
        self.redraw()

    # ------------------------------------------------------------------ drawing
    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _changed(self) -> None:
        by_weight = self.quantity.currentData() in ("grad", "update")
        over_epochs = self.view.currentIndex() == 1
        self.epoch.setVisible(not over_epochs)
        self.epoch_label.setVisible(not over_epochs)
        self.timestep.setVisible(over_epochs and not by_weight)
        self.timestep_label.setVisible(over_epochs and not by_weight)
        self.weight.setVisible(over_epochs and by_weight)
        self.weight_label.setVisible(over_epochs and by_weight)
        self.redraw()

    def _records(self):
        """All records seen: finished epochs and the live sample."""
        yield from self.epoch_means.values()
        if self.live:
            yield self.live

    def _refresh_choices(self) -> None:
        epochs = sorted(self.epoch_means)
        current = self.epoch.currentText()
        self.epoch.blockSignals(True)
        self.epoch.clear()
        self.epoch.addItem(LATEST)
        self.epoch.addItems([str(e) for e in epochs])
        index = self.epoch.findText(current)
        self.epoch.setCurrentIndex(max(index, 0))
        self.epoch.blockSignals(False)
        weights = sorted({label for rec in self._records() for case in rec.values()
                          for (signal, label) in case if signal == "grad"})
        timesteps = [int(label) for rec in self._records() for case in rec.values()
                     for (signal, label) in case if signal == "in"]
        if timesteps:
            self.timestep.setRange(0, max(timesteps))
        chosen = self.weight.currentText()
        if weights != [self.weight.itemText(i) for i in range(self.weight.count())]:
            self.weight.blockSignals(True)
            self.weight.clear()
            self.weight.addItems(weights)
            self.weight.setCurrentIndex(max(self.weight.findText(chosen), 0))
            self.weight.blockSignals(False)

    def _epoch_record(self):
        """The record the per-timestep view draws: the chosen epoch's mean, or the latest data."""
        text = self.epoch.currentText()
        if text and text != LATEST:
            return self.epoch_means.get(int(text), {}), f"epoch {text}"
        if self.live and (self.live_epoch not in self.epoch_means):
            return self.live, f"epoch {self.live_epoch}, latest step"
        if self.epoch_means:
            last = max(self.epoch_means)
            return self.epoch_means[last], f"epoch {last}"
        return {}, ""

    def redraw(self) -> None:
        self._refresh_choices()
        signal = self.quantity.currentData()
        by_weight = signal in ("grad", "update")
        drawn = False
        if self.view.currentIndex() == 0:
            record, where = self._epoch_record()
            self.plot.setLabel("bottom", "weight" if by_weight else "timestep t")
            names = sorted({label for case in record.values() for (s, label) in case if s == signal},
                           key=lambda l: (not l.isdigit(), int(l) if l.isdigit() else l))
            ticks = [(i, n) for i, n in enumerate(names)]
            self.plot.getAxis("bottom").setTicks([ticks])
            for key, curve in self.curves.items():
                values = record.get(key, {})
                xs = [i for i, n in enumerate(names) if (signal, n) in values]
                ys = [_positive(values[(signal, names[i])]) for i in xs]
                curve.setData(xs, ys, connect="finite")
                drawn = drawn or any(math.isfinite(y) for y in ys)
            self.plot.setTitle(f"{self.quantity.currentText()} · {where}" if where else "")
        else:
            label = self.weight.currentText() if by_weight else str(self.timestep.value())
            self.plot.getAxis("bottom").setTicks(None)
            self.plot.setLabel("bottom", "epoch")
            epochs = sorted(self.epoch_means)
            for key, curve in self.curves.items():
                xs = [e for e in epochs if (signal, label) in self.epoch_means[e].get(key, {})]
                ys = [_positive(self.epoch_means[e][key][(signal, label)]) for e in xs]
                curve.setData(xs, ys, connect="finite")
                drawn = drawn or any(math.isfinite(y) for y in ys)
            target = (f"weight {label}, last step of each epoch" if by_weight
                      else f"timestep {label}, mean of each epoch's samples")
            self.plot.setTitle(f"{self.quantity.currentText()} · {target}")
        self.empty.setVisible(not drawn)

    def curve_data(self, key: str):
        """(x, y) of a case's curve as given (not log-transformed), for tests."""
        return self.curves[key].getOriginalDataset()


def _positive(value: float) -> float:
    """A log axis cannot show 0 (e.g. p_0 with the off-by-one quirk): leave a gap instead."""
    return value if value > 0 and math.isfinite(value) else float("nan")
