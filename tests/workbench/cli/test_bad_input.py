"""One clear line (exit 2) for every bad input to `study` and `claims`, before any work starts;
damaged study.json files named with what is wrong and their trial folders untouched; a Ray
address where nothing listens refused at once."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workbench.records.test_records import _snapshot, one_line_error
from workbench.cli.main import build_parser
from workbench.core.config import ConfigError, DataSpec, load_preset
from workbench.execution.study_driver import StudyDriver
from workbench.studies.spec import StudyOptions, StudySpec, usable_cpus

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--train-limit", "100", "--test-limit", "20", "--batch-size", "25", "--epochs", "1", "--quiet"]
HANG_GUARD_S = 300          # only so that a command that hangs ends the test; no duration is asserted


def _args(*argv):
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize("option", ["--seeds", "--arch"])
def test_an_empty_study_list_is_refused_not_replaced_by_the_default(option):
    from workbench.cli.study import spec_from_args
    with pytest.raises(ConfigError, match=f"{option}: give at least one"):
        spec_from_args(_args("study", option, "", "--out", "x"))


@pytest.mark.parametrize("option,words", [("--semantics", "--semantics"), ("--claims", "--claims")])
def test_an_empty_claims_list_is_refused_not_replaced_by_the_default(option, words):
    from workbench.cli.claims import request_from_args
    with pytest.raises(ConfigError, match=words):
        request_from_args(_args("claims", option, "", "--out", "x"))


@pytest.mark.parametrize("argv", [
    ["study", "--seeds", "", *TINY],
    ["study", "--arch", "", *TINY],
    ["study", "--seeds", "0-1000000000", *TINY],
    ["study", "--backend", "processes", "--workers", "100000", *TINY],
    ["claims", "--semantics", "", "--claims", "B-concat-fails", "--seeds", "1", "--quiet"],
    ["claims", "--claims", "", "--semantics", "corrected", "--seeds", "1", "--quiet"],
], ids=["--seeds ''", "--arch ''", "a billion seeds", "100000 workers", "--semantics ''", "--claims ''"])
def test_bad_study_and_claims_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv):
    out = tmp_path / "out"
    one_line_error(capsys, 2, [*argv, "--out", str(out)])
    assert not out.exists()


def test_a_huge_seed_range_is_refused_before_it_is_built():
    """Under a 1 GiB address-space limit: building a billion seeds first would be a MemoryError."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
            "from workbench.core.config import ConfigError\n"
            "from workbench.studies.spec import parse_seeds\n"
            "try:\n    parse_seeds('0-1000000000')\n"
            "except ConfigError as exc:\n    print(exc)\n    sys.exit(0)\n"
            "except MemoryError:\n    sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=HANG_GUARD_S, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and "at most 10,000" in done.stdout, done


def test_more_worker_processes_than_cpus_are_refused_when_typed_and_capped_when_recorded():
    many = StudyOptions("processes", workers=5_000)
    assert many.validated() is many                          # a study file made on a bigger machine loads
    assert "--workers 5000: this machine has" in many.too_many_workers()
    fitted, notice = many.fitted()
    assert fitted.workers == usable_cpus() and notice.endswith(f"using {usable_cpus()}") and "\n" not in notice
    assert StudyOptions("processes", workers=usable_cpus()).fitted() == (StudyOptions("processes",
                                                                                      workers=usable_cpus()), None)


# ------------------------------------------------------------------ damaged study.json
def _study_folder(path: Path) -> Path:
    base = load_preset("quick").with_(cases=("0",), data=DataSpec("sample", 100, 20)).with_train(epochs=1)
    driver = StudyDriver(path, StudySpec(bases=(base,), seeds=(0, 1)), StudyOptions())
    path.mkdir()
    driver.state = driver._new_state()
    driver.write_state()
    (path / "trial-0").mkdir()
    (path / "trial-0" / "metrics.csv").write_text("kept\n")
    return path


@pytest.mark.parametrize("damage,words", [
    (lambda s: b"\x00\xffbinary\x80", "not UTF-8"),
    (lambda s: {**s, "trials": [{}, s["trials"][1]]}, "trial entry 0"),
    (lambda s: {**s, "trials": 5}, "'trials' is a int"),
    (lambda s: {**s, "trials": [{**s["trials"][0], "status": ["x"]}, s["trials"][1]]}, "'status'"),
    (lambda s: {**s, "trials": [{**s["trials"][0], "folder": "../../etc"}, s["trials"][1]]}, "not trial-0"),
], ids=["binary", "an emptied trial entry", "trials not a list", "a status list", "a folder outside"])
def test_resume_of_a_damaged_study_json_is_one_line_and_touches_nothing(tmp_path, capsys, damage, words):
    study = _study_folder(tmp_path / "study")
    state = json.loads((study / "study.json").read_text())
    damaged = damage(state)
    (study / "study.json").write_bytes(damaged if isinstance(damaged, bytes) else json.dumps(damaged).encode())
    before = _snapshot(study)
    err = one_line_error(capsys, 2, ["study", "--resume", str(study)])
    assert "study.json" in err and words in err, err
    assert _snapshot(study) == before


# ------------------------------------------------------------------ Ray
def test_a_ray_address_where_nothing_listens_is_one_line(tmp_path):
    pytest.importorskip("ray")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    try:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), "study", "--backend", "ray", "--address",
                               "127.0.0.1:9", *TINY, "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        pytest.fail("a study sent to an address where nothing listens never gave up")
    assert done.returncode == 2 and "127.0.0.1:9: no Ray cluster there" in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "out").exists()
