"""The original scripts' quirks, each a named switch a run can turn on alone.

`corrected` is the empty set, `as-published` the full set; any subset is a
valid run, so a researcher can ask which quirk produced which published
effect. Each quirk names its spec section (original-experiments.md), what it
does, and the architectures it concerns; on any other architecture it is
recorded but changes nothing.

Stale state: the reading of TF1 it rests on
-------------------------------------------
The originals kept the recurrent state in tf.Variable slots and, in one
`sess.run`, both read and assigned them with no control dependency between
the two. A ref variable's read (`var/read` and the slice after it) has no
data input, so TF1's executor runs it as soon as the run starts; the assign
that overwrites the slot waits for the forward pass to compute its value. So
in practice every read returned what the **previous** `sess.run` stored
(original-experiments.md §1.10.3, §3.3). The workbench makes that ordering
deterministic:

1. Every case owns its own slots (the originals built one graph per case),
   all zero when the trial starts (tf.zeros initialisers). Slot positions
   are batch positions: example i of a batch reads what example i of the
   previous pass stored.
2. A pass (training step or test batch) reads every slot at its start and
   writes its own states at its end. Test passes write too (they fetched the
   state assigns), so the first training batch of epoch e + 1 reads what the
   last test batch of epoch e stored, and the first test batch reads the
   last training batch. The very first pass reads zeros.
3. What reads a slot sees the start-of-pass value: the forward recurrence at
   t ≥ 1 (timestep 0 reads slot 0, never written, so h_(−1) = 0 still), and,
   in post A's hand-written backward pass, the slots `input[t]`, `hidden[·]`
   and `hiddenA[·]` it reads (so dWx is taken against the previous pass's
   x_t and ReLU' of the previous pass's pre-activation). The head, g_t, p_t
   and in_t are the current pass's tensors, as in the original.
4. A partial last test batch of b < B examples reads and writes the first b
   positions (the originals had only full batches).
5. With `slot-training` (post B) Adam also updates the slots the cost reads
   (TF1's AdamOptimizer without var_list trained every trainable variable
   on the cost path: the slot(s) the last timestep reads). Order inside one
   training step: the pass's state writes land first, then Adam's in-place
   update subtracts its step from the written value (the assign needs only
   the forward pass, ApplyAdam the whole backward pass). Slot gradients are
   the exact gradient of the published cost (the published post-B training
   was TensorFlow's autodiff in every script), for manual cases too.

Not reproduced: the same race inside the hand-written Adam (reads of m, v and
w after their assigns) and "last writer wins" among the four per-timestep
Wx/Wh updates; which write won was not deterministic. The per-timestep
updates apply one after another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

POST_A = ("post-a",)
POST_B = ("vanilla", "multi-stream", "concat", "internal-conv", "lag2")
ALL_ARCHS = POST_A + POST_B


@dataclass(frozen=True)
class Quirk:
    name: str                    # CLI and manifest name
    title: str                   # check-box label
    section: str                 # original-experiments.md section(s)
    effect: str                  # what turning it on does, one or two sentences
    architectures: tuple[str, ...]
    cases: str = "all"           # "manual", "auto" or "all": which cases it can change
    requires: tuple[str, ...] = ()

    def concerns(self, arch: str) -> bool:
        return arch in self.architectures


QUIRKS: dict[str, Quirk] = {q.name: q for q in (
    Quirk("off-by-one", "off-by-one backward reads", "§1.8, §1.10.1–2",
          "post A's hand-written backward pass reads ReLU' of slot t (z_(t−1)) and the state of slot t−1 "
          "(h_(t−2), slot −1 wraps to h_3): δ_0 ≡ 0, so cases 2 = 4 = 6 and 3 = 5.",
          POST_A, "manual"),
    Quirk("adam-per-timestep", "one Adam step per timestep", "§1.8",
          "post A's recurrent weights Wx and Wh get one Adam update per timestep (t = 3, 2, 1, 0) instead "
          "of one update with the summed gradient.", POST_A, "manual"),
    Quirk("constant-bias-correction", "constant Adam bias correction", "§1.6",
          "post A's hand-written Adam divides by the constants 1 − β instead of 1 − βᵗ.", POST_A, "manual"),
    Quirk("bce-autodiff-loss", "autodiff of the published BCE loss", "§1.4",
          "post A's autodiff case minimises the logged cost, binary cross-entropy on the softmax summed over "
          "classes, instead of the softmax cross-entropy.", POST_A, "auto"),
    Quirk("no-bptt-autodiff", "no gradient through time (autodiff)", "§1.10, §3.3",
          "autodiff stops the gradient at the carried state, as a tf.Variable read did.", ALL_ARCHS, "auto"),
    Quirk("stale-state", "stale recurrent state", "§1.10.3, §3.3, §4.4",
          "the state lives in slots that persist across passes (training and test); at t ≥ 1 a pass reads "
          "what the previous pass stored, and post A's backward pass reads its slots the same way.",
          ALL_ARCHS),
    Quirk("slot-training", "Adam trains the state slots", "§3.3",
          "post B's state slots are trainable variables on the cost path: Adam updates the slot(s) the last "
          "timestep reads (slot 3; lag-2 slots 3–4; concat the whole memory).", POST_B,
          requires=("stale-state",)),
    Quirk("published-wiring", "published wiring slips", "§3.2–3.3",
          "multi-stream feeds stream 0 twice and never uses stream 2; internal-conv's blocks (and their "
          "ELUs) write to a record nothing reads, so the recurrence carries z_t and K0–K2 are dead.",
          ("multi-stream", "internal-conv")),
)}

NAMES = tuple(QUIRKS)
# What `--semantics as-published` meant before the stale state was reproduced;
# manifests written then (semantics only, no quirk list) re-run with this set.
LEGACY_AS_PUBLISHED = tuple(n for n in NAMES if n not in ("stale-state", "slot-training"))
PRESETS = {"corrected": (), "as-published": NAMES}


def normalise(names: Iterable[str]) -> tuple[str, ...]:
    """Validated quirk names in registry order (one clear error for a bad set)."""
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    chosen = set()
    for raw in names:
        name = str(raw).strip()
        if not name:
            continue
        if name not in QUIRKS:
            raise ValueError(f"unknown quirk {name!r}; known quirks: {', '.join(NAMES)}")
        chosen.add(name)
    for name in chosen:
        missing = [r for r in QUIRKS[name].requires if r not in chosen]
        if missing:
            raise ValueError(f"quirk {name} needs {', '.join(missing)} (it trains the slots that quirk keeps)")
    return tuple(n for n in NAMES if n in chosen)


def label(quirks: Iterable[str]) -> str:
    """'corrected', 'as-published' or 'custom' for a set of quirks."""
    quirks = tuple(quirks)
    for name, members in PRESETS.items():
        if set(quirks) == set(members):
            return name
    return "custom"


def resolve(spec) -> frozenset[str]:
    """A semantics name ('corrected' / 'as-published') or an iterable of quirk names -> a set."""
    if isinstance(spec, str) and spec in PRESETS:
        return frozenset(PRESETS[spec])
    if isinstance(spec, str):
        return frozenset(normalise(spec))
    return frozenset(normalise(spec))


def describe_set(quirks: Iterable[str]) -> str:
    """One line for headers and notes: 'corrected (no quirks)' or 'custom: a, b'."""
    quirks = normalise(quirks)
    name = label(quirks)
    if name == "corrected":
        return "corrected (no quirks)"
    if name == "as-published":
        return "as-published (all quirks: " + ", ".join(quirks) + ")"
    return "custom quirks: " + ", ".join(quirks)
