"""Cases as members on one axis: a member computes what it would alone, and never touches another."""
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

from .curve_recorder import CurveRecorder

enable_determinism()
KEYS = ("post-a", "vanilla", "multi-stream", "concat", "internal-conv", "lag2")
DATA = load_dataset("sample", train_limit=60, test_limit=20)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


@pytest.mark.parametrize("key", KEYS)
def test_members_in_one_op_equal_each_member_alone(key):
    """Three members with their own weights and connections (cases 0, 3, 6): forward pass and
    hand-written gradients of each equal the one-member computation, in float64."""
    A = catalog.build(key)
    A.set_quirks(())
    rng = np.random.default_rng(4)
    draws = [A.init_weights(rng, "scaled") for _ in range(3)]
    stacked = {n: tf.Variable(np.stack([d[n] for d in draws]).astype(np.float64)) for n in draws[0]}
    xs = tf.constant(rng.random((4, 3, 28, 28, 1)))
    y = tf.one_hot(rng.integers(0, 10, 3), 10, dtype=tf.float64)
    cases = resolve_cases(["0", "3", "6"])
    coef = dilation_coefficients([c.connections for c in cases], 4)
    fwd = A.forward(stacked, xs)
    [together] = A.manual_gradients(stacked, fwd, xs, y, coef, 5.0)
    for m, case in enumerate(cases):
        alone_w = {n: tf.Variable(draws[m][n][None].astype(np.float64)) for n in draws[m]}
        alone_fwd = A.forward(alone_w, xs)
        [alone] = A.manual_gradients(alone_w, alone_fwd, xs, y, case.connections, 5.0)
        assert rel_err(fwd["probs"][m], alone_fwd["probs"][0]) < 1e-12
        for name in alone:
            assert rel_err(together[name][m], alone[name][0]) < 1e-12, (case.key, name)


def curves_and_weights(arch_key, cases, custom=(), quirks=(), dtype="float32", epochs=2):
    s = TrainSettings(epochs=epochs, batch_size=20, learning_rate=0.003, seed=6, quirks=quirks)
    trainer = LockstepTrainer(catalog.build(arch_key), resolve_cases(cases, custom), s, DATA,
                              catalog.describe(arch_key).default_noise, dtype=dtype)
    recorder = CurveRecorder()
    result = trainer.run(recorder)
    return recorder.curves, {k: {n: v.numpy() for n, v in ws.items()} for k, ws in trainer.weights.items()}, result


@pytest.mark.parametrize("arch_key", ["post-a", "vanilla"])
def test_a_diverging_member_leaves_the_others_bit_identical(arch_key):
    """Same members, same ops: one run where the third member diverges, one where it does not."""
    boom = Case("x", "boom", "#888888", "manual", parse_connections("1<g3*1e38"))
    tame = Case("x", "tame", "#888888", "manual", parse_connections("1<g3*0.5"))
    wild, wild_w, wild_result = curves_and_weights(arch_key, ["0", "1", "x"], [boom])
    calm, calm_w, calm_result = curves_and_weights(arch_key, ["0", "1", "x"], [tame])
    assert wild_result.diverged_at == {"x": 0} and not calm_result.diverged_at
    for key in ("0", "1"):
        assert wild[key] == calm[key]
        assert all(np.array_equal(wild_w[key][n], calm_w[key][n]) for n in calm_w[key])


def test_a_member_trains_beside_others_as_it_trains_alone():
    """Post A as published mixes update schedules (manual: four recurrent steps a batch and constant
    bias correction; autodiff: one, standard): each case's curve is the one it has alone, to float32
    rounding. Not always bit for bit: on some CPUs (seen on an AVX2 AMD EPYC, not on AVX-512 ones)
    oneDNN's convolution kernels sum in an order that depends on how many members share the op
    (1e-8 relative in the first step's filter gradient, 5e-8 in the second epoch's cost)."""
    together, _, _ = curves_and_weights("post-a", ["0", "1", "6"], quirks=Q.NAMES)
    for key in ("1", "6"):
        alone, _, _ = curves_and_weights("post-a", [key], quirks=Q.NAMES)
        assert rel_err(together[key], alone[key]) < 1e-6, key


def test_re_runs_are_bit_identical():
    first, first_w, _ = curves_and_weights("concat", ["0", "1", "5"], quirks=Q.NAMES)
    second, second_w, _ = curves_and_weights("concat", ["0", "1", "5"], quirks=Q.NAMES)
    assert first == second
    assert all(np.array_equal(first_w[k][n], second_w[k][n]) for k in first_w for n in first_w[k])


@pytest.mark.parametrize("arch_key", ["post-a", "vanilla", "concat"])
def test_float64_with_every_quirk(arch_key):
    """The stale-state slots (and slot training's optimiser state) follow the trainer's dtype."""
    curves, weights, result = curves_and_weights(arch_key, ["0", "1", "6"], quirks=Q.NAMES, dtype="float64",
                                                 epochs=1)
    assert result.status == "completed" and not result.diverged_at
    assert all(math.isfinite(v) for rows in curves.values() for row in rows for v in row)
    assert all(a.dtype == np.float64 for ws in weights.values() for a in ws.values())


def test_members_train_apart_where_tensorflow_has_no_grouped_convolution_gradients():
    """With oneDNN off (a user's TF_ENABLE_ONEDNN_OPTS=0, or a TensorFlow without it) the CPU has no
    gradients of grouped convolutions: per-member maps are convolved member by member, and a
    member that diverges still leaves the others bit for bit as they are beside a tame one."""
    import os
    import subprocess
    import sys
    code = """
from engine import catalog, members as MB
from engine.cases import Case, parse_connections, resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer
from tests.engine.curve_recorder import CurveRecorder
def train(factor):
    x = Case("x", "x", "#888888", "manual", parse_connections(f"1<g3*{factor}"))
    t = LockstepTrainer(catalog.build("internal-conv"), resolve_cases(["0", "1", "x"], [x]),
                        TrainSettings(epochs=2, batch_size=20, learning_rate=0.003),
                        load_dataset("sample", train_limit=40, test_limit=20),
                        catalog.describe("internal-conv").default_noise)
    rec = CurveRecorder()
    return t.run(rec), rec.curves
wild, wild_curves = train("1e38")
calm, calm_curves = train("0.5")
print(MB.grouped_gradients(), wild.status, wild.diverged_at, calm.diverged_at,
      all(wild_curves[k] == calm_curves[k] for k in "01"))
"""
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[-1] == "False completed {'x': 0} {} True"
