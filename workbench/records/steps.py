"""steps.csv: the step points the window drew live, kept so a reopened run draws the same curve.

One row per (step report, case): the engine's running means within the epoch as the step event
carried them, and the training time so far (paused time excluded). Only the reports the window
was sent are kept (the folder's writer throttles them, workbench/execution/throttle.py), so the
file stays small: at 20 reports a second at most, whatever the batch count. Appended by the
folder's one writer, cut back with metrics.csv when a resume continues from a checkpoint.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple

from workbench.records.metrics import _fmt

COLUMNS = ("trial", "epoch", "step", "steps_per_epoch", "wall_time_s", "case", "cost", "accuracy")
FILE_NAME = "steps.csv"
MAX_BYTES = 512 * 1024 * 1024


class StepsFileError(ValueError):
    """A steps.csv that cannot be read; the message names the file and line."""


class StepRow(NamedTuple):
    """One case's values in one step report (a named tuple: a long run's file holds ~340,000 of them)."""
    trial: int
    epoch: int
    step: int                  # batches done in the epoch
    steps_per_epoch: int
    wall_time_s: float         # training time of the trial so far, paused time excluded
    case: str
    cost: float                # running mean since the epoch began
    accuracy: float

    def as_csv(self) -> list[str]:
        return [str(self.trial), str(self.epoch), str(self.step), str(self.steps_per_epoch),
                _fmt(self.wall_time_s), self.case, _fmt(self.cost), _fmt(self.accuracy)]


@dataclass(frozen=True)
class RecordedStep:
    """A step report read back: the fields of engine.events.StepEvent the plots read."""
    trial: int
    epoch: int
    step: int
    steps_per_epoch: int
    wall_time_s: float
    running: dict[str, tuple[float, float]]


def step_rows(event) -> list[StepRow]:
    """The rows of one step event (engine.events.StepEvent)."""
    wall = float(event.progress.elapsed_s)
    return [StepRow(event.trial, event.epoch, event.step, event.steps_per_epoch, wall, key, float(cost), float(acc))
            for key, (cost, acc) in event.running.items()]


def csv_text(rows: Iterable) -> str:
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


class StepLog:
    """The writer of steps.csv over an append-only handle (run_folder.AppendFile): one line per case a report."""

    def __init__(self, handle, fresh: bool):
        self.handle = handle
        if fresh:
            self.handle.append(csv_text([COLUMNS]))

    def record(self, event) -> None:
        self.handle.append(csv_text(r.as_csv() for r in step_rows(event)))

    def close(self) -> None:
        self.handle.close()


def read_steps(path: Path) -> list[StepRow]:
    """Every row of a steps file; [] when there is none (a run recorded before steps were kept).

    A final line cut off by a killed writer is dropped; anything else unreadable is a StepsFileError."""
    from workbench.core.json_reader import read_bytes
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return []
    try:
        text = read_bytes(path, MAX_BYTES, "steps file").decode("utf-8")
    except (OSError, ValueError) as exc:          # a link, a FIFO, a huge or binary file
        raise StepsFileError(str(exc)) from None
    if not text:
        return []
    cut = not text.endswith("\n")
    lines = text.splitlines()
    reader = csv.reader(lines)
    if tuple(next(reader, ())) != COLUMNS:
        raise StepsFileError(f"{path}: header is not {','.join(COLUMNS)}")
    rows = []
    for line_no, fields in enumerate(reader, start=2):
        if not fields:
            continue
        try:
            if len(fields) != len(COLUMNS):
                raise ValueError(f"expected {len(COLUMNS)} fields, got {len(fields)}")
            rows.append(StepRow(int(fields[0]), int(fields[1]), int(fields[2]), int(fields[3]), float(fields[4]),
                                fields[5], float(fields[6]), float(fields[7])))
        except ValueError as exc:
            if cut and line_no == len(lines):
                break               # a write cut off mid-line: the whole lines before it stand
            raise StepsFileError(f"{path}:{line_no}: {exc}") from None
    return rows


def step_events(rows: Iterable[StepRow]) -> list[RecordedStep]:
    """The step reports in the order they were recorded (consecutive rows of one report merged)."""
    events: list[RecordedStep] = []
    for r in rows:
        last = events[-1] if events else None
        if last is not None and (last.trial, last.epoch, last.step) == (r.trial, r.epoch, r.step) \
                and r.case not in last.running:
            last.running[r.case] = (r.cost, r.accuracy)
        else:
            events.append(RecordedStep(r.trial, r.epoch, r.step, r.steps_per_epoch, r.wall_time_s,
                                       {r.case: (r.cost, r.accuracy)}))
    return events
