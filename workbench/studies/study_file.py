"""A study folder's study.json read back: its schema checked, its status told truthfully.

The study driver (workbench/execution/study_driver.py) is the one writer of
study.json; everything that reads a study (its comparison, the claims report,
the Runs tab, `compare`, a resumed driver) reads it here, below the driver.
"""
from __future__ import annotations

from pathlib import Path

from workbench.core.config import ConfigError
from workbench.studies.status import STUDY, TRIAL

STUDY_VERSION = 1
STUDY_FILE = "study.json"


def read_study(study_dir: Path) -> dict:
    from workbench.core.json_reader import MissingRecordFile, read_json
    path = Path(study_dir) / STUDY_FILE
    try:
        data = read_json(path, what="study file")
    except MissingRecordFile as exc:
        raise ConfigError(f"{exc}; is {study_dir} a study folder?") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if data.get("kind") != "study":
        raise ConfigError(f"{path}: not a study file")
    version = data.get("schema_version", STUDY_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{path}: damaged (schema_version {version!r} is not a whole number)")
    if version > STUDY_VERSION:
        raise ConfigError(f"{path}: study schema {data['schema_version']} is newer than this workbench")
    problem = _study_problem(data)
    if problem:
        raise ConfigError(f"{path}: damaged ({problem}); its trial folders are left untouched")
    return data


# study.json's fields the driver reads back, and the JSON type each must have
_STUDY_FIELDS = {"trials": list, "sessions": list, "data": list}
_TRIAL_FIELDS = {"folder": str, "status": str, "attempts": int, "epochs_done": int, "final": dict,
                 "diverged_at": dict, "previous_folders": list}


def _study_problem(data: dict) -> str | None:
    """What is wrong with a study.json's shape, in a few words, or None."""
    for key, kind in _STUDY_FIELDS.items():
        if not isinstance(data.get(key, kind()), kind):
            return f"'{key}' is a {type(data[key]).__name__}, not a {kind.__name__}"
    if data.get("status") not in STUDY.allowed.keys() | STUDY.final:
        return f"status {data.get('status')!r} is not one the workbench writes"
    known = TRIAL.allowed.keys() | TRIAL.final
    for i, entry in enumerate(data.get("trials", [])):
        if not isinstance(entry, dict):
            return f"trial entry {i} is a {type(entry).__name__}, not an object"
        if entry.get("index") != i:
            return f"trial entry {i} has index {entry.get('index')!r}"
        for key, kind in _TRIAL_FIELDS.items():
            value = entry.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                return f"trial entry {i}: '{key}' is {'missing' if key not in entry else repr(value)[:40]}"
        if entry["status"] not in known:
            return f"trial entry {i}: status {entry['status']!r} is not one the workbench writes"
        if entry["folder"] != f"trial-{i}":
            return f"trial entry {i}: folder {entry['folder'][:40]!r} is not trial-{i}"
    for session in data.get("sessions", []):
        if not isinstance(session, dict):
            return "a session entry is not an object"
    for item in data.get("data", []):
        if not isinstance(item, dict) or not isinstance(item.get("sha256"), str):
            return "a data entry has no checksum"
    return None


def study_status(study_dir: Path, state: dict | None = None):
    """The study's truthful status (a run_status.RunStatus): "interrupted" when study.json says running
    but its driver died without a word (its folder lock is free), as for a run."""
    from workbench.records.run_status import status_of
    return status_of(state if state is not None else read_study(study_dir), Path(study_dir))


def is_study_dir(path: Path) -> bool:
    return (Path(path) / STUDY_FILE).is_file()
