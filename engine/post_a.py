"""Post A: a recurrent conv layer over four noisy copies, FC head on all four states.

Shapes come from the catalog description (one source of truth). The manual
backward pass exists in two forms: corrected (true BPTT of the softmax
cross-entropy) and as-published (the original script's off-by-one reads,
see original-experiments.md §1.8 and §1.10).
"""
from __future__ import annotations

from typing import Sequence

import tensorflow as tf

from . import gradients as G
from .architecture import Architecture, softmax_cross_entropy_sum
from .cases import Connection, extra_gradient


class PostA(Architecture):
    def __init__(self, description):
        super().__init__(description)
        self.channels = description.weights["Wh"][-1]
        self.kernel = description.weights["Wx"]

    def forward(self, w, xs, *, bptt=True):
        zs, hs = [], []
        for t in range(self.timesteps):
            z = tf.nn.conv2d(xs[t], w["Wx"], 1, "VALID")
            if t:
                h_prev = hs[-1] if bptt else tf.stop_gradient(hs[-1])
                z = z + tf.nn.conv2d(h_prev, w["Wh"], 1, "SAME")
            zs.append(z)
            hs.append(tf.nn.relu(z))
        a1 = tf.reshape(tf.concat(hs, axis=-1), [tf.shape(xs)[1], -1])
        a2 = tf.sigmoid(a1 @ w["W2"])
        a3 = tf.sigmoid(a2 @ w["W3"])
        a4 = tf.sigmoid(a3 @ w["W4"])
        return {"zs": zs, "hs": hs, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "probs": tf.nn.softmax(a4)}

    def example_costs(self, fwd, y_onehot):
        """Published metric: binary cross-entropy on the softmax, summed over the 10 classes."""
        p = fwd["probs"]
        return -tf.reduce_sum(y_onehot * tf.math.log(p) + (1.0 - y_onehot) * tf.math.log(1.0 - p), axis=1)

    def autodiff_loss(self, fwd, y_onehot, semantics):
        if semantics == "corrected":
            return softmax_cross_entropy_sum(fwd["probs"], y_onehot)
        return tf.reduce_sum(self.example_costs(fwd, y_onehot))   # TF1 differentiated the summed BCE

    def optimizer_correction(self, gradient, semantics):
        return "constant" if (semantics == "as-published" and gradient == "manual") else "standard"

    def head_backward(self, w, fwd, y_onehot):
        """FC layers: gradients of W2..W4 and g_t, the gradient reaching each state h_t.

        Seeded with (p - y), the exact gradient of the softmax cross-entropy with
        respect to the sigmoid outputs (the published shortcut)."""
        delta4 = (fwd["probs"] - y_onehot) * G.sigmoid_grad_from_output(fwd["a4"])
        dW4, g3 = G.dense_grads(fwd["a3"], delta4, w["W4"])
        delta3 = g3 * G.sigmoid_grad_from_output(fwd["a3"])
        dW3, g2 = G.dense_grads(fwd["a2"], delta3, w["W3"])
        delta2 = g2 * G.sigmoid_grad_from_output(fwd["a2"])
        dW2, g1 = G.dense_grads(fwd["a1"], delta2, w["W2"])
        c = self.channels
        g_all = tf.reshape(g1, tf.concat([tf.shape(fwd["hs"][0])[:3], [c * self.timesteps]], 0))
        g = [g_all[..., c * t:c * (t + 1)] for t in range(self.timesteps)]
        return {"W2": dW2, "W3": dW3, "W4": dW4}, g

    def manual_gradients(self, w, fwd, xs, y_onehot, connections: Sequence[Connection], D, semantics):
        head, g = self.head_backward(w, fwd, y_onehot)
        if semantics == "corrected":
            return [{**head, **self._recurrent_backward(w, fwd, xs, g, connections, D)}]
        per_step = self._recurrent_backward_as_published(w, fwd, xs, g, connections, D)
        return [{**head, **per_step[0]}, *per_step[1:]]

    def _incoming(self, t, g, p, connections, D):
        """in_t = g_t + p_(t+1) + the case's dilated terms into t."""
        incoming = g[t]
        if t + 1 < self.timesteps:
            incoming = incoming + p[t + 1]
        extra = extra_gradient(t, connections, D, g, p)
        return incoming if extra is None else incoming + extra

    def _recurrent_backward(self, w, fwd, xs, g, connections, D):
        """True BPTT: delta_t = in_t * ReLU'(z_t); in_t = g_t + p_(t+1) + dilated terms."""
        zs, hs = fwd["zs"], fwd["hs"]
        p, dWx, dWh = {}, 0.0, 0.0
        for t in reversed(range(self.timesteps)):
            incoming = self._incoming(t, g, p, connections, D)
            delta = incoming * G.relu_grad(zs[t])
            dWx = dWx + G.conv_filter_grad(xs[t], delta, self.kernel, "VALID")
            if t:
                dWh = dWh + G.pointwise_filter_grad(hs[t - 1], delta)
            p[t] = G.pointwise_input_grad(delta, w["Wh"])
        return {"Wx": dWx, "Wh": dWh}

    def _recurrent_backward_as_published(self, w, fwd, xs, g, connections, D):
        """The original's reads: ReLU' of slot t (= z_(t-1), zero for t=0, so delta_0 = 0)
        and the state from slot t-1 (= h_(t-2); slot -1 wraps to h_3). One update per
        timestep, in the order t = 3, 2, 1, 0."""
        zs, hs = fwd["zs"], fwd["hs"]
        zero = tf.zeros_like(zs[0])
        slot_z = [zero] + zs                 # slot k holds z_(k-1)
        slot_h = [zero] + hs                 # slot k holds h_(k-1); Python's slot -1 is h_3
        p, groups = {}, []
        for t in reversed(range(self.timesteps)):
            incoming = self._incoming(t, g, p, connections, D)
            delta = incoming * G.relu_grad(slot_z[t])
            groups.append({"Wx": G.conv_filter_grad(xs[t], delta, self.kernel, "VALID"),
                           "Wh": G.pointwise_filter_grad(slot_h[t - 1], delta)})
            p[t] = G.pointwise_input_grad(delta, w["Wh"])
        return groups
