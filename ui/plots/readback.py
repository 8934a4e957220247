"""What the plots panel has drawn, read back from its items (a mixin of PlotsPanel): the curves as shown,
for tests and for the plotted-data export, which writes exactly these."""
from __future__ import annotations

import numpy as np

from ui.plots.model.metrics import METRICS


class PlotReadback:
    def curve_points(self, plot_index: int, key: str) -> tuple[np.ndarray, np.ndarray]:
        """What the main curve of `key` shows in plot `plot_index` (after the last refresh)."""
        return self._displayed.get((plot_index, key), (np.empty(0), np.empty(0)))

    def band_points(self, plot_index: int, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, low, high) of the band over the trials of `key` in a plot, as drawn."""
        items = self._case_items(plot_index, key)
        (x, lo), (_x, hi) = items.lo.getData(), items.hi.getData()
        empty = np.empty(0)
        return (np.asarray(x, float) if x is not None else empty, np.asarray(lo, float) if lo is not None else empty,
                np.asarray(hi, float) if hi is not None else empty)

    def epoch_points(self, plot_index: int, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The epoch values (dots) of `key` in a plot: one trial's, or the mean over trials."""
        x, y = self._case_items(plot_index, key).points.xData, self._case_items(plot_index, key).points.yData
        return (np.asarray(x if x is not None else [], float), np.asarray(y if y is not None else [], float))

    def trial_points(self, plot_index: int, key: str, trial: int) -> tuple[np.ndarray, np.ndarray]:
        items = self._case_items(plot_index, key)
        if trial >= len(items.trials):
            return np.empty(0), np.empty(0)
        x, y = items.trials[trial].xData, items.trials[trial].yData
        return (np.asarray(x if x is not None else [], float), np.asarray(y if y is not None else [], float))

    def plotted_series(self) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
        """(plot title, series, x, y) of every curve drawn and shown, as its item holds it (after smoothing,
        on the chosen x-axis, at full resolution: the plot's downsampling is for the screen only)."""
        out = []
        for p, (_split, _metric, title) in enumerate(METRICS):
            for key in self.state.order:
                items = self._items.get((p, key))
                if items is None:
                    continue
                mean = " mean" if self.state.trials > 1 else ""
                named = [(items.main, f"case {key}{mean}"), (items.points, f"case {key} epoch values"),
                         (items.faint, f"case {key}{mean} unsmoothed"), (items.lo, f"case {key} band low"),
                         (items.hi, f"case {key} band high"),
                         *((item, f"case {key} trial {t}") for t, item in enumerate(items.trials))]
                out += [(title, name, *_item_data(item)) for item, name in named if item.isVisible()]
            for o in self._overlays:
                for (pp, key), item in o.items.items():
                    if pp == p and item.isVisible():
                        out.append((title, f"{o.label} case {key}", *_item_data(item)))
        return [s for s in out if len(s[2])]


def _item_data(item) -> tuple[np.ndarray, np.ndarray]:
    """The data set on a curve item (not its log-mapped or downsampled display copy)."""
    x, y = item.xData, item.yData
    return (np.asarray(x if x is not None else [], float), np.asarray(y if y is not None else [], float))
