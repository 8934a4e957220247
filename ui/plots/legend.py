"""The plots' shared legend: one clickable entry per case and per overlay, above the four plots.

It is where a reader looks first, so it also says what the eye cannot: a case that coincides with an
earlier one (drawn dashed over it) and an overlay that does not match the shown run (⚠).
"""
from __future__ import annotations

import pyqtgraph as pg

from engine.cases import Case

from ui.plots.model.coincidence import COINCIDE_FRACTION, COVER_PIXELS
from ui.plots.items import COINCIDE_DASH, GuideEntry, LegendEntry
from ui.plots.model.curve_meaning import curve_guide, line_text
from ui.plots.model.metrics import METRICS

LEGEND_COLUMNS = 3
ROW_HEIGHT = 24
EMPTY_TEXT = "Press Run (F5): the selected cases appear here, one colour each."
GUIDE_TIP = ("why a dot can sit below a rising line: the dot averages the whole epoch, the line only a few "
             "batches at a time")

__all__ = ["LEGEND_COLUMNS", "build_legend", "case_legend_text"]


def case_legend_text(key: str, case: Case, same: str | None, under: list[str] | None = None) -> str:
    """A case's legend text; `same` is the earlier case it coincides with, `under` the cases drawn over it."""
    text = f"{key} {case.name}"
    if same:
        return text + f" = case {same} (coincides)"
    if under:
        return text + f" (under {', '.join(under)})"   # the tooltip says how close; the legend is narrow
    return text


def build_legend(row, panel, order: list[str], cases: dict[str, Case], coincide: dict[str, str],
                 hidden: set[str], overlays: list, guide: str = "", covered: dict[str, list[str]] | None = None
                 ) -> tuple[dict[str, LegendEntry], dict[int, LegendEntry], GuideEntry | None]:
    """Fill the layout `row` anew; returns the case entries (by key), the overlay entries (by index) and the
    reading guide (`guide`: what the line and the dots are, on a row of its own under the cases)."""
    old = list(row.items)
    row.clear()
    for item in old:
        if item.scene() is not None:
            item.scene().removeItem(item)
    legend: dict[str, LegendEntry] = {}
    overlay_entries: dict[int, LegendEntry] = {}
    if not order and not overlays:
        row.setMaximumHeight(ROW_HEIGHT)
        row.addItem(pg.LabelItem(f"<span style='color:#606060'>{EMPTY_TEXT}</span>", size="9pt"))
        return legend, overlay_entries, None
    entries = []
    for key in order:
        case = cases[key]
        same = coincide.get(key)
        under = (covered or {}).get(key)
        tip = ""
        if same:
            tip = (f"case {key}'s curves equal case {same}'s (to {COINCIDE_FRACTION:g} of each plot's range): "
                   "drawn dashed over them")
        elif under:
            tip = (f"at this size case {key}'s curves lie within {COVER_PIXELS:g} px of case {under[0]}'s, drawn "
                   f"over them, in every plot: zoom in, hover, or click case {under[0]} to hide it")
        entry = LegendEntry(panel, key, case_legend_text(key, case, same, under), case.colour,
                            dash=COINCIDE_DASH if same else None, tip=tip)
        entry.shown = key not in hidden
        entry.render()
        legend[key] = entry
        entries.append(entry)
    for i, o in enumerate(overlays):
        text = ("⚠ " if o.warning else "") + o.label
        entry = LegendEntry(panel, f"overlay:{i}", text, "#404040", dash=getattr(o, "dash", (6, 3)),
                            tip=o.warning or "click to hide or show this overlay")
        entry.shown = not o.hidden
        entry.render()
        overlay_entries[i] = entry
        entries.append(entry)
    for i, entry in enumerate(entries):
        row.addItem(entry, row=i // LEGEND_COLUMNS, col=i % LEGEND_COLUMNS)
    rows = (len(entries) + LEGEND_COLUMNS - 1) // LEGEND_COLUMNS
    guide_entry = None
    if guide and order:
        guide_entry = GuideEntry(guide, GUIDE_TIP)
        row.addItem(guide_entry, row=rows, col=0, colspan=LEGEND_COLUMNS)
        rows += 1
    row.setMaximumHeight(ROW_HEIGHT * rows + 2)
    return legend, overlay_entries, guide_entry


class PlotLegend:
    """The plots panel's legend (a mixin of PlotsPanel): built from the shown cases and overlays, clicked to
    hide or show a case in all four plots, with the reading guide of what the line and the dots are."""

    def set_case_visible(self, key: str, visible: bool) -> None:
        """Hide or show a case, or an overlay ("overlay:<n>"; "published" = every published log)."""
        if key == "published" or key.startswith("overlay:"):
            for i, o in enumerate(self._overlays):
                if key == f"overlay:{i}" or (key == "published" and o.kind == "published"):
                    o.hidden = not visible
                    entry = self._overlay_entries.get(i)
                    if entry is not None:
                        entry.shown = visible
                        entry.render()
        else:
            (self.state.hidden.discard if visible else self.state.hidden.add)(key)
            if key in self._legend:
                self._legend[key].shown = visible
                self._legend[key].render()
        self._apply_visibility()
        self.state.fitted = [None] * len(METRICS)
        self._fit_all()

    def case_visible(self, key: str) -> bool:
        return key not in self.state.hidden

    def _rebuild_legend(self) -> None:
        self._guide_shown = self.curve_guide_text
        self._legend, self._overlay_entries, self.guide_entry = build_legend(
            self.legend_row, self, self.state.order, self.state.cases, self._coincide, self.state.hidden,
            self._overlays,
            self._guide_shown, self._covered)

    @property
    def line_text(self) -> str:
        """What the training plots' line is (the mean of each N batches, or the epoch means)."""
        text = line_text(self.curves.intervals.batches, self.curves.intervals.steps_per_epoch, self._from_disk)
        return f"thin {text}" if self.state.trials > 1 else text

    @property
    def curve_guide_text(self) -> str:
        """The legend's reading guide: what the training plots' line and dots are."""
        intervals = self.curves.intervals
        return curve_guide(intervals.batches, intervals.steps_per_epoch, self._from_disk, self.state.trials)

    def legend_entry(self, key: str) -> LegendEntry | None:
        if key == "published":
            return next((self._overlay_entries[i] for i, o in enumerate(self._overlays)
                         if o.kind == "published" and i in self._overlay_entries), None)
        if key.startswith("overlay:"):
            return self._overlay_entries.get(int(key.split(":")[1]))
        return self._legend.get(key)
