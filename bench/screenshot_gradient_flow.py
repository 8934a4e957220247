"""The gradient-flow screenshots for the README, taken by the real window (offscreen by default).

Trains case 0 against case 6 (dilated dense 3, D = 1000) on the offline
sample with the quick preset's settings, grabs the Gradient flow tab mid-run
(the live per-timestep view) and after the run (per timestep for the last
epoch; over epochs for the recurrent input weight Wx). Writes
docs/screenshots/gradient-flow*.png.

    python bench/screenshot_gradient_flow.py [--epochs 4] [--train-limit 1500] [--out docs/screenshots]
                                             [--size 1600x1000]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The set-up every screenshot script shares; importing it also puts the project on the path and sets the
# offscreen/TensorFlow environment defaults, before Qt or TensorFlow load.
from screenshots import ROOT, Shots  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=1500)
    parser.add_argument("--quirks", default="", help="quirk set for the run (default: corrected)")
    parser.add_argument("--size", default="1600x1000", help="window size WxH")
    args = parser.parse_args()
    shots = Shots(args.out, prefix="rcnn-gradflow-")
    wait_until, settle, save = shots.wait_until, shots.settle, shots.save
    from workbench.core.config import DataSpec, load_preset

    window = shots.window(args.size)
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
    shots.app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
