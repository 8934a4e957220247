"""Screenshots of the workbench, taken offscreen by the real window (`make screenshot`).

Starts the window, trains a short seven-case run on the offline sample,
grabs the main window mid-run and each panel, then the results, a published
log laid over the curves, and a small multi-trial run with bands and the
seed comparison. Writes docs/screenshots/*.png (palette PNGs, kept small).

    python bench/screenshots.py [--out docs/screenshots] [--epochs 4] [--train-limit 1000]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=1000)
    parser.add_argument("--test-limit", type=int, default=300)
    parser.add_argument("--semantics", default="as-published", choices=("corrected", "as-published"))
    parser.add_argument("--no-trials", action="store_true", help="skip the multi-trial screenshot")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rcnn-shots-"))
    os.environ["RCNN_WORKBENCH_RUNS"] = str(tmp / "runs")
    os.environ["RCNN_WORKBENCH_SETTINGS"] = str(tmp / "settings.ini")

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    app.setApplicationName("RCNN Workbench")
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

    def save(widget, name: str) -> Path:
        image = widget.grab().toImage()
        small = image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither
                                      | Qt.ImageConversionFlag.AvoidDither)
        path = args.out / f"{name}.png"
        small.save(str(path), "PNG", 9)
        print(f"{path}  {image.width()}×{image.height()}  {path.stat().st_size // 1024} KB")
        return path

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    config = load_preset("quick").with_(data=DataSpec("sample", train_limit=args.train_limit,
                                                      test_limit=args.test_limit))
    # as-published semantics: the seven cases separate within a few epochs, so every colour shows
    window.load_config(config.with_train(epochs=args.epochs, semantics=args.semantics))
    wait_until(lambda: not window.data_panel.is_loading(), 30, "the data preview")
    settle()

    # ---- the configuration panels, each at a comfortable size
    for index, (panel, name) in enumerate(((window.data_panel, "data-noise-panel"),
                                           (window.gallery, "architecture-gallery"),
                                           (window.case_panel, "case-panel"))):
        window.config_tabs.setCurrentIndex(index)
        settle(200)
        save(panel, name)
    window.config_tabs.setCurrentIndex(2)

    # ---- a seven-case run: the main window mid-run
    window.start_run()
    steps_per_epoch = window.run_config.train.points_per_epoch
    epoch_rows = lambda: len({r.epoch for r in window.plots._rows})
    target_epochs = max(1, args.epochs // 2)
    wait_until(lambda: epoch_rows() >= target_epochs, 900, f"{target_epochs} epoch(s)")
    wait_until(lambda: len(window.plots.curve_points(0, "0")[0]) >= target_epochs * steps_per_epoch
               + steps_per_epoch // 2 or epoch_rows() >= args.epochs, 600, "half an epoch more")
    window.plots.refresh_now()
    settle(300)
    save(window, "main-window-running")
    save(window.plots, "live-plots")
    save(window.run_panel, "run-panel")
    wait_until(lambda: window.state == "idle", 1800, "the end of the run")
    settle()

    # ---- after the run
    window.centre_tabs.setCurrentWidget(window.results)
    settle(300)
    save(window.results, "results-panel")
    window.centre_tabs.setCurrentWidget(window.plots)
    window.compare_with_log(ROOT / "resources" / "published_logs" / "Transparcy2.txt")
    window.plots.set_smoothing(0.0)
    settle(300)
    save(window.plots, "compare-published")
    window.plots.clear_reference()

    # ---- several trials: bands and the seed comparison
    if not args.no_trials:
        trials = config.with_(cases=("0", "1", "4"), trials=3,
                              data=DataSpec("sample", train_limit=500, test_limit=200)).with_train(epochs=3)
        window.load_config(trials)
        window.start_run()
        wait_until(lambda: window.state == "idle", 1800, "the multi-trial run")
        window.plots.refresh_now()
        settle(300)
        save(window.plots, "trials-bands")
        window.centre_tabs.setCurrentWidget(window.results)
        settle(300)
        save(window.results, "trials-comparison")

    window.close()
    del window
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
