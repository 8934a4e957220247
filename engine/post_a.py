"""Post A: a recurrent conv layer over four noisy copies, FC head on all four states.

Shapes come from the catalog description (one source of truth). The manual
backward pass is true BPTT of the softmax cross-entropy; the quirks
(engine/quirks.py) switch on the original script's off-by-one reads and its
one Adam step per timestep (original-experiments.md §1.8, §1.10), and the
stale state makes the forward recurrence and the backward slot reads see what
the previous pass stored.
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

    # ---------------------------------------------------------------- stale state
    def state_slots(self):
        """`hidden` (z_0..z_3; hiddenA is ReLU of it) and `input` (x_0..x_3), as the RCNN object kept."""
        T, C = self.timesteps, self.channels
        return {"z": (T, 24, 24, C), "x": (T, 28, 28, 1)}

    def slots_written(self, fwd, state):
        return {"z": tf.stack(fwd["zs"]), "x": fwd["xs"]}

    # ---------------------------------------------------------------- forward
    def forward(self, w, xs, *, bptt=True, state=None):
        zs, hs = [], []
        for t in range(self.timesteps):
            z = tf.nn.conv2d(xs[t], w["Wx"], 1, "VALID")
            if t:
                if state is not None:
                    h_prev = tf.nn.relu(state["z"][t - 1])      # hiddenA[t] as the previous pass left it
                else:
                    h_prev = hs[-1] if bptt else tf.stop_gradient(hs[-1])
                z = z + tf.nn.conv2d(h_prev, w["Wh"], 1, "SAME")
            zs.append(z)
            hs.append(tf.nn.relu(z))
        a1 = tf.reshape(tf.concat(hs, axis=-1), [tf.shape(xs)[1], -1])
        a2 = tf.sigmoid(a1 @ w["W2"])
        a3 = tf.sigmoid(a2 @ w["W3"])
        a4 = tf.sigmoid(a3 @ w["W4"])
        out = {"zs": zs, "hs": hs, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "probs": tf.nn.softmax(a4)}
        if state is not None:
            out.update(xs=xs, state=state)
        return out

    def example_costs(self, fwd, y_onehot):
        """Published metric: binary cross-entropy on the softmax, summed over the 10 classes."""
        p = fwd["probs"]
        return -tf.reduce_sum(y_onehot * tf.math.log(p) + (1.0 - y_onehot) * tf.math.log(1.0 - p), axis=1)

    def autodiff_loss(self, fwd, y_onehot, quirks=None):
        if "bce-autodiff-loss" not in self._q(quirks):
            return softmax_cross_entropy_sum(fwd["probs"], y_onehot)
        return tf.reduce_sum(self.example_costs(fwd, y_onehot))   # TF1 differentiated the summed BCE

    def optimizer_correction(self, gradient, quirks=None):
        constant = "constant-bias-correction" in self._q(quirks) and gradient == "manual"
        return "constant" if constant else "standard"

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

    def manual_gradients(self, w, fwd, xs, y_onehot, connections: Sequence[Connection], D, quirks=None,
                         flow=None):
        q = self._q(quirks)
        head, g = self.head_backward(w, fwd, y_onehot)
        groups = self._recurrent_backward(w, fwd, xs, g, connections, D, q, flow)
        return [{**head, **groups[0]}, *groups[1:]]

    def _incoming(self, t, g, p, connections, D, flow=None):
        """in_t = g_t + p_(t+1) + the case's dilated terms into t."""
        incoming = g[t]
        if t + 1 < self.timesteps:
            incoming = incoming + p[t + 1]
        extra = extra_gradient(t, connections, D, g, p)
        if flow is not None:
            flow[("g", t)] = g[t]
            if extra is not None:
                flow[("dilated", t)] = extra
        return incoming if extra is None else incoming + extra

    def _slots(self, fwd, xs):
        """What the backward pass reads, as the RCNN object's slots: slot_z[k] = z_(k−1),
        slot_h[k] = h_(k−1) (slot 0 zero; slot −1 is h_3), slot_x[t] = x_t. With stale state,
        the values the previous pass stored; otherwise this pass's own."""
        zs = fwd["zs"]
        zero = tf.zeros_like(zs[0])
        if "state" in fwd:
            stored = fwd["state"]
            slot_z = [zero] + [stored["z"][k] for k in range(self.timesteps)]
            return slot_z, [zero] + [tf.nn.relu(z) for z in slot_z[1:]], [stored["x"][t] for t in range(self.timesteps)]
        return [zero] + zs, [zero] + fwd["hs"], [xs[t] for t in range(self.timesteps)]

    def _recurrent_backward(self, w, fwd, xs, g, connections, D, q, flow=None):
        """delta_t = in_t * ReLU'(z_t); dWx += x_t * delta_t; dWh += h_(t-1) * delta_t; p_t = Wh^T delta_t.

        off-by-one: ReLU' of slot t (= z_(t-1), zero for t = 0, so delta_0 = 0) and the state
        from slot t-1 (= h_(t-2); slot -1 wraps to h_3). adam-per-timestep: one update group
        per timestep, t = 3, 2, 1, 0 (the head weights ride with the first)."""
        off = "off-by-one" in q
        per_step = "adam-per-timestep" in q
        slot_z, slot_h, slot_x = self._slots(fwd, xs)
        p, dWx, dWh, groups = {}, 0.0, 0.0, []
        for t in reversed(range(self.timesteps)):
            incoming = self._incoming(t, g, p, connections, D, flow)
            delta = incoming * G.relu_grad(slot_z[t] if off else slot_z[t + 1])
            gx = G.conv_filter_grad(slot_x[t], delta, self.kernel, "VALID")
            gh = None
            if off:
                gh = G.pointwise_filter_grad(slot_h[t - 1], delta)
            elif t:
                gh = G.pointwise_filter_grad(slot_h[t], delta)
            p[t] = G.pointwise_input_grad(delta, w["Wh"])
            if flow is not None:
                flow[("in", t)] = incoming
                flow[("p", t)] = p[t]
            if per_step:
                groups.append({"Wx": gx, "Wh": gh if gh is not None else tf.zeros_like(w["Wh"])})
            else:
                dWx = dWx + gx
                if gh is not None:
                    dWh = dWh + gh
        return groups if per_step else [{"Wx": dWx, "Wh": dWh}]
