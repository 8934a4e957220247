"""The training engine (no Qt, no folders): architectures, cases, quirks, the lockstep trainer.

ENGINE_VERSION names how the engine computes, so a manifest can say which engine wrote a run and a
re-run can tell "the engine changed" from a real mismatch:
1: one graph per case (manifests without an engine version);
2: every case a member on a leading axis of stacked weights, one batched graph (engine/members.py);
3: seeds on the member axis too; post B's logits a pooling mean and mixed Adam's β^t taken lane by
   lane, so a member's numbers no longer depend on how many members share an op (version 2 rounded
   a post-B case's global mean, and post A's as-published β^t, differently beside other cases).
"""
import os

# The stacked members' convolutions over per-member maps are grouped convolutions, whose gradients
# TensorFlow's CPU kernels have only through oneDNN; TensorFlow turns oneDNN on by itself only on CPUs
# with AVX-512 VNNI/BF16 or AMX. Asked for here (before TensorFlow loads) unless the user chose, so every
# x86 CPU takes the same kernels; where it is off anyway, engine/members.py convolves member by member.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

ENGINE_VERSION = 3
# In words, for the manifest's readers (a re-run of a version-1 run says what changed).
ENGINE_VERSIONS = {1: "one graph per case", 2: "cases on a member axis", 3: "cases and seeds on a member axis"}
