"""Per-epoch cost of writing a run folder: does it stay constant as the run grows?

Feeds a RunFolder synthetic epoch events (seven cases, no TensorFlow, no training) for N epochs and
times `RunFolder.epoch` (metrics.csv append + fsync, transparency.txt append, TensorBoard event
append, manifest replace). Prints the median time of the first and of the last 100 epochs and
their ratio (≈ 1.0 when the cost is constant; the first version rebuilt transparency.txt at every
epoch: 1.7 ms at the start, 79 ms at epoch 3,000 with seven cases).

    python bench/bench_run_folder.py            # 3000 epochs (the issue's figure)
    python bench/bench_run_folder.py --epochs 300
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.events import CaseEpoch, EpochEvent, Progress  # noqa: E402
from workbench.core.config import DataSpec, load_preset  # noqa: E402
from workbench.records.run_folder import RunFolder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3000)
    args = parser.parse_args()
    n = max(args.epochs, 200)
    config = load_preset("quick").with_(data=DataSpec("sample", 100, 40)).with_train(epochs=n)
    keys = [c.key for c in config.case_objects()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = RunFolder(Path(tmp) / "run", config)
        folder.start_trial(0, 0)
        times = []
        for e in range(n):
            metrics = {k: CaseEpoch(120.0 + e / 7 + i, 0.9 - i / 100, 121.0 + e / 9, 0.8) for i, k in enumerate(keys)}
            event = EpochEvent(0, e, metrics, (), Progress(e + 1, n, float(e), None), float(e))
            t0 = time.perf_counter()
            folder.epoch(event)
            times.append(time.perf_counter() - t0)
        folder.finish("completed")
    first, last = statistics.median(times[:100]), statistics.median(times[-100:])
    print(f"{len(keys)} cases, {n} epochs: median epoch write {first * 1e3:.2f} ms (first 100), "
          f"{last * 1e3:.2f} ms (last 100), ratio {last / first:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
