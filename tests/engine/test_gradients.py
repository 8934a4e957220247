"""Hand-written local gradients against tf.GradientTape, one layer kind at a time."""
import numpy as np
import pytest
import tensorflow as tf

from engine import gradients as G
from engine import members as MB

RNG = np.random.default_rng(0)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


def t64(*shape):
    return tf.constant(RNG.standard_normal(shape))


@pytest.mark.parametrize("padding,k", [("VALID", 5), ("SAME", 3), ("SAME", 1)])
@pytest.mark.parametrize("shared", [True, False], ids=["shared input", "per-member maps"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-8), (np.float32, 1e-4)])
def test_member_conv_filter_and_input_gradients(padding, k, shared, dtype, tol):
    """Three members' kernels in one op (engine/members.py) against each member's own convolution
    on the tape; float32 takes the grouped kernels, float64 one convolution per member."""
    M = 3
    x = tf.cast(t64(3, 12, 12, 2 if shared else 2 * M), dtype)
    w = tf.cast(t64(M, k, k, 2, 4), dtype)
    z = MB.conv(x, w, padding)
    dz = tf.cast(t64(*z.shape), dtype)
    for m in range(M):
        xm = x if shared else x[..., 2 * m:2 * m + 2]
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([xm, w])
            zm = tf.nn.conv2d(xm, w[m], 1, padding)
        auto_w, auto_x = tape.gradient(zm, [w, xm], output_gradients=dz[..., 4 * m:4 * m + 4])
        assert rel_err(z[..., 4 * m:4 * m + 4], zm) < tol
        assert rel_err(MB.conv_filter_grad(x, dz, w.shape, padding)[m], auto_w[m]) < tol
        if not shared:
            dx = MB.conv_input_grad(dz, w, tf.shape(x), padding)
            assert rel_err(dx[..., 2 * m:2 * m + 2], auto_x) < tol


def test_dense_gradients():
    a, w = t64(4, 7), t64(7, 3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, w])
        z = a @ w
    dz = t64(4, 3)
    auto_w, auto_a = tape.gradient(z, [w, a], output_gradients=dz)
    dw, da = G.dense_grads(a, dz, w)
    assert rel_err(dw, auto_w) < 1e-8 and rel_err(da, auto_a) < 1e-8


@pytest.mark.parametrize("fn,grad", [
    (tf.nn.relu, lambda z, out: G.relu_grad(z)),
    (tf.sigmoid, lambda z, out: G.sigmoid_grad_from_output(out)),
    (tf.nn.elu, lambda z, out: G.elu_grad(z)),
])
def test_activation_derivatives(fn, grad):
    z = t64(50)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = fn(z)
    assert rel_err(grad(z, out), tape.gradient(out, z)) < 1e-8


def test_pooling_gradients():
    x = t64(2, 8, 8, 3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        pooled = tf.nn.avg_pool2d(x, 2, 2, "VALID")
        gap = tf.reduce_mean(x, axis=[1, 2])
    d1, d2 = t64(*pooled.shape), t64(*gap.shape)
    assert rel_err(G.avg_pool_grad(d1, tf.shape(x)), tape.gradient(pooled, x, output_gradients=d1)) < 1e-8
    assert rel_err(G.global_avg_pool_grad(d2, (8, 8)), tape.gradient(gap, x, output_gradients=d2)) < 1e-8


def test_tanh_gradient_from_output():
    z = t64(4, 9)
    with tf.GradientTape() as tape:
        tape.watch(z)
        a = tf.tanh(z)
    dz = t64(4, 9)
    assert rel_err(dz * G.tanh_grad_from_output(a), tape.gradient(a, z, output_gradients=dz)) < 1e-12
