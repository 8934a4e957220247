"""Screenshot of the window running a study (README "Studies"): four vanilla trials on two worker processes.

    python bench/screenshot_study.py [--backend processes] [--out docs/screenshots/study-running.png]

Run it under a display (Xvfb works) or with QT_QPA_PLATFORM=offscreen. The picture is taken once at
least one trial has finished while another is still training, and again at the end (…-done.png).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="processes")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "study-running.png")
    p.add_argument("--size", default="1600x1000")
    a = p.parse_args()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.window.main_window import MainWindow
    from workbench.core.config import DataSpec, load_preset

    app = QApplication.instance() or QApplication([])
    w = MainWindow()
    width, height = (int(v) for v in a.size.split("x"))
    w.resize(width, height)
    w.show()
    w.load_config(load_preset("quick", "vanilla").with_(data=DataSpec("sample", 1000, 300))
                  .with_train(epochs=3, batch_size=50))
    panel = w.study_panel
    panel.seeds.setText("0-3")
    panel.backend.setCurrentText(a.backend)
    panel.workers.setValue(2)
    taken = []

    def tick():
        states = [panel.table.item(r, 3).text() for r in range(panel.table.rowCount())
                  if panel.table.item(r, 3) is not None]
        if not taken and any(s == "completed" for s in states) and any(s == "running" for s in states):
            w.centre_tabs.setCurrentWidget(panel)
            app.processEvents()
            w.grab().save(str(a.out))
            w.centre_tabs.setCurrentWidget(w.plots)
            app.processEvents()
            w.grab().save(str(a.out.with_name(a.out.stem + "-plots.png")))
            w.centre_tabs.setCurrentWidget(panel)
            taken.append(True)
            print(f"saved {a.out}", flush=True)
        if w.state == "idle" and w.last_outcome is not None:
            w.grab().save(str(a.out.with_name(a.out.stem + "-done.png")))
            timer.stop()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(1000)
    w.start_study()
    app.exec()
    w.controller.shutdown()
    print(f"study {w.last_outcome.status}: {w.last_outcome.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
