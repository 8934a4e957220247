"""Every architecture the engine has, by key, with its plain description.

TensorFlow-free on purpose (see description.py); the compute modules are
looked up lazily by `build(key)` so that importing the catalog stays cheap.
"""
from __future__ import annotations

import importlib

from .description import ArchitectureDescription, Block, Edge
from .noise import POST_A_SCHEDULE, POST_B_SCHEDULE, noise_spec

# key -> (module, class) holding the TensorFlow maths; filled by each architecture.
_COMPUTE = {
    "post-a": ("engine.post_a", "PostA"),
}

_DESCRIBERS = {}


def _describer(key):
    def register(fn):
        _DESCRIBERS[key] = fn
        return fn
    return register


def keys() -> tuple[str, ...]:
    return tuple(_DESCRIBERS)


def describe(key: str) -> ArchitectureDescription:
    if key not in _DESCRIBERS:
        raise ValueError(f"unknown architecture {key!r}; choose one of {', '.join(_DESCRIBERS)}")
    return _DESCRIBERS[key]()


def build(key: str):
    """The compute object for `key` (imports TensorFlow)."""
    describe(key)
    module, name = _COMPUTE[key]
    return getattr(importlib.import_module(module), name)(describe(key))


# --------------------------------------------------------------------------- post A
POST_A_T = 4
POST_A_CONV = 6


@_describer("post-a")
def _post_a() -> ArchitectureDescription:
    T, C = POST_A_T, POST_A_CONV
    flat = 24 * 24 * C * T
    blocks = []
    edges = []
    for t in range(T):
        noise = POST_A_SCHEDULE[t]
        blocks.append(Block(f"x{t}", f"x + {noise.kind}", "noise", (28, 28, 1), t,
                            detail=f"timestep {t}: {noise.formula}"))
        blocks.append(Block(f"h{t}", f"h{t} = ReLU(conv5×5 x{t} + conv1×1 h{t - 1})" if t else
                            "h0 = ReLU(conv5×5 x0)", "recurrent", (24, 24, C), t, ("Wx", "Wh"),
                            "5×5 VALID convolution 1→6 of the input plus a 1×1 convolution 6→6 of the "
                            "previous state (zero before timestep 0); weights shared over time"))
        edges.append(Edge(f"x{t}", f"h{t}"))
        edges.append(Edge(f"h{t}", "concat", label=f"channels {C * t}–{C * t + C - 1}"))
        if t:
            edges.append(Edge(f"h{t - 1}", f"h{t}", "recurrent", "Wh"))
    blocks += [
        Block("concat", f"concat h0..h{T - 1} → flatten {flat}", "combine", (flat,),
              detail="channel-wise concatenation of the four states, flattened in (H, W, C) order"),
        Block("fc2", "FC 13824→512 + sigmoid", "head", (512,), weights=("W2",)),
        Block("fc3", "FC 512→256 + sigmoid", "head", (256,), weights=("W3",)),
        Block("fc4", "FC 256→10 + sigmoid", "head", (10,), weights=("W4",)),
        Block("softmax", "softmax", "output", (10,), detail="softmax of the sigmoid outputs (published)"),
    ]
    edges += [Edge("concat", "fc2"), Edge("fc2", "fc3"), Edge("fc3", "fc4"), Edge("fc4", "softmax")]
    return ArchitectureDescription(
        key="post-a",
        title="Post A: RCNN over four noisy copies",
        summary="A recurrent conv layer reads four noisy copies of a digit; all four states are "
                "concatenated and classified by three sigmoid FC layers.",
        post="A",
        timesteps=T,
        blocks=tuple(blocks),
        edges=tuple(edges),
        weights={"Wx": (5, 5, 1, C), "Wh": (1, 1, C, C), "W2": (flat, 512), "W3": (512, 256), "W4": (256, 10)},
        head_timesteps=tuple(range(T)),
        default_noise=POST_A_SCHEDULE,
        notes=(
            "corrected: true back-propagation through time of the softmax cross-entropy; "
            "Adam with the standard bias correction.",
            "as-published: backward pass reads the previous timestep's pre-activation (so timestep 0 "
            "gets no gradient), one Adam step per timestep, constant bias correction, and the logged "
            "cost is binary cross-entropy on the softmax.",
        ),
    )


# --------------------------------------------------------------------------- post B
# review_RNN cases a–e (original-experiments.md §3). Every architecture: an RCNN
# over T = 4 inputs, 3×3 SAME input conv, 1×1 recurrent conv, ELU, the state is
# the pre-activation z_t; only the last output ELU(z_3) feeds the conv head.
POST_B_T = 4
POST_B_NOT_REPRODUCED = (
    "not reproduced in either mode: the published state was a tf.Variable slot whose read most likely "
    "returned another batch's values (a race, not deterministic), and Adam also trained those slots; "
    "here h_(−1) = 0 and the state is the current batch's tensor.")
POST_B_AUTODIFF = ("as-published autodiff (case 1) stops the gradient at the carried state, as the "
                   "variable read did (no gradient through time); corrected autodiff is full BPTT.")
POST_B_MANUAL = ("the published manual back-prop methods were never called, so as-published manual "
                 "cases (0, 2–6) run full BPTT on the published wiring.")
POST_B_DILATED = ("cases: g_t is the head gradient at the state z_t, zero for t < 3 (only the last "
                  "timestep feeds the head), so connections from g_0..g_2 have no effect; "
                  "p_s is what timestep s passes back to the previous state z_(s−1).")


def _post_b_inputs(T, noise, shape, blocks, edges, rcnn_key="r"):
    for t in range(T):
        blocks.append(Block(f"x{t}", "clean x" if noise[t].kind == "none" else f"x + {noise[t].kind}",
                            "noise", shape, t, detail=f"timestep {t}: {noise[t].formula}"))
        edges.append(Edge(f"x{t}", f"{rcnn_key}{t}"))


def _post_b_head(C, S, src, blocks, edges, head_sd):
    s2, s3 = S // 2, S // 4
    blocks += [
        Block("l2", f"conv 3×3 SAME {C}→7 + ELU", "head", (S, S, 7), weights=("L2",),
              detail=f"N(0, {head_sd:g}) published init"),
        Block("pool2", "avg-pool 2×2", "head", (s2, s2, 7)),
        Block("l3", "conv 3×3 SAME 7→9 + ELU", "head", (s2, s2, 9), weights=("L3",)),
        Block("pool3", "avg-pool 2×2", "head", (s3, s3, 9)),
        Block("l4", "conv 1×1 9→10 + ELU", "head", (s3, s3, 10), weights=("L4",)),
        Block("gap", "global average pool → logits", "head", (10,),
              detail="mean over height and width; the logits are ELU outputs (≥ −1)"),
        Block("softmax", "softmax", "output", (10,), detail="softmax cross-entropy, batch mean (published cost)"),
    ]
    edges += [Edge(src, "l2", label="ELU(z3)"), Edge("l2", "pool2"), Edge("pool2", "l3"), Edge("l3", "pool3"),
              Edge("pool3", "l4"), Edge("l4", "gap"), Edge("gap", "softmax")]
    return {"L2": (3, 3, C, 7), "L3": (3, 3, 7, 9), "L4": (1, 1, 9, 10)}


def _post_b_description(key, title, summary, blocks, edges, weights, notes, noise) -> ArchitectureDescription:
    return ArchitectureDescription(
        key=key, title=title, summary=summary, post="B", timesteps=POST_B_T, blocks=tuple(blocks),
        edges=tuple(edges), weights=weights, head_timesteps=(POST_B_T - 1,), default_noise=noise,
        notes=tuple(notes) + (POST_B_DILATED, POST_B_NOT_REPRODUCED))


def _rcnn_blocks(T, C, S, blocks, edges, lag2=False):
    for t in range(T):
        if lag2:
            label = f"z{t} = conv3×3 x{t}" + (f" + H1·z{t - 1}" if t else "") + (f" + H2·z{t - 2}" if t > 1 else "")
            w = ("W", "H1", "H2")
        else:
            label = f"z{t} = conv3×3 x{t} + H·z{t - 1}" if t else "z0 = conv3×3 x0"
            w = ("W", "H")
        blocks.append(Block(f"r{t}", label, "recurrent", (S, S, C), t, w,
                            f"3×3 SAME convolution 1→{C} of the input plus 1×1 convolution(s) of the previous "
                            "pre-activation state (zero before timestep 0); output ELU(z); weights shared over time"))


_COMPUTE.update({
    "vanilla": ("engine.vanilla", "Vanilla"),
})


@_describer("vanilla")
def _vanilla() -> ArchitectureDescription:
    T, C, S = POST_B_T, 5, 28
    blocks, edges = [], []
    _post_b_inputs(T, POST_B_SCHEDULE, (S, S, 1), blocks, edges)
    _rcnn_blocks(T, C, S, blocks, edges)
    edges += [Edge(f"r{t - 1}", f"r{t}", "recurrent", "H·z (pre-activation)") for t in range(1, T)]
    weights = {"W": (3, 3, 1, C), "H": (1, 1, C, C), **_post_b_head(C, S, f"r{T - 1}", blocks, edges, 0.05)}
    return _post_b_description(
        "vanilla", "Post B (a): vanilla RCNN",
        "An RCNN reads a clean and three noisy copies of a digit; its last output feeds a small conv head.",
        blocks, edges, weights,
        ("corrected and as-published share the wiring; " + POST_B_AUTODIFF, POST_B_MANUAL),
        POST_B_SCHEDULE)
