"""Packed seeds: K seeds trained as one pack against K trials on the processes backend, in one invocation.

Every side runs `main.py` in a fresh process (each pays its own start-up, as a
user's command does), on the same data and settings:

- pack: `run --trials K` (the K seeds as one pack, TensorFlow's default threads);
- processes: `study --seeds 0-(K-1) --backend processes --workers W --threads-per-worker 1 --pack off`
  (one trial per worker process, as studies ran before packing);
- one trial: `run --trials 1`, for the memory comparison.

Reported: wall time of each and the processes/pack ratio (target ≥ 2× for 5 seeds × 7
vanilla cases on 2 cores), and the peak RSS of the pack against one trial's (target
≤ 1.5×). Peak RSS is the child's ru_maxrss (the largest process: for the processes
backend, its driver or a worker, whichever was larger).

    python bench/bench_seeds.py                 # 5 seeds × 7 vanilla cases (idle machine; minutes)
    python bench/bench_seeds.py --tiny          # a smoke check of the script (seconds of training)
    python bench/bench_seeds.py --write         # also record the figures in bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(cmd: list[str]) -> dict:
    """Wall time and peak RSS of one command in a fresh child (the child is measured alone: this
    script's own children are only the ones it waits for here)."""
    code = ("import resource, subprocess, sys, time\n"
            "t0 = time.perf_counter()\n"
            "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "wall = time.perf_counter() - t0\n"
            "print(done.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.stderr.write(done.stderr[-2000:])\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RCNN_WORKBENCH_TRAIN_NICE": "0",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code, *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    fields = out.stdout.split()
    if len(fields) < 3 or fields[0] != "0":
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        raise SystemExit(f"{' '.join(cmd[1:4])}… failed: {last}")
    return {"wall_s": float(fields[1]), "peak_mb": int(fields[2]) / 1024}


def common(a) -> list[str]:
    return ["--arch", "vanilla", "--cases", a.cases, "--epochs", str(a.epochs), "--train-limit", str(a.train_limit),
            "--test-limit", str(a.test_limit), "--batch-size", str(a.batch_size), "--quiet"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cases", default="all")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-limit", type=int, default=1000)
    parser.add_argument("--test-limit", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--tiny", action="store_true", help="2 seeds × 2 cases, 100 images, 1 epoch")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    a = parser.parse_args(argv)
    if a.tiny:
        a.seeds, a.cases, a.epochs, a.train_limit, a.test_limit = 2, "0,1", 1, 100, 50
    main_py = [sys.executable, str(ROOT / "main.py")]
    with tempfile.TemporaryDirectory(prefix="bench-seeds-") as scratch:
        scratch = Path(scratch)
        pack = measure([*main_py, "run", *common(a), "--trials", str(a.seeds), "--out", str(scratch / "pack")])
        procs = measure([*main_py, "study", *common(a), "--seeds", f"0-{a.seeds - 1}", "--backend", "processes",
                         "--workers", str(a.workers), "--threads-per-worker", "1", "--pack", "off",
                         "--out", str(scratch / "processes")])
        one = measure([*main_py, "run", *common(a), "--trials", "1", "--out", str(scratch / "one")])
        packing = json.loads((scratch / "pack" / "manifest.json").read_text())["packing"]
    if not packing["packed"]:
        raise SystemExit("the pack run did not pack its trials")
    lines = [f"{a.seeds} seeds × cases {a.cases} of vanilla, {a.epochs} epoch(s) of {a.train_limit} images "
             f"(test {a.test_limit}), batch {a.batch_size}; {os.cpu_count()} cores, {platform.processor() or platform.machine()}",
             "",
             "| side | wall s | peak RSS MB |",
             "|---|---:|---:|",
             f"| pack (`run --trials {a.seeds}`) | {pack['wall_s']:.1f} | {pack['peak_mb']:.0f} |",
             f"| processes ({a.workers} workers × 1 thread, `--pack off`) | {procs['wall_s']:.1f} | {procs['peak_mb']:.0f} |",
             f"| one trial (`run --trials 1`) | {one['wall_s']:.1f} | {one['peak_mb']:.0f} |",
             "",
             f"processes / pack wall time: {procs['wall_s'] / pack['wall_s']:.2f}× (target ≥ 2×); "
             f"pack / one trial peak RSS: {pack['peak_mb'] / one['peak_mb']:.2f}× (target ≤ 1.5×)"]
    text = "\n".join(lines)
    print(text)
    if a.write and not a.tiny:
        from bench.bench_engine import update_results
        update_results("Packed seeds", f"Measured {time.strftime('%Y-%m-%d')} by `bench/bench_seeds.py`.\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
