"""Side by side when there is room, one above the other when there is not.

A settings tab lives in a scroll area about 500 px wide on a 1366×768 screen and about 800 px
on a large one. A panel of two columns (cases | training settings; cards | diagram) laid out
side by side in 500 px pushes its second column out of view, behind a sideways scroll bar, and
the user never sees the learning rate. `ReflowScrollArea` tells its panel the width it really
has, and `Reflow` turns the panel's box layout from left-to-right into top-to-bottom when the
side-by-side layout would not fit (and back when it does).
"""
from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QScrollArea


class Reflow:
    """Switches one QBoxLayout between side by side and stacked, by the width it is given."""

    def __init__(self, layout: QBoxLayout):
        self.layout = layout
        self.wide_width: int | None = None      # what side by side needs (measured while side by side)

    @property
    def stacked(self) -> bool:
        return self.layout.direction() == QBoxLayout.TopToBottom

    def fit(self, width: int) -> bool:
        """Lay out for `width` pixels; True when the direction changed."""
        if not self.stacked:
            self.wide_width = self.layout.minimumSize().width()
        wanted = QBoxLayout.TopToBottom if self.wide_width is not None and width < self.wide_width \
            else QBoxLayout.LeftToRight
        if self.layout.direction() == wanted:
            return False
        self.layout.setDirection(wanted)
        return True


class ReflowScrollArea(QScrollArea):
    """A scroll area that calls its widget's `reflow(width)`, when it has one, whenever its width changes."""

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.reflow_now()

    def reflow_now(self) -> None:
        panel = self.widget()
        reflow = getattr(panel, "reflow", None)
        if callable(reflow):
            reflow(self.viewport().width())
