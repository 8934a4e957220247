"""Compare configurations: only the settings that differ, by dotted name, one column per run."""
from __future__ import annotations

from tests.ui.results.record_doubles import tiny, write_run
from workbench.records.run_index import read_entry
from ui.results.model.config_diff import MISSING, compare, flatten


def test_flatten_names_nested_settings_with_dots():
    assert flatten({"train": {"learning_rate": 0.01, "quirks": ["a"]}, "arch": "post-a"}) == {
        "train.learning_rate": 0.01, "train.quirks": ["a"], "arch": "post-a"}


def test_only_the_settings_that_differ_are_listed_side_by_side(tmp_path):
    a = read_entry(write_run(tmp_path / "a", tiny(learning_rate=0.001), {"0": [0.8]}))
    b = read_entry(write_run(tmp_path / "b", tiny(learning_rate=0.007, batch_size=20), {"0": [0.8]}))
    diff = compare([a, b])
    assert diff.runs == ("a", "b")
    assert dict(diff.rows) == {"train.learning_rate": ("0.001", "0.007"), "train.batch_size": ("50", "20")}
    assert diff.problems == ()


def test_a_damaged_run_is_a_column_saying_why_not_an_exception(tmp_path):
    a = read_entry(write_run(tmp_path / "a", tiny(), {"0": [0.8]}))
    b = read_entry(write_run(tmp_path / "b", tiny(), {"0": [0.8]}))
    (tmp_path / "b" / "manifest.json").write_text("{not json")
    diff = compare([a, b])
    assert len(diff.problems) == 1 and diff.problems[0].startswith("b: ")
    assert dict(diff.rows)["train.learning_rate"][1] == MISSING
