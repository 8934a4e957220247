"""The fused Adam kernel against the formulas written out in NumPy."""
import numpy as np
import pytest
import tensorflow as tf

from engine.adam import adam_update, adam_update_members


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


def test_the_per_member_form_is_the_kernel_bit_for_bit_and_leaves_absent_members_alone():
    """Members with their own step counts and corrections: each equals ResourceApplyAdam run
    on its own; a member that takes no part keeps weight, m and v."""
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 40)).astype(np.float32)
    grads = [rng.standard_normal((3, 40)).astype(np.float32) for _ in range(3)]
    corrections = ["standard", "constant", "standard"]
    w, m, v = (tf.Variable(a) for a in (w0, np.zeros_like(w0), np.zeros_like(w0)))
    steps = tf.Variable(tf.zeros([3]))
    for g in grads:
        steps.assign_add([1.0, 1.0, 0.0])
        adam_update_members(w, m, v, tf.constant(g), lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8, steps=steps,
                            corrections=corrections, participating=[True, True, False])
    for i in range(2):
        wi, mi, vi = (tf.Variable(a) for a in (w0[i], np.zeros(40, np.float32), np.zeros(40, np.float32)))
        for t, g in enumerate(grads, start=1):
            adam_update(wi, mi, vi, tf.constant(g[i]), lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8,
                        step=tf.constant(float(t)), correction=corrections[i])
        assert np.array_equal(w.numpy()[i], wi.numpy()) and np.array_equal(m.numpy()[i], mi.numpy())
    assert np.array_equal(w.numpy()[2], w0[2]) and not m.numpy()[2].any() and not v.numpy()[2].any()
