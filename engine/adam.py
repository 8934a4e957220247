"""Adam, in the two forms the experiments need, as one fused kernel per weight.

"standard": TensorFlow's AdamOptimizer (bias correction 1 - beta^t, epsilon
added to sqrt(v)), which post A's case 1 and every post-B script used.
"constant": the hand-written post-A version, which divides by the constants
(1 - beta1) and (1 - beta2): w -= lr * (m/(1-b1)) / (sqrt(v/(1-b2)) + eps).
That is the same kernel with beta powers frozen at beta (t = 1) and epsilon
scaled by sqrt(1 - beta2), so both run as ResourceApplyAdam: one pass over
each weight instead of a dozen, which matters for post A's 7M-weight layer.
"""
from __future__ import annotations

import math

import tensorflow as tf


def adam_update(weight, m, v, grad, *, lr, beta1, beta2, epsilon, step, correction="standard"):
    """Update weight, m and v in place; `step` is the 1-based update count (a float tensor)."""
    dtype = weight.dtype

    def c(value):  # tf.cast would round a Python float through float32 first
        return tf.cast(value, dtype) if tf.is_tensor(value) else tf.constant(value, dtype)

    if correction == "standard":
        b1_power, b2_power, eps = tf.pow(c(beta1), c(step)), tf.pow(c(beta2), c(step)), epsilon
    elif correction == "constant":
        b1_power, b2_power, eps = beta1, beta2, epsilon * math.sqrt(1.0 - beta2)
    else:
        raise ValueError(f"unknown bias correction {correction!r}")
    tf.raw_ops.ResourceApplyAdam(var=weight.handle, m=m.handle, v=v.handle, beta1_power=c(b1_power),
                                 beta2_power=c(b2_power), lr=c(lr), beta1=c(beta1), beta2=c(beta2),
                                 epsilon=c(eps), grad=grad)
