"""Export a metrics table as TensorBoard event files, and read them back.

One TensorBoard run per case (per case and trial when the table holds more
than one trial) under ``out_dir/tensorboard/``, with the scalars
``train/cost``, ``train/accuracy``, ``test/cost`` and ``test/accuracy`` at
step = epoch.

TensorBoard itself is not a dependency: ``tf.summary.scalar`` needs the
tensorboard package, so the values are written with TensorFlow's core
``tf.summary.write`` plus the same metadata that ``tf.summary.scalar`` would
attach (plugin "scalars", data class SCALAR, a rank-0 float32 tensor). That is
exactly what TensorBoard's loader accepts; it rejects float64 tensors, so the
event files hold float32 values. The CSV stays the exact record. NaN and inf
are written as they are (TensorBoard shows them).

A run folder writes its event files as each epoch finishes (`ScalarStream`),
so a long or killed run can be opened in TensorBoard at once. Writing needs
no TensorFlow: the records are the Event protocol buffer encoded by hand
(five message types, a few fields each) in TensorFlow's TFRecord framing
with masked CRC-32C checksums, so a study driver can write a trial's folder
in a process that never loads TensorFlow. The files are read back and
checked with TensorFlow's own reader in the tests.
"""
from __future__ import annotations

import itertools
import os
import re
import socket
import struct
import time
from pathlib import Path
from typing import Callable, Iterable

from workbench.records.metrics import MetricRow

__all__ = ["export_tensorboard", "read_scalars", "default_run_name", "SCALAR_TAGS", "ScalarStream",
           "EventFile", "plain_dir"]

SCALAR_TAGS = ("train/cost", "train/accuracy", "test/cost", "test/accuracy")
_EVENT_GLOB = "events.out.tfevents.*"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_run_name(case: str, trial: int, multi_trial: bool) -> str:
    """``case_<K>``, or ``case_<K>_trial_<T>`` when the table holds several trials."""
    return f"case_{case}_trial_{trial}" if multi_trial else f"case_{case}"


def _safe_dir_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", str(name)).strip("._")
    return cleaned or "run"


# ------------------------------------------------------------- event encoding
def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint((number << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


# SummaryMetadata{plugin_data{plugin_name: "scalars"}, data_class: DATA_CLASS_SCALAR (1)}
_SCALAR_METADATA = _field(1, 2, _field(1, 2, b"scalars")) + _field(4, 0, _varint(1))


def _scalar_value(tag: str, value: float) -> bytes:
    """Summary.Value{tag, metadata, tensor: TensorProto{dtype DT_FLOAT, shape [], float_val [v]}}."""
    tensor = _field(1, 0, _varint(1)) + _field(2, 2, b"") + _field(5, 2, struct.pack("<f", value))
    return _field(1, 2, tag.encode()) + _field(9, 2, _SCALAR_METADATA) + _field(8, 2, tensor)


def _event(wall_time: float, step: int | None = None, *, summary: bytes | None = None,
           file_version: str | None = None) -> bytes:
    out = _field(1, 1, struct.pack("<d", wall_time))
    if step is not None:
        out += _field(2, 0, _varint(step))
    if file_version is not None:
        out += _field(3, 2, file_version.encode())
    if summary is not None:
        out += _field(5, 2, summary)
    return out


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data))


def _to_float32(value: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:           # beyond float32: what TensorFlow's cast gives
        return float("inf") if value > 0 else float("-inf")


_counter = itertools.count()


class EventFile:
    """One append-only TensorBoard event file; never follows a symlink, never overwrites."""

    def __init__(self, run_dir: Path):
        run_dir = Path(run_dir)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{_UNSAFE.sub('_', socket.gethostname())}."
                f"{os.getpid()}.{next(_counter)}.v2")
        self.path = run_dir / name
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, 0o644)
        self._write(_record(_event(time.time(), file_version="brain.Event:2")))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """One event holding every (tag, value) at `step`."""
        summary = b"".join(_field(1, 2, _scalar_value(tag, _to_float32(float(v)))) for tag, v in values.items())
        self._write(_record(_event(time.time(), int(step), summary=summary)))

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def plain_dir(path: Path) -> Path:
    """``path`` as a plain folder: made here, or one already there that is not a link (never written through)."""
    try:
        os.mkdir(path)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            raise OSError(f"{path}: not a plain folder; refusing to write through it") from None
    return path


def clear_event_tree(path: Path) -> None:
    """Remove the event files under ``path`` (a run's tensorboard/ or a part of it) and the folders
    they leave empty, without following a link: a resumed run writes them again from its records."""
    path = Path(path)
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_dir():
        raise OSError(f"{path}: not a plain folder; refusing to write through it")
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            clear_event_tree(Path(entry.path))
        elif entry.name.startswith("events.out.tfevents.") and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
    try:
        os.rmdir(path)
    except OSError:
        pass                       # something else lives here: left as it is


class ScalarStream:
    """Event files under ``<folder>/tensorboard/`` written epoch by epoch (one file per case and trial)."""

    def __init__(self, folder: Path, multi_trial: bool):
        self.root = Path(folder) / "tensorboard"
        self.multi_trial = multi_trial
        self._files: dict[tuple[str, int], EventFile] = {}
        self._names: dict[tuple[str, int], str] = {}

    def _file(self, case: str, trial: int) -> EventFile:
        key = (case, trial)
        if key not in self._files:
            plain_dir(self.root)
            name = base = _safe_dir_name(default_run_name(case, trial, self.multi_trial))
            n = 2
            while name in self._names.values():
                name, n = f"{base}_{n}", n + 1
            self._names[key] = name
            run_dir = self.root / name
            os.mkdir(run_dir)                     # fresh: never writes into an existing directory
            self._files[key] = EventFile(run_dir)
        return self._files[key]

    def epoch(self, trial: int, epoch: int, metrics: dict[str, tuple[float, float, float, float]]) -> None:
        """metrics: case -> (train cost, train accuracy, test cost, test accuracy)."""
        for case, (tc, ta, vc, va) in metrics.items():
            self._file(case, trial).scalars(epoch, {"train/cost": tc, "train/accuracy": ta,
                                                     "test/cost": vc, "test/accuracy": va})

    def end_trial(self, trial: int) -> None:
        for key in [k for k in self._files if k[1] == trial]:
            self._files.pop(key).close()

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


def export_tensorboard(rows: Iterable[MetricRow], out_dir,
                       *, run_name_fn: Callable[[str, int], str] | None = None) -> list[Path]:
    """Write one event file per run; return the run directories in table order.

    ``run_name_fn(case, trial)`` overrides the run directory names (unsafe
    characters are replaced by "_"). Re-exporting into the same directory
    replaces that run's earlier event files instead of piling up duplicates.
    """
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    rows = list(rows)
    multi_trial = len({row.trial for row in rows}) > 1
    groups: dict[tuple[str, int], list[MetricRow]] = {}
    for row in rows:
        groups.setdefault((row.case, row.trial), []).append(row)

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR

    root = Path(out_dir) / "tensorboard"
    run_dirs: list[Path] = []
    used: set[str] = set()
    for (case, trial), group in groups.items():
        name = run_name_fn(case, trial) if run_name_fn else default_run_name(case, trial, multi_trial)
        name = _safe_dir_name(name)
        base, suffix = name, 2
        while name in used:          # two cases that sanitise to the same name
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        run_dir = root / name
        run_dir.mkdir(parents=True, exist_ok=True)
        for old in run_dir.glob(_EVENT_GLOB):
            old.unlink()
        writer = tf.summary.create_file_writer(str(run_dir))
        try:
            with writer.as_default():
                for row in sorted(group, key=lambda r: (r.epoch, r.split)):
                    for field in ("cost", "accuracy"):
                        tf.summary.write(f"{row.split}/{field}",
                                         tf.constant(float(getattr(row, field)), dtype=tf.float32),
                                         step=int(row.epoch), metadata=metadata)
            writer.flush()
        finally:
            writer.close()
        run_dirs.append(run_dir)
    return run_dirs


def read_scalars(event_dir) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value), ...] in file order, from every event file in ``event_dir``.

    Uses TensorFlow's own record reader and Event proto, and understands both
    tensor-based scalars (TF2) and ``simple_value`` ones (TF1), so it can
    re-check our exports and read older runs alike.
    """
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    event_dir = Path(event_dir)
    files = sorted(event_dir.glob(_EVENT_GLOB))
    if not files:
        raise FileNotFoundError(f"{event_dir}: no TensorBoard event files ({_EVENT_GLOB})")
    scalars: dict[str, list[tuple[int, float]]] = {}
    for path in files:
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                kind = value.WhichOneof("value")
                if kind == "simple_value":
                    number = float(value.simple_value)
                elif kind == "tensor":
                    array = tf.make_ndarray(value.tensor)
                    if array.size != 1 or array.dtype.kind not in "fiu":
                        continue            # not a scalar (histogram, text, ...)
                    number = float(array.reshape(()))
                else:
                    continue
                scalars.setdefault(value.tag, []).append((int(event.step), number))
    return scalars
