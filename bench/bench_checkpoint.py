"""What checkpoints cost a run: epoch time with checkpoints at the default setting, every epoch, and
off, in one invocation on the same data, and a checkpoint's size and write time.

Post A, all seven cases, batch 50 (about 150 M floats of weights and Adam moments). An epoch's
time is the difference of consecutive epochs' wall_time_s in metrics.csv (the first epoch, which
compiles, left out); a checkpoint written at an epoch's end falls in the next epoch's difference.
The default (time-based) setting writes at most one checkpoint in its period, so its cost per
epoch is also given as one write spread over max(period, epoch time).

    python bench/bench_checkpoint.py            # the full measurement (a quiet machine, minutes)
    python bench/bench_checkpoint.py --tiny     # two cases, a few images: that it runs (the tests)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from workbench.core.config import DataSpec, load_preset  # noqa: E402
from workbench.core.checkpoint_policy import DEFAULT, CheckpointPolicy  # noqa: E402
from workbench.execution.runner import run_experiment  # noqa: E402
from workbench.records import metrics as M  # noqa: E402


def epoch_times(run: Path) -> list[float]:
    walls = sorted({r.epoch: r.wall_time_s for r in M.read_metrics(run / "metrics.csv")}.items())
    return [b - a for (_, a), (_, b) in zip(walls, walls[1:])]


def measure(config, policy: str, where: Path) -> dict:
    outcome = run_experiment(config, where, checkpoint_every=policy)
    if outcome.status != "completed":
        raise SystemExit(f"the {policy} run ended {outcome.status}: {outcome.error}")
    manifest = json.loads((where / "manifest.json").read_text())
    latest = manifest.get("checkpoints", {}).get("latest") or {}
    times = epoch_times(where)
    return {"policy": policy, "epoch_s": statistics.median(times), "epochs_timed": len(times),
            "written": manifest.get("checkpoints", {}).get("written", 0),
            "bytes": latest.get("bytes", 0), "write_s": latest.get("write_seconds", 0.0)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="two cases, 100 images, 3 epochs")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--train-limit", type=int, default=4000, help="images per epoch (the offline sample has 4000)")
    args = parser.parse_args()
    cases = ("0", "1") if args.tiny else ("0", "1", "2", "3", "4", "5", "6")
    data = DataSpec("sample", 100, 50) if args.tiny else DataSpec("sample", args.train_limit, 1000)
    epochs = 3 if args.tiny else max(args.epochs, 3)
    config = load_preset("quick").with_(arch="post-a", cases=cases, data=data).with_train(
        epochs=epochs, batch_size=50, gradient_flow=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("off", DEFAULT, "1"):        # off first: a cold cache costs the checkpointed runs
            rows.append(measure(config, policy, Path(tmp) / policy))
    off = rows[0]["epoch_s"]
    period = CheckpointPolicy.parse(DEFAULT).seconds
    print(f"post-a, {len(cases)} cases, batch 50, {data.train_limit} training images, {epochs} epochs "
          f"(epoch time: median of {rows[0]['epochs_timed']} epochs after the first)")
    print()
    print("| checkpoints | epoch s | vs off | written | checkpoint MB | write s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['policy']} | {r['epoch_s']:.3f} | {100 * (r['epoch_s'] / off - 1):+.1f}% | {r['written']} | "
              f"{r['bytes'] / 1e6:.1f} | {r['write_s']:.2f} |")
    write_s = rows[-1]["write_s"]
    print()
    print(f"default ({DEFAULT}): one {write_s:.2f} s write per max({period:g} s, epoch) = "
          f"{100 * write_s / max(period, off):.2f}% of training time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
