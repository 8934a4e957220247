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
    "post-a": (".post_a", "PostA"),
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
    return getattr(importlib.import_module(module, __package__), name)(describe(key))


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
        dead_targets_as_published=(0,),
        cost_is_batch_sum=True,
        default_noise=POST_A_SCHEDULE,
        notes=(
            "corrected: true back-propagation through time of the softmax cross-entropy; "
            "Adam with the standard bias correction.",
            "as-published (each a quirk of its own): backward pass reads the previous timestep's "
            "pre-activation (so timestep 0 gets no gradient), one Adam step per timestep, constant bias "
            "correction, autodiff of the logged cost (binary cross-entropy on the softmax) without "
            "gradient through time, and the stale state: every slot read returns what the previous pass "
            "stored.",
        ),
    )


# --------------------------------------------------------------------------- post B
# review_RNN cases a–e (original-experiments.md §3). Every architecture: an RCNN
# over T = 4 inputs, 3×3 SAME input conv, 1×1 recurrent conv, ELU, the state is
# the pre-activation z_t; only the last output ELU(z_3) feeds the conv head.
POST_B_T = 4
POST_B_NOT_REPRODUCED = (
    "stale-state quirk: the published state was a tf.Variable slot whose read returned what the previous "
    "pass stored (made deterministic: engine/quirks.py); slot-training: Adam also trained the slots the "
    "last timestep reads. Without them h_(−1) = 0 and the state is the current batch's tensor.")
POST_B_AUTODIFF = ("no-bptt-autodiff quirk: autodiff (case 1) stops the gradient at the carried state, as "
                   "the variable read did (no gradient through time); without it autodiff is full BPTT.")
POST_B_MANUAL = ("the published manual back-prop methods were never called, so manual cases (0, 2–6) run "
                 "full BPTT on the chosen wiring in every mode.")
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
    "vanilla": (".vanilla", "Vanilla"),
    "multi-stream": (".multi_stream", "MultiStream"),
    "concat": (".concat", "Concat"),
    "internal-conv": (".internal_conv", "InternalConv"),
    "lag2": (".lag2", "Lag2"),
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


# multi-stream: streams 0 and 3 are conv (3×3 VALID 1→1 + ELU), 1 and 2 FC (784→676 + tanh).
MULTI_STREAM_CORRECTED = (0, 1, 2, 3)     # stream feeding timestep t
MULTI_STREAM_PUBLISHED = (0, 0, 1, 3)     # stream 0 fed twice, stream 2 unused
_STREAMS = {0: ("S0", "conv 3×3 VALID 1→1 + ELU", (3, 3, 1, 1)),
            1: ("S1", "FC 784→676 + tanh → 26×26", (784, 676)),
            2: ("S2", "FC 784→676 + tanh → 26×26", (784, 676)),
            3: ("S3", "conv 3×3 VALID 1→1 + ELU", (3, 3, 1, 1))}
MULTI_STREAM_NOISE = (noise_spec("none"),) * POST_B_T   # published case b used no noise


@_describer("multi-stream")
def _multi_stream() -> ArchitectureDescription:
    T, C, S = POST_B_T, 5, 26
    blocks, edges = [], []
    for t in range(T):
        blocks.append(Block(f"x{t}", "clean x", "noise", (28, 28, 1), t,
                            detail=f"timestep {t}: {MULTI_STREAM_NOISE[t].formula} (published case b used no noise)"))
    weights = {}
    for k, (name, label, shape) in _STREAMS.items():
        blocks.append(Block(f"s{k}", f"stream {k}: {label}", "stream", (S, S, 1), MULTI_STREAM_CORRECTED.index(k),
                            (name,), f"stream {k} feeds timestep {MULTI_STREAM_CORRECTED.index(k)}; "
                            + ("N(0, 1) published init" if len(shape) == 2 else "N(0, 0.05) published init")))
        weights[name] = shape
    for t in range(T):
        k = MULTI_STREAM_CORRECTED[t]
        edges.append(Edge(f"x{t}", f"s{k}"))
        edges.append(Edge(f"s{k}", f"r{t}", label=f"stream {k} → timestep {t}"))
    edges.append(Edge("s0", "r1", "inert", "as published: stream 0 fed again at timestep 1 (stream 1 moves to "
                                           "timestep 2, stream 2 built but unused)"))
    _rcnn_blocks(T, C, S, blocks, edges)
    edges += [Edge(f"r{t - 1}", f"r{t}", "recurrent", "H·z (pre-activation)") for t in range(1, T)]
    weights.update({"W": (3, 3, 1, C), "H": (1, 1, C, C), **_post_b_head(C, S, f"r{T - 1}", blocks, edges, 0.05)})
    return _post_b_description(
        "multi-stream", "Post B (b): multi-stream RCNN",
        "Each timestep reads a different learned view of the digit (two conv and two FC streams, 26×26).",
        blocks, edges, weights,
        ("corrected: timestep t reads stream t (0 conv, 1 FC, 2 FC, 3 conv): every stream is used once.",
         "as-published: timesteps read streams (0, 0, 1, 3): stream 0 twice, stream 2 built but unused "
         "(its weight gets no gradient). " + POST_B_AUTODIFF, POST_B_MANUAL,
         "default noise: none at every timestep, as published (the user may add noise; stream t reads "
         "timestep t's input)."),
        MULTI_STREAM_NOISE)


CONCAT_C = 3


@_describer("concat")
def _concat() -> ArchitectureDescription:
    T, C, S = POST_B_T, CONCAT_C, 28
    M = C * (T + 1)
    blocks, edges = [], []
    _post_b_inputs(T, POST_B_SCHEDULE, (S, S, 1), blocks, edges)
    for t in range(T):
        blocks.append(Block(f"r{t}", f"z{t} = conv3×3 x{t} + (H·M)[{C * t}:{C * t + C}]", "recurrent", (S, S, C), t,
                            ("W", "H"), f"3×3 SAME convolution 1→{C} of the input plus output channels "
                            f"{C * t}–{C * t + C - 1} of a 1×1 convolution {M}→{M} of the memory; then z{t} "
                            f"is written to memory channels {C * t + C}–{C * t + 2 * C - 1}"))
        edges.append(Edge("mem", f"r{t}", "recurrent", f"H → channels {C * t}–{C * t + C - 1}"))
        edges.append(Edge(f"r{t}", "mem", "recurrent", f"z{t} → memory channels {C * t + C}–{C * t + 2 * C - 1}"))
    blocks.append(Block("mem", f"memory M: {T + 1} × {C} channels", "combine", (S, S, M), None, (),
                        f"concatenated pre-activations [0 | z0 | z1 | z2 | z3]; channels 0–{C - 1} are never "
                        "written (always zero)"))
    weights = {"W": (3, 3, 1, C), "H": (1, 1, M, M), **_post_b_head(C, S, f"r{T - 1}", blocks, edges, 1.0)}
    return _post_b_description(
        "concat", "Post B (c): concatenated-memory RCNN",
        "Every timestep writes its state into its own channels of one memory, which a 15→15 1×1 conv reads.",
        blocks, edges, weights,
        ("corrected and as-published share the wiring (memory channels of timesteps not yet run are zero); "
         + POST_B_AUTODIFF, POST_B_MANUAL,
         "published: lr 0.00001 and N(0, 1) head init; the published run diverged (cost 5e17 in epoch 0) and "
         "stayed at chance.",
         "p_s is the memory gradient's slice for z_(s−1); what s passes to older states flows as ordinary BPTT."),
        POST_B_SCHEDULE)


@_describer("internal-conv")
def _internal_conv() -> ArchitectureDescription:
    T, C, S = POST_B_T, 5, 28
    blocks, edges = [], []
    _post_b_inputs(T, POST_B_SCHEDULE, (S, S, 1), blocks, edges)
    for t in range(T):
        blocks.append(Block(f"r{t}", f"z{t} = conv3×3 x{t} + H·q{t - 1}" if t else "z0 = conv3×3 x0", "recurrent",
                            (S, S, C), t, ("W", "H"),
                            "3×3 SAME convolution 1→5 of the input plus a 1×1 convolution of the previous "
                            "timestep's internal-conv output q (zero before timestep 0)"))
    weights = {"W": (3, 3, 1, C), "H": (1, 1, C, C)}
    for t in range(T - 1):
        blocks.append(Block(f"k{t}", f"q{t} = ELU(conv1×1 ELU(z{t}))", "recurrent", (S, S, C), t, (f"K{t}",),
                            "internal convolution 5→5 + ELU on the hidden output before it passes to the next "
                            "timestep (N(0, 0.05) published init)"))
        weights[f"K{t}"] = (1, 1, C, C)
        edges.append(Edge(f"r{t}", f"k{t}", label="ELU(z)"))
        edges.append(Edge(f"k{t}", f"r{t + 1}", "recurrent", "H·q"))
        edges.append(Edge(f"r{t}", f"r{t + 1}", "inert", "as published: z carried directly; the internal conv's "
                                                         "output went nowhere"))
    weights.update(_post_b_head(C, S, f"r{T - 1}", blocks, edges, 0.05))
    return _post_b_description(
        "internal-conv", "Post B (d): internal-conv RCNN",
        "Like vanilla, but the hidden state passes through an extra 1×1 conv + ELU before the next timestep.",
        blocks, edges, weights,
        ("corrected: the state carried to timestep t+1 is q_t = ELU(conv1×1(ELU(z_t), K_t)), t = 0, 1, 2 "
         "(the post's intent); z_3 feeds the head.",
         "as-published: the recurrence carries z_t and the internal convs' output is unused (dead code), so "
         "K0–K2 get no gradient and the network equals vanilla. " + POST_B_AUTODIFF, POST_B_MANUAL,
         "p_s is the gradient timestep s sends to z_(s−1), i.e. through the internal conv in corrected mode."),
        POST_B_SCHEDULE)


@_describer("lag2")
def _lag2() -> ArchitectureDescription:
    T, C, S = POST_B_T, 5, 28
    blocks, edges = [], []
    _post_b_inputs(T, POST_B_SCHEDULE, (S, S, 1), blocks, edges)
    _rcnn_blocks(T, C, S, blocks, edges, lag2=True)
    edges += [Edge(f"r{t - 1}", f"r{t}", "recurrent", "H1·z") for t in range(1, T)]
    edges += [Edge(f"r{t - 2}", f"r{t}", "skip", "H2·z (lag 2)") for t in range(2, T)]
    weights = {"W": (3, 3, 1, C), "H1": (1, 1, C, C), "H2": (1, 1, C, C),
               **_post_b_head(C, S, f"r{T - 1}", blocks, edges, 0.05)}
    return _post_b_description(
        "lag2", "Post B (e): lag-2 RCNN",
        "The state depends on the two previous states through two recurrent kernels.",
        blocks, edges, weights,
        ("corrected and as-published share the wiring; " + POST_B_AUTODIFF, POST_B_MANUAL,
         "p_s = H1ᵀδ_s, the one-step path only (what s passes to z_(s−1)); the lag-2 path H2ᵀδ_s reaches "
         "z_(s−2) as ordinary BPTT and is not part of p_s."),
        POST_B_SCHEDULE)
