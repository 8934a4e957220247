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
from workbench.core.config import load_preset

KEYS = ("vanilla", "multi-stream", "concat", "internal-conv", "lag2")
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
    w = {n: tf.Variable(a[None].astype(dtype)) for n, a in A.init_weights(rng, init).items()}   # one member
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
    w = {n: v[0] for n, v in w.items()}                     # the one member's kernels
    if key in ("vanilla", "multi-stream"):
        return tf.nn.conv2d(z_prev, w["H"], 1, "SAME")
    if key == "lag2":                                       # the one-step kernel only, not H2
        return tf.nn.conv2d(z_prev, w["H1"], 1, "SAME")
    if key == "concat":                                     # z_1 sits in memory channels 6-8, z_2 reads 6-8
        return tf.nn.conv2d(z_prev, w["H"][:, :, 6:9, 6:9], 1, "SAME")
    if key == "internal-conv":                              # through the internal block K1
        q = tf.nn.elu(tf.nn.conv2d(tf.nn.elu(z_prev), w["K1"], 1, "SAME"))
        return tf.nn.conv2d(q, w["H"], 1, "SAME")
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
    """RCNN W and H 1.0, head CNN 0.05 except concat 1.0, FC streams 1.0 (spec §3.1)."""
    for key in KEYS:
        desc, A = catalog.describe(key), arch(key)
        for name in desc.weights:
            sd = A.published_stddev(name)
            if name[0] in "WH" or name in ("S1", "S2") or key == "concat":
                assert sd == 1.0, (key, name)
            else:
                assert sd == 0.05, (key, name)


@pytest.mark.parametrize("key", KEYS)
def test_as_published_manual_is_bptt_on_the_published_wiring(key):
    """As published: autodiff stops the gradient at the carried state; the manual cases are full
    BPTT of the published wiring (b: streams 0, 0, 1, 3; d: the internal conv dead)."""
    A, w, xs, y = setup(key, np.float64)
    A.set_semantics("as-published")
    try:
        assert A.autodiff_bptt("as-published") is False
        fwd = A.forward(w, xs)
        [manual] = A.manual_gradients(w, fwd, xs, y, (), 0.0, "as-published")
        with tf.GradientTape(persistent=True) as tape:
            full = A.autodiff_loss(A.forward(w, xs, bptt=True), y, "as-published")
            cut = A.autodiff_loss(A.forward(w, xs, bptt=False), y, "as-published")
        bptt = dict(zip(w, tape.gradient(full, list(w.values()))))
        no_bptt = dict(zip(w, tape.gradient(cut, list(w.values()))))
        unused = {"multi-stream": {"S2"}, "internal-conv": {"K0", "K1", "K2"}}.get(key, set())
        assert set(manual) == set(w) - unused
        assert all(bptt[n] is None and no_bptt[n] is None for n in unused)
        for name in manual:
            assert rel_err(manual[name], bptt[name]) < 1e-8, name
        assert rel_err(no_bptt["L2"], bptt["L2"]) < 1e-12           # same forward, same head
        assert rel_err(no_bptt["W"], bptt["W"]) > 1e-6              # but no gradient through time
    finally:
        A.set_semantics("corrected")


def test_published_wiring_of_multi_stream_and_internal_conv():
    A, w, xs, y = setup("multi-stream", np.float64)
    corrected = A.forward(w, xs)
    A.set_semantics("as-published")
    try:
        published = A.forward(w, xs)
    finally:
        A.set_semantics("corrected")
    stream = [A._stream(w, k, xs[t])[0] for t, k in enumerate((0, 1, 2, 3))]
    for t in range(4):
        assert np.array_equal(corrected["us"][t], stream[t])
    assert np.array_equal(published["us"][1], A._stream(w, 0, xs[1])[0])     # stream 0 again
    assert np.array_equal(published["us"][2], A._stream(w, 1, xs[2])[0])     # stream 2 skipped
    # internal conv as published = vanilla with the same W, H and head
    A, w, xs, y = setup("internal-conv", np.float64)
    A.set_semantics("as-published")
    try:
        published = A.forward(w, xs)
    finally:
        A.set_semantics("corrected")
    vanilla = arch("vanilla").forward({n: v for n, v in w.items() if n[0] != "K"}, xs)
    assert rel_err(published["probs"], vanilla["probs"]) < 1e-12
    assert rel_err(A.forward(w, xs)["probs"], vanilla["probs"]) > 1e-6


@pytest.mark.parametrize("key", ["multi-stream", "internal-conv"])
def test_wiring_that_depends_on_semantics_refuses_a_mode_it_was_not_set_to(key):
    A, w, xs, y = setup(key, np.float32)
    with pytest.raises(ValueError, match="set_semantics"):
        A.manual_gradients(w, A.forward(w, xs), xs, y, (), 0.0, "as-published")
    with pytest.raises(ValueError, match="set_semantics"):
        A.autodiff_bptt("as-published")


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


def test_quick_preset_tunes_the_post_b_architectures():
    """The quick preset is post-A flavoured (lr 0.001, scaled init), which barely moves post B in 4 epochs."""
    for key in KEYS:
        t = load_preset("quick", key).train
        assert t.learning_rate == 0.007
        assert t.init == ("scaled" if key == "concat" else "published")
    assert load_preset("quick", "post-a").train.learning_rate == 0.001
