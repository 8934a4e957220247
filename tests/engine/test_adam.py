"""The fused Adam kernel against the formulas written out in NumPy."""
import numpy as np
import pytest
import tensorflow as tf

from engine.adam import adam_update


def run(correction, steps=3):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(steps)]
    w, m, v = (tf.Variable(a) for a in (w0, np.zeros(6), np.zeros(6)))
    for t, g in enumerate(grads, start=1):
        adam_update(w, m, v, tf.constant(g), lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8,
                    step=tf.constant(float(t)), correction=correction)
    return w0, grads, w.numpy()


def test_standard_is_tensorflows_adam():
    w0, grads, got = run("standard")
    w, m, v = w0.copy(), np.zeros(6), np.zeros(6)
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        lr_t = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        w = w - lr_t * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(got, w, rtol=1e-12)


def test_constant_is_the_hand_written_post_a_adam():
    w0, grads, got = run("constant")
    w, m, v = w0.copy(), np.zeros(6), np.zeros(6)
    for g in grads:
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9)) / (np.sqrt(v / (1 - 0.999)) + 1e-8)
    np.testing.assert_allclose(got, w, rtol=1e-12)


def test_unknown_correction_refused():
    with pytest.raises(ValueError):
        run("sometimes")
