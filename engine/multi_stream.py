"""Post B case b, multi-stream: each timestep reads a different learned view of the digit.

Four streams turn a 28×28 image into a 26×26×1 map:

    stream 0, 3: ELU(conv3×3_VALID(x, S0 / S3))            (the published "stream0", "stream3")
    stream 1, 2: tanh(flatten(x) · S1 / S2) → 26×26×1       (FC 784→676, "stream1", "stream2")

and the RCNN (3×3 SAME 1→5, 1×1 recurrent 5→5, ELU) runs on 26×26:

    z_t = conv3×3_SAME(u_t, W) + conv1×1(z_(t−1), H),  u_t = stream_σ(t)(x_t)

Which stream feeds timestep t:
- without the published-wiring quirk: σ = (0, 1, 2, 3): every stream once (the
  post: "different representations at each timestep"); the last timestep keeps
  stream 3 as published;
- published-wiring: σ = (0, 0, 1, 3): stream 0 fed twice, stream 2 built but
  unused (S2 gets no gradient).

Stream t reads timestep t's input x_t; the published case b used the clean
image everywhere, so the default noise here is "none" at every timestep and
the four x_t are then the same image.

The state is the pre-activation z_t, as published; only ELU(z_3) feeds the head
(26 → 13 → 6). Backward: δ_t = in_t = dL/dz_t, p_t = Hᵀδ_t as in vanilla, and
dL/du_t = conv-input-gradient of δ_t through W goes into stream σ(t).
The other quirks act as in vanilla (vanilla.py).
"""
from __future__ import annotations

import tensorflow as tf

from . import gradients as G
from . import members as MB
from .catalog import MULTI_STREAM_CORRECTED, MULTI_STREAM_PUBLISHED
from .post_b_head import _acc
from .vanilla import Vanilla

CONV_STREAMS = (0, 3)


class MultiStream(Vanilla):
    """Vanilla's recurrence on learned streams instead of the noisy copies."""
    WIRING_QUIRKS = ("published-wiring",)
    READS_IMAGES = False          # the RCNN reads the streams' maps
    # RCNN 1.0, head CNN 0.05; conv streams are the post's CNN class (0.05), FC streams 1.0.
    STDDEV = {**Vanilla.STDDEV, "S0": 0.05, "S1": 1.0, "S2": 1.0, "S3": 0.05}

    def __init__(self, description):
        super().__init__(description)
        fc = self.shapes["S1"]
        self.side = int(round(fc[1] ** 0.5))             # 26

    def streams(self, mode):
        return MULTI_STREAM_PUBLISHED if "published-wiring" in mode else MULTI_STREAM_CORRECTED

    def _stream(self, w, k, x):
        """Stream k of the input x [B,28,28,1] (or one per seed) for every member: (maps
        [B,26,26,M], pre-activation)."""
        if k in CONV_STREAMS:
            c = MB.image_conv(x, w[f"S{k}"], "VALID")
            return tf.nn.elu(c), c
        a = tf.tanh(MB.dense_from_input(x, w[f"S{k}"]))                         # [M, B, 676]
        return MB.rows_to_maps(a, (self.side, self.side, 1)), a

    def inputs(self, w, xs, mode):
        us, pre = [], []
        for t, k in enumerate(self.streams(mode)):
            u, c = self._stream(w, k, xs[t])
            us.append(u)
            pre.append(c)
        return us, {"stream_pre": pre, "mode": mode}

    def input_backward(self, w, fwd, xs, t, delta, grads, mode):
        k = self.streams(mode)[t]
        du = MB.conv_input_grad(delta, w["W"], tf.shape(fwd["us"][t]), "SAME")
        if k in CONV_STREAMS:
            dc = du * G.elu_grad(fwd["stream_pre"][t])
            _acc(grads, f"S{k}", MB.image_filter_grad(xs[t], dc, w[f"S{k}"].shape, "VALID"))
        else:
            a = fwd["stream_pre"][t]
            dc = MB.maps_to_rows(du, MB.count(w["W"])) * G.tanh_grad_from_output(a)
            _acc(grads, f"S{k}", MB.dense_from_input_grad(xs[t], dc))
