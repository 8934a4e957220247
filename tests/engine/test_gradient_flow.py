"""Gradient-flow norms against norms computed independently (tf.GradientTape, NumPy weight differences)."""
import numpy as np
import pytest
import tensorflow as tf

from engine import catalog
from engine.cases import parse_connections, resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

enable_determinism()
ARCH = catalog.build("post-a")


def setup(seed=1, batch=3):
    rng = np.random.default_rng(seed)
    w = {n: tf.Variable(a[None].astype(np.float64)) for n, a in ARCH.init_weights(rng, "scaled").items()}
    xs = tf.constant(rng.random((4, batch, 28, 28, 1)))
    y = tf.one_hot(rng.integers(0, 10, batch), 10, dtype=tf.float64)
    return w, xs, y


def test_post_a_timestep_norms_equal_the_tape_gradients_at_the_states():
    """in_t is dL/dh_t (all paths), g_t the head's part of it, p_(t+1) = in_t − g_t."""
    ARCH.set_quirks(())
    w, xs, y = setup()
    flow = {}
    fwd = ARCH.forward(w, xs)
    ARCH.manual_gradients(w, fwd, xs, y, (), 0.0, flow=flow)
    with tf.GradientTape(persistent=True) as tape:
        f = ARCH.forward(w, xs)
        loss = ARCH.autodiff_loss(f, y)
    total = tape.gradient(loss, f["hs"])
    head = tf.reshape(tape.gradient(loss, f["a1"]), [3, 24, 24, 24])
    for t in range(4):
        g_t = head[..., 6 * t:6 * (t + 1)]
        assert float(tf.norm(flow[("in", t)])) == pytest.approx(float(tf.norm(total[t])), rel=1e-9)
        assert float(tf.norm(flow[("g", t)])) == pytest.approx(float(tf.norm(g_t)), rel=1e-9)
        if t < 3:
            assert float(tf.norm(flow[("p", t + 1)])) == pytest.approx(float(tf.norm(total[t] - g_t)), rel=1e-8)
    assert not any(k[0] == "dilated" for k in flow)


def test_dilated_addition_norm_is_d_times_the_signal():
    ARCH.set_quirks(())
    w, xs, y = setup(2)
    flow, D = {}, 250.0
    fwd = ARCH.forward(w, xs)
    ARCH.manual_gradients(w, fwd, xs, y, parse_connections("1<g3, 0<g3, 0<g2"), D, flow=flow)
    assert float(tf.norm(flow[("dilated", 1)])) == pytest.approx(D * float(tf.norm(flow[("g", 3)])), rel=1e-12)
    both = D * (flow[("g", 3)] + flow[("g", 2)])
    assert float(tf.norm(flow[("dilated", 0)])) == pytest.approx(float(tf.norm(both)), rel=1e-12)


@pytest.mark.parametrize("arch_key,quirks", [("post-a", ()), ("post-a", ("adam-per-timestep", "off-by-one")),
                                             ("lag2", ("stale-state", "slot-training"))])
def test_trainer_weight_norms_equal_the_gradient_and_the_weight_change(arch_key, quirks):
    arch = catalog.build(arch_key)
    data = load_dataset("sample", train_limit=20, test_limit=10)
    s = TrainSettings(batch_size=10, quirks=quirks, seed=3)
    trainer = LockstepTrainer(arch, resolve_cases(["0", "1"]), s, data, catalog.describe(arch_key).default_noise)
    xs = np.random.default_rng(0).random((4, 10, 28, 28, 1)).astype(np.float32)
    y = np.arange(10, dtype=np.int32)
    before = {k: {n: v.numpy() for n, v in ws.items()} for k, ws in trainer.weights.items()}
    # the gradient each case gets, from the same pre-step weights, independently of the trainer
    expected_grad = {}
    for key, case in trainer._by_key.items():
        w = {n: tf.Variable(a[None]) for n, a in before[key].items()}      # one member
        state = ({n: tf.constant(v.numpy()) for n, v in trainer.slots[key].items()}
                 if trainer.stale else None)
        if case.gradient == "auto":
            with tf.GradientTape() as tape:
                fwd = arch.forward(w, tf.constant(xs), bptt=arch.autodiff_bptt(), state=state)
                loss = arch.autodiff_loss(fwd, tf.one_hot(y, 10))
            expected_grad[key] = dict(zip(w, tape.gradient(loss, list(w.values()))))
        else:
            fwd = arch.forward(w, tf.constant(xs), state=state)
            groups = arch.manual_gradients(w, fwd, tf.constant(xs), tf.one_hot(y, 10), (), 0.0)
            expected_grad[key] = {n: sum(g[n] for g in groups if n in g) for n in w}
    full = trainer._functions()[2]
    _, _, values = full(xs, y, tf.constant(0.0))
    norms = dict(zip(trainer._flow_keys[full.flow_key], values.numpy().tolist()))
    for key in trainer.weights:
        for name, var in trainer.weights[key].items():
            change = np.linalg.norm((var.numpy() - before[key][name]).astype(np.float64))
            assert norms[f"{key}|update|{name}"] == pytest.approx(change, rel=1e-5)
            grad = expected_grad[key][name]
            if grad is None:
                continue
            assert norms[f"{key}|grad|{name}"] == pytest.approx(float(tf.norm(grad)), rel=1e-4), (key, name)
    if trainer.slot_training:
        assert norms["0|grad|slot:z"] > 0 and norms["1|grad|slot:z"] == pytest.approx(norms["0|grad|slot:z"])


def test_the_record_never_changes_the_numbers():
    data = load_dataset("sample", train_limit=40, test_limit=20)
    out = []
    for flow in (True, False):
        s = TrainSettings(epochs=2, batch_size=10, seed=5, gradient_flow=flow, points_per_epoch=2)
        trainer = LockstepTrainer(ARCH, resolve_cases(["0", "1", "6"]), s, data, catalog.describe("post-a").default_noise)
        epochs = []

        class L:
            def on_step(self, e):
                assert (e.gradients is not None) == flow

            def on_epoch(self, e):
                epochs.append((e.metrics, e.gradients))

        trainer.run(L())
        out.append(([m for m, _ in epochs], {k: [v.numpy() for v in ws.values()] for k, ws in trainer.weights.items()}))
        if flow:
            grads = epochs[-1][1]
            assert ("grad", "W2") in grads["1"] and ("in", "0") in grads["6"] and ("dilated", "1") in grads["6"]
    assert out[0][0] == out[1][0]
    for key in out[0][1]:
        assert all(np.array_equal(a, b) for a, b in zip(out[0][1][key], out[1][1][key]))
