"""The results panel reads a run folder: table, confusion matrix, misclassified digits, seed comparison.

The run folders are written with the engine's own RunFolder from synthetic events, so
no training (and no TensorFlow) is needed; the checks recompute every number here.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from engine.data import load_dataset  # noqa: E402
from engine.events import CaseEpoch, EpochEvent, Progress, TrialResult  # noqa: E402
from ui.results.results_panel import MAX_TILES, ResultsPanel, confusion_matrix  # noqa: E402
from workbench.core.config import DataSpec, load_preset  # noqa: E402
from workbench.records.run_folder import RunFolder  # noqa: E402

N_TEST = 120
P = Progress(1, 1, 1.0, 0.0)


def write_run(path, keys=("0", "1", "2"), trials=1, epochs=3, accuracy=None, seed=0):
    """A run folder as the runner writes it; test accuracy of (trial, case, epoch) from `accuracy`."""
    config = load_preset("quick").with_(cases=tuple(keys), data=DataSpec("sample", train_limit=200,
                                                                         test_limit=N_TEST), trials=trials)
    labels = load_dataset("sample", train_limit=1, test_limit=N_TEST).y_test
    rng = np.random.default_rng(seed)
    accuracy = accuracy or (lambda t, k, e: 0.5 + 0.1 * e + 0.01 * int(k) + 0.02 * t)
    folder = RunFolder(path, config)
    for t in range(trials):
        folder.start_trial(t, 100 + t)
        final = {}
        for e in range(epochs):
            metrics = {k: CaseEpoch(10.0 - e - int(k), 0.4 + 0.1 * e, 9.0 - e, accuracy(t, k, e)) for k in keys}
            final = metrics
            folder.epoch(EpochEvent(t, e, metrics, (), P, float(e)))
        predictions = {}
        for k in keys:
            wrong = rng.random(N_TEST) < 0.1 + 0.1 * int(k)
            predictions[k] = np.where(wrong, (labels + 1 + int(k)) % 10, labels).tolist()
        folder.end_trial(TrialResult(t, 100 + t, "completed", epochs, final, {}, {k: 2.5 for k in keys},
                                     predictions, labels.tolist()))
    folder.finish("completed")
    return path, labels


@pytest.fixture
def panel(qtbot):
    p = ResultsPanel()
    qtbot.addWidget(p)
    p.resize(1200, 900)
    p.show()
    return p


def test_table_shows_final_and_best_metrics_and_time_per_case(panel, tmp_path):
    acc = lambda t, k, e: [0.6, 0.8, 0.7][e] + 0.01 * int(k)   # best at epoch 1 (from 0), final lower
    run, _ = write_run(tmp_path / "run", accuracy=acc)
    panel.show_run(run)
    assert panel.cases() == ["0", "1", "2"]
    assert panel.result_value("1", "Final test acc") == f"{0.7 + 0.01:.4f}"
    assert panel.result_value("1", "Best test acc (epoch)") == f"{0.8 + 0.01:.4f} (1)"
    assert panel.result_value("2", "Final train cost") == f"{10.0 - 2 - 2:.4g}"
    assert panel.result_value("0", "Training time (share)") == "2.5 s"
    tip = panel.table.horizontalHeaderItem(6).toolTip()
    assert "lockstep" in tip and "share" in tip                 # the same figure per case is explained
    assert "completed" in panel.summary.text()
    assert not panel.compare_box.isVisibleTo(panel)      # one trial: no seed comparison


def test_confusion_matrix_and_misclassified_digits_match_the_predictions(panel, tmp_path):
    run, labels = write_run(tmp_path / "run")
    panel.show_run(run)
    panel.select_case("2")
    with np.load(run / "predictions.npz") as data:
        predictions = data["trial0_case2"]
    expected = np.zeros((10, 10), int)
    for t, p in zip(labels, predictions):
        expected[t, p] += 1
    shown = np.array([[int(panel.confusion.item(r, c).text() or 0) for c in range(10)] for r in range(10)])
    np.testing.assert_array_equal(shown, expected)
    np.testing.assert_array_equal(confusion_matrix(labels, predictions), expected)
    wrong = [i for i in range(N_TEST) if predictions[i] != labels[i]]
    assert [m[0] for m in panel.misclassified] == wrong
    assert panel.tile_count() == min(MAX_TILES, len(wrong))
    first = panel.tiles.item(0)
    assert first.text() == f"{predictions[wrong[0]]} / {labels[wrong[0]]}"
    assert not first.icon().isNull()
    assert f"{len(wrong)} of {N_TEST}" in panel.tiles_caption.text()


def test_best_case_is_chosen_first_and_the_table_selects_a_case(panel, tmp_path):
    run, _ = write_run(tmp_path / "run")
    panel.show_run(run)
    assert panel.current_case() == "2"            # highest final test accuracy
    panel.table.selectRow(0)
    assert panel.current_case() == "0"


def test_seed_comparison_table_arithmetic(panel, tmp_path):
    finals = {"0": [0.70, 0.74, 0.72], "1": [0.80, 0.83, 0.81], "2": [0.79, 0.85, 0.76]}
    acc = lambda t, k, e: finals[k][t] if e == 1 else 0.1
    run, _ = write_run(tmp_path / "run", trials=3, epochs=2, accuracy=acc)
    panel.show_run(run)
    assert panel.compare_box.isVisibleTo(panel)
    assert panel.reference_combo.currentData() == "1"        # case 1 by default
    rows = {r[0].split()[0]: r for r in panel.comparison_rows()}
    for key, values in finals.items():
        mean, sd = np.mean(values), np.std(values, ddof=1)
        assert rows[key][1] == "3"
        assert rows[key][2] == f"{mean:.4f} ± {sd:.4f}"
    assert rows["1"][3] == "reference"
    # Paired by hand for case 0 vs 1 (trials share seed, start and batches): t(0.975, 2) from the table
    d = np.array(finals["0"]) - np.array(finals["1"])
    diff = d.mean()
    half = 4.302652729911275 * d.std(ddof=1) / math.sqrt(3)
    assert rows["0"][3] == f"{diff:+.4f}"
    assert rows["0"][4] == f"[{diff - half:+.4f}, {diff + half:+.4f}]"
    assert rows["0"][5] == ("worse" if diff + half < 0 else "within seed noise")
    assert rows["2"][5] == "within seed noise"
    panel.set_reference("0")
    rows = {r[0].split()[0]: r for r in panel.comparison_rows()}
    assert rows["0"][3] == "reference" and rows["1"][3] == f"{-diff:+.4f}"


def test_a_folder_that_is_not_a_run_raises_a_clear_error(panel, tmp_path):
    with pytest.raises((OSError, ValueError), match="manifest.json"):
        panel.show_run(tmp_path)


def test_the_note_column_shows_the_runs_notes_for_each_case(panel, tmp_path):
    import json
    run, _ = write_run(tmp_path / "run")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["notes"] = ["as-published quirks: none", "case 2 (dilated): no connection has any effect here",
                         "case 1: D-connection 3->1 has no effect (dead timestep)"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    panel.show_run(run)
    assert panel.result_value("2", "Note") == "(dilated): no connection has any effect here"
    assert panel.result_value("1", "Note") == "D-connection 3->1 has no effect (dead timestep)"
    assert panel.result_value("0", "Note") == ""
    assert "as-published quirks: none" in panel.summary.text()
