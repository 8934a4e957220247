"""The runs table's rows, without Qt: one row per run or study, its hyper-parameters, sorted and filtered.

The table view (ui/results/runs_table_model.py) is a thin QAbstractTableModel over this: every cell's
text, tooltip and sort key come from here, so what the table shows, how it sorts (by any column, the
metric included, with unknown values always last) and what a filter keeps are tested without a widget.
Entries come from workbench.records.run_index only; a damaged one is a row that says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.quirks import NAMES as QUIRK_NAMES

from workbench.records.run_index import RunEntry, trial_entries

__all__ = ["COLUMNS", "Column", "RunsTable", "seeds_text", "tickable"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    tip: str = ""


COLUMNS = (
    Column("name", "Run", "The display name (Rename) or the folder's name; tick to lay it over the plots"),
    Column("status", "Status"),
    Column("accuracy", "Best case test acc.",
           "The final test accuracy of the run's best case, that case named (a mean over trials; for a "
           "study, over its completed trials per configuration)"),
    Column("arch", "Architecture"),
    Column("cases", "Cases"),
    Column("semantics", "Semantics"),
    Column("quirks", "Quirks", "The original scripts' quirks the run reproduces"),
    Column("learning_rate", "Learning rate"),
    Column("batch_size", "Batch"),
    Column("epochs", "Epochs", "Epochs configured (epochs done are in Status)"),
    Column("seeds", "Seeds (trials)", "The trials' seeds, and how many trials"),
    Column("init", "Init"),
    Column("dilation", "D schedule", "The dilation schedule D = P·(…)^k: its P and k"),
    Column("started", "Started"),
    Column("tags", "Tags"),
    Column("note", "Note"),
)
KEYS = tuple(c.key for c in COLUMNS)
# The columns that describe a configuration: where every run has the same value, the table may fold the
# column into one line ("same in every run: …") so what differs fits a narrow pane.
SETTING_KEYS = ("arch", "cases", "semantics", "quirks", "learning_rate", "batch_size", "epochs", "init", "dilation")


def _num(value: float) -> str:
    return f"{value:g}"


def seeds_text(seeds: tuple[int, ...]) -> str:
    """'0–2' for a run of consecutive seeds, '0, 3, 7' otherwise, '' for none."""
    if not seeds:
        return ""
    if len(seeds) > 1 and tuple(seeds) == tuple(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def _quirks_text(quirks: tuple[str, ...]) -> str:
    if not quirks:
        return "none"
    if set(quirks) >= set(QUIRK_NAMES):
        return f"all {len(QUIRK_NAMES)}"
    return ", ".join(quirks)


def _values(entry: RunEntry, name: str, fmt: Callable = str) -> str:
    return ", ".join(fmt(v) for v in entry.settings.get(name, ()))


def _text(entry: RunEntry, key: str) -> str:
    if key == "name":
        return entry.display_name
    if key == "status":
        status = entry.status + (f" ({entry.epochs_done} ep.)" if entry.epochs_done and entry.kind == "run" else "")
        return f"study: {status}" if entry.kind == "study" else status
    if key == "accuracy":
        return entry.accuracy_text()
    if key == "arch":
        return entry.arch
    if key == "cases":
        return " ".join(entry.cases)
    if key in ("semantics", "init"):
        return _values(entry, key)
    if key == "quirks":
        return " | ".join(_quirks_text(q) for q in entry.settings.get("quirks", ()))
    if key in ("learning_rate", "batch_size", "epochs"):
        return _values(entry, key, _num)
    if key == "dilation":
        return " | ".join(f"P {_num(P)}, k {_num(k)}" for P, k in entry.settings.get("dilation", ()))
    if key == "seeds":
        if entry.kind == "report" or entry.status == "damaged" and not entry.seeds:
            return ""
        return f"{seeds_text(entry.seeds)} ({entry.trials})".strip()
    if key == "started":
        return entry.date.replace("T", " ")[:16]
    if key == "tags":
        return ", ".join(entry.notes.tags)
    if key == "note":
        if entry.notes.problem:
            return "(notes file damaged)"
        return entry.notes.note.splitlines()[0] if entry.notes.note else ""
    raise KeyError(f"no column {key!r}")


def _sort_key(entry: RunEntry, key: str, text: str):
    """A comparable key, or None for an unknown value (sorted last either way)."""
    if key == "accuracy":
        best = entry.best_accuracy
        return best if math.isfinite(best) else None
    if key in ("learning_rate", "batch_size", "epochs"):
        values = [v for v in entry.settings.get(key, ()) if isinstance(v, (int, float))]
        return min(values) if values else None
    if key == "dilation":
        values = entry.settings.get("dilation", ())
        return min(values) if values else None
    if key == "seeds":
        return (entry.trials, entry.seeds) if text else None
    if key == "started":
        return entry.date or None
    return text.casefold() if text else None


def _tooltip(entry: RunEntry, key: str) -> str:
    if key == "name":
        lines = [str(entry.path)]
        if entry.notes.display_name:
            lines.append(f"folder: {entry.name}")
        if entry.kind == "study":
            lines.append(f"a study of {entry.trials} trial(s): Open shows its pooled result per case and seed")
        if entry.problem:
            lines.append(entry.problem)
        if entry.notes.problem:
            lines.append(entry.notes.problem)
        if entry.notes.note:
            lines.append(f"note: {entry.notes.note}")
        return "\n".join(lines)
    if key == "status" and entry.problem:
        return entry.problem
    if key == "note":
        return entry.notes.problem or entry.notes.note
    if key == "accuracy" and entry.final_accuracy:
        return "\n".join(f"case {k}: {v:.4f}" for k, v in entry.final_accuracy.items() if math.isfinite(v))
    return ""


def tickable(entry: RunEntry) -> bool:
    """Only a readable run is laid over the plots (a study opens its own result; a report, the browser)."""
    return entry.kind == "run" and entry.status != "damaged"


def _row(entry: RunEntry, depth: int = 0) -> Row:
    texts = tuple(_text(entry, k) for k in KEYS)
    if depth:
        texts = ("└ " + texts[0],) + texts[1:]
    searchable = " ".join((*texts, entry.name, entry.notes.note, str(entry.path))).casefold()
    return Row(entry, texts, tuple(_sort_key(entry, k, t) for k, t in zip(KEYS, texts)), searchable, depth)


def _trial_rows(study: Path) -> list[Row]:
    return [_row(entry, depth=1) for entry in trial_entries(study)]


@dataclass(frozen=True)
class Row:
    entry: RunEntry
    texts: tuple[str, ...]
    keys: tuple
    searchable: str              # what the filter looks in: every cell, the folder's name and path, the whole note
    depth: int = 0               # 1: a trial listed under its expanded study

    def text(self, key: str) -> str:
        return self.texts[KEYS.index(key)]


class RunsTable:
    """The entries as rows; `visible` is what the table shows: filtered, then sorted.

    Listeners (`on_change`) are called with no argument after any change of the rows or their order.
    """

    def __init__(self, entries: list[RunEntry] | None = None) -> None:
        self._rows: list[Row] = []
        self.visible: list[Row] = []
        self.sort_column: str = "started"
        self.descending: bool = True
        self.filter_text: str = ""
        self.ticked: set[Path] = set()        # runs laid over the plots
        self.expanded: dict[Path, list[Row]] = {}   # study folder -> its trials' rows, shown under it
        self._listeners: list[Callable[[], None]] = []
        if entries is not None:
            self.load(entries)

    # ------------------------------------------------------------ events
    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # ------------------------------------------------------------ changes
    def load(self, entries: list[RunEntry]) -> None:
        """Replace the rows (the order and filter are kept)."""
        self._rows = [_row(entry) for entry in entries]
        studies = {r.entry.path for r in self._rows if r.entry.kind == "study"}
        self.expanded = {path: _trial_rows(path) for path in self.expanded if path in studies}
        self.ticked &= {r.entry.path for r in self._all_rows() if tickable(r.entry)}
        self._arrange()

    def _all_rows(self) -> list[Row]:
        return self._rows + [r for rows in self.expanded.values() for r in rows]

    def set_expanded(self, path: Path, expanded: bool) -> bool:
        """Show (or hide) a study's trials under its row; True when that changed anything."""
        path = Path(path)
        row = next((r for r in self._rows if r.entry.path == path), None)
        if row is None or row.entry.kind != "study":
            raise ValueError(f"{path}: only a study's row expands to its trials")
        if expanded == (path in self.expanded):
            return False
        if expanded:
            self.expanded[path] = _trial_rows(path)
        else:
            self.ticked -= {r.entry.path for r in self.expanded.pop(path)}
        self._arrange()
        return True

    def set_ticked(self, path: Path, ticked: bool) -> bool:
        """Tick (lay over the plots) or untick a run; True when that changed anything."""
        path = Path(path)
        row = next((r for r in self._all_rows() if r.entry.path == path), None)
        if row is None:
            raise KeyError(f"{path} is not in the runs table")
        if ticked and not tickable(row.entry):
            what = "damaged folder" if row.entry.status == "damaged" else row.entry.kind
            raise ValueError(f"{row.entry.display_name}: a {what} is not laid over the plots")
        if ticked == (path in self.ticked):
            return False
        (self.ticked.add if ticked else self.ticked.discard)(path)
        return True

    def overlays(self) -> list[RunEntry]:
        """The ticked runs, in the table's order."""
        return [r.entry for r in self.visible if r.entry.path in self.ticked] + \
            [r.entry for r in self._all_rows() if r.entry.path in self.ticked and r not in self.visible]

    def sort(self, column: str, descending: bool = False) -> None:
        if column not in KEYS:
            raise KeyError(f"no column {column!r}")
        self.sort_column, self.descending = column, descending
        self._arrange()

    def set_filter(self, text: str) -> None:
        """Keep the rows holding every word of `text` (case-insensitive, in any column, the folder included)."""
        self.filter_text = text
        self._arrange()

    def _arrange(self) -> None:
        words = self.filter_text.casefold().split()
        rows = [r for r in self._rows if all(w in r.searchable for w in words)] if words else list(self._rows)
        i = KEYS.index(self.sort_column)
        known = [r for r in rows if r.keys[i] is not None]
        unknown = [r for r in rows if r.keys[i] is None]
        known.sort(key=lambda r: (r.keys[i], r.entry.name), reverse=self.descending)
        unknown.sort(key=lambda r: r.entry.name)
        self.visible = []
        for r in known + unknown:        # an expanded study's trials follow it, in the study's order
            self.visible += [r, *self.expanded.get(r.entry.path, ())]
        self._changed()

    # ------------------------------------------------------------ reading
    @property
    def entries(self) -> list[RunEntry]:
        """Every entry, filtered or not."""
        return [r.entry for r in self._rows]

    def __len__(self) -> int:
        return len(self.visible)

    def text(self, row: int, key: str) -> str:
        return self.visible[row].text(key)

    def tooltip(self, row: int, key: str) -> str:
        return _tooltip(self.visible[row].entry, key)

    def entry(self, row: int) -> RunEntry:
        return self.visible[row].entry

    def row_of(self, path: Path) -> int | None:
        """The visible row of the entry at `path`, or None (filtered out or not there)."""
        path = Path(path)
        for i, r in enumerate(self.visible):
            if r.entry.path == path:
                return i
        return None

    def same_everywhere(self) -> dict[str, str]:
        """Setting columns whose text is one and the same in every readable run and study shown (at least two),
        column key -> that text; an empty dict when fewer than two rows can be compared."""
        rows = [r for r in self.visible if r.entry.status != "damaged" and r.entry.kind != "report" and not r.depth]
        if len(rows) < 2:
            return {}
        out = {}
        for key in SETTING_KEYS:
            texts = {r.text(key) for r in rows}
            if len(texts) == 1 and "" not in texts:
                out[key] = next(iter(texts))
        return out

    def column_texts(self, key: str) -> list[str]:
        return [r.text(key) for r in self.visible]
