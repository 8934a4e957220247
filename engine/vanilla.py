"""Post B case a, vanilla: an RCNN over [x, x+Gaussian, x+Poisson, x+Uniform], conv head on the last output.

    z_t = conv3×3_SAME(x_t, W) + conv1×1(z_(t−1), H),  z_(−1) = 0,   h_t = ELU(z_t)

The state is the pre-activation z_t, as the published code stored and read it
(`hidden_record`, original-experiments.md §3.1); only h_3 feeds the head
(post_b_head.py). Backward: δ_t = in_t is dL/dz_t; dW += x_t ⋆ δ_t,
dH += z_(t−1) ⋆ δ_t and p_t = Hᵀδ_t goes to z_(t−1).

Quirk-free: full BPTT with the current batch's z_(t−1). no-bptt-autodiff:
autodiff stops the gradient at the carried state (the published slot read);
manual cases are plain BPTT (the published manual code was never called).
stale-state: step t reads z_(t−1) as the previous pass stored it; dH is taken
against that read (fwd["reads"]).
"""
from __future__ import annotations

import tensorflow as tf

from . import members as MB
from .post_b_head import PostB, _acc


class Vanilla(PostB):
    def inputs(self, w, xs, mode):
        """The RCNN's per-timestep inputs u_t and anything their backward pass needs."""
        return [xs[t] for t in range(self.timesteps)], {}

    def forward(self, w, xs, *, bptt=True, state=None, quirks=None):
        mode = self._q(quirks)
        read = self._read(state, bptt)
        us, extra = self.inputs(w, xs, mode)
        zs, reads = [], [None]
        for t, u in enumerate(us):
            z = self.input_conv(u, w["W"])
            if t:
                reads.append(read("z", t - 1, zs[-1]))
                z = z + MB.conv(reads[-1], w["H"], "SAME")
            zs.append(z)
        return self.head_forward(w, {"us": us, "zs": zs, "reads": reads, **extra})

    def step_backward(self, w, fwd, t, delta, grads, mode):
        if t == 0:
            return {}
        _acc(grads, "H", MB.conv_filter_grad(fwd["reads"][t], delta, w["H"].shape, "SAME"))
        return {t - 1: MB.conv_input_grad(delta, w["H"], tf.shape(delta), "SAME")}
