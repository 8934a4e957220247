"""The application object: its icon comes from the package data."""
from __future__ import annotations

from ui.app import application_icon


def test_the_window_icon_is_the_shipped_one(qapp):
    icon = application_icon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()

