"""Post B case a, vanilla: an RCNN over [x, x+Gaussian, x+Poisson, x+Uniform], conv head on the last output.

    z_t = conv3×3_SAME(x_t, W) + conv1×1(z_(t−1), H),  z_(−1) = 0,   h_t = ELU(z_t)

The state is the pre-activation z_t, as the published code stored and read it
(`hidden_record`, original-experiments.md §3.1); only h_3 feeds the head
(post_b_head.py). Backward: δ_t = in_t is dL/dz_t; dW += x_t ⋆ δ_t,
dH += z_(t−1) ⋆ δ_t and p_t = Hᵀδ_t goes to z_(t−1).

corrected: full BPTT with the current batch's z_(t−1).
as-published: the wiring is the same; autodiff stops the gradient at the
carried state (the published slot read), manual cases are plain BPTT (the
published manual code was never called). Stale slot values and Adam training
of the slot variable are not reproduced.
"""
from __future__ import annotations

import tensorflow as tf

from . import gradients as G
from .post_b_head import PostB, _acc


class Vanilla(PostB):
    def inputs(self, w, xs, mode):
        """The RCNN's per-timestep inputs u_t and anything their backward pass needs."""
        return [xs[t] for t in range(self.timesteps)], {}

    def forward(self, w, xs, *, bptt=True, semantics=None):
        mode = self._mode(semantics)
        carry = (lambda s: s) if bptt else tf.stop_gradient
        us, extra = self.inputs(w, xs, mode)
        zs = []
        for t, u in enumerate(us):
            z = tf.nn.conv2d(u, w["W"], 1, "SAME")
            if t:
                z = z + tf.nn.conv2d(carry(zs[-1]), w["H"], 1, "SAME")
            zs.append(z)
        return self.head_forward(w, {"us": us, "zs": zs, **extra})

    def step_backward(self, w, fwd, t, delta, grads, mode):
        if t == 0:
            return {}
        _acc(grads, "H", G.pointwise_filter_grad(fwd["zs"][t - 1], delta))
        return {t - 1: G.pointwise_input_grad(delta, w["H"])}
