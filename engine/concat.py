"""Post B case c, concat: one memory holding every timestep's state side by side.

With C = 3 channels per timestep and T = 4, the memory M has C·(T+1) = 15
channels: [0 | z_0 | z_1 | z_2 | z_3] (channels 0–2 are never written). Step t
reads the memory as it stands and writes z_t into channels 3t+3 … 3t+5:

    z_t = conv3×3_SAME(x_t, W) + (conv1×1(M_(t−1), H))[…, 3t : 3t+3],   H: 15→15

where M_(t−1) holds z_0 … z_(t−1) and zeros elsewhere (M_(−1) = 0). The state is
the pre-activation z_t, as published; only ELU(z_3) feeds the head.

Backward: dL/dM_(t−1) = (H[…, 3t:3t+3])ᵀδ_t, whose slice at channels of z_k
goes to z_k for every k < t (dense BPTT through the memory). p_s, the signal
dilated "p" connections read, is the slice that goes to the immediately
previous state z_(s−1); the slices for older states flow as ordinary BPTT.
Only columns 3t…3t+2 of H are used at step t, and the rows of channels 0–2 and
the columns 12–14 never receive gradient (always-zero memory / never-read output).

no-bptt-autodiff stops autodiff's gradient at the memory read; manual cases are
plain BPTT. Published: lr 1e-5, N(0, 1) head init, and the run diverged.

stale-state: the memory is one slot (the published S[0]); every step,
timestep 0 included (the published step read M at every timestep), reads it
as the previous pass left it: all 15 channels, z_0..z_3 of the previous pass
and channels 0–2 never written (zero, or whatever slot-training made of them).
The pass then writes [channels 0–2 unchanged | z_0 | z_1 | z_2 | z_3].
"""
from __future__ import annotations

import tensorflow as tf

from . import members as MB
from .post_b_head import PostB, _acc


class Concat(PostB):
    STDDEV = {"W": 1.0, "H": 1.0, "L2": 1.0, "L3": 1.0, "L4": 1.0}

    def __init__(self, description):
        super().__init__(description)
        self.C = self.shapes["W"][-1]
        self.M = self.shapes["H"][-1]

    def _memory(self, zs, members):
        zero = tf.zeros_like(zs[0])
        return MB.concat_channels([zero] + zs + [zero] * (self.timesteps - len(zs)), members)

    def state_slots(self):
        return {"mem": (1, *self.state_shape()[:2], self.M)}

    def slots_written(self, fwd, state):
        members = fwd["members"]
        kept = MB.channels(state["mem"][0], members, 0, self.C)
        return {"mem": MB.concat_channels([kept] + fwd["zs"], members)[None]}

    def _columns(self, w, t):
        """The columns of H timestep t reads: its own C channels of the memory's output."""
        return w["H"][..., self.C * t:self.C * (t + 1)]

    def forward(self, w, xs, *, bptt=True, state=None, quirks=None):
        self._q(quirks)
        carry = (lambda s: s) if bptt else tf.stop_gradient
        members = MB.count(w["W"])
        us = [xs[t] for t in range(self.timesteps)]
        zs, mems = [], []
        for t, u in enumerate(us):
            z = self.input_conv(u, w["W"])
            if state is not None:
                mem = state["mem"][0]
                z = z + MB.conv(mem, self._columns(w, t), "SAME")
            else:
                mem = (self._memory(zs, members) if zs else
                       tf.zeros(tf.concat([tf.shape(z)[:3], [members * self.M]], 0), z.dtype))
                if t:
                    z = z + MB.conv(carry(mem), self._columns(w, t), "SAME")
            mems.append(mem)
            zs.append(z)
        return self.head_forward(w, {"us": us, "zs": zs, "mems": mems, "stale": state is not None,
                                     "members": members})

    def step_backward(self, w, fwd, t, delta, grads, mode):
        if t == 0 and not fwd["stale"]:
            return {}
        C, members = self.C, fwd["members"]
        mem = fwd["mems"][t]
        columns = self._columns(w, t)
        dH = MB.conv_filter_grad(mem, delta, columns.shape, "SAME")      # [M,1,1,15,3]: columns 3t..3t+2
        _acc(grads, "H", tf.pad(dH, [[0, 0], [0, 0], [0, 0], [0, 0], [C * t, self.M - C * (t + 1)]]))
        d_mem = MB.conv_input_grad(delta, columns, tf.shape(mem), "SAME")
        return {k: MB.channels(d_mem, members, C * (k + 1), C * (k + 2)) for k in range(t)}
