"""The runs table's rows without a widget: hyper-parameter columns, the best case named, sort, filter, ticks."""
from __future__ import annotations

import pytest

from tests.ui.results.record_doubles import tiny, write_run, write_study
from workbench.records.run_index import scan
from workbench.records.run_notes import update_notes
from workbench.studies.spec import StudySpec
from ui.results.model.runs_table import RunsTable


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    write_run(home / "slow", tiny(learning_rate=0.001), {"0": [0.80, 0.82], "1": [0.70, 0.72]},
              started="2026-11-01T10:00:00+00:00")
    write_run(home / "fast", tiny(learning_rate=0.007, semantics="as-published", epochs=3, batch_size=100),
              {"0": [0.60], "1": [0.91]}, started="2026-11-03T10:00:00+00:00")
    spec = StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007))
    write_study(home / "sweep-study", spec, lambda group, case, seed: 0.5 + 0.01 * seed,
                created="2026-11-02T10:00:00+00:00")
    (home / "broken").mkdir()
    (home / "broken" / "manifest.json").write_text("{not json")
    return home


def rows(table, key="name"):
    return table.column_texts(key)


def test_every_run_and_study_is_one_row_with_its_hyper_parameters(home):
    table = RunsTable(scan())
    assert rows(table) == ["fast", "sweep-study", "slow", "broken"]          # newest first, damaged last
    fast = table.row_of(home / "fast")
    assert table.text(fast, "learning_rate") == "0.007" and table.text(fast, "batch_size") == "100"
    assert table.text(fast, "semantics") == "as-published" and table.text(fast, "quirks").startswith("all ")
    assert table.text(fast, "epochs") == "3" and table.text(fast, "seeds") == "0 (1)"
    assert table.text(fast, "accuracy") == "0.910 (case 1)"               # the best case, named
    slow = table.row_of(home / "slow")
    assert table.text(slow, "quirks") == "none" and table.text(slow, "accuracy") == "0.810 (case 0)"
    study = table.row_of(home / "sweep-study")
    assert table.text(study, "learning_rate") == "0.001, 0.007" and table.text(study, "seeds") == "0–2 (6)"
    assert table.text(study, "status") == "study: completed"
    broken = table.row_of(home / "broken")
    assert table.text(broken, "status") == "damaged" and "manifest.json" in table.tooltip(broken, "status")


def test_sorting_by_the_metric_puts_unknown_values_last_both_ways(home):
    table = RunsTable(scan())
    table.sort("accuracy", descending=True)
    assert rows(table) == ["fast", "slow", "sweep-study", "broken"]
    table.sort("accuracy", descending=False)
    assert rows(table) == ["sweep-study", "slow", "fast", "broken"]
    table.sort("learning_rate")
    assert rows(table)[:2] == ["slow", "sweep-study"] and rows(table)[-1] == "broken"


def test_the_filter_keeps_rows_holding_every_word_tags_and_display_names_included(home):
    update_notes(home / "slow", display_name="baseline run", tags="keep, paper")
    table = RunsTable(scan())
    table.set_filter("0.007")
    assert rows(table) == ["fast", "sweep-study"]
    table.set_filter("PAPER baseline")
    assert rows(table) == ["baseline run"] and table.text(0, "tags") == "keep, paper"
    table.set_filter("")
    assert len(table) == 4


def test_only_readable_runs_tick_and_ticks_outlive_a_reload(home):
    table = RunsTable(scan())
    assert table.set_ticked(home / "slow", True)
    with pytest.raises(ValueError, match="study"):
        table.set_ticked(home / "sweep-study", True)
    with pytest.raises(ValueError, match="damaged"):
        table.set_ticked(home / "broken", True)
    table.load(scan())
    assert [e.name for e in table.overlays()] == ["slow"]


def test_settings_the_same_in_every_run_are_named_once_and_what_differs_is_not(home):
    table = RunsTable(scan())
    same = table.same_everywhere()
    assert same["init"] == "scaled" and same["arch"] == "post-a" and same["dilation"] == "P 1000, k 0.008"
    assert "learning_rate" not in same and "semantics" not in same and "batch_size" not in same
    table.set_filter("slow")                                      # one row: nothing to compare it with
    assert table.same_everywhere() == {}
