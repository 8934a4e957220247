"""The run list's model: the runs home plus added folders, newest first, damaged runs named."""
from __future__ import annotations

import json
import math

from workbench.records.run_index import read_entry, scan


def make_run(folder, started, arch="post-a", status="completed", finals=((0.8, 0.9),)):
    folder.mkdir(parents=True)
    trials = [{"trial": i, "epochs_done": 3, "final": {"0": {"test_accuracy": a}, "1": {"test_accuracy": b}}}
              for i, (a, b) in enumerate(finals)]
    (folder / "manifest.json").write_text(json.dumps({
        "kind": "run", "status": status, "started_at": started, "config": {"arch": arch},
        "cases": {"0": {}, "1": {}}, "trials": trials}))
    return folder


def test_the_runs_home_and_added_folders_are_listed_newest_first(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    make_run(home / "old", "2026-01-01T10:00:00")
    make_run(home / "new", "2026-02-01T10:00:00", arch="vanilla", status="stopped")
    single = make_run(tmp_path / "elsewhere" / "mine", "2026-01-15T10:00:00", finals=((0.5, 0.7), (0.7, 0.9)))
    entries = scan([single])
    assert [e.name for e in entries] == ["new", "mine", "old"]
    mine = entries[1]
    assert mine.arch == "post-a" and mine.cases == ("0", "1") and mine.trials == 2
    assert mine.final_accuracy == {"0": 0.6, "1": 0.8} and mine.accuracy_text() == "0.800 (case 1)"
    assert entries[0].status == "stopped" and entries[0].arch == "vanilla"
    assert [e.name for e in scan([home])] == ["new", "old"]        # a folder seen twice is listed once


def test_a_damaged_manifest_is_listed_with_its_reason_and_links_are_not_followed(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    (home / "broken").mkdir(parents=True)
    (home / "broken" / "manifest.json").write_text("{not json")
    outside = make_run(tmp_path / "outside" / "run", "2026-01-01T00:00:00")
    (home / "link").symlink_to(outside, target_is_directory=True)
    (home / "not-a-run").mkdir()
    entries = scan()
    assert [e.name for e in entries] == ["broken"]
    assert entries[0].status == "damaged" and "manifest.json" in entries[0].problem
    assert math.isnan(entries[0].best_accuracy)
    assert read_entry(home / "not-a-run") is None


def make_report(folder, verdicts=("supported", "within seed noise", "within seed noise")):
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>")
    (folder / "claims.json").write_text(json.dumps({
        "kind": "claims-report", "generated_at": "2026-03-01T10:00:00+00:00", "scale": {"name": "quick"},
        "claims": [{"id": "c", "results": [{"verdict": v} for v in verdicts]}]}))
    return folder


def test_a_claims_report_is_listed_among_the_runs_with_its_verdicts(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    make_run(home / "a-run", "2026-01-01T10:00:00")
    report = make_report(home / "claims-quick")
    entries = scan()
    assert [e.name for e in entries] == ["claims-quick", "a-run"]
    assert entries[0].report == report / "report.html" and entries[1].report is None
    assert entries[0].status == "1 supported, 2 within seed noise" and "quick" in entries[0].arch
    (report / "claims.json").write_text(json.dumps({"kind": "something-else"}))
    assert read_entry(report) is None                                # only the report writer's kind


def test_a_symlinked_claims_report_is_not_read(tmp_path):
    real = make_report(tmp_path / "real")
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "report.html").write_text("<html></html>")
    (folder / "claims.json").symlink_to(real / "claims.json")
    assert read_entry(folder) is None


def test_a_study_is_one_entry_with_every_trials_settings_and_its_pooled_accuracy(tmp_path, monkeypatch):
    from tests.ui.results.record_doubles import tiny, write_run, write_study
    from workbench.studies.spec import StudySpec
    home = tmp_path / "home"
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(home))
    spec = StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007))
    write_study(home / "sweep-study", spec, lambda group, case, seed: 0.5 + 0.1 * int(case)
                + (0.05 if "0.007" in group else 0.0) + 0.01 * seed, pending=(5,))
    write_run(home / "single", tiny(learning_rate=0.003), {"0": [0.7]})
    entries = {e.name: e for e in scan()}
    assert set(entries) == {"sweep-study", "single"}                # no bare trial-0 … trial-5
    study = entries["sweep-study"]
    assert study.kind == "study" and study.trials == 6 and study.seeds == (0, 1, 2)
    assert study.settings["learning_rate"] == (0.001, 0.007) and study.settings["batch_size"] == (50,)
    assert study.best_case == "1, post-a lr=0.007"
    assert math.isclose(study.final_accuracy["1, post-a lr=0.007"], (0.65 + 0.66) / 2)   # seed 2 is pending
    assert entries["single"].settings["learning_rate"] == (0.003,) and entries["single"].kind == "run"
    assert [e.name for e in scan([home / "sweep-study"], include_home=False)] == ["sweep-study"]


def test_a_damaged_study_json_is_one_damaged_entry(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "study.json").write_text('{"kind": "study", "trials": 3}')
    entry = read_entry(tmp_path / "s")
    assert entry.kind == "study" and entry.status == "damaged" and "study.json" in entry.problem
