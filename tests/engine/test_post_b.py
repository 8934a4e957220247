"""The post-B architectures: hand-written BPTT against tf.GradientTape, dilated connections,
descriptions, the as-published wiring, a few training steps under every case, the post-b preset."""
import math

import numpy as np
import pytest
import tensorflow as tf

from engine import catalog
from engine.cases import PUBLISHED_CASES, inert_connections, parse_connections, resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer
from workbench.config import load_preset

KEYS = ("vanilla",)
ARCHS = {}


def arch(key):
    if key not in ARCHS:
        ARCHS[key] = catalog.build(key)
    ARCHS[key].set_semantics("corrected")
    return ARCHS[key]


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


def setup(key, dtype, seed=1, batch=3, init="scaled"):
    A = arch(key)
    rng = np.random.default_rng(seed)
    w = {n: tf.Variable(a.astype(dtype)) for n, a in A.init_weights(rng, init).items()}
    xs = tf.constant(rng.random((4, batch, 28, 28, 1)).astype(dtype))
    y = tf.one_hot(rng.integers(0, 10, batch), 10, dtype=dtype)
    return A, w, xs, y


def tape_gradients(A, w, xs, y, inject=None):
    """Gradients of the mean cross-entropy with full BPTT; `inject(fwd)` adds a term to the loss."""
    with tf.GradientTape() as tape:
        fwd = A.forward(w, xs, bptt=True)
        loss = A.autodiff_loss(fwd, y, "corrected")
        if inject is not None:
            loss = loss + inject(fwd)
    return dict(zip(w, tape.gradient(loss, list(w.values()))))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-8), (np.float32, 1e-4)])
def test_case0_corrected_equals_autodiff(key, dtype, tol):
    A, w, xs, y = setup(key, dtype)
    [manual] = A.manual_gradients(w, A.forward(w, xs), xs, y, (), 0.0, "corrected")
    auto = tape_gradients(A, w, xs, y)
    assert set(manual) == set(auto) == set(catalog.describe(key).weights)
    for name in auto:
        assert np.linalg.norm(auto[name]) > 0, name
        assert rel_err(manual[name], auto[name]) < tol, name


@pytest.mark.parametrize("key", KEYS)
def test_head_gradient_is_the_state_gradient_through_the_head(key):
    """g_3 = dL/dz_3 through the head only; g_t = 0 for t < 3."""
    A, w, xs, y = setup(key, np.float64)
    fwd = A.forward(w, xs)
    z3 = tf.Variable(fwd["zs"][-1])
    with tf.GradientTape() as tape:
        f = A.head_forward(w, {"zs": [z3]})
        loss = A.autodiff_loss(f, y, "corrected")
    _, g = A.head_gradients(w, fwd, y)
    assert rel_err(g[3], tape.gradient(loss, z3)) < 1e-8
    assert all(np.all(g[t].numpy() == 0) for t in range(3))


@pytest.mark.parametrize("key", KEYS)
def test_dilated_connection_adds_d_times_signal_to_target_gradient(key):
    """1<g3: BPTT with in_1 += D*g_3, against an independent tape with the term injected at z_1."""
    A, w, xs, y = setup(key, np.float64)
    fwd = A.forward(w, xs)
    _, g = A.head_gradients(w, fwd, y)
    D = 7.0
    [manual] = A.manual_gradients(w, fwd, xs, y, parse_connections("1<g3"), D, "corrected")
    auto = tape_gradients(A, w, xs, y, lambda f: tf.reduce_sum(f["zs"][1] * tf.stop_gradient(D * g[3])))
    for name in auto:
        assert rel_err(manual[name], auto[name]) < 1e-8, name
    [plain] = A.manual_gradients(w, fwd, xs, y, (), D, "corrected")
    assert rel_err(plain["W"], manual["W"]) > 1e-3          # the connection changed something


def one_step(key, w, fwd, z_prev):
    """The direct path from z_1 into z_2 (what p_2 differentiates), per architecture."""
    if key == "vanilla":
        return tf.nn.conv2d(z_prev, w["H"], 1, "SAME")
    raise KeyError(key)


@pytest.mark.parametrize("key", KEYS)
def test_p_is_the_one_step_pass_back(key):
    """0<p2: p_2 = what timestep 2 sends to z_1 along the one-step path, given the true dL/dz_2."""
    A, w, xs, y = setup(key, np.float64)
    with tf.GradientTape() as tape:
        fwd = A.forward(w, xs, bptt=True)
        loss = A.autodiff_loss(fwd, y, "corrected")
    delta2 = tape.gradient(loss, fwd["zs"][2])
    z1 = tf.Variable(fwd["zs"][1])
    with tf.GradientTape() as tape:
        out = one_step(key, w, fwd, z1)
    p2 = tape.gradient(out, z1, output_gradients=delta2)
    D = 3.0
    [manual] = A.manual_gradients(w, A.forward(w, xs), xs, y, parse_connections("0<p2"), D, "corrected")
    auto = tape_gradients(A, w, xs, y, lambda f: tf.reduce_sum(f["zs"][0] * tf.stop_gradient(D * p2)))
    for name in auto:
        assert rel_err(manual[name], auto[name]) < 1e-8, name


@pytest.mark.parametrize("key", KEYS)
def test_description_weights_are_what_the_engine_allocates(key):
    desc = catalog.describe(key)
    A = arch(key)
    weights = A.init_weights(np.random.default_rng(0), "published")
    assert {k: v.shape for k, v in weights.items()} == desc.weights
    assert desc.parameter_count == sum(v.size for v in weights.values())
    assert desc.post == "B" and desc.head_timesteps == (3,) and desc.timesteps == 4
    for block in desc.blocks:
        assert set(block.weights) <= set(desc.weights)
    keys = {b.key for b in desc.blocks}
    assert all(e.src in keys and e.dst in keys for e in desc.edges)
    for name, value in weights.items():
        if value.size >= 500:
            assert abs(value.std() / A.published_stddev(name) - 1) < 0.1, name


def test_published_stddevs():
    assert arch("vanilla").published_stddev("W") == arch("vanilla").published_stddev("H") == 1.0
    assert arch("vanilla").published_stddev("L2") == 0.05


@pytest.mark.parametrize("key", KEYS)
def test_as_published_autodiff_has_no_gradient_through_time(key):
    A, w, xs, y = setup(key, np.float64)
    A.set_semantics("as-published")
    try:
        assert A.autodiff_bptt("as-published") is False
        with tf.GradientTape() as tape:
            fwd = A.forward(w, xs, bptt=False)
            loss = A.autodiff_loss(fwd, y, "as-published")
        grads = dict(zip(w, tape.gradient(loss, list(w.values()))))
        # the head sees the same forward; the recurrent weights differ (manual keeps BPTT)
        [manual] = A.manual_gradients(w, fwd, xs, y, (), 0.0, "as-published")
        assert rel_err(grads["L2"], manual["L2"]) < 1e-8
        assert rel_err(grads["W"], manual["W"]) > 1e-6
    finally:
        A.set_semantics("corrected")


def test_case_notes_for_post_b():
    """g_0..g_2 are zero in post B: 0<g2 is inert in cases 2, 4 and 6; the rest acts."""
    desc = catalog.describe("vanilla")
    for key in ("2", "4", "6"):
        inert = inert_connections(PUBLISHED_CASES[key], desc.head_timesteps)
        assert [c.to_text() for c, _ in inert] == ["0<g2"]
    for key in ("3", "5"):
        assert inert_connections(PUBLISHED_CASES[key], desc.head_timesteps) == []


DATA = load_dataset("sample", train_limit=150, test_limit=50)


@pytest.mark.parametrize("key", KEYS)
def test_every_case_trains_a_few_steps(key):
    A = arch(key)
    s = TrainSettings(epochs=3, batch_size=50, learning_rate=0.01, seed=1, init="scaled")
    trainer = LockstepTrainer(A, resolve_cases(PUBLISHED_CASES), s, DATA, catalog.describe(key).default_noise)
    epochs = []

    class Rec:
        def on_step(self, e):
            pass

        def on_epoch(self, e):
            epochs.append(e.metrics)

    result = trainer.run(Rec())
    assert result.status == "completed" and not result.diverged_at
    for metrics in epochs:
        for m in metrics.values():
            assert math.isfinite(m.train_cost) and math.isfinite(m.test_cost)
    assert epochs[-1]["1"].train_cost < epochs[0]["1"].train_cost


def test_post_b_preset():
    config = load_preset("post-b")
    t = config.train
    assert (config.arch, t.epochs, t.batch_size, t.learning_rate, t.epsilon, t.init) == \
        ("vanilla", 31, 100, 0.007, 1e-8, "published")
    assert config.data.source == "mnist" and config.cases == tuple(PUBLISHED_CASES)
    assert load_preset("post-b", "concat").train.learning_rate == 0.00001
    assert load_preset("post-b", "lag2").train.learning_rate == 0.007
