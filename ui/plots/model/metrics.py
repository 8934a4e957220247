"""The four plots (split, metric, title) and where a value sits on their epoch axis.

Shared by the panel, its hover text and its overlays, so all of them place an epoch's value at the
same x: training values cover the epoch (its middle), test values are taken after it.
"""
from __future__ import annotations

METRICS = (("train", "cost", "Training cost"), ("train", "accuracy", "Training accuracy"),
           ("test", "cost", "Test cost"), ("test", "accuracy", "Test accuracy"))

__all__ = ["METRICS", "epoch_x", "plot_indices"]


def epoch_x(split: str, epoch: int) -> float:
    """Where epoch `epoch`'s value sits: training values cover the epoch (its middle), test values follow it."""
    return epoch + (0.5 if split == "train" else 1.0)


def plot_indices(split: str) -> tuple[int, int]:
    """The (cost, accuracy) plots of a split."""
    first = 0 if split == "train" else 2
    return first, first + 1
