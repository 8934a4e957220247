"""A study cell's seeds train as packs by default: one worker trains a pack, and each trial keeps
its own folder, status, progress and record, those of the trials trained one by one (the values
within float32 rounding: tests/engine/test_seed_pack.py)."""
from __future__ import annotations

import json
import math

import pytest

from workbench.core.config import DataSpec, load_preset
from workbench.execution.backends import protocol as P
from workbench.execution.backends.trial_runner import pack_trials, run_pack
from workbench.execution.study_driver import read_study, run_study
from workbench.records import metrics as M
from workbench.studies.spec import StudyOptions, StudySpec


def base(cases=("0", "1")):
    return (load_preset("quick", "vanilla").with_(cases=cases, data=DataSpec("sample", 100, 40))
            .with_train(epochs=2, batch_size=50))


def records(study):
    """trial -> (its metric rows, its manifest's trial entry without times and values, its packing)."""
    out = {}
    for e in read_study(study)["trials"]:
        rows = M.read_metrics(study / e["folder"] / "metrics.csv")
        manifest = json.loads((study / e["folder"] / "manifest.json").read_text())
        entry = {k: v for k, v in manifest["trials"][0].items() if k not in ("train_seconds", "final")}
        entry["final_cases"] = sorted(manifest["trials"][0]["final"])
        out[e["index"]] = (rows, entry, manifest["packing"])
    return out


def same_rows(a, b) -> bool:
    key = lambda r: (r.trial, r.case, r.epoch, r.split)       # noqa: E731
    a, b = sorted(a, key=key), sorted(b, key=key)
    return [key(r) for r in a] == [key(r) for r in b] and all(
        math.isclose(x.cost, y.cost, rel_tol=1e-6) and math.isclose(x.accuracy, y.accuracy, rel_tol=1e-6)
        for x, y in zip(a, b))


class Listen:
    def __init__(self):
        self.steps, self.ends, self.trials = set(), [], []

    def on_step(self, k, event):
        self.steps.add((k, event.trial))

    def on_trial(self, k, entry):
        self.trials.append((k, entry["status"]))

    def on_trial_end(self, k, result):
        self.ends.append((k, result.status, result.seed))


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    root = tmp_path_factory.mktemp("packs")
    spec = StudySpec.from_config(base(), seeds=(0, 1, 2))
    listen = Listen()
    packed = run_study(spec, root / "packed", StudyOptions("local"), listen)
    apart = run_study(spec, root / "apart", StudyOptions("local", pack=False))
    assert packed.status == apart.status == "completed"
    return root, listen


def test_a_cells_seeds_train_as_one_pack_with_per_trial_records(studies):
    root, listen = studies
    packed, apart = records(root / "packed"), records(root / "apart")
    assert set(packed) == {0, 1, 2}
    for k in packed:
        assert same_rows(packed[k][0], apart[k][0]), k          # metrics, within float32 rounding
        assert packed[k][1] == apart[k][1], k                   # status, epochs, finals, seed
        assert packed[k][2] == {"packed": True, "study_trials": [0, 1, 2]}
        assert apart[k][2] == {"packed": False, "study_trials": [k]}
    state = read_study(root / "packed")
    assert [t["status"] for t in state["trials"]] == ["completed"] * 3
    assert state["options"]["pack"] is True
    assert sorted(listen.ends) == [(0, "completed", 0), (1, "completed", 1), (2, "completed", 2)]
    assert listen.steps == {(0, 0), (1, 1), (2, 2)}          # each trial's own progress, under its index
    assert [k for k, s in listen.trials if s == "running"] == [0, 1, 2]


def test_one_case_trials_train_alone(tmp_path):
    outcome = run_study(StudySpec.from_config(base(("0",)), seeds=(0, 1)), tmp_path / "s", StudyOptions("local"))
    assert outcome.status == "completed"
    assert [r[2]["packed"] for r in records(tmp_path / "s").values()] == [False, False]


def test_a_pack_takes_trials_that_differ_in_seed_alone():
    a = base().with_train(seed=3).to_dict()
    b = base().with_train(seed=5).to_dict()
    merged, trials = pack_trials([b, a])
    assert merged["train"]["seed"] == 3 and trials == [2, 0]
    with pytest.raises(ValueError, match="seed alone"):
        pack_trials([a, base().with_train(seed=5, learning_rate=0.5).to_dict()])


def test_a_pack_that_cannot_train_fails_every_member_in_one_line():
    a = base().with_train(seed=3).to_dict()
    odd = base().with_train(seed=4, learning_rate=0.5).to_dict()
    events = []
    run_pack(P.PackTask((P.TrialTask(0, 1, a), P.TrialTask(1, 1, odd))), None, events.append, None, {})
    assert [(e.kind, e.trial) for e in events] == [(P.STARTED, 0), (P.STARTED, 1), (P.ERROR, 0), (P.ERROR, 1)]
    assert events[2].payload[0] == "a pack's trials must differ in their seed alone"
