"""Adam, in the two forms the experiments need.

"standard": bias correction 1 - beta^t (TensorFlow's AdamOptimizer).
"constant": the hand-written post-A version, which divides by the constants
(1 - beta1) and (1 - beta2), so its step is about 0.316 x an uncorrected Adam.
"""
from __future__ import annotations

import tensorflow as tf


def adam_update(weight, m, v, grad, *, lr, beta1, beta2, epsilon, step, correction="standard"):
    """Update the three variables in place; `step` is the 1-based update count (a float tensor)."""
    m.assign(beta1 * m + (1.0 - beta1) * grad)
    v.assign(beta2 * v + (1.0 - beta2) * tf.square(grad))
    if correction == "standard":
        m_hat = m / (1.0 - tf.pow(beta1, step))
        v_hat = v / (1.0 - tf.pow(beta2, step))
    elif correction == "constant":
        m_hat = m / (1.0 - beta1)
        v_hat = v / (1.0 - beta2)
    else:
        raise ValueError(f"unknown bias correction {correction!r}")
    weight.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + epsilon))
