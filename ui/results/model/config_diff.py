"""Compare configurations: which settings differ between the ticked runs, side by side, without Qt.

Each run's configuration is its manifest's "config" (a study's, its study.json "spec"), read through
workbench's JSON reader, flattened to dotted names (train.learning_rate, cases.0) so nested settings
line up; only the names whose values are not the same in every run are kept. A folder whose record
cannot be read is a column saying why, never an exception.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from workbench.core.json_reader import read_json
from workbench.records.run_index import STUDY_FILE, RunEntry

MISSING = "—"          # the setting is absent from that run's configuration


@dataclass(frozen=True)
class ConfigDiff:
    runs: tuple[str, ...]                       # the runs' display names, one column each
    rows: tuple[tuple[str, tuple[str, ...]], ...]   # (dotted name, one text per run) for each name that differs
    problems: tuple[str, ...] = ()              # one line per run whose configuration could not be read

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.rows]


def flatten(value, prefix: str = "") -> dict[str, object]:
    """{"train": {"learning_rate": 0.01}} -> {"train.learning_rate": 0.01}; lists index as name.0, name.1."""
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix: value}


def read_config(entry: RunEntry) -> dict:
    """The configuration a run (or study) was started with; ValueError/OSError when it cannot be read."""
    if entry.kind == "study":
        spec = read_json(entry.path / STUDY_FILE, what="study file").get("spec")
        return spec if isinstance(spec, dict) else {}
    config = read_json(entry.path / "manifest.json", what="run manifest").get("config")
    return config if isinstance(config, dict) else {}


def _text(value) -> str:
    if value is MISSING:
        return MISSING
    return value if isinstance(value, str) else json.dumps(value)


def compare(entries: list[RunEntry]) -> ConfigDiff:
    """The settings that differ between `entries` (two or more), in the order they first appear."""
    flat: list[dict[str, object] | None] = []
    problems: list[str] = []
    for entry in entries:
        try:
            flat.append(flatten(read_config(entry)))
        except (OSError, ValueError, AttributeError) as exc:
            flat.append(None)
            problems.append(f"{entry.display_name}: {exc}")
    names = list(dict.fromkeys(name for one in flat if one is not None for name in one))
    rows = []
    for name in names:
        values = [MISSING if one is None or name not in one else one[name] for one in flat]
        texts = tuple(_text(v) for v in values)
        if len(set(texts)) > 1:
            rows.append((name, texts))
    return ConfigDiff(tuple(e.display_name for e in entries), tuple(rows), tuple(problems))
