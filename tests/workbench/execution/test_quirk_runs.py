"""Quirk sets on the command line and in the record; gradients.csv from a real run."""
import csv
import json

import pytest

from engine import quirks as Q
from workbench.cli.main import build_parser, config_from_args, main
from workbench.core.config import ExperimentConfig, load_preset
from workbench.records.gradient_log import COLUMNS, read_gradients
from workbench.execution.runner import run_experiment


def parse(*argv):
    return config_from_args(build_parser().parse_args(["run", *argv]))


def test_quirks_option_picks_any_subset_and_the_presets_stay():
    assert parse("--quirks", "stale-state,off-by-one").train.quirks == ("off-by-one", "stale-state")
    assert parse("--quirks", "all").train.quirks == Q.NAMES == parse("--semantics", "as-published").train.quirks
    assert parse("--quirks", "none").train.quirks == () == parse("--semantics", "corrected").train.quirks
    assert parse("--quirks", "off-by-one").train.semantics == "custom"


@pytest.mark.parametrize("argv,words", [
    (["run", "--quirks", "stale"], "unknown quirk 'stale'"),
    (["run", "--quirks", "slot-training"], "needs stale-state"),
    (["run", "--quirks", "off-by-one", "--semantics", "corrected"], "not both"),
])
def test_bad_quirk_options_give_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_a_saved_configuration_carries_the_set(tmp_path):
    config = load_preset("quick").with_train(quirks=("stale-state", "bce-autodiff-loss"))
    config.save(tmp_path / "c.json")
    assert ExperimentConfig.load(tmp_path / "c.json").train.quirks == ("bce-autodiff-loss", "stale-state")


def test_a_run_records_its_quirks_and_its_gradient_flow(tmp_path):
    config = load_preset("quick").with_(cases=("0", "1", "6")).with_train(
        epochs=2, batch_size=20, quirks=("off-by-one",), points_per_epoch=2)
    config = config.with_(data=config.data.__class__("sample", 60, 20))
    outcome = run_experiment(config, tmp_path / "run")
    assert outcome.status == "completed"
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["quirks"] == ["off-by-one"] and manifest["config"]["train"]["quirks"] == ["off-by-one"]
    assert any(n == "semantics: custom quirks: off-by-one" for n in manifest["notes"])
    assert "# quirks: custom quirks: off-by-one" in (tmp_path / "run" / "transparency.txt").read_text()
    with open(tmp_path / "run" / "gradients.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == COLUMNS
    rows = read_gradients(tmp_path / "run")
    epoch_rows = [r for r in rows if r["scope"] == "epoch"]
    assert {r["epoch"] for r in epoch_rows} == {0, 1}
    assert {r["step"] for r in rows if r["scope"] == "step"} == {1, 2, 3}
    # manual cases: every timestep signal; autodiff: weights only; case 6 has dilated terms
    signals = {(r["case"], r["signal"]) for r in epoch_rows}
    assert {("0", s) for s in ("g", "p", "in", "grad", "update")} <= signals
    assert ("1", "in") not in signals and ("1", "grad") in signals and ("6", "dilated") in signals
    # off-by-one: delta_0 = 0, so the dilated term into timestep 0 is computed but moves nothing there
    assert (tmp_path / "run" / "tensorboard" / "gradients" / "case_6").is_dir()
