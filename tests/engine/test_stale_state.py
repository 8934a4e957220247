"""The stale-state quirk against a small NumPy re-implementation of its definition (engine/quirks.py).

The reference keeps its own slots, reads them at the start of every pass,
writes at the end, test passes included, partial batches in the first
positions; the first pass reads zeros. Weights are taken from the trainer
before each pass, so the reference checks the state bookkeeping and the
forward pass, not the optimiser.
"""
import numpy as np
import pytest
import tensorflow as tf

from engine import catalog
from engine.cases import resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

enable_determinism()
DATA = load_dataset("sample", train_limit=16, test_limit=8)
B = 8


def conv(x, w, padding):
    """Plain cross-correlation, stride 1 (NHWC x, HWIO w)."""
    kh, kw = w.shape[:2]
    if padding == "SAME":
        x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    H, W = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], H, W, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("bhwc,co->bhwo", x[:, i:i + H, j:j + W], w[i, j])
    return out


def elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def pool(x):
    b, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2].reshape(b, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def softmax(a):
    e = np.exp(a - a.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


class VanillaReference:
    """Post B vanilla with slots z_0..z_2 that persist across passes."""

    def __init__(self):
        self.slots = np.zeros((3, B, 28, 28, 5))

    def cost(self, w, xs, y):
        b = xs.shape[1]
        read = self.slots[:, :b].copy()                       # every read at the start of the pass
        zs = [conv(xs[0], w["W"], "SAME")]
        for t in (1, 2, 3):
            zs.append(conv(xs[t], w["W"], "SAME") + conv(read[t - 1], w["H"], "SAME"))
        a2 = elu(conv(elu(zs[3]), w["L2"], "SAME"))
        a3 = elu(conv(pool(a2), w["L3"], "SAME"))
        logits = elu(conv(pool(a3), w["L4"], "SAME")).mean(axis=(1, 2))
        p = softmax(logits)
        self.slots[:, :b] = np.stack(zs[:3])                  # writes at the end
        return -np.log(p[np.arange(b), y]).sum()


class PostAReference:
    """Post A with the hiddenA slots (ReLU of the stored z_t)."""

    def __init__(self):
        self.z = np.zeros((4, B, 24, 24, 6))

    def cost(self, w, xs, y):
        b = xs.shape[1]
        read = self.z[:, :b].copy()
        zs = []
        for t in range(4):
            z = conv(xs[t], w["Wx"], "VALID")
            if t:
                z = z + conv(np.maximum(read[t - 1], 0), w["Wh"], "SAME")
            zs.append(z)
        a1 = np.concatenate([np.maximum(z, 0) for z in zs], -1).reshape(b, -1)
        sig = lambda v: 1 / (1 + np.exp(-v))
        p = softmax(sig(sig(sig(a1 @ w["W2"]) @ w["W3"]) @ w["W4"]))
        onehot = np.eye(10)[y]
        self.z[:, :b] = np.stack(zs)
        return -(onehot * np.log(p) + (1 - onehot) * np.log(1 - p)).sum()


@pytest.mark.parametrize("arch_key,reference,slot", [("vanilla", VanillaReference, "z"),
                                                      ("post-a", PostAReference, "z")])
def test_stale_state_matches_the_reference_over_train_and_test_passes(arch_key, reference, slot):
    arch = catalog.build(arch_key)
    settings = TrainSettings(batch_size=B, quirks=("stale-state",), learning_rate=0.01, seed=2)
    trainer = LockstepTrainer(arch, resolve_cases(["1"]), settings, DATA, catalog.describe(arch_key).default_noise)
    train_step, eval_step, _ = trainer._functions()
    ref = reference()
    rng = np.random.default_rng(0)
    # test pass, partial test pass, two training steps, test pass: every kind of hand-over
    for kind, b in (("test", B), ("test", 5), ("train", B), ("train", B), ("test", B)):
        xs = rng.random((4, b, 28, 28, 1)).astype(np.float32)
        y = rng.integers(0, 10, b).astype(np.int32)
        w = {n: v.numpy().astype(np.float64) for n, v in trainer.weights["1"].items()}
        expected = ref.cost(w, xs.astype(np.float64), y)
        if kind == "train":
            cost = train_step(xs, y, tf.constant(0.0))[0].numpy()[0]
        else:
            cost = eval_step(xs, y)[0].numpy()[0]
        assert cost == pytest.approx(expected, rel=1e-4), kind
        stored = trainer.slots["1"][slot].numpy()
        stored_ref = ref.slots if arch_key == "vanilla" else ref.z
        np.testing.assert_allclose(stored, stored_ref, rtol=1e-4, atol=1e-4 * np.abs(stored_ref).max())


def test_first_pass_reads_zeros_then_the_previous_pass():
    """The first stale pass reads zero slots: the same as a quirk-free pass with H = 0."""
    arch = catalog.build("vanilla")
    xs = np.random.default_rng(1).random((4, B, 28, 28, 1)).astype(np.float32)
    y = np.arange(B, dtype=np.int32) % 10
    costs = []
    for quirks in ((), ("stale-state",)):
        s = TrainSettings(batch_size=B, quirks=quirks, seed=1)
        trainer = LockstepTrainer(arch, resolve_cases(["1"]), s, DATA, catalog.describe("vanilla").default_noise)
        if not quirks:
            trainer.weights["1"]["H"].assign(tf.zeros_like(trainer.weights["1"]["H"]))
        costs.append([trainer._functions()[1](xs, y)[0].numpy()[0] for _ in range(2)])
    assert costs[0][0] == pytest.approx(costs[1][0], rel=1e-6)
    assert costs[1][1] != costs[1][0]                          # the second pass reads the first one's states


def test_slot_training_adam_step_lands_after_the_write_on_the_read_slot_only():
    arch = catalog.build("vanilla")
    xs = np.random.default_rng(3).random((4, B, 28, 28, 1)).astype(np.float32)
    y = np.arange(B, dtype=np.int32) % 10
    lr, slots = 0.01, []
    for quirks in (("stale-state",), ("stale-state", "slot-training")):
        s = TrainSettings(batch_size=B, quirks=quirks, seed=1, learning_rate=lr)
        trainer = LockstepTrainer(arch, resolve_cases(["0"]), s, DATA, catalog.describe("vanilla").default_noise)
        trainer._functions()[0](xs, y, tf.constant(0.0))
        slots.append(trainer.slots["0"]["z"].numpy())
    written, trained = slots
    assert np.array_equal(trained[:2], written[:2])             # z_0, z_1 slots: not on the cost path
    step = np.abs(trained[2] - written[2])
    assert step.max() <= lr * 1.001 and np.median(step) > 0.5 * lr   # first Adam step: lr·g/(|g|+ε)
