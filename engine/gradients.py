"""Hand-written local gradients, one small function per layer kind.

Each takes the gradient with respect to a layer's output and returns the
gradient with respect to its input or weights; plain tensor algebra that works
on any layout. Convolutions' filter and input gradients are in members.py (over
the member axis, with TensorFlow's backprop kernels, as the original scripts).
"""
from __future__ import annotations

import tensorflow as tf


def dense_grads(a_in, delta, weight):
    """(dL/dW, dL/da_in) for z = a_in @ W given delta = dL/dz."""
    return tf.matmul(a_in, delta, transpose_a=True), tf.matmul(delta, weight, transpose_b=True)


def relu_grad(z):
    """ReLU'(z): 1 where z > 0, else 0 (0 at z = 0, as published)."""
    return tf.cast(z > 0, z.dtype)


def sigmoid_grad_from_output(a):
    return a * (1.0 - a)


def elu_grad(z):
    """ELU'(z) for alpha = 1: 1 for z > 0, exp(z) otherwise."""
    return tf.where(z > 0, tf.ones_like(z), tf.exp(tf.minimum(z, 0.0)))


def avg_pool_grad(delta, input_shape, size=2):
    """dL/dx for a size x size average pool with stride size, VALID."""
    return tf.raw_ops.AvgPoolGrad(orig_input_shape=input_shape, grad=delta, ksize=[1, size, size, 1],
                                  strides=[1, size, size, 1], padding="VALID")


def global_avg_pool_grad(delta, spatial_shape):
    """dL/dx for a mean over H and W: the gradient spread evenly over every position."""
    h, w = spatial_shape
    return tf.broadcast_to(delta[:, None, None, :] / float(h * w),
                           tf.concat([tf.shape(delta)[:1], [h, w], tf.shape(delta)[1:]], 0))


def tanh_grad_from_output(a):
    """tanh'(z) written with the output a = tanh(z): 1 - a²."""
    return 1.0 - a * a
