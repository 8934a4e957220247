"""Import the published 2018 console logs into the metrics table.

Two layouts exist (see the original-experiments spec, sections 2.1 and 3.4):

* post A (``LocalCMD_Results.txt``, ``Transparcy2.txt``): seven cases in one
  file, a block every 100 epochs, framed by ``====== Current iter:  E`` banners;
* post B (``casea.txt`` ... ``casee.txt``): one architecture per file, one
  block per epoch, ``Train Current cost: ... Current Acc: ...`` lines.

The logs are console captures, so they are damaged in known ways: the first
line of every block is a ``\\r`` overwrite artifact whose numbers are junk,
a run can be cut off mid-block, and lines of TensorFlow chatter sit in
between. The importer takes only what the file states, with the value equal
to ``float(text)``, and writes every bit of damage it sees into ``notes``
rather than guessing. A row is emitted only when both its cost and its
accuracy were read.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from workbench.records.metrics import MetricRow, append_rows, write_header

__all__ = [
    "LogFormatError", "ImportedLog", "detect_layout", "parse_log", "import_log",
    "guess_architecture", "MANIFEST_SCHEMA_VERSION",
]

MANIFEST_SCHEMA_VERSION = 1
POST_A = "post-a"
POST_B = "post-b"

# Post-B file name -> architecture (spec 3.2). Matched as "case<letter>" not
# glued to other letters, so "casea.txt", "case_b.log" and "run-casec" work.
_ARCHITECTURES = {"a": "vanilla", "b": "multi-stream", "c": "concat",
                  "d": "internal-conv", "e": "lag2"}
_ARCH_RE = re.compile(r"(?<![a-z])case[_\- ]?([a-e])(?![a-z])")

# A number as Python prints it. Stricter than float() on purpose: float()
# also accepts "1_0" and surrounding junk that a garbled field could produce.
_NUMBER_RE = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf(?:inity)?)\Z",
                        re.IGNORECASE)

# Post A.
_CASE_RE = re.compile(r"^-{3,}\s*Case\s+(\S+?)\s*-{3,}\s*$", re.IGNORECASE)
_BANNER_RE = re.compile(r"^={3,}\s*Current iter\s*:\s*(\d+)(?!\d)(.*)$")
_AVG_RE = re.compile(r"^Current Avg (Train|Test) (Cost|Acc)\s*:(.*)$")
_AVG_PREFIX_RE = re.compile(r"^Current Avg\b")
_A_PROGRESS_RE = re.compile(r"^Current Iter:\s*\d+\s+Current Cost:")   # per-batch \r line
_BANNER_TAIL_ACC_RE = re.compile(r"current Accuracy\s*:\s*(.*?)\s*$")

# Post B.
_ITER_RE = re.compile(r"^Current Iter\s*:\s*(\d+)(?!\d)(.*)$")
_B_VALUE_RE = re.compile(r"^(Train|Test) Current cost\s*:(.*?)Current Acc\s*:(.*)$")
_B_VALUE_PREFIX_RE = re.compile(r"^(Train|Test) Current")
_ITER_TAIL_ACC_RE = re.compile(r"Current Acc\s*:\s*(.*?)\s*$")

_FIELD_NAMES = {"Cost": "cost", "Acc": "accuracy"}


class LogFormatError(ValueError):
    """The file is not a published log we can read; the message is one line: file + problem."""


@dataclass(frozen=True)
class ImportedLog:
    layout: str            # "post-a" or "post-b"
    rows: list[MetricRow]  # trial=0, wall_time_s=nan
    cases: list[str]       # case keys with at least one row, in file order
    notes: list[str]       # damage found, in file order, human readable
    source: str            # file path as given

    @property
    def architecture(self) -> str:
        """What the manifest records: the guessed post-B architecture, or "post-a"."""
        return guess_architecture(self.source) if self.layout == POST_B else POST_A


def guess_architecture(path) -> str:
    """Post-B architecture from the file name (casea -> vanilla, ...), else "unknown"."""
    match = _ARCH_RE.search(Path(path).stem.lower())
    return _ARCHITECTURES[match.group(1)] if match else "unknown"


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER_RE.match(text) else None


def _logical_lines(text: str):
    """Yield (line_no, segment, is_last) for every non-empty segment.

    Physical lines are split on \\n (\\r\\n included); a bare \\r inside a line
    is a console overwrite, so every \\r-separated piece is read on its own
    under the same line number.
    """
    physical = text.split("\n")
    ends_cleanly = text.endswith(("\n", "\r"))
    items = []
    for number, line in enumerate(physical, start=1):
        for piece in line.split("\r"):
            piece = piece.strip()
            if piece:
                items.append((number, piece))
    for index, (number, piece) in enumerate(items):
        yield number, piece, (index == len(items) - 1 and not ends_cleanly)


def detect_layout(text: str) -> str:
    """Return "post-a" or "post-b"; raise LogFormatError if the text is neither (or both)."""
    if not text.strip():
        raise LogFormatError("file is empty")
    a_hits = b_hits = 0
    for _, line, _ in _logical_lines(text):
        if _CASE_RE.match(line) or _BANNER_RE.match(line) or _AVG_RE.match(line):
            a_hits += 1
        elif _B_VALUE_RE.match(line) or (_ITER_RE.match(line) and "batch" in line):
            b_hits += 1
    if a_hits and b_hits:
        raise LogFormatError(f"mixes post-A lines ({a_hits}) and post-B lines ({b_hits}); "
                             "split it into one file per layout")
    if a_hits:
        return POST_A
    if b_hits:
        return POST_B
    raise LogFormatError("not a published log: no post-A lines ('----- Case K', "
                         "'====== Current iter:', 'Current Avg Train Cost :') and no post-B lines "
                         "('Train Current cost: ... Current Acc: ...')")


MAX_LOG_BYTES = 64 * 1024 * 1024     # the published logs are well under 1 MB


def _read_text(path: Path) -> str:
    """At most MAX_LOG_BYTES (a device such as /dev/zero, or a huge file, is refused, not read)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_LOG_BYTES + 1)
    except IsADirectoryError:
        raise LogFormatError(f"{path}: is a folder, not a log file") from None
    except OSError as exc:
        raise LogFormatError(f"{path}: cannot open ({exc.strerror})") from None
    if len(data) > MAX_LOG_BYTES:
        raise LogFormatError(f"{path}: more than {MAX_LOG_BYTES // (1024 * 1024)} MiB; not read "
                             f"(a published log is a few hundred kB)")
    # The logs are ASCII; a Windows console may add cp1252 bytes in paths,
    # which only ever appear in lines we skip.
    return data.decode("utf-8", errors="replace")


def parse_log(path, *, case: str | None = None) -> ImportedLog:
    """Read one published log.

    post A: ``case`` (optional) keeps only that case. post B: ``case`` is the
    case key to file the rows under (default "1"; one architecture per file).
    """
    path = Path(path)
    text = _read_text(path)
    try:
        layout = detect_layout(text)
    except LogFormatError as exc:
        raise LogFormatError(f"{path}: {exc}") from None
    if layout == POST_A:
        rows, cases, notes = _PostAParser().parse(text)
        if case is not None:
            if case not in cases:
                raise LogFormatError(f"{path}: no case {case!r} in this post-A log "
                                     f"(found: {', '.join(cases) or 'none'})")
            rows = [row for row in rows if row.case == case]
            notes = [note for note in notes
                     if note.startswith(f"case {case}:") or note.startswith(f"case {case} ")
                     or not note.startswith("case ")]
            cases = [case]
    else:
        key = "1" if case is None else str(case)
        rows, notes = _PostBParser(key).parse(text)
        cases = [key] if rows else []
    if not rows:
        first = f" ({notes[0]})" if notes else ""
        raise LogFormatError(f"{path}: {layout} layout but no epoch with both cost and accuracy{first}")
    return ImportedLog(layout=layout, rows=rows, cases=cases, notes=notes, source=str(path))


def import_log(path, out_dir, *, case: str | None = None) -> ImportedLog:
    """Parse ``path`` and write ``out_dir/metrics.csv`` and ``out_dir/manifest.json``.

    Nothing is written when the file cannot be parsed.
    """
    imported = parse_log(path, case=case)
    out_dir = Path(out_dir)
    from workbench.core.atomic_write import atomic_write
    from workbench.records.run_folder import claim_folder
    claim_folder(out_dir)          # a new or empty folder only (RunFolderError): never over another record
    import io
    buffer = io.StringIO(newline="")
    write_header(buffer)
    append_rows(buffer, imported.rows)
    atomic_write(out_dir / "metrics.csv", buffer.getvalue())
    manifest = {
        "kind": "imported-log",
        "layout": imported.layout,
        "source_file": str(Path(path).resolve()),
        "architecture": imported.architecture,
        "cases": list(imported.cases),
        "notes": list(imported.notes),
        "status": "completed",
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema_version": MANIFEST_SCHEMA_VERSION,
    }
    atomic_write(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return imported


# --------------------------------------------------------------------------- shared bits

class _Table:
    """Collects rows in file order, refusing duplicates (the first one stands)."""

    def __init__(self) -> None:
        self.rows: list[MetricRow] = []
        self.cases: list[str] = []
        self._seen: set[tuple[str, int, str]] = set()

    def add(self, case: str, epoch: int, split: str, cost: float, accuracy: float) -> bool:
        key = (case, epoch, split)
        if key in self._seen:
            return False
        self._seen.add(key)
        if case not in self.cases:
            self.cases.append(case)
        self.rows.append(MetricRow(trial=0, case=case, epoch=epoch, split=split,
                                   cost=cost, accuracy=accuracy, wall_time_s=math.nan))
        return True


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _missing_phrase(split: str, missing: list[str]) -> str:
    if len(missing) == 2:
        return f"no {split} values"
    return f"no {split} {missing[0]}"


# --------------------------------------------------------------------------- post A

@dataclass
class _BlockA:
    case: str | None
    epoch: int
    line_no: int
    values: dict            # (split, field) -> float
    garbled: dict           # (split, field) -> raw text
    seen_value: bool = False


class _PostAParser:
    def __init__(self) -> None:
        self.table = _Table()
        self.notes: list[str] = []
        self.case: str | None = None
        self.headers: list[str] = []
        self.block: _BlockA | None = None

    def _where(self, block: _BlockA) -> str:
        return f"case {block.case} epoch {block.epoch}"

    def parse(self, text: str):
        # The workbench's own transparency.txt interleaves the cases epoch by epoch
        # (it is appended as epochs finish), so repeated case headers are by design there.
        self.interleaved = text.startswith("# RCNN Workbench run")
        for line_no, line, cut in _logical_lines(text):
            if "\x00" in line:
                self.notes.append(f"line {line_no}: NUL bytes (ignored)")
                continue
            if match := _CASE_RE.match(line):
                self._finish(closed=False, at_eof=False)
                self.case = match.group(1)
                if self.case in self.headers and not self.interleaved:
                    self.notes.append(f"case {self.case}: header appears again at line {line_no}")
                else:
                    self.headers.append(self.case)
                continue
            if match := _BANNER_RE.match(line):
                self._banner(line_no, int(match.group(1)), match.group(2))
                continue
            if match := _AVG_RE.match(line):
                self._value(line_no, line, match, cut)
                continue
            if _AVG_PREFIX_RE.match(line):
                where = self._where(self.block) if self.block else f"line {line_no}"
                self.notes.append(f"{where}: unreadable line {_shorten(line)!r} (ignored)")
                continue
            # Anything else is chatter: TF/h5py warnings, device lines,
            # "Extracting ...", per-batch progress lines, blank lines.
        self._finish(closed=False, at_eof=True)
        for header in self.headers:
            if header not in self.table.cases:
                self.notes.append(f"case {header}: header present but no epoch with values")
        return self.table.rows, self.table.cases, self.notes

    def _banner(self, line_no: int, epoch: int, tail: str) -> None:
        block = self.block
        if block is not None and block.epoch == epoch and block.seen_value:
            self._finish(closed=True, at_eof=False)       # the closing banner
            return
        self._finish(closed=False, at_eof=False)
        self.block = _BlockA(self.case, epoch, line_no, {}, {})
        # Opening banner: "<C>  current Accuracy:  <A>" after it is the last
        # training batch's \r line, overwritten; only E is trusted.
        if match := _BANNER_TAIL_ACC_RE.search(tail):
            if _number(match.group(1)) is None:
                self.notes.append(f"{self._where(self.block)}: accuracy field garbled in first line "
                                  f"({_shorten(match.group(1))!r}, ignored)")

    def _value(self, line_no: int, line: str, match: re.Match, cut: bool) -> None:
        split, field = match.group(1).lower(), _FIELD_NAMES[match.group(2)]
        block = self.block
        if block is None:
            self.notes.append(f"line {line_no}: value line outside an epoch block "
                              f"({_shorten(line)!r}, ignored)")
            return
        block.seen_value = True
        if (split, field) in block.values or (split, field) in block.garbled:
            self.notes.append(f"{self._where(block)}: {split} {field} given twice (kept the first)")
            return
        raw = match.group(3).strip()
        if cut:
            # Last line of a file without a final line ending: the number
            # may have been cut off, so it cannot be trusted.
            block.garbled[(split, field)] = raw
            self.notes.append(f"{self._where(block)}: {split} {field} line cut off at end of file "
                              f"({raw!r}, ignored)")
            return
        value = _number(raw)
        if value is None:
            block.garbled[(split, field)] = raw
            self.notes.append(f"{self._where(block)}: {split} {field} garbled "
                              f"({_shorten(raw)!r}, {split} row skipped)")
            return
        block.values[(split, field)] = value

    def _finish(self, *, closed: bool, at_eof: bool) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        if block.case is None:
            self.notes.append(f"line {block.line_no}: epoch {block.epoch} block before any "
                              "'----- Case K' header (ignored)")
            return
        if not block.seen_value:
            if at_eof:
                self.notes.append(f"case {block.case}: truncated at epoch {block.epoch} (no values)")
            else:
                self.notes.append(f"{self._where(block)}: banner without values (ignored)")
            return
        problems = []
        for split in ("train", "test"):
            missing = [field for field in ("cost", "accuracy")
                       if (split, field) not in block.values and (split, field) not in block.garbled]
            if (split, "cost") in block.values and (split, "accuracy") in block.values:
                if not self.table.add(block.case, block.epoch, split,
                                      block.values[(split, "cost")], block.values[(split, "accuracy")]):
                    self.notes.append(f"{self._where(block)}: duplicate {split} values (kept the first)")
            elif missing:
                problems.append(_missing_phrase(split, missing))
        if problems:
            if at_eof:
                self.notes.append(f"case {block.case}: truncated at epoch {block.epoch} "
                                  f"({'; '.join(problems)})")
            else:
                self.notes.append(f"{self._where(block)}: block incomplete ({'; '.join(problems)})")
        elif not closed:
            self.notes.append(f"{self._where(block)}: closing banner missing")


# --------------------------------------------------------------------------- post B

class _PostBParser:
    def __init__(self, case: str) -> None:
        self.case = case
        self.table = _Table()
        self.notes: list[str] = []
        self.epoch: int | None = None
        self.splits_seen: set[str] = set()
        self.epochs_seen: set[int] = set()

    def parse(self, text: str):
        # The workbench's own transparency.txt interleaves the cases epoch by epoch
        # (it is appended as epochs finish), so repeated case headers are by design there.
        self.interleaved = text.startswith("# RCNN Workbench run")
        for line_no, line, cut in _logical_lines(text):
            if "\x00" in line:
                self.notes.append(f"line {line_no}: NUL bytes (ignored)")
                continue
            if match := _ITER_RE.match(line):
                self._iter(int(match.group(1)), match.group(2))
                continue
            if match := _B_VALUE_RE.match(line):
                self._value(line_no, match, cut)
                continue
            if match := _B_VALUE_PREFIX_RE.match(line):
                split = match.group(1).lower()
                where = f"epoch {self.epoch}" if self.epoch is not None else f"line {line_no}"
                self.notes.append(f"{where}: {split} line cut off ({_shorten(line)!r}, {split} row skipped)")
                self.splits_seen.add(split)
                continue
            # "----------" separators and anything else: chatter.
        self._finish(at_eof=True)
        return self.table.rows, self.notes

    def _iter(self, epoch: int, tail: str) -> None:
        if epoch == self.epoch and not self.splits_seen:
            return      # several progress lines of the same epoch (raw capture)
        self._finish(at_eof=False)
        if epoch in self.epochs_seen:
            self.notes.append(f"epoch {epoch}: appears again")
        self.epoch = epoch
        self.epochs_seen.add(epoch)
        # First line = the last test batch's \r line; its accuracy field is
        # often garbled ("0.9.727"). Only E is used.
        if match := _ITER_TAIL_ACC_RE.search(tail):
            if _number(match.group(1)) is None:
                self.notes.append(f"epoch {epoch}: accuracy field garbled in first line "
                                  f"({_shorten(match.group(1))!r}, ignored)")

    def _value(self, line_no: int, match: re.Match, cut: bool) -> None:
        split = match.group(1).lower()
        if self.epoch is None:
            self.notes.append(f"line {line_no}: {split} values before any 'Current Iter' line (ignored)")
            return
        where = f"epoch {self.epoch}"
        if split in self.splits_seen:
            self.notes.append(f"{where}: {split} values given twice (kept the first)")
            return
        self.splits_seen.add(split)
        cost_raw, acc_raw = match.group(2).strip(), match.group(3).strip()
        if cut:
            self.notes.append(f"{where}: {split} line cut off at end of file ({split} row skipped)")
            return
        cost, accuracy = _number(cost_raw), _number(acc_raw)
        bad = [f"{name} field garbled ({_shorten(raw)!r})"
               for name, raw, value in (("cost", cost_raw, cost), ("accuracy", acc_raw, accuracy))
               if value is None]
        if bad:
            self.notes.append(f"{where}: {split} {' and '.join(bad)}; {split} row skipped")
            return
        if not self.table.add(self.case, self.epoch, split, cost, accuracy):
            self.notes.append(f"{where}: duplicate {split} values (kept the first)")

    def _finish(self, *, at_eof: bool) -> None:
        if self.epoch is None:
            return
        missing = [split for split in ("train", "test") if split not in self.splits_seen]
        if missing:
            what = "no values" if len(missing) == 2 else f"no {missing[0]} values"
            if at_eof:
                self.notes.append(f"truncated at epoch {self.epoch} ({what})")
            else:
                self.notes.append(f"epoch {self.epoch}: {what}")
        self.epoch = None
        self.splits_seen = set()


# The published runs' batch sizes (original-experiments.md §1.5, §3.1).
PUBLISHED_BATCH = {"post-a": 1000, "post-b": 100}


def cost_at_batch(log: ImportedLog, batch_size: int) -> tuple[list[MetricRow], str]:
    """The log's rows with post-A costs rescaled to `batch_size`, and a note saying so.

    Post A logged per-batch SUMS over 1000 images, so its costs are ~20x a batch-50 run's
    for the same per-image loss; scaling by batch_size/1000 puts them on one axis.
    Post B logged batch means, which need no scaling.
    """
    published = PUBLISHED_BATCH.get(log.layout)
    if log.layout != "post-a" or not published or batch_size == published:
        return list(log.rows), ""
    factor = batch_size / published
    rows = [MetricRow(r.trial, r.case, r.epoch, r.split, r.cost * factor, r.accuracy, r.wall_time_s)
            for r in log.rows]
    return rows, f"cost × {batch_size}/{published}"
