"""Engine throughput: the seven-case lockstep trainer against Keras `model.fit`.

Both sides run in this one process on the same noisy data, batch size and
architecture. Keras trains one model with case 1's maths (automatic
differentiation of the same loss, Adam); the model's forward pass *is* the
engine's forward pass wrapped in a keras.Model, so the architecture and the
maths cannot drift apart. Throughput is images per second per case: the
lockstep trainer advances every case by B images per step.

    python bench/bench_engine.py                       # every architecture, batch 50
    python bench/bench_engine.py --arch post-a --batch-size 1000 --steps 3
    python bench/bench_engine.py --memory              # peak RSS, seven-case vanilla on 60,000 images
    python bench/bench_engine.py --write               # also update bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def keras_model(arch, weights):
    import keras
    import tensorflow as tf

    class EngineModel(keras.Model):
        """The engine's own forward pass with Keras-owned weights."""

        def __init__(self):
            super().__init__()
            self.w = {n: self.add_weight(shape=a.shape, initializer=keras.initializers.Constant(a), name=n)
                      for n, a in weights.items()}

        def call(self, x):
            xs = tf.transpose(x, [1, 0, 2, 3, 4])          # Keras batches on axis 0; the engine wants [T,B,...]
            return arch.forward(self.w, xs, bptt=True)["probs"]

    return EngineModel()


def bench_arch(key: str, batch: int, steps: int, data) -> dict:
    import keras
    import tensorflow as tf

    from engine import catalog
    from engine.cases import PUBLISHED_CASES
    from engine.settings import TrainSettings
    from engine.trainer import LockstepTrainer

    arch = catalog.build(key)
    schedule = catalog.describe(key).default_noise
    settings = TrainSettings(batch_size=batch, learning_rate=1e-3)
    trainer = LockstepTrainer(arch, list(PUBLISHED_CASES.values()), settings, data, schedule)
    n = batch * steps
    x, y = data.x_train[:n], data.y_train[:n]

    # Lockstep: noise drawn on the host each step, as in a real run.
    train_step, _ = trainer._functions()
    D = tf.constant(1.0)
    train_step(trainer.train_noise(x[:batch]), y[:batch], D)[0].numpy()        # compile
    start = time.perf_counter()
    for s in range(steps):
        sl = slice(s * batch, (s + 1) * batch)
        train_step(trainer.train_noise(x[sl]), y[sl], D)[0].numpy()
    lockstep_s = time.perf_counter() - start

    # Keras: one model, case 1's maths, data noised once beforehand (to Keras' advantage).
    noisy = np.transpose(trainer.train_noise(x), [1, 0, 2, 3, 4])
    onehot = np.eye(10, dtype=np.float32)[y]
    model = keras_model(arch, arch.init_weights(np.random.default_rng(0), settings.init))
    model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-8), loss=keras.losses.CategoricalCrossentropy())
    model.fit(noisy[:batch], onehot[:batch], batch_size=batch, epochs=1, verbose=0)    # compile
    start = time.perf_counter()
    model.fit(noisy, onehot, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    keras_s = time.perf_counter() - start

    lock_per_case = n / lockstep_s
    keras_rate = n / keras_s
    return {"arch": key, "batch": batch, "steps": steps, "lockstep_per_case": lock_per_case,
            "lockstep_all": 7 * lock_per_case, "keras": keras_rate, "ratio": lock_per_case / keras_rate,
            "ratio_all": 7 * lock_per_case / keras_rate}


def peak_memory(n_train: int, epochs: int, batch: int) -> dict:
    """Peak RSS of a seven-case vanilla run on n_train images (the sample tiled: memory
    depends on sizes, not on which digits they are), in a fresh child process."""
    code = f"""
import os, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
from engine import catalog
from engine.cases import PUBLISHED_CASES
from engine.data import Dataset, load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer
s = load_dataset("sample")
reps = -(-{n_train} // len(s.x_train))
data = Dataset("tiled", np.tile(s.x_train, (reps, 1, 1, 1))[:{n_train}], np.tile(s.y_train, reps)[:{n_train}],
               s.x_test, s.y_test, "sample tiled")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = LockstepTrainer(catalog.build("vanilla"), list(PUBLISHED_CASES.values()),
                    TrainSettings(epochs={epochs}, batch_size={batch}), data, catalog.describe("vanilla").default_noise)
start = time.perf_counter()
t.run()
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - start)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    before, peak, seconds = out.stdout.split()[-3:]
    return {"n_train": n_train, "epochs": epochs, "batch": batch, "rss_before_mb": int(before) / 1024,
            "peak_mb": int(peak) / 1024, "seconds": float(seconds)}


def machine() -> str:
    import tensorflow as tf
    return (f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}, TensorFlow {tf.__version__}")


def update_results(section: str, text: str) -> None:
    """Replace one `## section` of bench/RESULTS.md, keeping the others."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    head, marker, rest = old.partition(f"\n## {section}\n")
    tail = ""
    if marker:
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
    path.write_text(head.rstrip("\n") + f"\n\n## {section}\n" + text.rstrip("\n") + "\n" + tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", action="append", help="architecture key (repeatable; default: all)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--memory", action="store_true", help="peak RSS of a seven-case vanilla run instead")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    args = parser.parse_args()

    from engine import catalog
    from engine.data import load_dataset
    from engine.trainer import enable_determinism

    if args.memory:
        m = peak_memory(60_000, 1, 100)
        text = (f"Seven-case vanilla run, {m['n_train']:,} training images, batch {m['batch']}, "
                f"{m['epochs']} epoch, on {machine()}: peak RSS **{m['peak_mb']:.0f} MB** "
                f"(process before training: {m['rss_before_mb']:.0f} MB); the epoch took {m['seconds']:.0f} s. "
                "Target ≤ 1.5 GB.\n")
        print(text)
        if args.write:
            update_results("Memory", text)
        return 0

    enable_determinism()              # what real runs use
    import keras
    keras.utils.set_random_seed(0)    # Keras draws dropout-style seeds even here; determinism demands one
    data = load_dataset("sample")
    keys = args.arch or list(catalog.keys())
    results = [bench_arch(k, args.batch_size, args.steps, data) for k in keys]
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; batch {args.batch_size}, "
             f"{args.steps} timed steps after one compile step; images per second.", "",
             "| architecture | lockstep, per case | lockstep, all 7 cases | Keras fit, 1 model | per-case ratio | all-cases ratio |",
             "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['arch']} | {r['lockstep_per_case']:.0f} | {r['lockstep_all']:.0f} | {r['keras']:.0f} | "
                     f"{r['ratio']:.2f}× | {r['ratio_all']:.2f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        update_results(f"Engine throughput (batch {args.batch_size})", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
