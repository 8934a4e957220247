"""Data sources for the training engine: the shipped sample, Keras downloads, local files.

Pure NumPy so the GUI and tests can load data without importing TensorFlow;
keras is imported only when a file really has to be downloaded. Every
problem with a source becomes a one-line DataError that names the file,
because users pick these files by hand and a traceback tells them nothing.
"""
from __future__ import annotations

import gzip
import math
import os
import pathlib
import shutil
import socket
import tempfile
import threading
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

SOURCES = ("sample", "mnist", "fashion-mnist")

DOWNLOAD_HOST = "storage.googleapis.com"
DOWNLOAD_PORT = 443
_ORIGIN = f"https://{DOWNLOAD_HOST}/tensorflow/tf-keras-datasets/"
# Same file and hash as keras.datasets.mnist.load_data().
_MNIST_FILE = "mnist.npz"
_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# Same files as keras.datasets.fashion_mnist.load_data() (keras gives no hashes for them).
_FASHION_DIR = "fashion-mnist"
_IDX_ROLES = ("train-images", "train-labels", "t10k-images", "t10k-labels")
_IDX_NAMES = {
    "train-images": "train-images-idx3-ubyte",
    "train-labels": "train-labels-idx1-ubyte",
    "t10k-images": "t10k-images-idx3-ubyte",
    "t10k-labels": "t10k-labels-idx1-ubyte",
}
_IDX_MAGIC_IMAGES = 2051
_IDX_MAGIC_LABELS = 2049
# Per-socket-operation limit while downloading: a server or proxy that
# accepts the connection and never answers (or stalls mid-transfer) fails
# the download within this many seconds instead of hanging the run (≤ 10 s).
_READ_TIMEOUT_S = 8.0
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(Exception):
    """One-line, user-facing message naming the file/source and the problem."""


@dataclass(frozen=True, eq=False)  # eq=False: field-wise == on arrays is ambiguous
class Dataset:
    name: str
    x_train: np.ndarray  # float32 [N,28,28,1] in [0,1]
    y_train: np.ndarray  # int32 [N]
    x_test: np.ndarray  # float32 [M,28,28,1]
    y_test: np.ndarray  # int32 [M]
    source: str
    files: tuple[str, ...] = ()   # the data files read (for the run's checksums)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "files": list(self.files),
            "n_train": int(len(self.y_train)),
            "n_test": int(len(self.y_test)),
            "image_shape": [int(d) for d in self.x_train.shape[1:]],
            "class_counts_train": np.bincount(self.y_train, minlength=10)[:10].tolist(),
        }


def sample_path() -> pathlib.Path:
    """The shipped sample, found as package data (works from a checkout and from a wheel)."""
    import resources
    return pathlib.Path(str(resources.sample()))


def keras_cache_dir() -> pathlib.Path:
    """Where keras caches datasets; read at call time so tests can point KERAS_HOME elsewhere.

    Mirrors keras: $KERAS_HOME, else ~/.keras, else /tmp/.keras when the home
    directory is not writable.
    """
    home = os.environ.get("KERAS_HOME")
    if home:
        return pathlib.Path(home).expanduser() / "datasets"
    base = pathlib.Path.home()
    if not os.access(base, os.W_OK):
        base = pathlib.Path(tempfile.gettempdir())
    return base / ".keras" / "datasets"


def load_dataset(
    source: str = "sample",
    *,
    train_limit: int | None = None,
    test_limit: int | None = None,
    train_skip: int = 0,
    download_timeout_s: float = 5.0,
) -> Dataset:
    """Load a source and apply skip/limits (post B trains on the official train[5000:])."""
    source = str(source)
    key = source.strip().lower()
    if not key:
        raise DataError(f"no data source given (use one of {', '.join(SOURCES)} or a path)")
    if key == "sample":
        name, raw, where = "sample", *_load_sample()
    elif key in ("mnist", "fashion-mnist"):
        name, raw, where = key, *_load_keras(key, download_timeout_s)
    else:
        name, raw, where = source, *_load_path(source)
    x_train, y_train, x_test, y_test = raw
    n_train, n_test = len(y_train), len(y_test)

    train_skip = _check_int("train-skip", train_skip)
    if train_skip < 0:
        raise DataError(f"train-skip {train_skip} must be 0 or more")
    if train_skip >= n_train:
        raise DataError(
            f"train-skip {train_skip} leaves no training images (there are {n_train} in {name})"
        )
    left = n_train - train_skip
    after = f" left after skipping {train_skip}" if train_skip else ""
    train_stop = _limit("train-limit", train_limit, left, f"training images{after} in {name}")
    test_stop = _limit("test-limit", test_limit, n_test, f"test images in {name}")

    parts = []
    if train_skip or train_stop < left:
        parts.append(f"training images {train_skip}..{train_skip + train_stop - 1} of {n_train}")
    if test_stop < n_test:
        parts.append(f"the first {test_stop} of {n_test} test images")
    if parts:
        where = f"{where}; using {' and '.join(parts)}"
    return Dataset(
        name=name,
        x_train=_to_float(x_train[train_skip:train_skip + train_stop]),
        y_train=y_train[train_skip:train_skip + train_stop].astype(np.int32),
        x_test=_to_float(x_test[:test_stop]),
        y_test=y_test[:test_stop].astype(np.int32),
        source=where + ".",
        files=tuple(str(p) for p in data_files(source)),
    )


def data_files(source: str) -> list[pathlib.Path]:
    """The files a source reads (the sample, the keras cache files, a local file or IDX folder)."""
    key = str(source).strip().lower()
    if key == "sample":
        return [sample_path()]
    if key == "mnist":
        return [keras_cache_dir() / _MNIST_FILE]
    if key == "fashion-mnist":
        return [keras_cache_dir() / _FASHION_DIR / f"{_IDX_NAMES[r]}.gz" for r in _IDX_ROLES]
    path = pathlib.Path(source).expanduser()
    if path.is_file() and _idx_role(path.name):
        path = path.parent
    if not path.is_dir():
        return [path]
    found: dict[str, pathlib.Path] = {}
    for entry in sorted(path.iterdir()):
        role = _idx_role(entry.name)
        if role and entry.is_file() and role not in found:
            found[role] = entry
    return [found[r] for r in _IDX_ROLES if r in found]


def load_sample_images(n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """First n test images of the shipped sample, float32 [n,28,28], for previews (no TF)."""
    n = _check_int("n", n)
    path = sample_path()
    arrays = _read_npz(path, keys=("x_test", "y_test"), missing_hint=_SAMPLE_HINT)
    x, y = _check_split(path.name, "test", arrays["x_test"], arrays["y_test"])
    stop = _limit("n", n, len(y), "test images in the sample")
    return _to_float(x[:stop])[..., 0], y[:stop].astype(np.int32)


# --- sources -----------------------------------------------------------------

_SAMPLE_HINT = "the shipped sample is missing; regenerate it with `python resources/make_sample.py`"


def _load_sample():
    path = sample_path()
    arrays = _read_npz(path, keys=_NPZ_KEYS + ("provenance",), missing_hint=_SAMPLE_HINT,
                       optional=("provenance",))
    raw = _check_all(path.name, arrays)
    prov = arrays.get("provenance")
    where = f"offline sample {path}" + (f" ({prov})" if prov is not None else "")
    return raw, where


def _load_keras(key: str, timeout_s: float):
    label = "MNIST" if key == "mnist" else "Fashion-MNIST"
    cache = keras_cache_dir()
    if key == "mnist":
        files = {_MNIST_FILE: cache / _MNIST_FILE}
    else:
        files = {f"{_IDX_NAMES[r]}.gz": cache / _FASHION_DIR / f"{_IDX_NAMES[r]}.gz" for r in _IDX_ROLES}
    missing = {fname: path for fname, path in files.items() if not path.is_file()}
    if missing:
        _download(label, missing, timeout_s)
    where = files[_MNIST_FILE] if key == "mnist" else cache / _FASHION_DIR
    try:
        raw = _check_all(where.name, _read_npz(where)) if key == "mnist" else _read_idx_dir(where)
    except DataError as e:
        raise DataError(f"Cached {label} in {where} is damaged: {e} "
                        "(delete it to download again)") from None
    return raw, f"{label} from the keras cache {where}"


def _download(label: str, files: dict[str, pathlib.Path], timeout_s: float) -> None:
    """Probe first so an offline machine fails in seconds, then fetch each file atomically.

    keras' get_file writes straight to its target, so a killed process could
    leave a truncated file that would be trusted later; downloading into a
    scratch folder and renaming when complete avoids that.
    """
    fallback = ("Use the offline sample (--data sample) or a local file "
                "(--data PATH to mnist.npz or a folder of IDX files).")
    reason = _probe(timeout_s)
    if reason:
        raise DataError(f"Cannot download {label} (no network: {reason}). {fallback}")
    for fname, target in files.items():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch = tempfile.mkdtemp(prefix=".partial-", dir=target.parent)
        except OSError as e:
            raise DataError(f"Cannot download {label}: cannot write to {target.parent} ({_why(e)}). "
                            f"{fallback}") from None
        old_timeout = socket.getdefaulttimeout()
        try:
            from keras.utils import get_file  # heavy: only when a download is really needed

            socket.setdefaulttimeout(min(_READ_TIMEOUT_S, max(timeout_s, 1.0)))
            got = get_file(fname, origin=_ORIGIN + fname, cache_dir=scratch, cache_subdir="",
                           file_hash=_MNIST_SHA256 if fname == _MNIST_FILE else None)
            os.replace(got, target)
        except Exception as e:
            raise DataError(f"Cannot download {label} file {fname} ({_why(e)}). {fallback}") from None
        finally:
            socket.setdefaulttimeout(old_timeout)
            shutil.rmtree(scratch, ignore_errors=True)


def _probe(timeout_s: float) -> str | None:
    """Return why the download host (or the https proxy) is unreachable, or None if it is.

    Runs in a thread because name resolution ignores the connect timeout and
    can block far longer on a badly configured network.
    """
    host, port = DOWNLOAD_HOST, DOWNLOAD_PORT
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(DOWNLOAD_HOST):
        parsed = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if parsed.hostname:
            host, port = parsed.hostname, parsed.port or 80
    result: list[str | None] = []

    def attempt():
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
            result.append(None)
        except Exception as e:
            result.append(f"{host}:{port}: {_why(e)}")

    thread = threading.Thread(target=attempt, daemon=True, name="data-probe")
    thread.start()
    thread.join(timeout_s + 1.0)
    if not result:
        return f"{host}:{port}: no answer within {timeout_s:g} s"
    return result[0]


def _load_path(source: str):
    path = pathlib.Path(source).expanduser()
    if not path.exists():
        raise DataError(f"{source}: file or folder not found "
                        f"(built-in sources are: {', '.join(SOURCES)})")
    if path.is_file() and _idx_role(path.name):
        path = path.parent
    if path.is_dir():
        return _read_idx_dir(path), f"IDX files in {path}"
    return _check_all(path.name, _read_npz(path)), f"local file {path}"


# --- npz ---------------------------------------------------------------------

def _read_npz(path: pathlib.Path, keys=_NPZ_KEYS, missing_hint="file not found", optional=()) -> dict:
    name = path.name
    if not path.is_file():
        raise DataError(f"{path}: {missing_hint}")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head.startswith(b"\x93NUM"):
            raise DataError(f"{name}: not an .npz file (it is a single .npy array; "
                            f"need {', '.join(_NPZ_KEYS)})")
        if not head.startswith(b"PK"):
            raise DataError(f"{name}: not an .npz file (not a zip archive)")
        with np.load(path, allow_pickle=False) as npz:
            absent = [k for k in keys if k not in npz.files and k not in optional]
            if absent:
                raise DataError(f"{name}: missing key(s) {', '.join(absent)} "
                                f"(found: {', '.join(npz.files) or 'none'})")
            return {k: npz[k] for k in keys if k in npz.files}
    except DataError:
        raise
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise DataError(f"{name}: wrong dtype (object arrays are not allowed)") from None
        raise DataError(f"{name}: damaged or unreadable .npz ({_why(e)})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as e:
        raise DataError(f"{name}: damaged or truncated .npz ({_why(e)})") from None


# --- IDX ---------------------------------------------------------------------

def _idx_role(filename: str) -> str | None:
    """Map e.g. 't10k-images-idx3-ubyte.gz' or 'train-labels.idx1-ubyte' to its role."""
    stem = filename[:-3] if filename.endswith(".gz") else filename
    for role, canonical in _IDX_NAMES.items():
        if stem in (canonical, canonical.replace("-idx", ".idx")):
            return role
    return None


def _read_idx_dir(folder: pathlib.Path):
    found: dict[str, pathlib.Path] = {}
    for entry in sorted(folder.iterdir()):
        role = _idx_role(entry.name)
        if role and entry.is_file() and role not in found:
            found[role] = entry
    absent = [_IDX_NAMES[r] for r in _IDX_ROLES if r not in found]
    if absent:
        raise DataError(f"{folder}: missing IDX file(s) {', '.join(absent)} (each may end in .gz)")
    x_train = _read_idx(found["train-images"], _IDX_MAGIC_IMAGES)
    y_train = _read_idx(found["train-labels"], _IDX_MAGIC_LABELS)
    x_test = _read_idx(found["t10k-images"], _IDX_MAGIC_IMAGES)
    y_test = _read_idx(found["t10k-labels"], _IDX_MAGIC_LABELS)
    train = _check_split(found["train-images"].name, "train", x_train, y_train,
                         label_name=found["train-labels"].name)
    test = _check_split(found["t10k-images"].name, "test", x_test, y_test,
                        label_name=found["t10k-labels"].name)
    return (*train, *test)


def _read_idx(path: pathlib.Path, magic: int) -> np.ndarray:
    name = path.name
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{name}: damaged or truncated gzip ({_why(e)})") from None
    ndim = 3 if magic == _IDX_MAGIC_IMAGES else 1
    header = 4 + 4 * ndim
    if len(data) < 4:
        raise DataError(f"{name}: truncated IDX file ({len(data)} bytes, no header)")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        kind = "images" if magic == _IDX_MAGIC_IMAGES else "labels"
        raise DataError(f"{name}: wrong magic number {found} (expected {magic} for IDX {kind})")
    if len(data) < header:
        raise DataError(f"{name}: truncated IDX file (header cut short)")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    need = header + math.prod(dims)          # exact: NumPy's int64 product wraps past 2^63 silently
    if len(data) < need:
        raise DataError(f"{name}: truncated IDX file ({len(data)} bytes, header says {need})")
    if len(data) > need:
        raise DataError(f"{name}: IDX file longer than its header says ({len(data)} bytes, expected {need})")
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims)


# --- validation and conversion ---------------------------------------------------

def _check_all(name: str, arrays: dict):
    return (*_check_split(name, "train", arrays["x_train"], arrays["y_train"]),
            *_check_split(name, "test", arrays["x_test"], arrays["y_test"]))


def _check_split(name: str, split: str, x: np.ndarray, y: np.ndarray, label_name: str | None = None):
    """Validate one split; return images [N,28,28] (uint8, or float in [0,1]) and int32 labels.

    label_name: the labels' file when they come from a separate one (IDX).
    """
    xname, yname = name, label_name or name
    x, y = np.asarray(x), np.asarray(y)
    for what, arr, where in (("images", x, xname), ("labels", y, yname)):
        if arr.dtype.kind not in "uif":
            raise DataError(f"{where}: wrong dtype {arr.dtype} for {split} {what} "
                            "(need uint8 or float pixels and integer labels)")
    if x.ndim == 2 and x.shape[1:] == (784,):
        x = x.reshape(-1, 28, 28)
    if x.ndim == 4 and x.shape[3] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{xname}: wrong image shape {list(x.shape)} for {split} images "
                        "(need [N,28,28] or [N,28,28,1])")
    if len(x) == 0:
        raise DataError(f"{xname}: {split} images are empty (0 images)")
    if y.ndim == 2 and y.shape[1] == 10 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
        y = y.argmax(axis=1)  # one-hot, as TF1's reader returned them
    if y.ndim != 1:
        raise DataError(f"{yname}: wrong label shape {list(y.shape)} for {split} labels (need [N])")
    if len(y) != len(x):
        raise DataError(f"{_both(xname, yname)}: count mismatch, {len(x)} {split} images but {len(y)} labels")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise DataError(f"{yname}: {split} labels are not whole numbers (labels must be 0-9)")
    if y.min() < 0 or y.max() > 9:
        raise DataError(f"{yname}: {split} labels outside 0-9 (found {y.min():g}..{y.max():g})")
    if x.dtype.kind == "f":
        if not np.all(np.isfinite(x)):
            raise DataError(f"{xname}: {split} images contain NaN or infinite pixels")
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 or hi > 1:
            raise DataError(f"{xname}: float {split} pixels outside [0,1] (found {lo:g}..{hi:g}); "
                            "divide by 255 if they are 0-255")
    elif x.dtype != np.uint8:
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > 255:
            raise DataError(f"{xname}: integer {split} pixels outside 0-255 (found {lo}..{hi})")
        x = x.astype(np.uint8)
    return x, y.astype(np.int32)


def _both(a: str, b: str) -> str:
    return a if a == b else f"{a} and {b}"


def _to_float(x: np.ndarray) -> np.ndarray:
    out = x.astype(np.float32)
    if x.dtype == np.uint8:
        out /= 255.0
    return out[..., None]


def _check_int(label: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{label} must be a whole number, got {value!r}")
    return int(value)


def _limit(label: str, value, available: int, what: str) -> int:
    if value is None:
        return available
    value = _check_int(label, value)
    if value < 1:
        raise DataError(f"{label} {value} must be at least 1")
    if value > available:
        raise DataError(f"{label} {value} is more than the {available} {what}")
    return value


def _why(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0].rstrip(".") if text else type(e).__name__
