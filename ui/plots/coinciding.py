"""Cases drawn over one another (a mixin of PlotsPanel): those whose curves coincide exactly are drawn
dashed and named in the legend, those within 2 px under another's line named in the plot's title
(ui/plots/model/coincidence.py decides both)."""
from __future__ import annotations

import math

from ui.plots.items import COINCIDE_DASH
from ui.plots.model.coincidence import COVER_PIXELS, covered_in_pane, find_coinciding, find_covered
from ui.plots.model.metrics import METRICS


class PlotCoincidence:
    def _find_coinciding(self, plots: set[int]) -> None:
        """A case whose curve equals an earlier case's in every plot (to COINCIDE_FRACTION of the range)
        coincides with it: drawn dashed so both colours show, and said in the legend and on hover."""
        if not plots:
            return
        shown = {**self._displayed, **self._trial_lines}
        plots = [*range(len(METRICS)), *sorted({t for t, _k in self._trial_lines})]
        found = find_coinciding(self.state.order, shown, plots)
        covered = self._find_covered(found)
        if found != self._coincide or covered != self._covered:
            if found != self._coincide:
                for (p, key), items in self._items.items():
                    items.set_dash(COINCIDE_DASH if key in found else None)
            self._coincide, self._covered = found, covered
            self._rebuild_legend()

    def _find_covered(self, coincide: dict[str, str]) -> dict[str, list[str]]:
        """Cases hidden under a later-drawn one at the plots' current size (see find_covered)."""
        tolerance = {}
        for p, plot in enumerate(self.plots):
            _px, py = plot.vb.viewPixelSize()
            if py > 0 and math.isfinite(py):
                tolerance[p] = COVER_PIXELS * py
        skip = set(self.state.hidden) | set(coincide)
        for p, tol in tolerance.items():
            self._set_plot_note(p, covered_in_pane(self.state.order, self._displayed, p, tol, skip))
        if not tolerance:
            return {}
        return find_covered(self.state.order, self._displayed, tolerance, skip)

    def _set_plot_note(self, p: int, under: dict[str, str]) -> None:
        """The plot's title names the cases hidden under another case's line in this plot."""
        by_top: dict[str, list[str]] = {}
        for key, top in under.items():
            by_top.setdefault(top, []).append(key)
        note = "; ".join(f"{', '.join(keys)} under {top}" for top, keys in by_top.items())
        if note != self.plot_notes[p]:
            self.plot_notes[p] = note
            title = METRICS[p][2]
            extra = f" <span style='color:#707070; font-size:9pt'>· cases {note} (&lt; 2 px)</span>" if note else ""
            self.plots[p].setTitle(f"<span style='color:#202020; font-size:10pt'>{title}</span>{extra}")

    @property
    def coinciding(self) -> dict[str, str]:
        """case -> the earlier case its curves coincide with exactly."""
        return dict(self._coincide)
