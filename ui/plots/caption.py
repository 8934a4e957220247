"""The caption of an exported figure: the run, then how to read its curves.

A figure taken out of the window (a PNG in a paper, an SVG in a report) loses the legend's tooltips
and the hover; the caption carries what they said.
"""
from __future__ import annotations

BAND_TEXT = {"minmax": "min–max over trials", "sd": "mean ± 1 sd over trials"}

__all__ = ["BAND_TEXT", "figure_caption"]


def figure_caption(run_caption: str, trials: int, band_kind: str, smoothing: float, coincide: dict[str, str],
                   overlays: list, line: str = "line = mean of the batches between reports",
                   x_axis: str = "epoch") -> str:
    """`line` says what the training line is (ui/plots/model/curve_meaning.py); `x_axis` the x-axis' label
    (ui/plots/model/x_axis.py): off epochs, each point sits where its epoch position falls on that axis."""
    parts = [run_caption] if run_caption else []
    where = "x in epochs" if x_axis == "epoch" else f"x: {x_axis}, at each point's epoch position k"
    parts.append(f"Training ({where}): {line}; ● = mean over epoch k, at k + ½. "
                 "Test: ● = value after epoch k, at k + 1.")
    if trials > 1:
        parts.append(f"{trials} trials: thin lines = trials; thick = mean over the trials at "
                     f"epochs all reached; band = {BAND_TEXT[band_kind]}.")
    if smoothing > 0:
        parts.append(f"Smoothed (debiased EMA {smoothing:g}); raw curve faint.")
    if coincide:
        parts.append("Coinciding exactly (drawn dashed): " +
                     ", ".join(f"case {k} = case {v}" for k, v in coincide.items()) + ".")
    for o in overlays:
        if not o.hidden:
            parts.append(f"{'Published log' if o.kind == 'published' else 'Run'} {o.label} "
                         f"(its own dash){': ' + o.warning if o.warning else ''}.")
    return " ".join(parts)
