"""The metrics table: one row per (trial, case, epoch, split).

Every producer (a training run, an imported published log) and every
consumer (plots, comparisons, TensorBoard export, re-run checks) speaks this
one long format, so "all cases in one file" needs no conversion.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

COLUMNS = ("trial", "case", "epoch", "split", "cost", "accuracy", "wall_time_s")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class MetricRow:
    trial: int
    case: str          # case key: "0".."6" for the published cases, or a custom name
    epoch: int
    split: str         # "train" or "test"
    cost: float
    accuracy: float
    wall_time_s: float  # seconds since the run (or trial) started; NaN when unknown

    def as_csv(self) -> list[str]:
        return [str(self.trial), self.case, str(self.epoch), self.split,
                _fmt(self.cost), _fmt(self.accuracy), _fmt(self.wall_time_s)]


def _fmt(value: float) -> str:
    # repr() round-trips float64 exactly, which the re-run comparison relies on.
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def write_header(handle) -> None:
    csv.writer(handle).writerow(COLUMNS)


def append_rows(handle, rows: Iterable[MetricRow]) -> None:
    writer = csv.writer(handle)
    for row in rows:
        writer.writerow(row.as_csv())


def write_metrics(path: Path, rows: Iterable[MetricRow]) -> None:
    with open(path, "w", newline="") as handle:
        write_header(handle)
        append_rows(handle, rows)


MAX_BYTES = 512 * 1024 * 1024     # a published post-A run of 801 epochs is about 1 MiB


class MetricsFileError(ValueError):
    """A metrics.csv that cannot be read; the message names the file and line."""


def read_metrics(path: Path) -> list[MetricRow]:
    """Every row of a metrics file; a final line cut off by a killed writer (no line ending) is dropped."""
    from workbench.core.json_reader import read_bytes
    path = Path(path)
    try:
        data = read_bytes(path, MAX_BYTES, "metrics file")
    except (OSError, ValueError) as exc:         # missing, a link, a FIFO, a device, a huge file
        raise MetricsFileError(str(exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MetricsFileError(f"{path}: cannot read (not UTF-8 text: a binary file?)") from None
    if not text:
        raise MetricsFileError(f"{path}: empty (no header line)")
    cut = not text.endswith("\n")
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise MetricsFileError(f"{path}: header is not {','.join(COLUMNS)}")
    rows = []
    last = len(lines)
    for line_no, fields in enumerate(reader, start=2):
        if not fields:
            continue
        try:
            if len(fields) != len(COLUMNS):
                raise MetricsFileError(f"{path}:{line_no}: expected {len(COLUMNS)} fields, got {len(fields)}")
            try:
                row = MetricRow(int(fields[0]), fields[1], int(fields[2]), fields[3],
                                float(fields[4]), float(fields[5]), float(fields[6]))
            except ValueError as exc:
                raise MetricsFileError(f"{path}:{line_no}: {exc}") from None
            if fields[3] not in SPLITS:
                raise MetricsFileError(f"{path}:{line_no}: split must be train or test, not {fields[3]!r}")
        except MetricsFileError:
            if cut and line_no == last:
                break          # a write cut off mid-line: the earlier, whole lines stand
            raise
        rows.append(row)
    return rows
