"""`main.py claims`: a quick-scale study of two claims on the offline sample, end to end; and its bad inputs."""
import json
import re
from pathlib import Path

import pytest

import resources
from workbench.claims import claim_set as claims_module
from workbench.cli.main import main
from workbench.claims.study import ClaimsRequest, build_spec, data_size, projected_seconds
from workbench.claims.claim_set import load_claims, scale_config
from workbench.core.config import DataSpec


def write_tiny_scales(path: Path) -> Path:
    """The shipped scales, with `quick` shrunk to a few batches so the whole study takes seconds."""
    data = json.loads(resources.claim_scales().read_text())
    quick = data["scales"]["quick"]["groups"]
    quick["post-a"]["data"] = {"source": "sample", "train_limit": 100, "test_limit": 50}
    quick["post-a"]["train"].update(epochs=2, batch_size=50)
    quick["post-b"]["data"] = {"source": "sample", "train_limit": 100, "test_limit": 50, "train_skip": 0}
    quick["post-b"]["train"].update(epochs=1, batch_size=50)
    path.write_text(json.dumps(data))
    return path


@pytest.fixture()
def tiny_quick(tmp_path, monkeypatch):
    """`resources.claim_scales` with the tiny quick scale (write_tiny_scales)."""
    path = write_tiny_scales(tmp_path / "claim_scales.json")
    monkeypatch.setattr(resources, "claim_scales", lambda: path)
    return path


def test_quick_scale_two_claims_end_to_end(tiny_quick, tmp_path, capsys):
    out = tmp_path / "claims"
    code = main(["claims", "--scale", "quick", "--seeds", "3", "--semantics", "corrected",
                 "--claims", "A-dense2-beats-autodiff,A-trials-differ", "--quiet", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    data = json.loads((out / "claims.json").read_text())
    assert [c["id"] for c in data["claims"]] == ["A-dense2-beats-autodiff", "A-trials-differ"]
    assert data["trials"] == {"expected": 3, "completed": 3, "not_completed": [], "study_status": "completed"}
    study = json.loads((out / "study" / "study.json").read_text())
    assert [t["status"] for t in study["trials"]] == ["completed"] * 3
    for c in data["claims"]:
        r = c["results"][0]
        assert r["semantics"] == "corrected"
        assert r["verdict"] in ("supported", "contradicted", "within seed noise", "not testable at this scale")
        for arm in r["arms"]:
            assert sorted(arm["values"]) == ["0", "1", "2"] and set(arm["epochs"].values()) == {2}
    # Corrected maths: case 5's dilated terms make it differ from case 1, so the interval is not zero width.
    dense = data["claims"][0]["results"][0]
    assert dense["n_seeds"] == 3 and dense["ci_low"] is not None
    # The report, the CSV and the command that reproduces it.
    html = (out / "report.html").read_text()
    assert "python main.py claims --scale quick --seeds 3 --semantics corrected" in html
    assert not re.search(r"https?://", html)
    assert (out / "claims.csv").read_text().count("\n") > 10
    assert "| A-dense2-beats-autodiff |" in printed and "report:" in printed

    # --resume of a finished study trains nothing and writes the report again from the same folders.
    before = json.loads((out / "claims.json").read_text())["claims"]
    assert main(["claims", "--resume", str(out), "--quiet"]) == 0
    assert json.loads((out / "claims.json").read_text())["claims"] == before
    # An existing claims folder is never written into by a new study.
    assert main(["claims", "--seeds", "3", "--claims", "A-trials-differ", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize("argv,message", [
    (["claims", "--scale", "huge"], "invalid choice"),
    (["claims", "--seeds", "0"], "must be ≥ 1"),
    (["claims", "--semantics", "buggy"], "'buggy' is not one of"),
    (["claims", "--claims", "A-nope"], "unknown claim(s) A-nope"),
    (["claims", "--semantics", "corrected", "--quirks", "all"], "not both"),
    (["claims", "--resume", "/nonexistent/claims"], "is /nonexistent/claims a claims folder"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path):
    assert main(argv + ([] if "--resume" in argv else ["--out", str(tmp_path / "x")])) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_study_grid_covers_every_arm_of_every_claim():
    claims = load_claims()
    request = ClaimsRequest("quick", 5, ("corrected", "as-published"))
    spec = build_spec(claims, request)
    assert set(spec.archs) == {"post-a", "vanilla", "multi-stream", "concat", "internal-conv", "lag2"}
    post_a = next(b for b in spec.bases if b.arch == "post-a")
    assert post_a.cases == ("0", "1", "2", "3", "5", "6")
    assert next(b for b in spec.bases if b.arch == "concat").train.learning_rate == 0.00001   # published lr
    assert spec.size == 6 * 5 * 2
    # The published scale is the published set-up.
    pub = scale_config("published", "post-a", ("0", "1"))
    assert (pub.train.epochs, pub.train.batch_size, pub.train.init, pub.data.source) == (801, 1000, "published",
                                                                                        "mnist")
    assert scale_config("published", "vanilla", ("1",)).data.train_skip == 5000


def test_quirks_give_one_custom_semantics():
    from engine.quirks import NAMES
    request = ClaimsRequest("quick", 3, ("as-published",), quirks=tuple(NAMES[:1]))
    spec = build_spec(load_claims().select(["A-trials-differ"]), request)
    assert spec.semantics == () and spec.bases[0].train.quirks == tuple(NAMES[:1])
    assert f"--quirks {NAMES[0]}" in request.command("out")


def test_projection_from_measured_rates():
    spec = build_spec(load_claims().select(["A-trials-differ"]), ClaimsRequest("published", 5, ("corrected",)))
    seconds, lines = projected_seconds(spec, {"post-a": 100.0}, workers=1)
    # 801 epochs × (60,000 train + 10,000 test) images at 100 images/s, × 5 trials.
    assert seconds == pytest.approx(801 * 70000 / 100.0 * 5)
    assert "5 trials" in lines[0]
    assert data_size(DataSpec("mnist", None, None, 5000)) == (55000, 10000)
    assert data_size(DataSpec("sample", 1000, 500, 0)) == (1000, 500)
