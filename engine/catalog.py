"""Every architecture the engine has, by key, with its plain description.

TensorFlow-free on purpose (see description.py); the compute modules are
looked up lazily by `build(key)` so that importing the catalog stays cheap.
"""
from __future__ import annotations

import importlib

from .description import ArchitectureDescription, Block, Edge
from .noise import POST_A_SCHEDULE

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
