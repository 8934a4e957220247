"""The plots' hover tooltip, as in TensorBoard: at the cursor, every visible case at the nearest epoch.

A QLabel floating over the plot view (so it follows the cursor, stays inside the
view and can be read by tests); it hides when the mouse leaves the view and when a
run starts, so a reading never outlives what it describes.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QLabel, QWidget

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
