"""gradients.csv: the gradient flow of a run, in long format (one norm per row).

Columns: trial, epoch, step, scope, case, signal, timestep, weight, norm.

- scope "step": sampled at the step-report cadence (`step` = training batches
  done in the epoch); scope "epoch": the mean of that epoch's samples.
- signal g, p, dilated, in: per timestep (manual cases), the norms of the head
  gradient g_t, the pass-back p_t, the dilated addition and the total in_t;
  signal grad, update: per weight (every case), the norm of the gradient and
  of the change Adam made to it in that step ("slot:z" etc. are state slots
  trained by Adam).

`pandas.read_csv("gradients.csv")` reads it as is. Rows are appended and
flushed as they come, so a killed run keeps every sample taken. The epoch
means are also written as TensorBoard scalars under tensorboard/gradients/.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

COLUMNS = ("trial", "epoch", "step", "scope", "case", "signal", "timestep", "weight", "norm")
TIMESTEP_SIGNALS = ("g", "p", "dilated", "in")
WEIGHT_SIGNALS = ("grad", "update")
FILE_NAME = "gradients.csv"


def _rows(trial, epoch, step, scope, gradients):
    for case, record in gradients.items():
        for (signal, label), value in sorted(record.items()):
            timestep, weight = (label, "") if signal in TIMESTEP_SIGNALS else ("", label)
            yield [trial, epoch, step, scope, case, signal, timestep, weight, repr(float(value))]


class GradientLog:
    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / FILE_NAME
        self._file = open(self.path, "x", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(COLUMNS)
        self._file.flush()
        self.epochs: list[tuple[int, int, dict]] = []      # (trial, epoch, gradients) for TensorBoard

    @classmethod
    def reopen(cls, run_dir: Path, kept_epochs: dict[int, int | None]) -> "GradientLog":
        """The log of a resumed run: rows of epochs a resume trains again are cut off (kept_epochs:
        trial -> epochs kept, None for all; a trial not named keeps none), the epoch means kept are
        read back for the TensorBoard export, and new rows are appended."""
        from workbench.core.atomic_write import atomic_write
        from workbench.records.tensorboard_export import clear_event_tree
        path = Path(run_dir) / FILE_NAME
        lines = _kept_lines(path, kept_epochs)
        buffer = io.StringIO()
        csv.writer(buffer).writerows([COLUMNS, *lines])
        atomic_write(path, buffer.getvalue())
        clear_event_tree(Path(run_dir) / "tensorboard" / "gradients")   # written again at the end
        log = cls.__new__(cls)
        log.path = path
        log._file = open(path, "a", newline="", opener=_no_follow)
        log._csv = csv.writer(log._file)
        log.epochs = []
        for trial, epoch, gradients in _epoch_means(lines):
            log.epochs.append((trial, epoch, gradients))
        return log

    def step(self, event) -> None:
        if event.gradients:
            self._csv.writerows(_rows(event.trial, event.epoch, event.step, "step", event.gradients))
            self._file.flush()

    def epoch(self, event) -> None:
        if event.gradients:
            self._csv.writerows(_rows(event.trial, event.epoch, "", "epoch", event.gradients))
            self._file.flush()
            self.epochs.append((event.trial, event.epoch, event.gradients))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def export_tensorboard(self, run_dir: Path) -> None:
        """One TensorBoard run per case (and trial) under tensorboard/gradients/, step = epoch.

        Written without TensorFlow (`EventFile`), so the study driver writes a trial's
        gradients in the window's process without loading it there.
        """
        if not self.epochs:
            return
        from workbench.records.tensorboard_export import EventFile, plain_dir
        multi = len({t for t, _, _ in self.epochs}) > 1
        by_run: dict[str, list[tuple[int, dict]]] = {}
        for trial, epoch, gradients in self.epochs:
            for case, record in gradients.items():
                name = f"case_{case}_trial_{trial}" if multi else f"case_{case}"
                by_run.setdefault(name, []).append((epoch, record))
        root = plain_dir(plain_dir(Path(run_dir) / "tensorboard") / "gradients")
        for name, entries in by_run.items():
            folder = root / name
            os.mkdir(folder)                      # fresh: never writes into an existing directory
            events = EventFile(folder)
            try:
                for epoch, record in entries:
                    events.scalars(epoch, {(f"gradient_flow/{signal}_t{label}" if signal in TIMESTEP_SIGNALS
                                            else f"weights/{signal}/{label}"): value
                                           for (signal, label), value in sorted(record.items())})
            finally:
                events.close()


def _no_follow(path, flags):
    return os.open(path, flags | os.O_NOFOLLOW)


def _kept_lines(path: Path, kept_epochs: dict[int, int | None]) -> list[list[str]]:
    """The data lines of gradients.csv whose (trial, epoch) a resume keeps; a torn last line is dropped."""
    from workbench.core.json_reader import open_regular
    if not os.path.lexists(path):
        return []
    out = []
    with io.TextIOWrapper(open_regular(path, None, "gradient log"), newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for line in reader:
            try:
                if len(line) != len(COLUMNS):
                    continue
                float(line[-1])
                trial, epoch = int(line[0]), int(line[1])
            except ValueError:
                continue
            if trial in kept_epochs and (kept_epochs[trial] is None or epoch < kept_epochs[trial]):
                out.append(line)
    return out


def _epoch_means(lines: list[list[str]]):
    """(trial, epoch, {case: {(signal, label): norm}}) of the epoch-scope lines, in file order."""
    current, gathered = None, {}
    for line in lines:
        trial, epoch, _, scope, case, signal, timestep, weight, norm = line
        if scope != "epoch":
            continue
        key = (int(trial), int(epoch))
        if key != current and current is not None:
            yield (*current, gathered)
            gathered = {}
        current = key
        gathered.setdefault(case, {})[(signal, timestep if signal in TIMESTEP_SIGNALS else weight)] = float(norm)
    if current is not None:
        yield (*current, gathered)


def read_gradients(run_dir: Path) -> list[dict]:
    """The rows of a run's gradients.csv ([] when the run has none), numbers parsed."""
    path = Path(run_dir) / FILE_NAME
    if not path.is_file():
        return []
    from workbench.core.json_reader import open_regular
    out = []
    with io.TextIOWrapper(open_regular(path, None, "gradient log"), newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                out.append({"trial": int(row["trial"]), "epoch": int(row["epoch"]),
                            "step": int(row["step"]) if row["step"] else None, "scope": row["scope"],
                            "case": row["case"], "signal": row["signal"],
                            "timestep": int(row["timestep"]) if row["timestep"] else None,
                            "weight": row["weight"], "norm": float(row["norm"])})
            except (KeyError, ValueError):
                continue            # a torn last line of a killed run
    return out
