"""The runs table's actions without a widget: a live study is never written or moved, a damaged notes file
never overwritten, and a move to the trash is only ever the trash function's."""
from __future__ import annotations

import json

import pytest

from tests.ui.results.record_doubles import tiny, write_run, write_study
from workbench.records.run_index import read_entry
from workbench.records.run_lock import FolderLock
from workbench.records.run_notes import NOTES_FILE
from workbench.studies.spec import StudySpec
from ui.results.model import run_actions
from ui.results.model.runs_table import RunsTable


def test_a_running_study_is_neither_renamed_nor_moved(tmp_path):
    study = write_study(tmp_path / "s-study", StudySpec.from_config(tiny(), (0, 1)), lambda g, c, s: 0.5,
                        status="running", pending=(1,))
    lock = FolderLock(study).acquire()
    try:
        entry = read_entry(study)
        assert entry.status == "running"
        with pytest.raises(run_actions.ActionRefused, match="running study"):
            run_actions.rename(entry, "mine")
        with pytest.raises(run_actions.ActionRefused, match="running study"):
            run_actions.move_to_trash(entry, lambda path: pytest.fail("moved a live study"))
    finally:
        lock.release()
    assert not (study / NOTES_FILE).exists() and (study / "study.json").exists()


def test_a_finished_folder_goes_to_the_trash_only_through_the_trash_function(tmp_path):
    run = write_run(tmp_path / "r", tiny(), {"0": [0.5]})
    asked = []
    with pytest.raises(run_actions.ActionRefused, match="nothing was deleted"):
        run_actions.move_to_trash(read_entry(run), lambda path: asked.append(path) or False)
    assert asked == [run] and (run / "manifest.json").exists()
    assert "Moved r to the trash" in run_actions.move_to_trash(read_entry(run), lambda path: True)


def test_a_damaged_notes_file_shows_in_the_row_and_is_kept(tmp_path):
    run = write_run(tmp_path / "r", tiny(), {"0": [0.5]})
    (run / NOTES_FILE).write_text("{oops")
    table = RunsTable([read_entry(run)])
    assert table.text(0, "note") == "(notes file damaged)" and NOTES_FILE in table.tooltip(0, "name")
    with pytest.raises(run_actions.ActionRefused, match="left as it is"):
        run_actions.set_tags(table.entry(0), "a b")
    assert (run / NOTES_FILE).read_text() == "{oops"
    assert json.loads((run / "manifest.json").read_text())["kind"] == "run"
