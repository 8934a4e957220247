"""Rename, tag, note and move-to-trash for a row of the runs table, without Qt: the rules in one place.

A run's manifest is never edited: names, tags and notes go to its notes file (workbench.records.run_notes).
Nothing is done to a folder a live run or study writes; its status is read again at the moment of the
action (the table may be minutes old). Deleting only ever moves a folder to the desktop's trash, through
the function the view passes in (QtCore's QFile.moveToTrash), after the view has asked; where the
platform has no trash, or it refuses, the folder stays where it is and one line says so.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from workbench.records.run_index import RunEntry, read_entry
from workbench.records.run_notes import NotesError, RunNotes, clean_tags, update_notes

__all__ = ["ActionRefused", "why_not_change", "rename", "set_tags", "set_note", "delete_question", "move_to_trash"]


class ActionRefused(ValueError):
    """An action the table does not do to this folder now; one line saying why."""


def why_not_change(entry: RunEntry) -> str | None:
    """Why this folder must not be written or moved now (its writer is live), or None."""
    fresh = read_entry(entry.path) if entry.path.is_dir() else None
    if fresh is None:
        return f"{entry.path}: is no longer a run folder (refresh the table)"
    if fresh.status == "running":
        what = "study" if fresh.kind == "study" else "run"
        return f"{entry.display_name} is a running {what}: its folder has one writer until it ends"
    return None


def _notes(entry: RunEntry, **changes) -> RunNotes:
    problem = why_not_change(entry)
    if problem:
        raise ActionRefused(problem)
    try:
        return update_notes(entry.path, **changes)
    except NotesError as exc:
        raise ActionRefused(str(exc)) from None


def rename(entry: RunEntry, name: str) -> RunNotes:
    """Show the folder as `name` (empty: its folder name again); the folder and manifest keep theirs."""
    return _notes(entry, display_name=name)


def set_tags(entry: RunEntry, text: str) -> RunNotes:
    """Tags from 'baseline, lr-sweep' (commas or spaces between them)."""
    return _notes(entry, tags=clean_tags(text))


def set_note(entry: RunEntry, text: str) -> RunNotes:
    return _notes(entry, note=text.strip())


def delete_question(entry: RunEntry) -> str:
    """What the confirmation asks, naming the folder and what goes with it."""
    what = (f"the study {entry.display_name} and its {entry.trials} trial folder(s)" if entry.kind == "study"
            else f"the claims report {entry.display_name}" if entry.kind == "report"
            else f"the run {entry.display_name}")
    return (f"Move {what} to the trash?\n\n{entry.path}\n\nThe folder goes to the desktop's trash as a whole "
            f"(restore it from there); nothing else is deleted.")


def move_to_trash(entry: RunEntry, trash: Callable[[Path], bool]) -> str:
    """Move the entry's folder to the trash with `trash(path) -> moved?`; the line to show. Raises
    ActionRefused for a live folder, or when nothing was moved (the folder is then untouched)."""
    problem = why_not_change(entry)
    if problem:
        raise ActionRefused(problem)
    if entry.path.is_symlink():
        raise ActionRefused(f"{entry.path}: is a symbolic link; not moved")
    if not trash(entry.path):
        raise ActionRefused(f"{entry.path}: not moved (this platform has no trash here, or it refused); "
                            f"nothing was deleted")
    return f"Moved {entry.display_name} to the trash ({entry.path})."
