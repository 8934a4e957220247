"""Screenshots of the workbench, taken offscreen by the real window (`make screenshot`).

Starts the window (at --size, 1366×768 by default: a laptop screen), grabs it
before a run, trains a short seven-case run on the offline sample and grabs it
mid-run (with the hover tooltip) and after, then a second run beside it from the
run list, two published logs laid over the curves (one of another architecture,
flagged), the log tab, and a small multi-trial run with per-trial lines, bands
and the seed comparison. Writes docs/screenshots/*.png (8-bit PNGs with an
adaptive palette, kept small).

    python bench/screenshots.py [--out docs/screenshots] [--epochs 4] [--train-limit 1000] [--size 1366x768]
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


def quantize(image):
    """A 24-bit QImage as an 8-bit one with an adaptive palette (the 256 most used colours).

    Colours are binned at 5 bits per channel; each palette entry is the mean colour of its bin
    and every other bin maps to the nearest entry, so flat UI colours stay exact and only rare
    anti-aliasing shades move a little. Files come out at a third of the 24-bit size.
    """
    import numpy as np
    from PySide6.QtGui import QImage, qRgb

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = rgb.width(), rgb.height(), rgb.bytesPerLine()
    pixels = np.frombuffer(rgb.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)[:, :w * 3]
    pixels = pixels.reshape(h, w, 3).astype(np.int64)
    q = pixels >> 3
    key = ((q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]).ravel()
    counts = np.bincount(key, minlength=1 << 15)
    flat = pixels.reshape(-1, 3)
    means = np.stack([np.bincount(key, weights=flat[:, c], minlength=1 << 15) for c in range(3)], axis=1)
    present = np.nonzero(counts)[0]
    means[present] /= counts[present, None]
    chosen = present[np.argsort(counts[present])[::-1][:256]]
    palette = np.rint(means[chosen]).astype(np.int64)
    distance = ((means[present][:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    lut = np.zeros(1 << 15, np.uint8)
    lut[present] = np.argmin(distance, axis=1).astype(np.uint8)
    indices = np.ascontiguousarray(lut[key].reshape(h, w))
    out = QImage(indices.data, w, h, w, QImage.Format.Format_Indexed8).copy()
    out.setColorTable([qRgb(int(r), int(g), int(b)) for r, g, b in palette])
    return out


class Shots:
    """What every screenshot script sets up: a private runs folder and settings file (the user's are
    never touched), the application, and helpers to wait on the window and save 8-bit PNGs into `out`."""

    def __init__(self, out: Path, prefix: str = "rcnn-shots-"):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=prefix))
        os.environ["RCNN_WORKBENCH_RUNS"] = str(tmp / "runs")
        os.environ["RCNN_WORKBENCH_SETTINGS"] = str(tmp / "settings.ini")
        from PySide6.QtWidgets import QApplication
        self.app = QApplication.instance() or QApplication([])
        self.app.setApplicationName("RCNN Workbench")

    def window(self, size: str):
        """The main window at `size` ("WxH"), shown, closing without asking."""
        from ui.window.main_window import MainWindow
        window = MainWindow()
        window.confirm_close = False
        width, height = (int(v) for v in size.lower().split("x"))
        window.resize(width, height)
        window.set_pane_widths(width)       # as the window opens on a screen of that size
        window.show()
        return window

    @staticmethod
    def wait_until(condition, timeout_s: float, what: str) -> None:
        from PySide6.QtCore import QEventLoop, QTimer
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

    @staticmethod
    def settle(ms: int = 400) -> None:
        from PySide6.QtCore import QEventLoop, QTimer
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(self, widget, name: str) -> Path:
        image = widget.grab().toImage()
        small = quantize(image)       # Qt's own 8-bit conversion turned the translucent bands grey
        path = self.out / f"{name}.png"
        small.save(str(path), "PNG", 9)
        print(f"{path}  {image.width()}×{image.height()}  {path.stat().st_size // 1024} KB")
        return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=1000)
    parser.add_argument("--test-limit", type=int, default=300)
    parser.add_argument("--semantics", default="as-published", choices=("corrected", "as-published"))
    parser.add_argument("--no-trials", action="store_true", help="skip the multi-trial screenshot")
    parser.add_argument("--size", default="1366x768", help="window size WxH (default: a 1366×768 laptop)")
    args = parser.parse_args()
    shots = Shots(args.out)
    app, wait_until, settle, save = shots.app, shots.wait_until, shots.settle, shots.save
    from workbench.core.config import DataSpec, load_preset

    window = shots.window(args.size)
    config = load_preset("quick").with_(data=DataSpec("sample", train_limit=args.train_limit,
                                                      test_limit=args.test_limit))
    # as-published semantics: the seven cases separate within a few epochs, so every colour shows
    window.load_config(config.with_train(epochs=args.epochs, semantics=args.semantics))
    wait_until(lambda: not window.data_panel.is_loading(), 30, "the data preview")
    settle()
    save(window, "main-window-before")

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
    epoch_rows = lambda: len({r.epoch for r in window.plots.curves.rows})
    target_epochs = max(1, args.epochs // 2)
    wait_until(lambda: epoch_rows() >= target_epochs, 900, f"{target_epochs} epoch(s)")
    wait_until(lambda: len(window.plots.curve_points(0, "0")[0]) >= target_epochs * steps_per_epoch
               + steps_per_epoch // 2 or epoch_rows() >= args.epochs, 600, "half an epoch more")
    window.plots.refresh_now()
    settle(300)
    plot = window.plots.plots[3]
    (x0, x1), (y0, y1) = plot.vb.viewRange()
    from PySide6.QtCore import QPointF
    window.plots.hover_at(plot.vb.mapViewToScene(QPointF(x0 + 0.55 * (x1 - x0), y0 + 0.5 * (y1 - y0))))
    save(window, "main-window-running")
    save(window.plots, "live-plots")
    save(window.run_panel, "run-panel")
    window.plots.clear_hover()
    wait_until(lambda: window.state == "idle", 1800, "the end of the run")
    settle()
    save(window, "main-window-after")
    first_run = window.run_dir

    # ---- after the run
    window.centre_tabs.setCurrentWidget(window.results)
    settle(300)
    save(window.results, "results-panel")
    window.centre_tabs.setCurrentWidget(window.log_view)
    settle(200)
    save(window, "log-tab")
    window.centre_tabs.setCurrentWidget(window.plots)

    # ---- a second run (the other semantics), then both side by side from the run list
    other = "corrected" if args.semantics == "as-published" else "as-published"
    window.load_config(config.with_train(epochs=max(2, args.epochs // 2), semantics=other))
    window.start_run()
    wait_until(lambda: window.state == "idle", 1800, "the second run")
    window.run_list.refresh()
    window.config_tabs.setCurrentWidget(window.run_list_tab)
    window.run_list.set_ticked(first_run, True)
    window.plots.refresh_now()
    settle(400)
    save(window, "run-list-overlay")
    window.run_list.untick_all()

    # ---- published logs: post A's, and a post-B log (another architecture: flagged, y fitted to the run)
    window.open_run(first_run)
    window.compare_with_log(ROOT / "resources" / "published_logs" / "Transparcy2.txt")
    window.compare_with_log(ROOT / "resources" / "published_logs" / "casea.txt")
    window.plots.set_smoothing(0.0)
    settle(300)
    save(window.plots, "compare-published")
    window.plots.clear_reference()
    window.plots.set_y_mode("linear")

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
