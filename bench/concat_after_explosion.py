"""What the published concat run (post B, case c) could have done after its memory exploded, in float32.

The published log (casec.txt) shows a finite epoch-0 training cost of 5.0e17, then a cost of
30.8162 (train) / 30.9412 (test) and accuracy 0.098491 / 0.0958 in every later epoch, drifting
by 3e-6 in 30 epochs. 0.098491 = 5417/55000 and 0.0958 = 958/10000 are the shares of digit 6 in
train[5000:] and in the test set: the network answers 6 for every image. The workbench's
as-published run instead overflows and turns NaN. This script tests, one at a time, the
candidate mechanisms with TensorFlow's own float32 kernels (the same ops the published script
used: tf.nn.elu, tf.nn.softmax, softmax_cross_entropy_with_logits, conv2d, avg_pool, and the
ApplyAdam kernel behind tf.train.AdamOptimizer), and prints what each one gives:

1. the published cost and activation formulas at huge, infinite and NaN inputs;
2. the Adam kernel with an infinite gradient, a gradient whose square overflows, and a huge
   finite gradient followed by ordinary ones;
3. the published head (N(0, 1) weights) fed a saturated RCNN output (ELU = −1 everywhere);
4. the 15-channel memory under previous-pass (stale) reads: its gain per pass, how soon it
   overflows and what the overflow turns into.

No engine code is used; nothing is written.

    python bench/concat_after_explosion.py [--heads 400] [--seed 0]
"""
from __future__ import annotations

import argparse
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

F32 = tf.float32
# Digit counts of the published data: mnist.train (= the official train[5000:]) and the test set.
TRAIN_COUNTS = np.array([5444, 6179, 5470, 5638, 5307, 4987, 5417, 5715, 5389, 5454], float)
TEST_COUNTS = np.array([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], float)
PUBLISHED = {"train cost": 30.816236978010696, "test cost": 30.94118661880493,
             "train acc": 0.09849090916527943, "test acc": 0.09580000022426248}


def section(title: str) -> None:
    print(f"\n=== {title}")


# ------------------------------------------------------------------ 1. formulas at non-finite inputs
def formulas() -> None:
    section("1. published formulas at huge / infinite / NaN inputs (float32)")
    z = tf.constant([-math.inf, -1e30, -20.0, -17.0, 0.0, 1e30, math.inf, math.nan], F32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        h = tf.nn.elu(z)
    dz = tape.gradient(h, z, output_gradients=tf.ones_like(z))
    for a, b, c in zip(z.numpy(), h.numpy(), dz.numpy()):
        print(f"  elu({a:>8g}) = {b:>8g}   d elu/dz (TF EluGrad, uses output + 1) = {c:g}")
    for label, logits in (("huge finite", [1e20] + [0.0] * 9), ("one +inf", [math.inf] + [0.0] * 9),
                          ("one NaN", [math.nan] + [0.0] * 9), ("all -1 but one 33", [-1.0] * 6 + [33.0] + [-1.0] * 3)):
        lg = tf.constant([logits], F32)
        with tf.GradientTape() as tape:
            tape.watch(lg)
            ce = tf.nn.softmax_cross_entropy_with_logits(labels=tf.one_hot([3], 10), logits=lg)
        g = tape.gradient(ce, lg)
        print(f"  logits {label:>17}: softmax {np.round(tf.nn.softmax(lg).numpy()[0][:2], 3)}…, "
              f"CE(label 3) = {ce.numpy()[0]:g}, |dCE/dlogits| max = {np.abs(g.numpy()).max():g}"
              f"{' (NaN present)' if np.isnan(g.numpy()).any() else ''}")
    costs = np.array([30.8, 2.7e20, 30.8], np.float32)
    print(f"  the published epoch means are Python sums of per-batch float32 costs: "
          f"sum with a huge finite batch = {float(sum(costs)):g}; with inf: {float(sum(np.append(costs, np.inf))):g}; "
          f"with NaN: {float(sum(np.append(costs, np.nan))):g} (nothing clips or skips a non-finite term)")
    print("  -> a finite epoch-0 mean needs every epoch-0 batch finite; huge finite logits give a huge finite")
    print("     CE (with a bounded gradient p − y); one inf or NaN logit gives NaN.")


# ------------------------------------------------------------------ 2. the Adam kernel
def adam(steps_after: int = 16500) -> None:
    section("2. ApplyAdam (the kernel of tf.train.AdamOptimizer): v += (g² − v)(1 − β2), w −= α m / (√v + ε)")
    lr, b1, b2, eps = 1e-5, 0.9, 0.999, 1e-8

    def run(grads):
        w, m, v = (tf.Variable(tf.constant([1.0], F32)) for _ in range(3))
        m.assign([0.0]), v.assign([0.0])
        out = []
        for t, g in enumerate(grads, 1):
            tf.raw_ops.ResourceApplyAdam(var=w.handle, m=m.handle, v=v.handle, beta1_power=tf.constant(b1 ** t, F32),
                                         beta2_power=tf.constant(b2 ** t, F32), lr=tf.constant(lr, F32),
                                         beta1=tf.constant(b1, F32), beta2=tf.constant(b2, F32),
                                         epsilon=tf.constant(eps, F32), grad=tf.constant([g], F32))
            out.append((float(w.numpy()[0]), float(m.numpy()[0]), float(v.numpy()[0])))
        return out

    for label, grads in (("g = +inf", [0.5, math.inf, 0.5]), ("g = 3e19 (g² overflows)", [0.5, 3e19, 0.5, 0.5]),
                         ("g = 1e18 (g² = 1e36, finite)", [0.5, 1e18, 0.5])):
        trace = ", ".join(f"w={w:.7g} v={v:.3g}" for w, _, v in run(grads))
        print(f"  {label:>29}: {trace}")
    # A huge finite gradient, then ordinary ones: how far can the weight move afterwards?
    big = run([1e18] + [1.0] * steps_after)
    moved = [abs(big[k][0] - big[0][0]) for k in (550, 5500, steps_after)]
    print(f"  after one g = 1e18 then {steps_after} steps of g = 1 (30 epochs of 550): the weight moves "
          f"{moved[0]:.2e} / {moved[1]:.2e} / {moved[2]:.2e} by step 550 / 5500 / {steps_after} "
          f"(unhindered Adam: {lr * 550:.1e} / {lr * 5500:.1e} / {lr * steps_after:.1e})")
    print("  -> an inf gradient writes NaN at once; an overflowing g² leaves v = inf, a zero step, and NaN")
    print("     on the NEXT update (inf − inf inside the kernel): no Adam path turns an overflow into a")
    print("     finite, frozen weight. A huge FINITE gradient does freeze the weight: √v stays far above")
    print("     the later gradients for tens of thousands of steps, and the step grows slowly as v decays,")
    print("     as the published cost's slow, accelerating drift (3e-6 over 30 epochs) does.")


# ------------------------------------------------------------------ 3. the head on a saturated input
def head_constant(n_heads: int, rng) -> None:
    section("3. the published concat head (N(0, 1) weights) fed ELU(z_3) = −1 everywhere")
    x = -tf.ones([1, 28, 28, 3], F32)
    f_train, f_test = TRAIN_COUNTS / TRAIN_COUNTS.sum(), TEST_COUNTS / TEST_COUNTS.sum()
    rows = []
    for _ in range(n_heads):
        L2, L3, L4 = (tf.constant(rng.standard_normal(s), F32) for s in ((3, 3, 3, 7), (3, 3, 7, 9), (1, 1, 9, 10)))
        a = tf.nn.avg_pool2d(tf.nn.elu(tf.nn.conv2d(x, L2, 1, "SAME")), 2, 2, "VALID")
        a = tf.nn.avg_pool2d(tf.nn.elu(tf.nn.conv2d(a, L3, 1, "SAME")), 2, 2, "VALID")
        logits = tf.reduce_mean(tf.nn.elu(tf.nn.conv2d(a, L4, 1, "SAME")), [1, 2]).numpy()[0].astype(float)
        lse = np.log(np.exp(logits - logits.max()).sum()) + logits.max()
        per_class = lse - logits                                 # CE of an image of class j
        rows.append((float(f_train @ per_class), float(f_test @ per_class), int(np.argmax(logits))))
    costs = np.array([r[0] for r in rows])
    test_costs = np.array([r[1] for r in rows])
    print(f"  {n_heads} random heads: the output is the same for every image (one logit vector), so cost and")
    print(f"  accuracy are constants. Train cost: median {np.median(costs):.1f}, 10–90% "
          f"[{np.percentile(costs, 10):.1f}, {np.percentile(costs, 90):.1f}]; share within 20% of the published "
          f"30.82: {np.mean(np.abs(costs - 30.82) < 0.2 * 30.82):.0%}")
    six = [(c, tc) for (c, tc, k) in rows if k == 6]
    near = [(c, tc) for c, tc in six if abs(c - PUBLISHED["train cost"]) < 3.0]
    print(f"  {len(six)} of them answer 6; {len(near)} of those cost within 3 of 30.82 (test − train there: "
          + ", ".join(f"{tc - c:+.3f}" for c, tc in near[:5]) + f"; published "
          f"{PUBLISHED['test cost'] - PUBLISHED['train cost']:+.3f}: the split difference follows the digit shares)")
    print(f"  a head that answers 6 has accuracy {f_train[6]:.6f} (train) / {f_test[6]:.4f} (test): "
          f"published {PUBLISHED['train acc']:.6f} / {PUBLISHED['test acc']:.4f}")
    print("  -> a saturated RCNN output (z_3 far below −17 at every pixel) reproduces the published")
    print("     after-state: an input-independent answer, chance accuracy of one digit, a constant cost of")
    print("     the published order, and no gradient into the RCNN (EluGrad is exactly 0 there).")


# ------------------------------------------------------------------ 4. the memory under stale reads
def memory(rng, trials: int = 2000) -> None:
    section("4. the concat memory under previous-pass reads: M_new[3:15] = conv(x, W) + H[:, 0:12]ᵀ M_old")
    radii = []
    for _ in range(trials):
        H = rng.standard_normal((15, 15))
        radii.append(max(abs(np.linalg.eigvals(H[3:15, 0:12].T))))
    radii = np.array(radii)
    print(f"  gain per pass (spectral radius) over {trials} N(0, 1) kernels: median {np.median(radii):.2f}, "
          f"min {radii.min():.2f}; share below 1: {np.mean(radii < 1):.2%}")
    H = rng.standard_normal((15, 15)).astype(np.float32)
    M = np.zeros((64, 15), np.float32)
    drive = rng.uniform(0.3, 3.0, (64, 12)).astype(np.float32)         # conv(x_t, W) per pixel
    first_inf = first_nan = None
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, 400):
            M = np.concatenate([M[:, :3], drive + M @ H[:, 0:12]], axis=1).astype(np.float32)
            if first_inf is None and np.isinf(M).any():
                first_inf = n
            if np.isnan(M).any():
                first_nan = n
                break
    print(f"  one kernel (gain {max(abs(np.linalg.eigvals(H[3:15, 0:12].T))):.2f}): first ±inf in the memory at "
          f"pass {first_inf}, first NaN at pass {first_nan} (inf·w summed over mixed-sign weights)")
    # Adam can move each weight by about lr a step: how much gain can 550 steps remove?
    print(f"  Adam moves a weight by at most ~3·lr = 3e-5 a step: ≤ {3e-5 * 550:.3f} per entry in epoch 0, "
          f"≤ {3e-5 * 20150:.2f} over all 31 epochs; the gain above is a property of the N(0, 1) kernel")
    print("  -> with previous-pass reads and a fixed kernel the memory must overflow and then turn NaN")
    print("     (passes, not epochs); the published run stayed finite for 20,150 passes, so in the original")
    print("     the memory did not keep feeding itself with a gain above 1 after the explosion.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heads", type=int, default=400, help="random head initialisations in part 3")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    formulas()
    adam()
    head_constant(args.heads, rng)
    memory(rng)


if __name__ == "__main__":
    main()
