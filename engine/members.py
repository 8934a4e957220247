"""Layer maths over a member axis: every member (one case of one trial) in the same few ops.

Layouts:
- weights: a leading member axis, [M, *shape] (conv kernels [M, kh, kw, Cin, Cout]);
- conv maps: the members side by side on the channel axis, [B, H, W, M·C]: member m
  owns channels m·C … m·C + C − 1 (so a map with M = 1 is the plain NHWC map);
- dense activations and per-example results: [M, B, …].

A convolution's kernels are packed as [kh, kw, Cin, M·Cout]. Over a shared input (Cin
channels) that is one convolution with the members' kernels concatenated on the output
channels; over per-member maps (M·Cin channels) TensorFlow reads the same filter as a
grouped convolution with M groups.

Seeds. Members are seed-major: member s·C + c is case c of seed s. A pack of S seeds has
one input image per seed, [B, H, W, S·Cin], and each seed's images are convolved on their
own with its C members' kernels concatenated (image_conv), the very op the seed runs
alone, the S results side by side on the channel axis. The architectures say which
tensors are images: from its shape alone a pack of one member per seed (S = M, as the
autodiff members' slice of a pack often is) would pass for per-member maps. Measured on the 2-core CPU (S = 5, C = 7, B = 50, loaded
machine, best of nine): post A's 5×5 1→6 forward 12.7 ms as five convolutions against
14.7 as one grouped convolution of 5 groups (41 block-diagonal, 84 im2col + batched
matmul), its filter gradient 13.5 against 14.0; vanilla's 3×3 1→5 forward 10.2 against
18.7, its filter gradient 18.0 against 9.7 (grouped faster there). Even, so the per-seed
form wins on what it guarantees: a packed seed's first layer is bit for bit the lone
seed's (the grouped kernel rounds differently, by up to 4e-6 relative). Measured on the 2-core CPU (M = 7, B = 50, 28×28,
3×3 5→7): grouped 5.5 ms, seven separate convolutions 8.7, block-diagonal kernel 12.1,
im2col + batched matmul 77; for 1×1 kernels grouped 1.9 ms against an einsum's 4.4. The
grouped forward is bit-identical to separate convolutions, and a member's result does not
depend on how many members share the op, so a member never changes another's bits.
"""
from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

_STRIDES = [1, 1, 1, 1]


def count(w) -> int:
    """The number of members of a stacked weight."""
    return int(w.shape[0])


def pack(w):
    """[M, kh, kw, Cin, Cout] -> [kh, kw, Cin, M·Cout]."""
    M, kh, kw, ci, co = w.shape
    return tf.reshape(tf.transpose(w, [1, 2, 3, 0, 4]), [kh, kw, ci, M * co])


def unpack(f, M: int):
    """[kh, kw, Cin, M·Cout] -> [M, kh, kw, Cin, Cout]."""
    kh, kw, ci, mc = f.shape
    return tf.transpose(tf.reshape(f, [kh, kw, ci, M, mc // M]), [3, 0, 1, 2, 4])


@functools.cache
def grouped_gradients() -> bool:
    """Whether this process can take a grouped convolution's gradients: TensorFlow's CPU kernels
    have them only through oneDNN (TF_ENABLE_ONEDNN_OPTS off, or a CPU TensorFlow leaves it off
    on, gives "Gradients for grouped convolutions are not supported on CPU"). Tried once on a tiny
    convolution where the step's ops would run."""
    with tf.init_scope():
        try:
            tf.raw_ops.Conv2DBackpropInput(input_sizes=tf.constant([1, 2, 2, 2]), filter=tf.zeros([1, 1, 1, 2]),
                                           out_backprop=tf.zeros([1, 2, 2, 2]), strides=_STRIDES, padding="VALID")
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
            return False
    return True


def _per_member(x, ci: int) -> bool:
    """Whether a convolution of per-member maps x runs as one convolution per member instead of one
    grouped convolution: TensorFlow's CPU kernels have grouped convolutions' gradients only through
    oneDNN, in float32; float64 (the gradient checks), and any process without them, convolves each
    member's channels with its own kernel (never one kernel over every member's channels, whose
    zero blocks would carry a diverged member's NaN into the others)."""
    return x.shape[-1] != ci and (x.dtype == tf.float64 or not grouped_gradients())


def _member_maps(x, M: int):
    """[B,H,W,M·C] -> M maps [B,H,W,C]."""
    C = x.shape[-1] // M
    return [x[..., m * C:(m + 1) * C] for m in range(M)]


def seed_inputs(x, ci: int, M: int):
    """Images x [..., S·ci], one per seed, as (seed's images, its members' slice) pairs."""
    S = x.shape[-1] // ci
    C = M // S
    return [(x[..., s * ci:(s + 1) * ci], slice(s * C, (s + 1) * C)) for s in range(S)]


def conv(x, w, padding):
    """Stride-1 convolution of a shared input [B,H,W,Cin] or of per-member maps [B,H,W,M·Cin]."""
    if _per_member(x, w.shape[3]):
        return tf.concat([tf.nn.conv2d(xm, w[m], 1, padding) for m, xm in enumerate(_member_maps(x, count(w)))], -1)
    return tf.nn.conv2d(x, pack(w), 1, padding)


def conv_filter_grad(x, delta, w_shape, padding):
    """dL/dW [M, kh, kw, Cin, Cout] for z = conv(x, W): one kernel for every member."""
    M, kh, kw, ci, co = w_shape
    if _per_member(x, ci):
        sizes = tf.constant([kh, kw, ci, co], tf.int32)
        return tf.stack([tf.raw_ops.Conv2DBackpropFilter(input=xm, filter_sizes=sizes, out_backprop=dm,
                                                         strides=_STRIDES, padding=padding)
                         for xm, dm in zip(_member_maps(x, M), _member_maps(delta, M))])
    f = tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=tf.constant([kh, kw, ci, M * co], tf.int32),
                                        out_backprop=delta, strides=_STRIDES, padding=padding)
    return unpack(f, M)


def image_conv(x, w, padding):
    """conv() of the input images [B,H,W,S·Cin], one per seed (S = 1: shared by every member):
    each seed's images with its members' kernels, the op that seed runs alone."""
    seeds = seed_inputs(x, w.shape[3], count(w))
    if len(seeds) == 1:
        return conv(x, w, padding)
    return tf.concat([conv(images, w[members], padding) for images, members in seeds], axis=-1)


def image_filter_grad(x, delta, w_shape, padding):
    """conv_filter_grad() for z = image_conv(x, W)."""
    M, kh, kw, ci, co = w_shape
    seeds = seed_inputs(x, ci, M)
    if len(seeds) == 1:
        return conv_filter_grad(x, delta, w_shape, padding)
    C = M // len(seeds)
    return tf.concat([conv_filter_grad(images, delta[..., s * C * co:(s + 1) * C * co], (C, kh, kw, ci, co), padding)
                      for s, (images, _) in enumerate(seeds)], axis=0)


def dense_from_input(x, w):
    """A dense layer on the input image: x [B,H,W,G] (one shared image, or one per seed),
    w [M, H·W, N] -> [M, B, N], each seed's members on their seed's image."""
    if x.shape[-1] > 1:
        return tf.concat([dense_from_input(images, w[members]) for images, members in seed_inputs(x, 1, count(w))],
                         axis=0)
    return tf.reshape(x, [tf.shape(x)[0], -1]) @ w


def dense_from_input_grad(x, delta):
    """dL/dw [M, H·W, N] for z = dense_from_input(x, w), delta [M, B, N]."""
    if x.shape[-1] > 1:
        return tf.concat([dense_from_input_grad(images, delta[members])
                          for images, members in seed_inputs(x, 1, count(delta))], axis=0)
    return tf.matmul(tf.reshape(x, [tf.shape(x)[0], -1]), delta, transpose_a=True)


def conv_input_grad(delta, w, input_shape, padding):
    """dL/dx [B,H,W,M·Cin] for z = conv(x, W) over per-member maps x; `input_shape` is tf.shape(x)."""
    M = count(w)
    if M > 1 and (delta.dtype == tf.float64 or not grouped_gradients()):
        sizes = tf.concat([input_shape[:3], [w.shape[3]]], 0)
        return tf.concat([tf.raw_ops.Conv2DBackpropInput(input_sizes=sizes, filter=w[m], out_backprop=dm,
                                                         strides=_STRIDES, padding=padding)
                          for m, dm in enumerate(_member_maps(delta, M))], -1)
    return tf.raw_ops.Conv2DBackpropInput(input_sizes=input_shape, filter=pack(w), out_backprop=delta,
                                          strides=_STRIDES, padding=padding)


def split(x, M: int):
    """[..., M·C] -> [..., M, C]."""
    return tf.reshape(x, tf.concat([tf.shape(x)[:-1], [M, x.shape[-1] // M]], 0))


def merge(x):
    """[..., M, C] -> [..., M·C]."""
    return tf.reshape(x, tf.concat([tf.shape(x)[:-2], [x.shape[-2] * x.shape[-1]]], 0))


def channels(x, M: int, start: int, stop: int):
    """Channels start … stop − 1 of every member's block."""
    return merge(split(x, M)[..., start:stop])


def concat_channels(parts, M: int):
    """Each member's channels of several maps side by side, member by member."""
    return merge(tf.concat([split(p, M) for p in parts], axis=-1))


def gather(x, M: int, members):
    """The maps of some members, [..., len(members)·C]."""
    return merge(tf.gather(split(x, M), members, axis=-2))


def per_channel(values, C: int):
    """A per-member vector [M] repeated over each member's C channels: [M·C], for scaling a map."""
    return tf.repeat(values, C)


def maps_to_rows(maps, M: int):
    """[B,H,W,M·C] -> [M, B, H·W·C]: each member's map flattened as one example row."""
    s = split(maps, M)
    return tf.reshape(tf.transpose(s, [3, 0, 1, 2, 4]), [M, tf.shape(maps)[0], -1])


def rows_to_maps(rows, spatial):
    """[M, B, H·W·C] -> [B,H,W,M·C], the inverse of maps_to_rows for spatial (H, W, C)."""
    M = rows.shape[0]
    h, w, c = spatial
    s = tf.reshape(rows, [M, -1, h, w, c])
    return merge(tf.transpose(s, [1, 2, 3, 0, 4]))


def vectors_to_rows(v, M: int):
    """[B, M·K] -> [M, B, K] (the head's logits, one row of K per member and example)."""
    return tf.transpose(split(v, M), [1, 0, 2])


def rows_to_vectors(r):
    """[M, B, K] -> [B, M·K]."""
    return merge(tf.transpose(r, [1, 0, 2]))


def spatial_mean(x):
    """The mean over H and W of maps [B,H,W,K]: [B,K]. A pooling window as large as the map, whose
    sum runs the same way in every channel; a reduce_mean over H and W rounds a channel's sum
    differently with the channel count (measured on this CPU), so a member's logits would depend
    on how many members share the op."""
    return tf.reshape(tf.nn.avg_pool2d(x, [x.shape[1], x.shape[2]], 1, "VALID"), [tf.shape(x)[0], x.shape[-1]])


def map_norms(x, M: int):
    """‖x_m‖ per member of a map [..., M·C]: [M]. Summed over the leading axes first (the
    innermost axis kept: a vectorised reduction, about 4× faster at post A's sizes than
    reducing around a kept member axis), then over each member's channels."""
    per_channel_sums = tf.reduce_sum(tf.square(x), axis=list(range(len(x.shape) - 1)))
    return tf.sqrt(tf.reduce_sum(tf.reshape(per_channel_sums, [M, -1]), axis=1))


def leading_norms(x):
    """‖x_m‖ per member of a tensor with a leading member axis: [M] (one fused pass per member)."""
    return tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(x, [x.shape[0], -1])), axis=1))


def onehot_rows(y_onehot, probs):
    """Labels as [M, B, K]: one label set shared by every member, or one per member."""
    return tf.broadcast_to(y_onehot, tf.shape(probs))


def dilated_addition(target: int, coef: np.ndarray, D, g, p):
    """What the members' dilated connections add into timestep `target`'s gradient, or None.

    coef [M, target, source, signal] (cases.dilation_coefficients); g[s], p[s] are maps
    [B,H,W,M·C]. One term per (signal, source) that some member uses: the signal times
    D·factor per member (zero for members without that connection).
    """
    total = None
    M = coef.shape[0]
    for si, signals in enumerate((g, p)):
        for s in range(target + 1, coef.shape[2]):
            column = coef[:, target, s, si]
            if not column.any():
                continue
            signal = signals[s]
            scale = D * tf.constant(column, signal.dtype)
            term = signal * per_channel(scale, signal.shape[-1] // M)
            total = term if total is None else total + term
    return total


def lanewise(fn, x, lanes: int = 64):
    """fn(x) for an elementwise fn whose vectorised and scalar kernels round differently
    (tf.sigmoid on this CPU: the last size mod packet elements of a tensor take the scalar
    path). Padded to a whole number of lanes, every element takes the vectorised path, so a
    member's result does not depend on where its slice lies in the stack."""
    if x.shape[-1] is not None and x.shape[-1] % lanes == 0:
        return fn(x)
    flat = tf.reshape(x, [-1])
    n = tf.size(flat)
    padded = tf.pad(flat, [[0, (lanes - n % lanes) % lanes]])
    return tf.reshape(fn(padded)[:n], tf.shape(x))
