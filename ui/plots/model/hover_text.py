"""What the hover tooltip says: every visible case (and overlay) at the epoch nearest the cursor.

Plain text from the plotted rows, apart from the tooltip widget (ui/plots/hover.py) so the words can be
read and tested without a mouse: the value (or "diverged"), how many trials a mean covers, and whether
the case coincides with another, hidden under it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from engine.cases import Case
from workbench.records.metrics import MetricRow

from ui.plots.model.curve_meaning import hover_note
from ui.plots.model.metrics import METRICS, epoch_x

__all__ = ["HoverReading", "hover_reading"]


@dataclass
class HoverReading:
    title: str
    lines: list[tuple[str, str]]             # (colour, text)
    points: list[tuple[float, float]]        # (x, y) of the shown run's values listed (ringed on the plot)
    note: str = ""                           # what the values listed are (the dots) and what the line is


def hover_reading(plot_index: int, x_view: float, *, log_x: bool, order: list[str], hidden: set[str],
                  rows: list[MetricRow], cases: dict[str, Case], trials: int, coincide: dict[str, str],
                  overlays: list, smoothing: float, line: str = "") -> HoverReading | None:
    """The reading at view x in a plot, or None where there is nothing to read; `line` says what the
    training line is (ui/plots/model/curve_meaning.py)."""
    split, metric, title = METRICS[plot_index]
    x = 10 ** x_view if log_x else x_view
    epoch = int(math.floor(x)) if split == "train" else int(round(x - 1.0))
    if epoch < 0:
        return None
    fmt = (lambda v: f"{v:.4f}") if metric == "accuracy" else (lambda v: f"{v:.4g}")
    lines: list[tuple[str, str]] = []
    points: list[tuple[float, float]] = []
    for key in order:
        if key in hidden:
            continue
        values = [r for r in rows if r.case == key and r.split == split and r.epoch == epoch]
        if not values:
            continue
        case = cases[key]
        ys = [getattr(r, metric) for r in values]
        finite = [v for v in ys if math.isfinite(v)]
        value = fmt(sum(finite) / len(finite)) if finite else "diverged"
        if finite:
            points.append((epoch_x(split, epoch), sum(finite) / len(finite)))
        if trials > 1:
            count = f"mean of {len(values)} trials" if len(values) > 1 else "1 trial"
            if len(values) < trials:
                count += f" of {trials} so far"
            value = f"{value} ({count})"
        same = coincide.get(key)
        if same:
            value += f" — coincides with case {same}"
        lines.append((case.colour, f"case {key} {case.name}: {value}"))
    for o in overlays:
        if o.hidden:
            continue
        nearest: dict[str, MetricRow] = {}
        for r in o.rows:          # each overlay at its own epoch nearest the cursor (logs skip epochs)
            if r.split == split and r.trial == 0 and r.case not in hidden:
                best = nearest.get(r.case)
                if best is None or abs(epoch_x(split, r.epoch) - x) < abs(epoch_x(split, best.epoch) - x):
                    nearest[r.case] = r
        for case_key, r in nearest.items():
            rx = epoch_x(split, r.epoch)
            far = (abs(math.log10(rx) - x_view) > 0.1) if log_x else abs(rx - x) > 0.6
            if far:
                continue
            at = f" (epoch {r.epoch})" if r.epoch != epoch else ""
            lines.append((cases.get(case_key, Case(case_key, case_key, "#808080")).colour,
                          f"{o.label} · case {case_key}{at}: {fmt(getattr(r, metric))}"))
    if not lines:
        return None
    where = "trained in" if split == "train" else "after"
    smooth = ", curves smoothed" if smoothing > 0 else ""
    note = hover_note(split, epoch, line, trials) if line and points else ""
    return HoverReading(f"{title} · {where} epoch {epoch}{smooth}", lines, points, note)
