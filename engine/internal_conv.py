"""Post B case d, internal conv: an extra 1×1 conv + ELU on the hidden state between timesteps.

Without the published-wiring quirk (the post's intent, "convolve the hidden state before passing it to
the next timestep"):

    z_t = conv3×3_SAME(x_t, W) + conv1×1(q_(t−1), H),   q_(−1) = 0
    q_t = ELU(conv1×1(ELU(z_t), K_t))   for t = 0, 1, 2 (no block after the last timestep)

q_t is exactly the tensor the published internal blocks computed; here it is
the state carried to the next timestep. The head reads ELU(z_3), as published.

published-wiring: the recurrence carries the pre-activation z_t (the published
`hidden_record`), exactly as vanilla; the internal blocks' output went only to a
record nothing read, so it is dead: K0–K2 get no gradient and the network is
vanilla (the dead branch is not even computed). The other quirks act as in
vanilla; with stale-state the slot holds whichever state the wiring carries
(q_t, or z_t with published-wiring) and dH is taken against the read.

Per-timestep gradients live at z_t in both modes: δ_t = in_t = dL/dz_t.
p_s, what timestep s passes back to the previous timestep, is the gradient
reaching z_(s−1): in corrected mode through the internal block,
p_s = ELU'(z_(s−1)) ⊙ K_(s−1)ᵀ[ELU'(c_(s−1)) ⊙ Hᵀδ_s] with c = K ⋆ ELU(z); the
K_(s−1) gradient is taken on the same pass.
"""
from __future__ import annotations

import tensorflow as tf

from . import gradients as G
from . import members as MB
from .post_b_head import PostB, _acc


class InternalConv(PostB):
    WIRING_QUIRKS = ("published-wiring",)
    STDDEV = {**PostB.STDDEV, "K0": 0.05, "K1": 0.05, "K2": 0.05}

    def slots_written(self, fwd, state):
        carried = fwd["zs"][:-1] if "published-wiring" in fwd["mode"] else fwd["qs"]
        return {"z": tf.stack(carried)}

    def forward(self, w, xs, *, bptt=True, state=None, quirks=None):
        mode = self._q(quirks)
        published = "published-wiring" in mode
        read = self._read(state, bptt)
        us = [xs[t] for t in range(self.timesteps)]
        zs, acts, cs, qs, reads = [], [], [], [], [None]
        for t, u in enumerate(us):
            z = self.input_conv(u, w["W"])
            if t:
                reads.append(read("z", t - 1, zs[t - 1] if published else qs[t - 1]))
                z = z + MB.conv(reads[-1], w["H"], "SAME")
            zs.append(z)
            if not published and t < self.timesteps - 1:
                a = tf.nn.elu(z)
                c = MB.conv(a, w[f"K{t}"], "SAME")
                acts.append(a)
                cs.append(c)
                qs.append(tf.nn.elu(c))
        return self.head_forward(w, {"us": us, "zs": zs, "acts": acts, "cs": cs, "qs": qs, "mode": mode,
                                     "reads": reads})

    def step_backward(self, w, fwd, t, delta, grads, mode):
        if t == 0:
            return {}
        zs = fwd["zs"]
        if "published-wiring" in mode:
            _acc(grads, "H", MB.conv_filter_grad(fwd["reads"][t], delta, w["H"].shape, "SAME"))
            return {t - 1: MB.conv_input_grad(delta, w["H"], tf.shape(delta), "SAME")}
        k = t - 1
        _acc(grads, "H", MB.conv_filter_grad(fwd["reads"][t], delta, w["H"].shape, "SAME"))
        dq = MB.conv_input_grad(delta, w["H"], tf.shape(delta), "SAME")
        dc = dq * G.elu_grad(fwd["cs"][k])
        _acc(grads, f"K{k}", MB.conv_filter_grad(fwd["acts"][k], dc, w[f"K{k}"].shape, "SAME"))
        da = MB.conv_input_grad(dc, w[f"K{k}"], tf.shape(dc), "SAME")
        return {k: da * G.elu_grad(zs[k])}
