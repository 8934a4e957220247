"""Post B case e, lag-2: the state depends on the two previous states.

    z_t = conv3×3_SAME(x_t, W) + conv1×1(z_(t−1), H1) + conv1×1(z_(t−2), H2),   z_(−1) = z_(−2) = 0

The state is the pre-activation z_t (the published `hidden_record`, 6 slots,
slots 0–1 never written); only ELU(z_3) feeds the head (post_b_head.py).

Backward: δ_t = in_t = dL/dz_t receives the one-step pass-back H1ᵀδ_(t+1) and
the lag-2 pass-back H2ᵀδ_(t+2) (plain BPTT), plus g_t and the dilated terms.

p_s (the signal dilated connections "p" read) is the **one-step path only**:
p_s = H1ᵀδ_s, what timestep s passes back to the previous state z_(s−1) — the
same meaning as in post A. The lag-2 path H2ᵀδ_s (to z_(s−2)) is not part of
p_s; it always reaches z_(s−2) through ordinary BPTT. So case 3's in_1 += D·p_3
adds D·H1ᵀδ_3 on top of the H2ᵀδ_3 that timestep 1 already receives.

no-bptt-autodiff stops autodiff's gradient at both carried states (the slot
reads); manual cases are plain BPTT. stale-state: both reads come from the
slots the previous pass stored (z_(t−1) and z_(t−2)); dH1, dH2 are taken
against those reads.
"""
from __future__ import annotations

import tensorflow as tf

from . import members as MB
from .post_b_head import PostB, _acc


class Lag2(PostB):
    STDDEV = {**PostB.STDDEV, "H1": 1.0, "H2": 1.0}

    def forward(self, w, xs, *, bptt=True, state=None, quirks=None):
        self._q(quirks)
        read = self._read(state, bptt)
        us = [xs[t] for t in range(self.timesteps)]
        zs, reads1, reads2 = [], [None], [None, None]
        for t, u in enumerate(us):
            z = self.input_conv(u, w["W"])
            if t >= 1:
                reads1.append(read("z", t - 1, zs[t - 1]))
                z = z + MB.conv(reads1[-1], w["H1"], "SAME")
            if t >= 2:
                reads2.append(read("z", t - 2, zs[t - 2]))
                z = z + MB.conv(reads2[-1], w["H2"], "SAME")
            zs.append(z)
        return self.head_forward(w, {"us": us, "zs": zs, "reads1": reads1, "reads2": reads2})

    def step_backward(self, w, fwd, t, delta, grads, mode):
        back = {}
        if t >= 1:
            _acc(grads, "H1", MB.conv_filter_grad(fwd["reads1"][t], delta, w["H1"].shape, "SAME"))
            back[t - 1] = MB.conv_input_grad(delta, w["H1"], tf.shape(delta), "SAME")      # p_t
        if t >= 2:
            _acc(grads, "H2", MB.conv_filter_grad(fwd["reads2"][t], delta, w["H2"].shape, "SAME"))
            back[t - 2] = MB.conv_input_grad(delta, w["H2"], tf.shape(delta), "SAME")
        return back
