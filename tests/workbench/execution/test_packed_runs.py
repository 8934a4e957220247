"""`run --trials K` trains the K seeds as one pack, writes the same per-trial records as one
trial after another, and records its packing; `--pack off` trains them in turn."""
import json
import math

import pytest

from engine.events import Progress
from workbench.cli.main import main
from workbench.core.config import DataSpec, load_preset
from workbench.execution.packing import plan_packs, recorded_pack, split_packs, trial_packs
from workbench.execution.rerun import rerun
from workbench.execution.run_progress import RunProgress
from workbench.execution.runner import run_experiment
from workbench.records import metrics as M

CONFIG = load_preset("quick").with_(arch="vanilla", cases=("0", "1", "3"), trials=3,
                                    data=DataSpec("sample", 60, 20)).with_train(epochs=2, batch_size=20)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("packed")
    packed = run_experiment(CONFIG, root / "packed")
    apart = run_experiment(CONFIG, root / "apart", pack=False)
    assert packed.status == apart.status == "completed"
    return packed, apart


def manifest(outcome):
    return json.loads((outcome.folder / "manifest.json").read_text())


def test_the_manifest_records_the_packing(runs):
    packed, apart = runs
    assert manifest(packed)["packing"] == {"packed": True, "packs": [[0, 1, 2]]}
    assert manifest(apart)["packing"] == {"packed": False, "packs": [[0], [1], [2]]}
    assert recorded_pack(manifest(packed)) and not recorded_pack(manifest(apart))
    assert not recorded_pack({})            # a run recorded before packing trained its trials in turn


def test_a_pack_writes_the_records_of_trials_run_in_turn(runs):
    """Same trials, seeds, statuses, epochs and rows; the values agree within float32 rounding
    (the engine's pack test states the measured difference)."""
    packed, apart = runs
    ours, theirs = manifest(packed), manifest(apart)
    strip = [{k: t[k] for k in ("trial", "seed", "status", "epochs_done", "diverged_at")} for t in ours["trials"]]
    assert strip == [{k: t[k] for k in ("trial", "seed", "status", "epochs_done", "diverged_at")}
                     for t in theirs["trials"]]
    assert [r.seed for r in packed.results] == [0, 1, 2]
    key = lambda r: (r.trial, r.case, r.epoch, r.split)       # noqa: E731
    a = sorted(M.read_metrics(packed.folder / "metrics.csv"), key=key)
    b = sorted(M.read_metrics(apart.folder / "metrics.csv"), key=key)
    assert [key(r) for r in a] == [key(r) for r in b] and len(a) == 3 * 3 * 2 * 2
    for x, y in zip(a, b):
        assert math.isclose(x.cost, y.cost, rel_tol=1e-6) and math.isclose(x.accuracy, y.accuracy, rel_tol=1e-6)
    assert (packed.folder / "predictions.npz").exists() and (packed.folder / "transparency.txt").exists()


def test_a_rerun_of_a_packed_run_packs_again(runs, tmp_path):
    packed, _ = runs
    report = rerun(packed.folder, tmp_path / "again")
    assert report.outcome.status == "completed"
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["packing"]["packed"] is True
    assert report.match, report.message


def test_pack_off_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "off"
    code = main(["run", "--arch", "vanilla", "--cases", "0", "--trials", "2", "--pack", "off", "--epochs", "1",
                 "--train-limit", "40", "--test-limit", "20", "--batch-size", "20", "--quiet", "--out", str(out)])
    assert code == 0
    assert json.loads((out / "manifest.json").read_text())["packing"] == {"packed": False, "packs": [[0], [1]]}
    assert main(["run", "--pack", "maybe"]) == 2
    assert "--pack" in capsys.readouterr().err


def test_packs_and_their_splits():
    assert trial_packs(3) == [[0, 1, 2]] and trial_packs(3, pack=False) == [[0], [1], [2]]
    assert trial_packs(1) == [[0]] and trial_packs([4, 5]) == [[4, 5]]
    assert split_packs(5, 2) == [[0, 1, 2], [3, 4]]
    assert split_packs(3, 8) == [[0], [1], [2]]          # never an empty pack
    assert split_packs([3, 4, 5, 6], 1) == [[3, 4, 5, 6]]
    # A study's waiting cells: one pack each, the largest split while workers would idle.
    assert plan_packs([[0, 1, 2, 3, 4]], 2) == [[0, 1, 2], [3, 4]]
    assert plan_packs([[0, 1, 2, 3, 4]], 1) == [[0, 1, 2, 3, 4]]
    assert plan_packs([[0, 1], [2, 3, 4]], 3) == [[0, 1], [2, 3], [4]]
    assert plan_packs([[0], [1]], 4) == [[0], [1]]


def test_whole_run_progress_counts_a_pack_once():
    """Three trials in one pack report the pack's progress: halfway through it the run is halfway,
    whichever trial's event says so, and no trial's time is counted three times."""
    packed = RunProgress(2, 3, trial_packs(3))
    half = Progress(5, 10, 30.0, 30.0)
    assert [packed.fraction(t, half) for t in range(3)] == [0.5, 0.5, 0.5]
    assert [packed.times(t, half) for t in range(3)] == [(30.0, 30.0)] * 3
    apart = RunProgress(2, 3, trial_packs(3, pack=False))
    assert apart.fraction(1, half) == pytest.approx(0.5)
    assert apart.times(0, Progress(10, 10, 60.0, 0.0)) == (60.0, 120.0)
