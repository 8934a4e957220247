"""The workbench window (`rcnn-workbench`, `python main.py` or `make run`, via workbench/entry/launcher.py).

The window is shown and painted before anything imports TensorFlow. TensorFlow never loads
in the window's process: runs train in an engine process (workbench/execution/engine_process.py), and
one such process starts loading in the background just after the window is painted, so the
first Run does not wait for it.

RCNN_WORKBENCH_REPORT_PAINT=1 prints "first-paint <seconds since the epoch>
<tensorflow imported: 0/1>" at the first paint of the window (used by
bench/bench_gui.py); =exit also quits right after it.
"""
from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402

from workbench.core.version import app_version


GIL_SWITCH_INTERVAL_S = 0.001
ENGINE_WARM_DELAY_MS = 500
WARM_ENGINE_ENV = "RCNN_WORKBENCH_WARM_ENGINE"


def warm_engine_wanted() -> bool:
    """Keep a spare engine process with TensorFlow loaded (about 550 MB) so Run starts at once?

    Yes unless RCNN_WORKBENCH_WARM_ENGINE=0: on a machine short of memory each run then loads
    TensorFlow in its own engine process when Run is pressed (a few seconds, the window stays smooth).
    """
    return os.environ.get(WARM_ENGINE_ENV, "1").strip() not in ("0", "no", "false", "off")


def application_icon():
    """The window and task-bar icon, from the package data (resources/icons)."""
    import resources
    from PySide6.QtGui import QIcon
    icon = QIcon()
    for kind in ("svg", "png"):
        path = resources.icon(kind)
        if path.is_file():
            icon.addFile(str(path))
    return icon


def share_the_gil_quickly(interval_s: float = GIL_SWITCH_INTERVAL_S) -> None:
    """Let the GUI thread get the GIL back sooner while the worker runs Python code.

    CPython hands the GIL to a waiting thread every 5 ms by default; a Qt call from the GUI
    thread that has to wait for it is late by that much, and a redraw makes dozens of calls.
    1 ms keeps the event loop responsive at a small cost to the worker.
    """
    sys.setswitchinterval(interval_s)


def collect_garbage_in_the_gui_thread(interval_s: float = 1.0):
    """Python's cyclic garbage collection only in the GUI thread, from a timer; returns the collector.

    Left automatic, a collection can start in the training thread and destroy a Qt object
    there (a closed dialog's widgets, say) while the GUI thread deletes another: each then
    waits for what the other holds (the GIL, a Qt mutex), and the window freezes. This was
    seen as a hang in the test suite. pyqtgraph's GarbageCollector disables the automatic
    collection and runs it from a QTimer in the GUI thread instead.
    """
    from pyqtgraph.util.garbage_collector import GarbageCollector
    return GarbageCollector(interval=interval_s)


class _FirstPaint(QObject):
    """Reports the first paint of a widget once."""

    def __init__(self, quit_after: bool):
        super().__init__()
        self.quit_after = quit_after
        self.done = False

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            print(f"first-paint {time.time():.6f} {int('tensorflow' in sys.modules)}", flush=True)
            if self.quit_after:
                QTimer.singleShot(0, obj.window().close)
        return False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    share_the_gil_quickly()
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    collector = collect_garbage_in_the_gui_thread()  # noqa: F841 (kept alive for the app's life)
    app.setApplicationName("RCNN Workbench")
    app.setOrganizationName("rcnn-workbench")
    app.setApplicationDisplayName("RCNN Workbench")
    app.setApplicationVersion(app_version())
    app.setDesktopFileName("rcnn-workbench")      # matches the installed .desktop entry (icon on Wayland)
    app.setWindowIcon(application_icon())

    from ui.window.main_window import MainWindow
    window = MainWindow()
    report = os.environ.get("RCNN_WORKBENCH_REPORT_PAINT", "")
    if report:
        watcher = _FirstPaint(quit_after=report == "exit")
        window.installEventFilter(watcher)
        for child in (window.centralWidget(), window.plots.view.viewport()):
            child.installEventFilter(watcher)
    window.show()
    # After the first paint: a spare engine process loads TensorFlow while the user sets up a run.
    if warm_engine_wanted():
        QTimer.singleShot(ENGINE_WARM_DELAY_MS, window.controller.keep_engine_warm)
    code = app.exec()
    if window.controller.running:       # the window closed some other way: still leave no thread
        window.controller.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
