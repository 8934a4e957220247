"""Post A: a recurrent conv layer over four noisy copies, FC head on all four states.

Shapes come from the catalog description (one source of truth). The manual
backward pass is true BPTT of the softmax cross-entropy; the quirks
(engine/quirks.py) switch on the original script's off-by-one reads and its
one Adam step per timestep (original-experiments.md §1.8, §1.10), and the
stale state makes the forward recurrence and the backward slot reads see what
the previous pass stored.
"""
from __future__ import annotations

import tensorflow as tf

from . import gradients as G
from . import members as MB
from .architecture import Architecture
from .cases import as_coefficients


class PostA(Architecture):
    def __init__(self, description):
        super().__init__(description)
        self.channels = description.weights["Wh"][-1]
        self.kernel = description.weights["Wx"]
        self.state = (24, 24, self.channels)

    # ---------------------------------------------------------------- stale state
    def state_slots(self):
        """`hidden` (z_0..z_3; hiddenA is ReLU of it) and `input` (x_0..x_3), as the RCNN object kept."""
        T, C = self.timesteps, self.channels
        return {"z": (T, 24, 24, C), "x": (T, 28, 28, 1)}

    def input_slots(self):
        return ("x",)

    def slots_written(self, fwd, state):
        return {"z": tf.stack(fwd["zs"]), "x": fwd["xs"]}

    # ---------------------------------------------------------------- forward
    def forward(self, w, xs, *, bptt=True, state=None):
        """Every member at once: maps [B,24,24,M·C], FC rows [M,B,·]."""
        M = MB.count(w["Wx"])
        zs, hs = [], []
        for t in range(self.timesteps):
            z = MB.image_conv(xs[t], w["Wx"], "VALID")
            if t:
                if state is not None:
                    h_prev = tf.nn.relu(state["z"][t - 1])      # hiddenA[t] as the previous pass left it
                else:
                    h_prev = hs[-1] if bptt else tf.stop_gradient(hs[-1])
                z = z + MB.conv(h_prev, w["Wh"], "SAME")
            zs.append(z)
            hs.append(tf.nn.relu(z))
        a1 = MB.maps_to_rows(MB.concat_channels(hs, M), M)
        a2 = MB.lanewise(tf.sigmoid, a1 @ w["W2"])
        a3 = MB.lanewise(tf.sigmoid, a2 @ w["W3"])
        a4 = MB.lanewise(tf.sigmoid, a3 @ w["W4"])
        out = {"zs": zs, "hs": hs, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "probs": tf.nn.softmax(a4)}
        if state is not None:
            out.update(xs=xs, state=state)
        return out

    def example_costs(self, fwd, y_onehot):
        """Published metric: binary cross-entropy on the softmax, summed over the 10 classes: [M, B]."""
        p = fwd["probs"]
        y = MB.onehot_rows(y_onehot, p)
        return -tf.reduce_sum(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p), axis=-1)

    def autodiff_loss(self, fwd, y_onehot, quirks=None):
        """Per member [M]: the softmax cross-entropy summed over the batch (or the summed BCE)."""
        if "bce-autodiff-loss" not in self._q(quirks):
            p = fwd["probs"]
            return -tf.reduce_sum(MB.onehot_rows(y_onehot, p) * tf.math.log(p), axis=[-2, -1])
        return tf.reduce_sum(self.example_costs(fwd, y_onehot), axis=-1)   # TF1 differentiated the summed BCE

    def optimizer_correction(self, gradient, quirks=None):
        constant = "constant-bias-correction" in self._q(quirks) and gradient == "manual"
        return "constant" if constant else "standard"

    def head_backward(self, w, fwd, y_onehot):
        """FC layers: gradients of W2..W4 and g_t, the gradient reaching each state h_t.

        Seeded with (p - y), the exact gradient of the softmax cross-entropy with
        respect to the sigmoid outputs (the published shortcut)."""
        probs = fwd["probs"]
        delta4 = (probs - MB.onehot_rows(y_onehot, probs)) * G.sigmoid_grad_from_output(fwd["a4"])
        dW4, g3 = G.dense_grads(fwd["a3"], delta4, w["W4"])
        delta3 = g3 * G.sigmoid_grad_from_output(fwd["a3"])
        dW3, g2 = G.dense_grads(fwd["a2"], delta3, w["W3"])
        delta2 = g2 * G.sigmoid_grad_from_output(fwd["a2"])
        dW2, g1 = G.dense_grads(fwd["a1"], delta2, w["W2"])
        c, T = self.channels, self.timesteps
        M = MB.count(w["Wx"])
        g_all = MB.rows_to_maps(g1, (24, 24, c * T))
        g = [MB.channels(g_all, M, c * t, c * (t + 1)) for t in range(T)]
        return {"W2": dW2, "W3": dW3, "W4": dW4}, g

    def manual_gradients(self, w, fwd, xs, y_onehot, connections, D, quirks=None, flow=None):
        """`connections`: the coefficient tensor [M, target, source, signal], or one list for all."""
        q = self._q(quirks)
        coef = as_coefficients(connections, MB.count(w["Wx"]), self.timesteps)
        head, g = self.head_backward(w, fwd, y_onehot)
        groups = self._recurrent_backward(w, fwd, xs, g, coef, D, q, flow)
        return [{**head, **groups[0]}, *groups[1:]]

    def _incoming(self, t, g, p, coef, D, flow=None):
        """in_t = g_t + p_(t+1) + the members' dilated terms into t."""
        incoming = g[t]
        if t + 1 < self.timesteps:
            incoming = incoming + p[t + 1]
        extra = MB.dilated_addition(t, coef, D, g, p)
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

    def _recurrent_backward(self, w, fwd, xs, g, coef, D, q, flow=None):
        """delta_t = in_t * ReLU'(z_t); dWx += x_t * delta_t; dWh += h_(t-1) * delta_t; p_t = Wh^T delta_t.

        off-by-one: ReLU' of slot t (= z_(t-1), zero for t = 0, so delta_0 = 0) and the state
        from slot t-1 (= h_(t-2); slot -1 wraps to h_3). adam-per-timestep: one update group
        per timestep, t = 3, 2, 1, 0 (the head weights ride with the first)."""
        off = "off-by-one" in q
        per_step = "adam-per-timestep" in q
        slot_z, slot_h, slot_x = self._slots(fwd, xs)
        wx_shape, wh_shape = w["Wx"].shape, w["Wh"].shape
        p, dWx, dWh, groups = {}, 0.0, 0.0, []
        for t in reversed(range(self.timesteps)):
            incoming = self._incoming(t, g, p, coef, D, flow)
            delta = incoming * G.relu_grad(slot_z[t] if off else slot_z[t + 1])
            gx = MB.image_filter_grad(slot_x[t], delta, wx_shape, "VALID")
            gh = None
            if off:
                gh = MB.conv_filter_grad(slot_h[t - 1], delta, wh_shape, "SAME")
            elif t:
                gh = MB.conv_filter_grad(slot_h[t], delta, wh_shape, "SAME")
            p[t] = MB.conv_input_grad(delta, w["Wh"], tf.shape(delta), "SAME")
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
