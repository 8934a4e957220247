"""The gradient-flow screenshots for the README, taken by the real window (offscreen by default).

Trains case 0 against case 6 (dilated dense 3, D = 1000) on the offline
sample with the quick preset's settings, grabs the Gradient flow tab mid-run
(the live per-timestep view) and after the run (per timestep for the last
epoch; over epochs for the recurrent input weight Wx). Writes
docs/screenshots/gradient-flow*.png.

    python bench/screenshot_gradient_flow.py [--epochs 4] [--train-limit 1500] [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=1500)
    parser.add_argument("--quirks", default="", help="quirk set for the run (default: corrected)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rcnn-gradflow-"))
    os.environ["RCNN_WORKBENCH_RUNS"] = str(tmp / "runs")
    os.environ["RCNN_WORKBENCH_SETTINGS"] = str(tmp / "settings.ini")

    import time

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from screenshots import quantize
    app = QApplication([])
    from ui.main_window import MainWindow
    from workbench.config import DataSpec, load_preset

    def wait_until(condition, timeout_s: float, what: str) -> None:
        end = time.monotonic() + timeout_s
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(lambda: (condition() or time.monotonic() > end) and loop.quit())
        timer.start()
        if not condition():
            loop.exec()
        timer.stop()
        if not condition():
            raise TimeoutError(f"timed out waiting for {what}")

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget, name: str) -> None:
        image = widget.grab().toImage()
        path = args.out / f"{name}.png"
        quantize(image).save(str(path), "PNG", 9)
        print(f"{path}  {image.width()}×{image.height()}")

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    quirks = tuple(q for q in args.quirks.split(",") if q)
    config = load_preset("quick").with_(cases=("0", "6"), data=DataSpec("sample", args.train_limit, 500))
    window.load_config(config.with_train(epochs=args.epochs, quirks=quirks))
    wait_until(lambda: not window.data_panel.is_loading(), 30, "the data preview")
    settle()
    panel = window.gradient_flow
    window.start_run()
    window.centre_tabs.setCurrentWidget(panel)
    wait_until(lambda: bool(panel.live) and window.state != "idle", 900, "the first gradient sample")
    settle(600)
    save(window, "gradient-flow-running")
    wait_until(lambda: window.state == "idle", 1800, "the end of the run")
    window.centre_tabs.setCurrentWidget(panel)
    panel.redraw()
    settle(300)
    save(panel, "gradient-flow")
    panel.view.setCurrentIndex(1)
    panel.quantity.setCurrentIndex(4)                  # weight gradient
    panel._changed()
    index = panel.weight.findText("Wx")
    panel.weight.setCurrentIndex(max(index, 0))
    panel.redraw()
    settle(300)
    save(panel, "gradient-flow-epochs")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
