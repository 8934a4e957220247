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

import numpy as np
import tensorflow as tf

from .members import lanewise


def _power(beta, steps):
    """β^t for a step count or a vector of them, always by pow's vectorised kernel (lanewise): its
    scalar kernel rounds differently, and neither a member's place in the stack nor whether its
    weight takes the one-kernel or the per-member update may decide which one it gets."""
    if steps.shape.rank == 0:
        return lanewise(lambda t: tf.pow(beta, t), tf.reshape(steps, [1]))[0]
    return lanewise(lambda t: tf.pow(beta, t), steps)


def adam_update(weight, m, v, grad, *, lr, beta1, beta2, epsilon, step, correction="standard"):
    """Update weight, m and v in place; `step` is the 1-based update count (a float tensor)."""
    dtype = weight.dtype

    def c(value):  # tf.cast would round a Python float through float32 first
        return tf.cast(value, dtype) if tf.is_tensor(value) else tf.constant(value, dtype)

    if correction == "standard":
        b1_power, b2_power, eps = _power(c(beta1), c(step)), _power(c(beta2), c(step)), epsilon
    elif correction == "constant":
        b1_power, b2_power, eps = beta1, beta2, epsilon * math.sqrt(1.0 - beta2)
    else:
        raise ValueError(f"unknown bias correction {correction!r}")
    tf.raw_ops.ResourceApplyAdam(var=weight.handle, m=m.handle, v=v.handle, beta1_power=c(b1_power),
                                 beta2_power=c(b2_power), lr=c(lr), beta1=c(beta1), beta2=c(beta2),
                                 epsilon=c(eps), grad=grad)


def adam_update_members(weight, m, v, grad, *, lr, beta1, beta2, epsilon, steps, corrections, participating):
    """Adam over a stacked weight [M, ...] whose members differ in step count, bias correction or
    whether they take part in this update (post A as published: the manual cases' recurrent
    weights take one step per timestep, the autodiff case's one a batch). The same formula as
    ResourceApplyAdam per member; members not taking part keep weight, m and v unchanged.
    `steps`: [M] update counts (1-based, this update included); `corrections`: one name per member.
    """
    dtype = weight.dtype
    M = weight.shape[0]
    shape = [M] + [1] * (len(weight.shape) - 1)

    def c(value):
        return tf.constant(value, dtype)

    for name in set(corrections):
        if name not in ("standard", "constant"):
            raise ValueError(f"unknown bias correction {name!r}")
    constant = tf.constant([name == "constant" for name in corrections])
    s = tf.cast(steps, dtype)
    b1_power = tf.where(constant, c(beta1), _power(c(beta1), s))
    b2_power = tf.where(constant, c(beta2), _power(c(beta2), s))
    eps = tf.where(constant, c(epsilon * math.sqrt(1.0 - beta2)), c(epsilon))
    alpha = c(lr) * tf.sqrt(c(1.0) - b2_power) / (c(1.0) - b1_power)
    part = tf.reshape(tf.constant(np.asarray(participating, bool)), shape)
    w0, m0, v0 = weight.read_value(), m.read_value(), v.read_value()
    m1 = m0 + (grad - m0) * (c(1.0) - c(beta1))           # 1 − β in the weight's precision, as the kernel
    v1 = v0 + (tf.square(grad) - v0) * (c(1.0) - c(beta2))
    w1 = w0 - (m1 * tf.reshape(alpha, shape)) / (tf.sqrt(v1) + tf.reshape(eps, shape))
    new = [tf.where(part, a, b) for a, b in ((m1, m0), (v1, v0), (w1, w0))]
    m.assign(new[0])
    v.assign(new[1])
    weight.assign(new[2])
