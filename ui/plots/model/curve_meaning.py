"""What a curve's line and dots mean, in words, where the reader looks (legend, hover, caption).

A first-time reader sees the epoch-mean dots of a rising training curve sit below the line and
wonders why: the line is the mean of a few batches at a time (from the engine's step reports, see
ui/plots/model/interval_means.py), the dot the mean over the whole epoch, so on a curve that rises fast early in
an epoch the dot is lower. Saying so beside the curves answers the question before it is asked.
"""
from __future__ import annotations

__all__ = ["curve_guide", "hover_note", "line_text"]


def line_text(batches: int | None, steps_per_epoch: int | None, from_disk: bool) -> str:
    """What the training line is: the mean of each `batches` batches, or the epoch means when that is all we have."""
    if from_disk:
        return "line joins the epoch means (the run folder keeps epoch means only)"
    if not batches or not steps_per_epoch:
        return "line = mean of the batches between two progress reports"
    if batches >= steps_per_epoch:
        return f"line = mean of each epoch's {steps_per_epoch} batches"
    per_epoch = round(steps_per_epoch / batches)
    unit = "batch" if batches == 1 else f"{batches} batches"
    return f"line = mean of each {unit} ({per_epoch} points an epoch)"


def curve_guide(batches: int | None, steps_per_epoch: int | None, from_disk: bool, trials: int) -> str:
    """The legend's reading guide for the training plots (the test plots' dots are said on hover)."""
    line = line_text(batches, steps_per_epoch, from_disk)
    if trials > 1:
        return f"Training: thin {line}, one per trial · thick ● mean over epoch k of the {trials} trials"
    return f"Training: {line} · ● mean over epoch k (at k + ½)"


def hover_note(split: str, epoch: int, line: str, trials: int) -> str:
    """The tooltip's last line: what the values listed are, and what the line around them is."""
    if split == "test":
        return f"● = test value after epoch {epoch} (line joins them)"
    over = f" and over the {trials} trials" if trials > 1 else ""
    return f"● = mean over epoch {epoch}{over}; {line}"
