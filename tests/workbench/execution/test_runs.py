"""Run folders end to end: files, reproducibility, re-run, trials, failures, exports."""
import csv
import json
import math
import zipfile

import numpy as np
import pytest

from workbench.records import metrics as M
from workbench.core.config import DataSpec, ExperimentConfig, load_preset
from workbench.records.export import export_long_csv, export_zip
from workbench.records.published_logs import parse_log
from workbench.execution.rerun import compare_metrics, rerun
from workbench.execution.runner import run_experiment
from workbench.records.tensorboard_export import read_scalars
from workbench.core.version import app_version


def tiny(**train):
    config = load_preset("quick").with_(cases=("0", "1", "3"), data=DataSpec("sample", 100, 40))
    return config.with_train(**{"epochs": 2, "batch_size": 25, **train})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    outcome = run_experiment(tiny(), out)
    assert outcome.status == "completed", outcome.error
    return out


def test_run_folder_holds_manifest_metrics_log_and_event_files(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["ended_at"]
    assert manifest["config"]["train"]["seed"] == 0 and manifest["trials"][0]["seed"] == 0
    for key in ("python", "tensorflow", "numpy"):
        assert manifest["environment"][key]
    assert manifest["environment"]["app_version"] == app_version() != "unknown"
    device = manifest["environment"]["device"]            # the tests hide every GPU
    assert device["type"] == "CPU" and device["name"] == "/device:CPU:0" and device["description"]
    assert manifest["data"]["n_train"] == 100 and manifest["data"]["n_test"] == 40
    final = manifest["trials"][0]["final"]
    assert set(final) == {"0", "1", "3"} and not any(f["diverged"] for f in final.values())

    rows = M.read_metrics(run_dir / "metrics.csv")
    assert len(rows) == 3 * 2 * 2
    # Post A's cost is a per-batch SUM: per example, BCE on a softmax of sigmoids lies in
    # [2.2639, 4.2533] (original-experiments.md §1.4), so at batch 25 it lies in 25x that.
    assert all(2.2639 * 25 <= r.cost <= 4.2533 * 25 for r in rows)
    assert {(r.case, r.epoch, r.split) for r in rows} == {(c, e, s) for c in "013" for e in (0, 1)
                                                          for s in ("train", "test")}
    assert final["3"]["test_accuracy"] == [r.accuracy for r in rows if (r.case, r.epoch, r.split) == ("3", 1, "test")][0]

    # The transparency log is in the published post-A layout: the published-log reader reads it back.
    log = parse_log(run_dir / "transparency.txt")
    assert log.layout == "post-a" and log.cases == ["0", "1", "3"]
    back = {(r.case, r.epoch, r.split): (r.cost, r.accuracy) for r in log.rows}
    assert back == {(r.case, r.epoch, r.split): (r.cost, r.accuracy) for r in rows}

    scalars = read_scalars(next((run_dir / "tensorboard").glob("*3*")))
    assert [v for _, v in scalars["test/accuracy"]] == pytest.approx(
        [r.accuracy for r in rows if r.case == "3" and r.split == "test"], rel=1e-6)

    predictions = np.load(run_dir / "predictions.npz")
    assert predictions["labels"].shape == (40,) and predictions["trial0_case1"].shape == (40,)


def test_same_seed_gives_identical_metrics_and_rerun_reports_a_match(run_dir, tmp_path):
    report = rerun(run_dir, tmp_path / "again")
    assert report.match, report.message
    assert report.compared_rows == 12 and report.message.startswith("match")
    first, second = (M.read_metrics(d / "metrics.csv") for d in (run_dir, tmp_path / "again"))
    assert [(r.trial, r.case, r.epoch, r.split, r.cost, r.accuracy) for r in first] == \
           [(r.trial, r.case, r.epoch, r.split, r.cost, r.accuracy) for r in second]


def test_compare_metrics_finds_a_changed_value(run_dir):
    rows = M.read_metrics(run_dir / "metrics.csv")
    changed = list(rows)
    r = changed[5]
    changed[5] = M.MetricRow(r.trial, r.case, r.epoch, r.split, r.cost, np.nextafter(r.accuracy, 2.0), r.wall_time_s)
    compared, diffs = compare_metrics(rows, changed)
    assert compared == len(rows) and len(diffs) == 1 and "accuracy" in diffs[0]


def test_a_different_seed_gives_different_numbers(run_dir, tmp_path):
    run_experiment(tiny(seed=1), tmp_path)
    _, diffs = compare_metrics(M.read_metrics(run_dir / "metrics.csv"), M.read_metrics(tmp_path / "metrics.csv"))
    assert diffs


def test_trials_run_consecutive_seeds(tmp_path):
    config = tiny(epochs=1).with_(cases=("0",), trials=2)
    outcome = run_experiment(config, tmp_path)
    assert [r.seed for r in outcome.results] == [0, 1]
    rows = M.read_metrics(tmp_path / "metrics.csv")
    assert {r.trial for r in rows} == {0, 1}
    costs = {r.trial: r.cost for r in rows if r.split == "test"}
    assert costs[0] != costs[1]
    runs = {p.name for p in (tmp_path / "tensorboard").iterdir()} - {"gradients"}
    assert runs == {"case_0_trial_0", "case_0_trial_1"}


def test_a_bad_data_file_fails_the_run_with_the_reason_recorded(tmp_path):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip")
    outcome = run_experiment(tiny().with_(data=DataSpec(str(bad))), tmp_path / "run")
    assert outcome.status == "failed" and "broken.npz" in outcome.error
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "broken.npz" in manifest["error"]


def test_exports_long_csv_and_zip(run_dir, tmp_path):
    n = export_long_csv(run_dir, tmp_path / "all.csv")
    with open(tmp_path / "all.csv") as handle:
        table = list(csv.DictReader(handle))
    assert n == len(table) == 12 * 2
    row = next(t for t in table if t["case"] == "3" and t["epoch"] == "1" and t["split"] == "test"
               and t["metric"] == "accuracy")
    assert row["case_name"] == "dilated sparse 2" and row["arch"] == "post-a" and row["seed"] == "0"
    count = export_zip(run_dir, tmp_path / "run.zip")
    names = zipfile.ZipFile(tmp_path / "run.zip").namelist()
    assert count == len(names)
    assert {f"{run_dir.name}/{f}" for f in ("manifest.json", "metrics.csv", "transparency.txt")} <= set(names)


def test_case_notes_name_what_cannot_change_training():
    from workbench.execution.run_setup import case_notes
    config = load_preset("quick")
    assert case_notes(config) == []                                # corrected post A: every connection acts
    notes = case_notes(config.with_train(semantics="as-published"))
    assert any(n.startswith("case 6: in_0 += D·g_3 has no effect") for n in notes)
    assert not any(n.startswith("case 0") or n.startswith("case 1") for n in notes)
    vanilla = case_notes(load_preset("quick", "vanilla"))
    assert any("case 2: in_0 += D·g_2 has no effect" in n for n in vanilla)


def test_a_rerun_on_another_device_says_so():
    from workbench.execution.rerun import _device_change
    cpu = {"type": "CPU", "description": "Intel Xeon", "name": "/device:CPU:0"}
    gpu = {"type": "GPU", "description": "NVIDIA A100 (compute capability 8.0)", "name": "/device:GPU:0"}
    assert _device_change(cpu, dict(cpu)) is None and _device_change(None, cpu) is None
    assert _device_change(cpu, gpu) == "CPU Intel Xeon → GPU NVIDIA A100 (compute capability 8.0)"
