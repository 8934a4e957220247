"""The application object: its icon comes from the package data."""
from __future__ import annotations

import pytest

from ui.window.app import application_icon


def test_the_window_icon_is_the_shipped_one(qapp):
    icon = application_icon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()



def test_garbage_is_collected_only_in_the_gui_thread(qapp, qtbot):
    import gc
    import threading
    from ui.window.app import collect_garbage_in_the_gui_thread
    threads = []

    class Cycle:
        def __init__(self):
            self.me = self

        def __del__(self):
            threads.append(threading.current_thread() is threading.main_thread())

    collector = collect_garbage_in_the_gui_thread(interval_s=0.01)
    try:
        assert not gc.isenabled()
        for _ in range(2000):                   # enough garbage to pass generation 0's threshold
            Cycle()
        worker = threading.Thread(target=lambda: [Cycle() for _ in range(2000)])
        worker.start()
        worker.join()
        assert not threads                      # nothing collected automatically, in any thread
        qtbot.waitUntil(lambda: len(threads) >= 2000, timeout=5000)
        assert all(threads)                     # collected by the timer, in the GUI thread
    finally:
        collector.timer.stop()
        gc.enable()
        gc.collect()


@pytest.mark.parametrize("value, wanted", [(None, True), ("1", True), ("0", False), ("off", False)])
def test_the_warm_engine_can_be_turned_off_for_a_machine_short_of_memory(monkeypatch, value, wanted):
    from ui.window.app import WARM_ENGINE_ENV, warm_engine_wanted
    if value is None:
        monkeypatch.delenv(WARM_ENGINE_ENV, raising=False)
    else:
        monkeypatch.setenv(WARM_ENGINE_ENV, value)
    assert warm_engine_wanted() is wanted
