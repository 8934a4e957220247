"""Scrolling the settings pane with the mouse wheel scrolls it: a box under the cursor changes only once focused.

A real wheel event is sent over a combo box or spin box inside the pane's scroll area, as the mouse
sends it; the box keeps its value and the pane moves.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402

from tests.ui.window.test_main_window import dialogs, window  # noqa: E402,F401 (fixtures)


def wheel_down(widget, ticks: int = 1) -> None:
    """Wheel ticks (120 eighths of a degree each) downwards over the middle of `widget`, as the mouse sends
    them: through the window system, so Qt hands an ignored event on to the widget's parents."""
    top = widget.window()
    at = widget.mapTo(top, widget.rect().center())
    QTest.wheelEvent(top.windowHandle(), QPointF(at), QPoint(0, -120 * ticks))
    QApplication.processEvents()


def scroll_area_of(widget) -> QScrollArea:
    parent = widget.parentWidget()
    while not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def show_in_pane(window, tab_panel, box) -> QScrollArea:
    window.resize(1366, 768)
    window.config_tabs.setCurrentWidget(scroll_area_of(tab_panel))
    scroll = scroll_area_of(tab_panel)
    QApplication.processEvents()
    scroll.ensureWidgetVisible(box)
    QApplication.processEvents()
    assert scroll.verticalScrollBar().value() < scroll.verticalScrollBar().maximum(), "pane cannot scroll further"
    return scroll


@pytest.mark.parametrize("panel, box", [("case_panel", "semantics"), ("case_panel", "init"),
                                        ("data_panel", "source_combo"), ("data_panel", "train_limit"),
                                        ("data_panel", "index")])
def test_a_wheel_tick_over_a_box_scrolls_the_pane_and_leaves_the_box(window, panel, box):
    w = window
    tab_panel = getattr(w, panel)
    widget = getattr(tab_panel, box)
    scroll = show_in_pane(w, tab_panel, widget)
    before_value = widget.currentIndex() if hasattr(widget, "currentIndex") else widget.value()
    config_before = w.current_config()
    bar = scroll.verticalScrollBar()
    position = bar.value()
    wheel_down(widget)
    after_value = widget.currentIndex() if hasattr(widget, "currentIndex") else widget.value()
    assert after_value == before_value
    assert w.current_config() == config_before
    assert bar.value() > position                          # the pane scrolled instead


def test_a_focused_box_takes_the_wheel(window):
    w = window
    box = w.case_panel.init
    show_in_pane(w, w.case_panel, box)
    assert box.focusPolicy() == Qt.FocusPolicy.StrongFocus   # clicking or tabbing focuses; the wheel does not
    box.setCurrentIndex(0)
    box.setFocus()
    QApplication.processEvents()
    wheel_down(box)
    assert box.hasFocus() and box.currentIndex() == 1


def test_a_timesteps_noise_kind_keeps_its_value_under_the_wheel(window):
    w = window
    box = w.data_panel.columns[0].kind
    w.resize(1366, 768)
    w.config_tabs.setCurrentWidget(scroll_area_of(w.data_panel))
    QApplication.processEvents()
    scroll_area_of(w.data_panel).ensureWidgetVisible(box)
    before, config = box.currentIndex(), w.current_config()
    wheel_down(box)
    assert box.currentIndex() == before and w.current_config() == config
