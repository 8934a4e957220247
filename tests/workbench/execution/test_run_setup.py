"""One opening sequence: a run's folder and a study trial's folder record the data and notes alike."""
from __future__ import annotations

import json
from pathlib import Path

from engine.data import load_dataset
from workbench.core.config import DataSpec, load_preset
from workbench.execution.backends.trial_runner import dataset_checksum
from workbench.execution.run_setup import case_notes, data_record, quirk_note
from workbench.execution.runner import run_experiment
from workbench.execution.study_driver import run_study
from workbench.records.environment import sha256_file
from workbench.studies.spec import StudyOptions, StudySpec


def test_the_data_record_names_each_file_with_its_checksum_and_the_arrays_sha256():
    ds = load_dataset("sample", train_limit=50, test_limit=20)
    record = data_record(ds)
    assert record["sha256"] == dataset_checksum(ds)
    assert [f["path"] for f in record["files"]] == [str(Path(p).resolve()) for p in ds.files]
    assert all(f["sha256"] == sha256_file(f["path"]) for f in record["files"]) and record["files"]
    summary = ds.summary()
    assert {k: v for k, v in record.items() if k not in ("files", "sha256")} == \
        {k: v for k, v in summary.items() if k != "files"}


def test_a_run_and_a_study_trial_of_one_configuration_record_the_same_data_and_notes(tmp_path):
    config = (load_preset("quick", "post-a").with_(cases=("0", "5"), data=DataSpec("sample", 100, 50))
              .with_train(epochs=1, batch_size=50, semantics="as-published"))
    run = run_experiment(config, tmp_path / "run")
    study = run_study(StudySpec.from_config(config, seeds=(config.train.seed,)), tmp_path / "study",
                      StudyOptions("local"))
    assert run.status == "completed" and study.status == "completed", (run.error, study.error)
    by_run = json.loads((tmp_path / "run" / "manifest.json").read_text())
    by_study = json.loads((tmp_path / "study" / "trial-0" / "manifest.json").read_text())
    assert by_study["data"] == by_run["data"] and by_run["data"]["sha256"] and by_run["data"]["files"]
    setup_notes = [quirk_note(config), *case_notes(config)]
    assert len(setup_notes) > 1                       # as-published: some of case 5's terms change nothing
    assert by_run["notes"][:len(setup_notes)] == by_study["notes"][:len(setup_notes)] == setup_notes
