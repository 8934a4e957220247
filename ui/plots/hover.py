"""The plots' hover tooltip, as in TensorBoard: at the cursor, every visible case at the nearest epoch.

A QLabel floating over the plot view (so it follows the cursor, stays inside the
view and can be read by tests); it hides when the mouse leaves the view and when a
run starts, so a reading never outlives what it describes.
"""
from __future__ import annotations

import html
import math

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.plots.model.hover_text import hover_reading

OFFSET = QPoint(16, 14)


class HoverTip(QLabel):
    def __init__(self, host: QWidget):
        super().__init__(host)
        self.host = host
        self.setStyleSheet("QLabel { background: rgba(255, 255, 255, 238); color: #202020; "
                           "border: 1px solid #909090; border-radius: 3px; padding: 4px 6px; }")
        self.setTextFormat(self.textFormat().RichText)
        self.plain = ""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)   # the mouse stays on the plot
        self.hide()
        host.installEventFilter(self)
        viewport = getattr(host, "viewport", None)
        if viewport is not None:
            viewport().installEventFilter(self)

    def show_lines(self, title: str, lines: list[tuple[str, str]], at: QPoint, note: str = "") -> None:
        """`lines` are (colour, text), `note` a grey last line; the tip is placed beside `at` (host
        coordinates), inside the host."""
        self.plain = "\n".join([title] + [t for _c, t in lines] + ([note] if note else []))
        rows = [f"<b>{html.escape(title)}</b>"]
        for colour, text in lines:
            rows.append(f"<span style='color:{colour}'>■</span>&nbsp;{html.escape(text)}")
        if note:
            rows.append(f"<span style='color:#606060'>{html.escape(note)}</span>")
        self.setText("<br>".join(rows))
        self.adjustSize()
        pos = at + OFFSET
        if pos.x() + self.width() > self.host.width():
            pos.setX(max(0, at.x() - OFFSET.x() - self.width()))
        if pos.y() + self.height() > self.host.height():
            pos.setY(max(0, at.y() - OFFSET.y() - self.height()))
        self.move(pos)
        self.show()
        self.raise_()

    def clear(self) -> None:
        self.plain = ""
        self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self.clear()
        return False


class PlotHover:
    """The plots panel's hover (a mixin of PlotsPanel): the reading at the cursor, its tooltip and its rings."""

    def hover_lines(self, plot_index: int, x_view: float) -> tuple[str, list[tuple[str, str]]] | None:
        """Tooltip text for the epoch nearest to view x in a plot: every visible case (and overlay) there."""
        axis = self.curves.axis
        if axis.mode != "epoch":                   # the tooltip reads epochs: the cursor's position back in epochs
            at = axis.to_position(10 ** x_view if self.state.log_x else x_view)
            x_view = math.log10(at) if self.state.log_x and at > 0 else at
        state = self.state
        reading = hover_reading(plot_index, x_view, log_x=state.log_x, order=state.order, hidden=state.hidden,
                                rows=self.curves.rows, cases=state.cases, trials=state.trials, coincide=self._coincide,
                                overlays=self._overlays, smoothing=state.smoothing, line=self.line_text)
        if reading is None:
            return None
        self._hover_points = [(float(axis.map([x], None)[0]), y) for x, y in reading.points]
        self._hover_note = reading.note
        return reading.title, reading.lines

    @property
    def hover_text(self) -> str:
        """The tooltip as plain text ('' when hidden)."""
        return self.tip.plain if self.tip.isVisible() else ""

    def clear_hover(self) -> None:
        self.tip.clear()
        for dot in self.hover_dot:
            dot.setData([], [])

    def hover_at(self, scene_pos) -> str:
        """Show the tooltip for a scene position (as the mouse does); returns its text."""
        for i, plot in enumerate(self.plots):
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                point = plot.vb.mapSceneToView(scene_pos)
                found = self.hover_lines(i, point.x())
                if found is None:
                    break
                title, lines = found
                at = self.view.mapFromScene(scene_pos)
                self.tip.show_lines(title, lines, QPoint(int(at.x()), int(at.y())), self._hover_note)
                self._mark_epoch(i, title)
                self.hovered.emit(self.tip.plain)
                return self.tip.plain
        self.clear_hover()
        return ""

    def _mark_epoch(self, plot_index: int, _title: str) -> None:
        """Rings on the values the tooltip lists (in the hovered plot only)."""
        for i, dot in enumerate(self.hover_dot):
            if i != plot_index or not self._hover_points:
                dot.setData([], [])
            else:
                xs, ys = zip(*self._hover_points)
                dot.setData(list(xs), list(ys))

    def _on_mouse(self, args) -> None:
        self.hover_at(args[0])
