"""Small widgets shared by the panels: validated number fields, colour swatches, images.

Qt only (no TensorFlow): a field refuses a bad value where it is typed, with a
red border and a sentence under it, so a bad value never reaches the engine.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QLineEdit, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

ERROR_COLOUR = "#c62828"
_BAD_STYLE = f"QLineEdit {{ border: 2px solid {ERROR_COLOUR}; background: #fff1f1; }}"


class ErrorLabel(QLabel):
    """Red, word-wrapped, hidden while empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


def mark_invalid(edit: QLineEdit, bad: bool) -> None:
    edit.setStyleSheet(_BAD_STYLE if bad else "")


class NumberField(QWidget):
    """A line edit for one number, checked on every keystroke.

    `value()` is the last valid value (so a panel can keep building a
    configuration while the user types), `problem()` the sentence shown
    under the field while the text is not acceptable, or None.
    """

    edited = Signal()   # user edits only, valid or not

    def __init__(self, name: str, kind: type = float, *, minimum: float | None = None,
                 maximum: float | None = None, min_exclusive: bool = False,
                 check: Callable[[float], str | None] | None = None, allow_empty: bool = False,
                 value=None, width: int = 110, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.name, self.kind = name, kind
        self.minimum, self.maximum, self.min_exclusive = minimum, maximum, min_exclusive
        self.check, self.allow_empty = check, allow_empty
        self._value = value
        self._problem: str | None = None
        self._extra: str | None = None       # a problem set from outside (e.g. a cross-field check)

        self.edit = QLineEdit(self)
        self.edit.setMinimumWidth(width)
        self.edit.setPlaceholderText(placeholder)
        self.error = ErrorLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(self._on_edited)
        if value is not None:
            self.set_value(value)

    # ------------------------------------------------------------- values
    def set_value(self, value) -> None:
        """Show `value` without emitting `edited`; clears any error."""
        self._value = value
        self.edit.setText(self.format(value))
        self._problem = None
        self._extra = None
        self._show()

    def format(self, value) -> str:
        if value is None:
            return ""
        if self.kind is int:
            return str(int(value))
        return f"{float(value):g}"

    def value(self):
        return self._value

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt-style name, used by tests)
        """Type `text` as a user would (validates and emits `edited`)."""
        self.edit.setText(text)
        self._on_edited(text)

    def problem(self) -> str | None:
        return self._problem or self._extra

    def set_extra_problem(self, text: str | None) -> None:
        """Mark the field bad (or clear that mark) for a reason found elsewhere."""
        self._extra = text
        self._show()

    # ---------------------------------------------------------- internals
    def parse(self, text: str):
        """(value, None) or (None, problem sentence)."""
        text = text.strip().replace("−", "-")
        if not text:
            if self.allow_empty:
                return None, None
            return None, f"{self.name}: enter a value"
        try:
            if self.kind is int:
                value = int(text)
            else:
                value = float(text)
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            return None, f"{self.name}: {text!r} is not {what}"
        if self.kind is float and not math.isfinite(value):
            return None, f"{self.name} must be a finite number"
        if self.minimum is not None:
            if self.min_exclusive and value <= self.minimum:
                return None, f"{self.name} must be greater than {self.minimum:g}"
            if not self.min_exclusive and value < self.minimum:
                return None, f"{self.name} must be at least {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return None, f"{self.name} must be at most {self.maximum:g}"
        if self.check is not None:
            problem = self.check(value)
            if problem:
                return None, f"{self.name}: {problem}"
        return value, None

    def _on_edited(self, text: str) -> None:
        value, problem = self.parse(text)
        self._problem = problem
        self._extra = None
        if problem is None:
            self._value = value
        self._show()
        self.edited.emit()

    def _show(self) -> None:
        problem = self.problem()
        mark_invalid(self.edit, bool(problem))
        self.error.show_message(problem)


class _WheelWhenFocused:
    """A box in a scrolling pane: the wheel scrolls the pane, and changes the box only once it has focus.

    Otherwise one wheel tick while scrolling past the semantics box switches corrected to as-published.
    The ignored wheel event goes on to the box's parents, so the scroll area scrolls.
    """

    def _take_wheel_only_when_focused(self) -> None:
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)      # not WheelFocus: a wheel tick gives no focus

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class PaneComboBox(_WheelWhenFocused, QComboBox):
    """A combo box for a scrolling settings pane (see _WheelWhenFocused)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._take_wheel_only_when_focused()


class PaneSpinBox(_WheelWhenFocused, QSpinBox):
    """A spin box for a scrolling settings pane (see _WheelWhenFocused)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._take_wheel_only_when_focused()


class Swatch(QFrame):
    """A small filled square in a case's colour."""

    def __init__(self, colour: str, size: int = 18, parent: QWidget | None = None):
        super().__init__(parent)
        self._size = size
        self.setFixedSize(size, size)
        self.set_colour(colour)

    def set_colour(self, colour: str) -> None:
        self.colour = colour
        border = "#888" if QColor(colour).lightness() > 200 else "#444"
        self.setStyleSheet(f"background: {colour}; border: 1px solid {border}; border-radius: 3px;")
        self.setToolTip(colour)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._size, self._size)


def grey_pixmap(image: np.ndarray, lo: float, hi: float, scale: int) -> tuple[QPixmap, np.ndarray]:
    """A float image shown as 8-bit grey (lo → black, hi → white), enlarged without smoothing.

    Returns the pixmap and the 8-bit array drawn, so tests can compare what is shown.
    """
    span = hi - lo if hi > lo else 1.0
    grey = np.clip((np.asarray(image, np.float32) - lo) / span, 0.0, 1.0)
    data = np.ascontiguousarray(np.round(grey * 255).astype(np.uint8))
    h, w = data.shape
    qimage = QImage(data.data, w, h, w, QImage.Format_Grayscale8).copy()
    pixmap = QPixmap.fromImage(qimage).scaled(w * scale, h * scale, Qt.IgnoreAspectRatio,
                                              Qt.FastTransformation)
    return pixmap, data


def pixmap_to_array(pixmap: QPixmap) -> np.ndarray:
    """The grey values of a shown pixmap, [H,W] uint8 (for tests and checks)."""
    image = pixmap.toImage().convertToFormat(QImage.Format_Grayscale8)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return buf[:, :w].copy()


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A grey, word-wrapped explanatory sentence."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
    return label
