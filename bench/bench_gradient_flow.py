"""Cost of the gradient-flow record on the training step: on against off, in one invocation.

Two lockstep trainers with the same cases, data and seed, one with
`gradient_flow` on and one off, advance through the same batches; epochs are
timed alternately (on, off, off, on, …) so that drift in the machine's load
hits both sides alike. With the record on, every step also takes the
timestep norms (g_t, p_t, dilated, in_t) and the last step of the epoch the
weight norms, exactly as in a run. Reported: median seconds per training
epoch each way and their ratio (the acceptance figure: < 1.10), plus one
step of each kind against one plain step.

    python bench/bench_gradient_flow.py                 # post A, seven cases, quick-preset sizes
    python bench/bench_gradient_flow.py --arch vanilla --batch-size 100
    python bench/bench_gradient_flow.py --tiny          # a smoke run in seconds
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="post-a")
    parser.add_argument("--cases", default="0,1,2,3,4,5,6")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--train-limit", type=int, default=1500)
    parser.add_argument("--points-per-epoch", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=6, help="timed epochs per side")
    parser.add_argument("--quirks", default="", help="quirk set, e.g. stale-state (default none)")
    parser.add_argument("--tiny", action="store_true", help="smoke test: small data, two cases, two repeats")
    args = parser.parse_args(argv)
    if args.tiny:
        args.cases, args.batch_size, args.train_limit, args.repeats = "0,6", 10, 60, 2

    import numpy as np
    import tensorflow as tf

    from engine import catalog
    from engine.cases import resolve_cases
    from engine.data import load_dataset
    from engine.settings import TrainSettings
    from engine.trainer import LockstepTrainer, enable_determinism

    enable_determinism()
    data = load_dataset("sample", train_limit=args.train_limit, test_limit=10)
    arch = catalog.build(args.arch)
    schedule = catalog.describe(args.arch).default_noise
    cases = resolve_cases(args.cases.split(","))
    quirks = tuple(q for q in args.quirks.split(",") if q)
    trainers = {}
    for flow in (True, False):
        s = TrainSettings(batch_size=args.batch_size, seed=0, quirks=quirks, gradient_flow=flow,
                          points_per_epoch=args.points_per_epoch)
        trainers[flow] = LockstepTrainer(arch, cases, s, data, schedule)
    B = args.batch_size
    n = len(data.x_train) // B
    report_every = max(1, n // args.points_per_epoch)
    batches = [(trainers[True].train_noise(data.x_train[i * B:(i + 1) * B]), data.y_train[i * B:(i + 1) * B])
               for i in range(n)]
    D = tf.constant(1000.0)

    def epoch(flow: bool) -> float:
        plain, _, full = trainers[flow]._functions()
        start = time.perf_counter()
        for b, (xs, y) in enumerate(batches):
            step = full if flow and b + 1 == n else plain
            out = step(xs, y, D)
            out[0].numpy()                      # the trainer reads the costs after every step
            if flow and ((b + 1) % report_every == 0 or b + 1 == n):
                out[2].numpy()                  # and the norms at the report cadence
        return time.perf_counter() - start

    epoch(True), epoch(False)                  # compile both paths
    times = {True: [], False: []}
    for r in range(args.repeats):
        for flow in ((True, False) if r % 2 == 0 else (False, True)):
            times[flow].append(epoch(flow))

    def one(fn, k=5):
        xs, y = batches[0]
        out = []
        for _ in range(k):
            start = time.perf_counter()
            fn(xs, y, D)[0].numpy()
            out.append(time.perf_counter() - start)
        return statistics.median(out)

    step_plain = one(trainers[False]._functions()[0])
    step_timesteps, _, full = trainers[True]._functions()
    step_timesteps, step_full = one(step_timesteps), one(full)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"{args.arch}, cases {args.cases}, batch {B}, {n} steps an epoch, read every {report_every} "
          f"steps, quirks {quirks or 'none'}, {args.repeats} epochs per side, interleaved")
    print(f"training epoch: record on {on:.3f} s, off {off:.3f} s (medians): ratio {on / off:.3f}")
    print(f"one step: plain {step_plain * 1000:.1f} ms; with timestep norms {step_timesteps * 1000:.1f} ms "
          f"(ratio {step_timesteps / step_plain:.3f}); with weight norms too {step_full * 1000:.1f} ms "
          f"(ratio {step_full / step_plain:.3f}, once an epoch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
