"""A run's notes (display name, tags, note): its own file beside the manifest, never a second writer."""
from __future__ import annotations

import json

import pytest

from workbench.records.run_lock import FolderLock
from workbench.records.run_notes import NOTES_FILE, NotesError, RunNotes, read_notes, update_notes, write_notes


def test_notes_are_written_beside_the_manifest_and_read_back(tmp_path):
    (tmp_path / "manifest.json").write_text('{"kind": "run"}')
    assert read_notes(tmp_path) == RunNotes()
    update_notes(tmp_path, display_name="  lr   sweep ", tags="baseline, lr baseline")
    update_notes(tmp_path, note="seed 2 looked odd")
    assert read_notes(tmp_path) == RunNotes("lr sweep", ("baseline", "lr"), "seed 2 looked odd")
    assert json.loads((tmp_path / NOTES_FILE).read_text())["kind"] == "run-notes"
    assert (tmp_path / "manifest.json").read_text() == '{"kind": "run"}'
    assert not (tmp_path / ".lock").exists()                      # the lock taken for the write is let go


def test_a_folder_a_live_writer_holds_gets_no_notes(tmp_path):
    lock = FolderLock(tmp_path).acquire()
    try:
        with pytest.raises(NotesError, match="already being written"):
            update_notes(tmp_path, display_name="mine")
    finally:
        lock.release()
    assert not (tmp_path / NOTES_FILE).exists()


@pytest.mark.parametrize("content", [b"{not json", b'{"kind": "run-notes", "tags": "a"}', b'{"kind": "other"}'])
def test_a_damaged_notes_file_is_reported_and_never_overwritten(tmp_path, content):
    (tmp_path / NOTES_FILE).write_bytes(content)
    assert read_notes(tmp_path).problem and NOTES_FILE in read_notes(tmp_path).problem
    with pytest.raises(NotesError, match="left as it is"):
        write_notes(tmp_path, RunNotes("x"))
    assert (tmp_path / NOTES_FILE).read_bytes() == content


def test_a_planted_link_is_not_read(tmp_path):
    (tmp_path / "elsewhere.json").write_text('{"kind": "run-notes", "display_name": "planted"}')
    (tmp_path / NOTES_FILE).symlink_to(tmp_path / "elsewhere.json")
    notes = read_notes(tmp_path)
    assert notes.display_name == "" and "symbolic link" in notes.problem
