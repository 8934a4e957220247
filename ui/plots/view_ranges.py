"""The plots' view ranges (a mixin of PlotsPanel): each plot fitted to what it shows (ui/plots/model/ranges.py
has the rules), until the user zooms or pans it; the "A" button fits it again."""
from __future__ import annotations

import numpy as np

from ui.plots.model.metrics import METRICS
from ui.plots.model.ranges import fitted_range, still_fits


class PlotRanges:
    def _on_manual_range(self, p: int) -> None:
        self.state.manual[p] = True

    def fit_view(self, p: int) -> None:
        """Fit plot `p` to its data again (after the user zoomed)."""
        self.state.manual[p] = False
        self.state.fitted[p] = None
        self._fit(p)

    def _fit_all(self) -> None:
        for p in range(len(self.plots)):
            if not self.state.manual[p]:
                self._fit(p)

    def _fit(self, p: int) -> None:
        """x from 0 to the last point, y over what is shown, with a margin; never a degenerate range."""
        split, metric, _title = METRICS[p]
        xs, ys, oxs, oys = [], [], [], []
        for key in self.state.order:
            if key in self.state.hidden:
                continue
            items = self._items.get((p, key))
            if items is None:
                continue
            parts = [items.main, items.points, items.faint] + (items.trials if self.state.trials > 1 else [])
            for item in parts:
                x, y = item.xData, item.yData          # the data itself (getData is log-mapped in log mode)
                if x is not None and len(x):
                    xs.append(np.asarray(x, float))
                    ys.append(np.asarray(y, float))
        for o in self._overlays:
            if o.hidden:
                continue
            for (pp, key), item in o.items.items():
                if pp == p and key not in self.state.hidden:
                    x, y = item.xData, item.yData
                    if x is not None and len(x):
                        oxs.append(np.asarray(x, float))
                        oys.append(np.asarray(y, float))
        x0, x1, y0, y1, pad = fitted_range(metric, xs, ys, oxs, oys, self.state.y_mode, self.state.log_x)
        if still_fits(self.state.fitted[p], x0, x1, y0, y1, pad):
            return                                  # the data still fits the view well: no redraw of the axes
        if self.state.log_x:
            # label only the powers of ten over several decades: 2…9 between them overlap at this width
            self.plots[p].getAxis("bottom").setStyle(maxTextLevel=0 if x1 - x0 > 1.5 else 1)
        wanted = (round(x0, 9), round(x1, 9), round(y0, 9), round(y1, 9))
        if wanted != self.state.fitted[p]:
            self.state.fitted[p] = wanted
            self.plots[p].vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
