"""What the five post-B architectures share: the conv head, the loss and the BPTT driver.

Post B (review_RNN, original-experiments.md §3) runs an RCNN over four inputs
(3×3 SAME input conv W, 1×1 recurrent conv H, ELU) and classifies only the
**last** timestep's output with a small conv head:

    conv 3×3 C→7 + ELU → avg-pool 2 → conv 3×3 7→9 + ELU → avg-pool 2
    → conv 1×1 9→10 + ELU → global average pool = logits → softmax.

The published cost is the batch MEAN of the softmax cross-entropy on those
logits; the manual backward pass computes the exact gradient of that mean
(so the head is seeded with (p − y)/B).

State. The published code stored and read the **pre-activation** z_t
(`hidden_record`), in all five scripts; we keep that: the recurrent state of
every post-B architecture is z_t, the output of timestep t is ELU(z_t) and only
ELU(z_3) reaches the head. (The internal-conv architecture carries its internal
block's output instead, in corrected mode; see internal_conv.py.)

Per-timestep gradients, in the space of the state z_t (the analogue of post A's
h_t, where the recurrence lives):

- g_t: what reaches z_t from the head, ELU'(z_3) ⊙ dL/dh_3 for t = 3 and zero
  for t < 3 (only the last timestep feeds the head);
- p_s: what timestep s passes back to the immediately previous state z_(s−1)
  (the one-step recurrent path; lag-2 and concat have further paths to older
  states, which flow into in_t as ordinary BPTT but are not "p");
- in_t = g_t + (everything later timesteps pass back to z_t) + the dilated
  terms (cases.dilation_coefficients), and δ_t = in_t is the gradient at z_t.

Quirks (engine/quirks.py). With none, h_(−1) = 0, the state is the current
batch's previous tensor, full BPTT, the authors' intended wiring.
`no-bptt-autodiff` stops autodiff's gradient at the carried state, as a
tf.Variable read gave; `published-wiring` restores b's and d's wiring slips;
`stale-state` reads the state from slots the previous pass stored (then the
hand-written backward pass keeps its BPTT wiring and takes dH against the
state the forward pass actually read); `slot-training` lets Adam update the
slots the cost reads. The published manual `backprop` methods were never
called, so for manual cases the quirk-free reading is plain BPTT.

An architecture whose forward wiring depends on a quirk (b, d) holds the set
(`set_quirks`) and refuses a call made with a set that differs there.
"""
from __future__ import annotations

import tensorflow as tf

from . import gradients as G
from . import members as MB
from .architecture import Architecture
from .cases import as_coefficients


def _acc(grads: dict, name: str, value) -> None:
    grads[name] = value if name not in grads else grads[name] + value


class PostB(Architecture):
    # Published N(0, sd): RCNN kernels 1.0, head CNN 0.05 (concat overrides to 1.0).
    STDDEV: dict[str, float] = {"W": 1.0, "H": 1.0, "L2": 0.05, "L3": 0.05, "L4": 0.05}

    def __init__(self, description):
        super().__init__(description)
        self.shapes = {k: tuple(v) for k, v in description.weights.items()}

    def published_stddev(self, name: str) -> float:
        return self.STDDEV[name]

    # ---------------------------------------------------------------- stale state
    def state_shape(self) -> tuple[int, ...]:
        """Per-example shape of the state z_t (the RCNN output map)."""
        return tuple(self.description.block(f"r{self.timesteps - 1}").shape_out)

    def state_slots(self):
        """The carried states z_0..z_(T−2) (the slot holding z_(T−1) is written but never read)."""
        return {"z": (self.timesteps - 1, *self.state_shape())}

    def slots_written(self, fwd, state):
        return {"z": tf.stack(fwd["zs"][:-1])}

    def _read(self, state, bptt):
        """How step t reads the state it carries: the stored slot (stale) or this pass's tensor."""
        carry = (lambda s: s) if bptt else tf.stop_gradient
        if state is None:
            return lambda name, k, current: carry(current)
        return lambda name, k, current: state[name][k]

    # ---------------------------------------------------------------- RCNN input
    # Whether the RCNN reads the input images (one per seed) or maps it computed from them.
    READS_IMAGES = True

    def input_conv(self, u, W):
        """The RCNN's 3×3 SAME convolution of its input u_t."""
        return (MB.image_conv if self.READS_IMAGES else MB.conv)(u, W, "SAME")

    def input_filter_grad(self, u, delta, w_shape):
        return (MB.image_filter_grad if self.READS_IMAGES else MB.conv_filter_grad)(u, delta, w_shape, "SAME")

    # ---------------------------------------------------------------- head
    def head_forward(self, w, fwd: dict) -> dict:
        """Adds the head activations, logits [M,B,10] and probs to `fwd` (which holds zs)."""
        M = MB.count(w["L2"])
        h = tf.nn.elu(fwd["zs"][-1])
        c2 = MB.conv(h, w["L2"], "SAME")
        a2 = tf.nn.elu(c2)
        p2 = tf.nn.avg_pool2d(a2, 2, 2, "VALID")
        c3 = MB.conv(p2, w["L3"], "SAME")
        a3 = tf.nn.elu(c3)
        p3 = tf.nn.avg_pool2d(a3, 2, 2, "VALID")
        c4 = MB.conv(p3, w["L4"], "SAME")
        a4 = tf.nn.elu(c4)
        logits = MB.vectors_to_rows(MB.spatial_mean(a4), M)
        fwd.update(h=h, c2=c2, a2=a2, p2=p2, c3=c3, a3=a3, p3=p3, c4=c4, a4=a4, logits=logits,
                   probs=tf.nn.softmax(logits))
        return fwd

    def head_backward(self, w, fwd, y_onehot):
        """Head weight gradients and dL/dh for h = ELU(z_3), of each member's batch-mean cross-entropy."""
        probs = fwd["probs"]
        batch = tf.cast(tf.shape(probs)[1], probs.dtype)
        d_logits = MB.rows_to_vectors((probs - MB.onehot_rows(y_onehot, probs)) / batch)
        a4 = fwd["a4"]
        dc4 = G.global_avg_pool_grad(d_logits, (a4.shape[1], a4.shape[2])) * G.elu_grad(fwd["c4"])
        dL4 = MB.conv_filter_grad(fwd["p3"], dc4, w["L4"].shape, "SAME")
        dp3 = MB.conv_input_grad(dc4, w["L4"], tf.shape(fwd["p3"]), "SAME")
        dc3 = G.avg_pool_grad(dp3, tf.shape(fwd["a3"])) * G.elu_grad(fwd["c3"])
        dL3 = MB.conv_filter_grad(fwd["p2"], dc3, w["L3"].shape, "SAME")
        dp2 = MB.conv_input_grad(dc3, w["L3"], tf.shape(fwd["p2"]), "SAME")
        dc2 = G.avg_pool_grad(dp2, tf.shape(fwd["a2"])) * G.elu_grad(fwd["c2"])
        dL2 = MB.conv_filter_grad(fwd["h"], dc2, w["L2"].shape, "SAME")
        dh = MB.conv_input_grad(dc2, w["L2"], tf.shape(fwd["h"]), "SAME")
        return {"L2": dL2, "L3": dL3, "L4": dL4}, dh

    # ---------------------------------------------------------------- losses
    def example_costs(self, fwd, y_onehot):
        """[M, B]."""
        logits = fwd["logits"]
        return tf.nn.softmax_cross_entropy_with_logits(labels=MB.onehot_rows(y_onehot, logits), logits=logits)

    def autodiff_loss(self, fwd, y_onehot, quirks=None):
        """The published cost per member [M]: the batch mean of the softmax cross-entropy (both modes)."""
        return tf.reduce_mean(self.example_costs(fwd, y_onehot), axis=-1)

    # ---------------------------------------------------------------- BPTT driver
    def head_gradients(self, w, fwd, y_onehot):
        """(head weight grads, g) with g[t] the head gradient at the state z_t (zero for t < T−1)."""
        head, dh = self.head_backward(w, fwd, y_onehot)
        zs = fwd["zs"]
        g = [tf.zeros_like(z) for z in zs[:-1]] + [dh * G.elu_grad(zs[-1])]
        return head, g

    def manual_gradients(self, w, fwd, xs, y_onehot, connections, D, quirks=None, flow=None):
        """`connections`: the coefficient tensor [M, target, source, signal], or one list for all."""
        mode = self._q(quirks)
        coef = as_coefficients(connections, MB.count(w["W"]), self.timesteps)
        grads, g = self.head_gradients(w, fwd, y_onehot)
        zs, us = fwd["zs"], fwd["us"]
        T = self.timesteps
        received = [None] * T            # what later timesteps passed back to z_t
        p = {}
        for t in reversed(range(T)):
            delta = g[t] if received[t] is None else g[t] + received[t]
            extra = MB.dilated_addition(t, coef, D, g, p)
            if extra is not None:
                delta = delta + extra
            _acc(grads, "W", self.input_filter_grad(us[t], delta, w["W"].shape))
            self.input_backward(w, fwd, xs, t, delta, grads, mode)
            back = self.step_backward(w, fwd, t, delta, grads, mode)
            p[t] = back.get(t - 1, tf.zeros_like(zs[t]))
            if flow is not None:
                flow[("g", t)], flow[("in", t)], flow[("p", t)] = g[t], delta, p[t]
                if extra is not None:
                    flow[("dilated", t)] = extra
            for k, grad in back.items():
                received[k] = grad if received[k] is None else received[k] + grad
        return [grads]

    def input_backward(self, w, fwd, xs, t, delta, grads, mode) -> None:
        """Gradients of layers before the RCNN input (multi-stream only)."""
        return None          # a body beyond the docstring: AutoGraph cannot convert a docstring-only one

    def step_backward(self, w, fwd, t, delta, grads, mode) -> dict:
        """Recurrent weight gradients of timestep t into `grads`; returns {k: dL/dz_k} for k < t."""
        raise NotImplementedError
