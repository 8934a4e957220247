"""Seeds on the member axis: a pack of S seeds trains each seed exactly as that seed trains alone."""
import json
import math

import numpy as np
import pytest
import tensorflow as tf

from engine import catalog
from engine import quirks as Q
from engine.cases import Case, dilation_coefficients, parse_connections, resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

enable_determinism()
KEYS = ("post-a", "vanilla", "multi-stream", "concat", "internal-conv", "lag2")
DATA = load_dataset("sample", train_limit=60, test_limit=20)
ARCHS = {}


class Recorder:
    """Every epoch's metrics and every step's running means, per (trial, case)."""

    def __init__(self):
        self.curves, self.steps, self.events = {}, {}, []

    def on_step(self, event):
        for key, value in event.running.items():
            self.steps.setdefault((event.trial, key), []).append((event.epoch, event.step, value))

    def on_epoch(self, event):
        self.events.append(event)
        for key, m in event.metrics.items():
            self.curves.setdefault((event.trial, key), []).append(
                (m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy, m.diverged))


def trainer(arch_key, cases, trials, quirks=(), custom=(), epochs=2, dtype="float32"):
    if arch_key not in ARCHS:
        ARCHS[arch_key] = catalog.build(arch_key)
    s = TrainSettings(epochs=epochs, batch_size=20, learning_rate=0.003, seed=6, quirks=quirks)
    return LockstepTrainer(ARCHS[arch_key], resolve_cases(cases, custom), s, DATA,
                           catalog.describe(arch_key).default_noise, trials=trials, dtype=dtype)


def train(arch_key, cases, trials, **kw):
    """(recorder, {(trial, case): {weight: array}}, results, trainer)."""
    t = trainer(arch_key, cases, trials, **kw)
    rec = Recorder()
    results = t.run_seeds(rec)
    weights = {(run.trial, k): {n: v.numpy() for n, v in ws.items()}
               for i, run in enumerate(t.runs) for k, ws in t.seed_weights(i).items()}
    return rec, weights, results, t


def same_weights(a, b):
    return set(a) == set(b) and all(np.array_equal(a[n], b[n], equal_nan=True) for n in a)


# float32 rounding: a few units in the last place of a weight, or of an epoch's mean.
ROUNDING = 1e-6


def rel_diff(a, b) -> float:
    """max |a − b| / max |b| over an array (0 for equal arrays, NaNs included)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if np.array_equal(a, b, equal_nan=True):
        return 0.0
    return float(np.nanmax(np.abs(a - b)) / max(np.nanmax(np.abs(b)), 1e-30))


# One architecture per distinct way a pack reaches its members (engine/members.py): post A (image
# convolution, dilation, its dense rows), multi-stream (dense layers on the image), concat (channel
# blocks) and lag2 (the plain member convolutions, on two recurrent weights). Vanilla and internal-conv
# reach their members only through those same convolutions (and post B's shared input and head), so
# here they would add their cost and no path; their per-seed gradients are checked below, vanilla's packs
# trained below too.
PACK_PATHS = ("post-a", "multi-stream", "concat", "lag2")


@pytest.mark.parametrize("quirks", [(), Q.NAMES], ids=["no quirks", "every quirk"])
@pytest.mark.parametrize("arch_key", PACK_PATHS)
def test_a_packed_seed_trains_as_it_trains_alone(arch_key, quirks):
    """Three seeds × cases 0 (manual), 1 (autodiff), 3 (dilated) in one pack against each seed's
    lone trainer, two epochs, with and without every quirk (stale state and slot training per
    case and per seed): every epoch metric, every running mean and every final weight.

    Each seed's images go through their own convolution and its autodiff members through their
    own slice, the ops the seed runs alone (engine/members.py), so most members are bit for bit
    their lone selves. Largest difference measured (float32, max |a − b| / max |b| over every
    epoch metric, running mean and weight; 2-core AVX-512 CPU): 0 for post A and vanilla with and
    without quirks, multi-stream and concat without, internal-conv and lag2 with; 2.7e-8
    internal-conv, 4.1e-8 lag2, 7.3e-8 concat with quirks, 3.3e-7 multi-stream with quirks. The
    cause: an elementwise exponential (ELU, tanh) takes Eigen's scalar kernel for the last
    elements of a tensor and the vectorised one elsewhere, so the member that is last in its lone
    stack rounds those elements differently alone. Tolerance: ROUNDING (1e-6), a few float32 units
    in the last place, fixed before measuring."""
    cases = ["0", "1", "3"]
    pack, pack_w, pack_results, _ = train(arch_key, cases, [0, 1, 2], quirks=quirks)
    largest = 0.0
    for trial in (0, 1, 2):
        alone, alone_w, [alone_result], _ = train(arch_key, cases, [trial], quirks=quirks)
        for key in cases:
            ours = [v for _, _, v in pack.steps[(trial, key)]]
            theirs = [v for _, _, v in alone.steps[(trial, key)]]
            assert len(ours) == len(theirs)
            diffs = [rel_diff(pack.curves[(trial, key)], alone.curves[(trial, key)]), rel_diff(ours, theirs)]
            diffs += [rel_diff(pack_w[(trial, key)][n], v) for n, v in alone_w[(trial, key)].items()]
            largest = max(largest, *diffs)
            assert max(diffs) <= ROUNDING, (trial, key, diffs)
        ours, theirs = pack_results[trial], alone_result
        assert (ours.trial, ours.seed, ours.status, ours.epochs_done, ours.diverged_at) == \
            (theirs.trial, theirs.seed, theirs.status, theirs.epochs_done, theirs.diverged_at)
        assert set(ours.final) == set(theirs.final) and ours.test_labels == theirs.test_labels
    print(f"largest packed-alone difference, {arch_key}, {len(quirks)} quirks: {largest:.2g}")
    # The seeds are different trials: their own draws, their own curves.
    assert rel_diff(pack.curves[(0, "0")], pack.curves[(1, "0")]) > 1e-3
    assert not same_weights(pack_w[(0, "0")], pack_w[(1, "0")])


def test_each_seed_starts_from_its_own_draw():
    t = trainer("post-a", ["0", "1"], [0, 3])
    alone = trainer("post-a", ["0", "1"], [3])
    for key in ("0", "1"):
        for name, value in t.seed_weights(1)[key].items():
            assert np.array_equal(value.numpy(), alone.weights[key][name].numpy())
            assert not np.array_equal(value.numpy(), t.seed_weights(0)[key][name].numpy())
    assert [r.seed for r in t.runs] == [6, 9]


def test_as_published_cases_2_4_6_and_3_5_stay_identical_inside_a_pack():
    rec, weights, _, _ = train("post-a", ["2", "3", "4", "5", "6"], [0, 1], quirks=Q.resolve("as-published"))
    for trial in (0, 1):
        c = {k: rec.curves[(trial, k)] for k in "23456"}
        assert c["2"] == c["4"] == c["6"] and c["3"] == c["5"] and c["2"] != c["3"]
        assert same_weights(weights[(trial, "2")], weights[(trial, "6")])
        assert all(math.isfinite(v) for row in c["2"] for v in row[:4])
    assert rec.curves[(0, "2")] != rec.curves[(1, "2")]


@pytest.mark.parametrize("arch_key", ["post-a", "vanilla"])
def test_a_diverging_member_leaves_every_other_seed_and_case_bit_identical(arch_key):
    """Same members, same ops: a pack where one case diverges in every seed, one where it does not."""
    boom = Case("x", "boom", "#888888", "manual", parse_connections("1<g3*1e38"))
    tame = Case("x", "tame", "#888888", "manual", parse_connections("1<g3*0.5"))
    wild, wild_w, wild_results, _ = train(arch_key, ["0", "1", "x"], [0, 1], custom=[boom])
    calm, calm_w, calm_results, _ = train(arch_key, ["0", "1", "x"], [0, 1], custom=[tame])
    for trial in (0, 1):
        assert wild_results[trial].diverged_at == {"x": 0} and not calm_results[trial].diverged_at
        for key in ("0", "1"):
            assert wild.curves[(trial, key)] == calm.curves[(trial, key)]
            assert same_weights(wild_w[(trial, key)], calm_w[(trial, key)])


def test_a_seed_whose_every_case_diverges_ends_its_trial_and_the_others_go_on():
    """Seed 1's weights blown up before training: its trial ends after epoch 0 (as alone), seed 0
    trains on bit for bit as beside a healthy seed 1."""
    def run(blow_up):
        t = trainer("vanilla", ["0", "1"], [0, 1], epochs=3)
        if blow_up:
            for var in t.params.values():
                var.assign(tf.concat([var[:2], var[2:] * 1e30], axis=0))
        rec = Recorder()
        return rec, t.run_seeds(rec), t
    wild, wild_results, t = run(True)
    calm, calm_results, _ = run(False)
    assert wild_results[1].diverged_at == {"0": 0, "1": 0}
    assert wild_results[1].epochs_done == 1 and wild_results[1].status == "completed"
    assert [e.epoch for e in wild.events if e.trial == 1] == [0]
    assert all(e.metrics[k].diverged for e in wild.events if e.trial == 1 for k in ("0", "1"))
    assert [e.epoch for e in wild.events if e.trial == 0] == [0, 1, 2]
    assert wild_results[0].final == calm_results[0].final and wild_results[0].epochs_done == 3
    for key in ("0", "1"):
        assert wild.curves[(0, key)] == calm.curves[(0, key)]
        assert wild.steps[(0, key)] == calm.steps[(0, key)]
    assert t.runs[1].active == [] and t.runs[0].active == ["0", "1"]


def test_re_runs_of_a_pack_are_bit_identical():
    first, first_w, _, _ = train("concat", ["0", "1", "5"], [0, 1], quirks=Q.NAMES)
    second, second_w, _, _ = train("concat", ["0", "1", "5"], [0, 1], quirks=Q.NAMES)
    assert first.curves == second.curves and first.steps == second.steps
    assert all(same_weights(first_w[k], second_w[k]) for k in first_w)


@pytest.mark.parametrize("arch_key", KEYS)
def test_float64_manual_gradients_equal_autodiff_with_per_seed_inputs(arch_key):
    """Two seeds × two members, each seed its own input and labels, in float64: the hand-written
    gradient of every member equals the tape's, and each seed's members equal that seed computed
    alone (its input shared by its members)."""
    A = catalog.build(arch_key)
    A.set_quirks(())
    rng = np.random.default_rng(8)
    S, C, B = 2, 2, 3
    draws = [A.init_weights(rng, "scaled") for _ in range(S * C)]
    w = {n: tf.Variable(np.stack([d[n] for d in draws]).astype(np.float64)) for n in draws[0]}
    xs = tf.constant(rng.random((4, B, 28, 28, S)))
    y = tf.one_hot(np.repeat(rng.integers(0, 10, (S, B)), C, axis=0), 10, dtype=tf.float64)     # [M, B, 10]
    coef = dilation_coefficients([()] * (S * C), 4)
    [manual] = A.manual_gradients(w, A.forward(w, xs), xs, y, coef, 0.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(A.autodiff_loss(A.forward(w, xs), y))
    auto = dict(zip(w, tape.gradient(loss, list(w.values()))))
    for name in auto:
        assert np.linalg.norm(auto[name]) > 0, name
        assert np.linalg.norm(manual[name] - auto[name]) < 1e-8 * np.linalg.norm(auto[name]), name
    for s in range(S):
        alone_w = {n: tf.Variable(w[n][s * C:(s + 1) * C]) for n in w}
        alone_x = xs[..., s:s + 1]
        [alone] = A.manual_gradients(alone_w, A.forward(alone_w, alone_x), alone_x, y[s * C:(s + 1) * C], (), 0.0)
        for name in alone:
            ours, theirs = manual[name][s * C:(s + 1) * C].numpy(), alone[name].numpy()
            assert np.linalg.norm(ours - theirs) <= 1e-12 * np.linalg.norm(theirs), (s, name)


def plain(state):
    """What a checkpoint keeps: the facts through JSON, the arrays copied."""
    return {"arrays": {n: np.array(a) for n, a in state["arrays"].items()},
            "facts": json.loads(json.dumps(state["facts"]))}


@pytest.mark.parametrize("quirks", [(), Q.NAMES], ids=["no quirks", "every quirk"])
def test_a_packs_state_is_every_seeds_lone_state(quirks):
    """A pack's seed_states() are the lone trainers' states (within rounding: see above); lone
    states restore into a pack, and a pack's own state restores into a pack that trains on bit for
    bit as the uninterrupted pack."""
    cases = ["0", "1", "3"]
    pack = trainer("post-a", cases, [0, 1], quirks=quirks, epochs=1)
    pack.run_seeds(Recorder())
    lone_states = []
    for trial, theirs in zip((0, 1), pack.seed_states()):
        alone = trainer("post-a", cases, [trial], quirks=quirks, epochs=1)
        alone.run(Recorder())
        ours = alone.state()
        assert set(ours["arrays"]) == set(theirs["arrays"])
        for name, value in ours["arrays"].items():
            assert value.shape == theirs["arrays"][name].shape, name
            assert rel_diff(theirs["arrays"][name], value) <= ROUNDING, name
        timeless = ("elapsed_s", "train_seconds", "final")
        assert {k: v for k, v in ours["facts"].items() if k not in timeless} == \
            {k: v for k, v in theirs["facts"].items() if k not in timeless}
        assert ours["facts"]["final"].keys() == theirs["facts"]["final"].keys()
        lone_states.append(plain(ours))
    whole, whole_w, _, _ = train("post-a", cases, [0, 1], quirks=quirks, epochs=2)
    rest = trainer("post-a", cases, [0, 1], quirks=quirks, epochs=2)
    rest.restore({"seeds": lone_states})
    rec = Recorder()
    rest.run_seeds(rec)
    assert [e.epoch for e in rec.events] == [1, 1]
    for trial in (0, 1):                 # restoring lone states into a pack: within rounding
        for key in cases:
            assert rel_diff(rec.curves[(trial, key)], whole.curves[(trial, key)][1:]) <= ROUNDING
            for name, value in rest.seed_weights(trial)[key].items():
                assert rel_diff(value.numpy(), whole_w[(trial, key)][name]) <= ROUNDING
    # A pack's own state (the one-epoch pack above) restores into a pack bit for bit.
    resumed = trainer("post-a", cases, [0, 1], quirks=quirks, epochs=2)
    resumed.restore({"seeds": [plain(st) for st in pack.state()["seeds"]]})
    rec2 = Recorder()
    resumed.run_seeds(rec2)
    for trial in (0, 1):
        for key in cases:
            assert rec2.curves[(trial, key)] == whole.curves[(trial, key)][1:]
            assert same_weights({n: v.numpy() for n, v in resumed.seed_weights(trial)[key].items()},
                                whole_w[(trial, key)])
    with pytest.raises(ValueError, match="2 seeds"):
        trainer("post-a", cases, [0], quirks=quirks).restore({"seeds": lone_states})
    with pytest.raises(ValueError, match="trial"):
        trainer("post-a", cases, [1, 0], quirks=quirks).restore({"seeds": lone_states})


def test_a_pack_has_no_single_trial():
    t = trainer("vanilla", ["0"], [0, 1])
    with pytest.raises(AttributeError, match="pack of 2 seeds"):
        t.run()
    with pytest.raises(ValueError, match="distinct trials"):
        trainer("vanilla", ["0"], [1, 1])
