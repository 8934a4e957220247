"""Engine fidelity: record short seeded runs with one engine, compare another engine's runs to them.

A change to the engine's maths layout (how cases are batched, which kernels
run) may change float32 summation order and nothing else. This records, for
every architecture under `corrected` and `as-published`, a few epochs of all
seven cases on the embedded sample digits, and states the largest difference
per architecture against a recording made before the change.

    python bench/engine_fidelity.py record /work/notes/engine-baseline     # before the change
    python bench/engine_fidelity.py compare /work/notes/engine-baseline    # after it
    python bench/engine_fidelity.py record DIR --tiny                      # one epoch, few digits

Each run is one JSON file: every epoch's metrics per case, and every final
weight's norm per case.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEMANTICS = ("corrected", "as-published")
METRICS = ("train_cost", "train_accuracy", "test_cost", "test_accuracy")


def run_one(arch_key: str, semantics: str, tiny: bool) -> dict:
    import numpy as np

    from engine import catalog
    from engine.cases import PUBLISHED_CASES
    from engine.data import load_dataset
    from engine.settings import TrainSettings
    from engine.trainer import LockstepTrainer

    data = load_dataset("sample", train_limit=40 if tiny else 200, test_limit=20 if tiny else 100)
    settings = TrainSettings(epochs=1 if tiny else 3, batch_size=20 if tiny else 50, learning_rate=0.003,
                             seed=7, semantics=semantics, points_per_epoch=2)
    trainer = LockstepTrainer(catalog.build(arch_key), list(PUBLISHED_CASES.values()), settings, data,
                              catalog.describe(arch_key).default_noise)
    epochs: list[dict] = []

    class Recorder:
        def on_step(self, event):
            pass

        def on_epoch(self, event):
            epochs.append({k: {m: getattr(v, m) for m in METRICS} for k, v in event.metrics.items()})

    result = trainer.run(Recorder())
    norms = {k: {n: float(np.linalg.norm(np.asarray(v, np.float64))) for n, v in ws.items()}
             for k, ws in trainer.weights.items()}
    return {"arch": arch_key, "semantics": semantics, "status": result.status, "epochs": epochs,
            "weight_norms": norms, "diverged_at": result.diverged_at}


def _rel(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return 0.0 if a == b else math.inf
    return abs(a - b) / max(abs(b), 1e-12)


def difference(new: dict, old: dict) -> tuple[float, str]:
    """The largest relative difference between two recordings of one run, and where it is."""
    worst, where = 0.0, "identical"
    for e, (ne, oe) in enumerate(zip(new["epochs"], old["epochs"])):
        for case in oe:
            for m in METRICS:
                d = _rel(ne[case][m], oe[case][m])
                if d > worst:
                    worst, where = d, f"epoch {e} case {case} {m}"
    for case, names in old["weight_norms"].items():
        for name, value in names.items():
            d = _rel(new["weight_norms"][case][name], value)
            if d > worst:
                worst, where = d, f"case {case} ‖{name}‖"
    if len(new["epochs"]) != len(old["epochs"]) or new["diverged_at"] != old["diverged_at"]:
        worst, where = math.inf, "different epochs or divergence"
    return worst, where


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--arch", action="append", help="architecture key (repeatable; default: all)")
    parser.add_argument("--tiny", action="store_true", help="one short epoch on a few digits")
    args = parser.parse_args(argv)

    from engine import catalog
    from engine.trainer import enable_determinism

    enable_determinism()
    if args.mode == "compare" and not args.folder.is_dir():
        print(f"error: no recording in {args.folder}", file=sys.stderr)
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    worst_per_arch: dict[str, tuple[float, str]] = {}
    for key in args.arch or catalog.keys():
        for semantics in SEMANTICS:
            run = run_one(key, semantics, args.tiny)
            path = args.folder / f"{key}-{semantics}.json"
            if args.mode == "record":
                path.write_text(json.dumps(run, indent=1))
                print(f"recorded {path.name}")
                continue
            if not path.exists():
                print(f"error: {path} was not recorded", file=sys.stderr)
                return 2
            d, where = difference(run, json.loads(path.read_text()))
            print(f"{key} {semantics}: largest relative difference {d:.3g} ({where})")
            if d >= worst_per_arch.get(key, (-1.0, ""))[0]:
                worst_per_arch[key] = (d, f"{semantics}, {where}")
    if args.mode == "compare":
        print("\n| architecture | largest relative difference | where |\n|---|---|---|")
        for key, (d, where) in worst_per_arch.items():
            print(f"| {key} | {d:.2g} | {where} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
