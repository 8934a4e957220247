"""Engine throughput: the seven-case lockstep trainer against Keras `model.fit`, and post A's FC FLOP rate.

Both sides run in this one process on the same noisy data, batch size and
architecture. Keras trains one model with case 1's maths (automatic
differentiation of the same loss, Adam); the model's forward pass *is* the
engine's forward pass wrapped in a keras.Model, so the architecture and the
maths cannot drift apart. The lockstep trainer advances all seven cases by B
images per step; the ratio is the seven cases' images per second against the
one Keras model's. `--before REV` measures the engine of another git revision
in the same process (extracted to a temporary package), for before/after tables.

    python bench/bench_engine.py                       # every architecture, batch 50
    python bench/bench_engine.py --before 6d0f83d      # and the per-case engine, side by side
    python bench/bench_engine.py --arch post-a --batch-size 1000 --steps 3
    python bench/bench_engine.py --tiny                # a few small steps: the code path, not the figures
    python bench/bench_engine.py --memory              # peak RSS, seven-case vanilla on 60,000 images
    python bench/bench_engine.py --write               # also update bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def load_engine(rev: str | None):
    """The engine package to measure: this tree's, or the one at git revision `rev`, extracted to a
    temporary folder under another package name (so both live in one process, side by side)."""
    import importlib
    if rev is None:
        return importlib.import_module("engine")
    name = "engine_" + "".join(c for c in rev if c.isalnum())
    folder = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "engine"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    (folder / "engine").rename(folder / name)
    sys.path.insert(0, str(folder))
    package = importlib.import_module(name)
    for module in ("catalog", "cases", "settings", "trainer"):
        importlib.import_module(f"{name}.{module}")
    # Older catalogs name their compute modules absolutely ("engine.post_a"): point them here.
    package.catalog._COMPUTE = {k: (m.replace("engine.", f"{name}.", 1) if m.startswith("engine.") else m, c)
                                for k, (m, c) in package.catalog._COMPUTE.items()}
    return package


def keras_model(arch, weights):
    """One Keras model whose forward pass is this engine's (one member on the member axis)."""
    import keras
    import tensorflow as tf

    class EngineModel(keras.Model):
        """The engine's own forward pass with Keras-owned weights."""

        def __init__(self):
            super().__init__()
            self.w = {n: self.add_weight(shape=(1, *a.shape), initializer=keras.initializers.Constant(a[None]),
                                         name=n) for n, a in weights.items()}

        def call(self, x):
            xs = tf.transpose(x, [1, 0, 2, 3, 4])          # Keras batches on axis 0; the engine wants [T,B,...]
            return arch.forward(self.w, xs, bptt=True)["probs"][0]

    return EngineModel()


def lockstep(engine, key: str, batch: int, steps: int, data) -> dict:
    """Seconds per training step of all seven cases, and the compiled step's op count."""
    import tensorflow as tf

    arch = engine.catalog.build(key)
    settings = engine.settings.TrainSettings(batch_size=batch, learning_rate=1e-3)
    trainer = engine.trainer.LockstepTrainer(arch, list(engine.cases.PUBLISHED_CASES.values()), settings, data,
                                             engine.catalog.describe(key).default_noise)
    train_step = trainer._functions()[0]
    ops = len(train_step.get_concrete_function().graph.get_operations())
    n = batch * steps
    x, y = data.x_train[:n], data.y_train[:n]
    D = tf.constant(1.0)
    train_step(trainer.train_noise(x[:batch]), y[:batch], D)[0].numpy()        # compile
    start = time.perf_counter()
    for s in range(steps):                           # noise drawn on the host each step, as in a real run
        sl = slice(s * batch, (s + 1) * batch)
        train_step(trainer.train_noise(x[sl]), y[sl], D)[0].numpy()
    return {"step_s": (time.perf_counter() - start) / steps, "ops": ops}


def keras_step(engine, key: str, batch: int, steps: int, data) -> float:
    """Seconds per step of Keras fitting one model (case 1's maths), data noised beforehand."""
    import keras

    from engine.noise import NoiseStream

    arch = engine.catalog.build(key)
    n = batch * steps
    x, y = data.x_train[:n], data.y_train[:n]
    noisy = np.transpose(NoiseStream(engine.catalog.describe(key).default_noise, 0)(x), [1, 0, 2, 3, 4])
    onehot = np.eye(10, dtype=np.float32)[y]
    model = keras_model(arch, arch.init_weights(np.random.default_rng(0), "scaled"))
    model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-8), loss=keras.losses.CategoricalCrossentropy())
    model.fit(noisy[:batch], onehot[:batch], batch_size=batch, epochs=1, verbose=0)    # compile
    start = time.perf_counter()
    model.fit(noisy, onehot, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / steps


def matmul_rate(batch: int, members: int, repeats: int) -> float:
    """FLOP/s of post A's FC product [B,13824]x[13824,512]: the faster of one matmul and a
    batched matmul of `members` such products, in this process."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    k, n = 13824, 512
    a = tf.constant(rng.standard_normal((members, batch, k), dtype=np.float32))
    w = tf.constant(rng.standard_normal((members, k, n), dtype=np.float32))
    one = tf.function(lambda: tf.reduce_sum(tf.matmul(a[0], w[0])))
    batched = tf.function(lambda: tf.reduce_sum(tf.matmul(a, w)))
    best = {}
    for name, fn, products in (("one", one, 1), ("batched", batched, members)):
        fn().numpy()
        seconds = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            fn().numpy()
            seconds = min(seconds, time.perf_counter() - start)
        best[name] = products * 2 * batch * k * n / seconds
    return max(best.values())


def fc_flops_per_step(batch: int, cases: int = 7) -> float:
    """Post A's 13824x512 layer: forward and two backward products per case."""
    return cases * 3 * 2 * batch * 13824 * 512


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


def throughput(engines: dict, keys, batch: int, steps: int, data) -> list[dict]:
    """Per architecture: every engine's seven-case step against Keras fitting one model."""
    import engine as current
    rows = []
    for key in keys:
        row = {"arch": key, "keras_s": keras_step(current, key, batch, steps, data)}
        for label, package in engines.items():
            row[label] = lockstep(package, key, batch, steps, data)
        rows.append(row)
    return rows


def throughput_table(rows, engines, batch, steps) -> str:
    """Images per second per case and all cases, ratio of all seven cases to one Keras model."""
    head = "| architecture | Keras fit, 1 model |" + "".join(
        f" {e}: all 7 cases | {e}: ratio | {e}: ops |" for e in engines)
    lines = [head, "|---|---|" + "---|---|---|" * len(engines)]
    for r in rows:
        keras_rate = batch / r["keras_s"]
        cells = "".join(f" {7 * batch / r[e]['step_s']:.0f} | {7 * batch / r[e]['step_s'] / keras_rate:.2f}× | "
                        f"{r[e]['ops']} |" for e in engines)
        lines.append(f"| {r['arch']} | {keras_rate:.0f} |{cells}")
    return "\n".join(lines) + "\n"


def flop_rate(engines: dict, batches, steps: int, data, repeats: int) -> str:
    """Post A's FC FLOP rate inside the seven-case step against the faster plain matmul."""
    lines = ["| batch | matmul reference, GFLOP/s |" + "".join(f" {e}: step FC rate | {e}: share |" for e in engines),
             "|---|---|" + "---|---|" * len(engines)]
    for batch in batches:
        reference = matmul_rate(batch, 7, repeats)
        cells = ""
        for label, package in engines.items():
            rate = fc_flops_per_step(batch) / lockstep(package, "post-a", batch, steps, data)["step_s"]
            cells += f" {rate / 1e9:.1f} | {100 * rate / reference:.0f}% |"
        lines.append(f"| {batch} | {reference / 1e9:.1f} |{cells}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", action="append", help="architecture key (repeatable; default: all)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--flop-batches", default="50,1000", help="post-A FC FLOP rate at these batch sizes")
    parser.add_argument("--before", metavar="REV", help="also measure the engine at this git revision, side by side")
    parser.add_argument("--tiny", action="store_true", help="a few small steps of two architectures (a smoke test)")
    parser.add_argument("--memory", action="store_true", help="peak RSS of a seven-case vanilla run instead")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    args = parser.parse_args(argv)

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
    if args.tiny:
        keys, batch, steps, flop_batches, repeats = args.arch or ["post-a", "vanilla"], 4, 1, [4], 1
    else:
        keys, batch, steps, repeats = args.arch or list(catalog.keys()), args.batch_size, args.steps, 5
        flop_batches = [int(b) for b in args.flop_batches.split(",") if b]
    engines = {}
    if args.before:
        engines["before"] = load_engine(args.before)
    engines["after" if args.before else "engine"] = load_engine(None)
    data = load_dataset("sample", train_limit=max([batch * steps] + [b * 3 for b in flop_batches]))
    load = os.getloadavg()[0]
    text = (f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {machine()}, load average {load:.2f} at the start; "
            f"batch {batch}, {steps} timed steps after one compile step. Images per second; ratio: all seven "
            "cases against Keras fitting one model; ops: operations in the compiled training step's graph.\n\n"
            + throughput_table(throughput(engines, keys, batch, steps, data), engines, batch, steps)
            + f"\nPost A's 13824×512 layer (3 products per case and step) over the whole seven-case step's time, "
              "against the faster of one matmul of the shape and a batched matmul of seven:\n\n"
            + flop_rate(engines, flop_batches, 3 if not args.tiny else 1, data, repeats))
    print(text)
    if args.write:
        update_results(f"Engine throughput (batch {batch})", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
