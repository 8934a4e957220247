"""What a researcher says about a run or a study: a display name, tags and a note, in the folder's own notes file.

The manifest is the writer's record and is never edited here; the notes live beside it in a small JSON
file (`notes.json`, kind "run-notes") that only the window writes, and only while no process holds the
folder's lock: a live run or study is never given a second writer. The write is atomic (core/atomic_write)
and done under the folder lock, so two windows never interleave. A notes file that cannot be read is
reported (its problem) and never overwritten: the run keeps showing, under its folder name.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from workbench.core.atomic_write import atomic_write
from workbench.core.json_reader import MissingRecordFile, read_json
from workbench.records.run_lock import FolderBusyError, FolderLock

NOTES_FILE = "notes.json"
NOTES_KIND = "run-notes"
MAX_NAME = 200
MAX_TAGS = 50
MAX_NOTE = 20_000


class NotesError(ValueError):
    """Notes that cannot be written (a live writer, a damaged notes file, a value too long); one line."""


@dataclass(frozen=True)
class RunNotes:
    display_name: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    problem: str = ""              # why the notes file could not be read ("" when it is fine or absent)

    def to_dict(self) -> dict:
        return {"kind": NOTES_KIND, "display_name": self.display_name, "tags": list(self.tags), "note": self.note}


def clean_tags(text_or_tags) -> tuple[str, ...]:
    """Tags from 'a, b c' or a list: stripped, no empties, no repeats, in the order given."""
    items = text_or_tags.replace(",", " ").split() if isinstance(text_or_tags, str) else list(text_or_tags)
    out: list[str] = []
    for tag in (str(t).strip() for t in items):
        if tag and tag not in out:
            out.append(tag)
    return tuple(out)


def read_notes(folder: Path) -> RunNotes:
    """The folder's notes; empty notes when it has none, empty notes with a `problem` when they are damaged."""
    path = Path(folder) / NOTES_FILE
    if not os.path.lexists(path):              # most folders have none: no exception to raise and catch
        return RunNotes()
    try:
        data = read_json(path, what="notes file", limit=1024 * 1024)
    except MissingRecordFile:
        return RunNotes()
    except (OSError, ValueError) as exc:
        return RunNotes(problem=str(exc))
    if data.get("kind") != NOTES_KIND:
        return RunNotes(problem=f"{path}: not a notes file (kind {str(data.get('kind'))[:40]!r})")
    name, tags, note = data.get("display_name", ""), data.get("tags", []), data.get("note", "")
    if not isinstance(name, str) or not isinstance(note, str) or not isinstance(tags, list) \
            or not all(isinstance(t, str) for t in tags):
        return RunNotes(problem=f"{path}: damaged (display_name, tags or note of the wrong type)")
    return RunNotes(name, clean_tags(tags), note)


def _checked(notes: RunNotes) -> RunNotes:
    name = " ".join(notes.display_name.split())
    if len(name) > MAX_NAME:
        raise NotesError(f"a display name has at most {MAX_NAME} characters (this one has {len(name)})")
    tags = clean_tags(notes.tags)
    if len(tags) > MAX_TAGS:
        raise NotesError(f"at most {MAX_TAGS} tags")
    if len(notes.note) > MAX_NOTE:
        raise NotesError(f"a note has at most {MAX_NOTE:,} characters")
    return RunNotes(name, tags, notes.note)


def write_notes(folder: Path, notes: RunNotes) -> RunNotes:
    """Replace the folder's notes (as cleaned); NotesError when a live process writes the folder, or the
    present notes file is damaged (never overwritten: the user's words may be in it)."""
    folder = Path(folder)
    notes = _checked(notes)
    present = read_notes(folder)
    if present.problem:
        raise NotesError(f"{present.problem}; left as it is (mend or remove it first)")
    lock = FolderLock(folder)
    try:
        lock.acquire()
    except FolderBusyError as exc:
        raise NotesError(f"{exc}: notes are written once it has ended") from None
    except OSError as exc:
        raise NotesError(f"{folder}: cannot take the folder's lock ({exc.strerror or exc})") from None
    try:
        atomic_write(folder / NOTES_FILE, json.dumps(notes.to_dict(), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise NotesError(f"{folder / NOTES_FILE}: cannot write ({exc.strerror or exc})") from None
    finally:
        lock.release()
    return notes


def update_notes(folder: Path, **changes) -> RunNotes:
    """The folder's notes with `changes` (display_name, tags, note) applied and written."""
    present = read_notes(folder)
    if present.problem:
        raise NotesError(f"{present.problem}; left as it is (mend or remove it first)")
    values = {"display_name": present.display_name, "tags": present.tags, "note": present.note}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"unknown notes field(s): {', '.join(sorted(unknown))}")
    values.update(changes)
    return write_notes(folder, RunNotes(**values))

