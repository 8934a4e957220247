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
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from workbench.metrics import MetricRow

__all__ = ["export_tensorboard", "read_scalars", "default_run_name", "SCALAR_TAGS"]

SCALAR_TAGS = ("train/cost", "train/accuracy", "test/cost", "test/accuracy")
_EVENT_GLOB = "events.out.tfevents.*"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_run_name(case: str, trial: int, multi_trial: bool) -> str:
    """``case_<K>``, or ``case_<K>_trial_<T>`` when the table holds several trials."""
    return f"case_{case}_trial_{trial}" if multi_trial else f"case_{case}"


def _safe_dir_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", str(name)).strip("._")
    return cleaned or "run"


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
