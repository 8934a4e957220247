"""Post A's hand-written back-propagation against tf.GradientTape."""
import numpy as np
import pytest
import tensorflow as tf

from engine import catalog
from engine.cases import PUBLISHED_CASES, parse_connections

ARCH = catalog.build("post-a")


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


def setup(dtype, seed=1, batch=3):
    rng = np.random.default_rng(seed)
    w = {n: tf.Variable(a[None].astype(dtype)) for n, a in ARCH.init_weights(rng, "scaled").items()}   # one member
    xs = tf.constant(rng.random((4, batch, 28, 28, 1)).astype(dtype))
    y = tf.one_hot(rng.integers(0, 10, batch), 10, dtype=dtype)
    return w, xs, y


def tape_gradients(w, xs, y):
    with tf.GradientTape() as tape:
        fwd = ARCH.forward(w, xs, bptt=True)
        loss = ARCH.autodiff_loss(fwd, y, "corrected")
    return dict(zip(w, tape.gradient(loss, list(w.values()))))


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-8), (np.float32, 1e-4)])
def test_case0_corrected_equals_autodiff(dtype, tol):
    w, xs, y = setup(dtype)
    [manual] = ARCH.manual_gradients(w, ARCH.forward(w, xs), xs, y, (), 0.0, "corrected")
    auto = tape_gradients(w, xs, y)
    assert set(manual) == set(auto) == {"Wx", "Wh", "W2", "W3", "W4"}
    for name in auto:
        assert rel_err(manual[name], auto[name]) < tol, name
        assert np.linalg.norm(auto[name]) > 0, name


def test_head_gradient_g_equals_state_gradient():
    """g_t is dL/dh_t through the head only (no recurrence): checked with h_t as tape leaves."""
    w, xs, y = setup(np.float64)
    fwd = ARCH.forward(w, xs)
    hs = [tf.Variable(h) for h in fwd["hs"]]
    with tf.GradientTape() as tape:
        a1 = tf.reshape(tf.concat(hs, -1), [3, -1])
        a4 = tf.sigmoid(tf.sigmoid(tf.sigmoid(a1 @ w["W2"]) @ w["W3"]) @ w["W4"])
        loss = -tf.reduce_sum(y * tf.math.log(tf.nn.softmax(a4)))
    auto = tape.gradient(loss, hs)
    _, g = ARCH.head_backward(w, fwd, y)
    for t in range(4):
        assert rel_err(g[t], auto[t]) < 1e-8


def test_dilated_connection_adds_d_times_signal_to_target_gradient():
    """With one connection 1<g3 the recurrent gradients equal BPTT with in_1 += D*g_3,
    computed here by an independent tape with an injected term."""
    w, xs, y = setup(np.float64)
    fwd = ARCH.forward(w, xs)
    _, g = ARCH.head_backward(w, fwd, y)
    D = 7.0
    [manual] = ARCH.manual_gradients(w, fwd, xs, y, parse_connections("1<g3"), D, "corrected")
    with tf.GradientTape() as tape:
        f = ARCH.forward(w, xs, bptt=True)
        loss = ARCH.autodiff_loss(f, y, "corrected") + tf.reduce_sum(f["hs"][1] * tf.stop_gradient(D * g[3]))
    auto = dict(zip(w, tape.gradient(loss, list(w.values()))))
    assert rel_err(manual["Wx"], auto["Wx"]) < 1e-8
    assert rel_err(manual["Wh"], auto["Wh"]) < 1e-8


def test_as_published_timestep_zero_gets_no_gradient():
    w, xs, y = setup(np.float64)
    fwd = ARCH.forward(w, xs)
    groups = ARCH.manual_gradients(w, fwd, xs, y, PUBLISHED_CASES["6"].connections, 1000.0, "as-published")
    assert len(groups) == 4                            # t = 3, 2, 1, 0: one Adam update each
    assert set(groups[0]) == {"W2", "W3", "W4", "Wx", "Wh"}
    assert np.all(groups[3]["Wx"].numpy() == 0) and np.all(groups[3]["Wh"].numpy() == 0)
    assert np.all(groups[2]["Wh"].numpy() == 0)       # slot 0 of the state is zero: dWh_1 = 0
    assert np.linalg.norm(groups[2]["Wx"]) > 0


def test_description_weights_are_what_the_engine_allocates():
    desc = catalog.describe("post-a")
    weights = ARCH.init_weights(np.random.default_rng(0), "published")
    assert {k: v.shape for k, v in weights.items()} == desc.weights
    assert desc.parameter_count == sum(v.size for v in weights.values()) == 150 + 36 + 13824 * 512 + 512 * 256 + 2560
    assert abs(weights["W2"].std() - 1.0) < 0.01       # published N(0, 1)
