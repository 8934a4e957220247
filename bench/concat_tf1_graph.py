"""The published concat graph (post B, case c) run as a TensorFlow 1 graph: ref variables, one sess.run.

Written from the spec (original-experiments.md §3.1–3.2), not copied: a 3×3
input conv W (1→3) and a 1×1 kernel H (15→15) over one 15-channel memory
variable; timestep t adds channels 3t…3t+2 of conv(memory, H) and assigns its
pre-activation into channels 3t+3…3t+5 of the memory; ELU; the head
CNN(3→7), CNN(7→9), CNN(1×1, 9→10), all N(0, 1), average pools, global
mean = logits; cost = batch mean of softmax cross-entropy;
tf.train.AdamOptimizer(1e-5).minimize(cost) with no var_list (so the memory
variable is trained too). Every training run fetches cost, accuracy, the
train op and the assigns; every test run fetches cost, accuracy and the
assigns, as the published loop did. What is left to the TF1 executor — in
which order the reads, the assigns and ApplyAdam touch the memory — is
exactly what the published run left to it, so this shows what TensorFlow's
own graph semantics make of the explosion, without the workbench's
deterministic reading. Data: the offline sample (4,000 / 1,000 digits,
40 / 10 batches of 100), not full MNIST; weights are not the published
seed's.

    python bench/concat_tf1_graph.py [--epochs 3] [--seed 678]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
v1 = tf.compat.v1
B, T, C = 100, 4, 3


def build(seed: int):
    v1.disable_eager_execution()
    v1.disable_resource_variables()              # TF1's ref variables: reads alias the buffer
    v1.set_random_seed(seed)
    x = v1.placeholder(tf.float32, [B, 28, 28, 1])
    y = v1.placeholder(tf.float32, [B, 10])
    W = v1.Variable(v1.random_normal([3, 3, 1, C]))
    H = v1.Variable(v1.random_normal([1, 1, C * (T + 1), C * (T + 1)]))
    memory = v1.Variable(tf.zeros([1, B, 28, 28, C * (T + 1)]))
    heads = [v1.Variable(v1.random_normal(s)) for s in ([3, 3, 3, 7], [3, 3, 7, 9], [1, 1, 9, 10])]
    inputs = [x, x + 0.1 * v1.random_normal(tf.shape(x)),
              x + 0.1 * v1.random_poisson(1.0, tf.shape(x)),
              x + 0.6 * v1.random_uniform(tf.shape(x), minval=0.5)]
    assigns, out = [], None
    for t, u in enumerate(inputs):
        z = (tf.nn.conv2d(u, W, [1, 1, 1, 1], "SAME")
             + tf.nn.conv2d(memory[0, :, :, :, :], H, [1, 1, 1, 1], "SAME")[:, :, :, C * t:C * (t + 1)])
        assigns.append(v1.assign(memory[0, :, :, :, C * t + C:C * t + 2 * C], z))
        out = tf.nn.elu(z)
    a = out
    for k, w in enumerate(heads):
        a = tf.nn.elu(tf.nn.conv2d(a, w, [1, 1, 1, 1], "SAME"))
        if k < 2:
            a = v1.nn.avg_pool(a, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    logits = tf.reduce_mean(a, [1, 2])
    cost = tf.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=y))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
    train = v1.train.AdamOptimizer(1e-5).minimize(cost)
    size = tf.reduce_max(tf.abs(memory))
    return x, y, cost, accuracy, train, assigns, size, z


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=678)
    args = ap.parse_args()
    d = np.load(ROOT / "resources" / "mnist_sample.npz")
    xtr = (d["x_train"].astype(np.float32) / 255.0)[..., None]
    ytr = np.eye(10, dtype=np.float32)[d["y_train"]]
    xte = (d["x_test"].astype(np.float32) / 255.0)[..., None]
    yte = np.eye(10, dtype=np.float32)[d["y_test"]]
    x, y, cost, accuracy, train, assigns, size, z3 = build(args.seed)
    rng = np.random.default_rng(args.seed)
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        for epoch in range(args.epochs):
            order = rng.permutation(len(xtr))
            costs, accs = [], []
            for i in range(0, len(xtr), B):
                idx = order[i:i + B]
                c, acc, _, _, m, z = sess.run([cost, accuracy, train, assigns, size, z3],
                                              {x: xtr[idx], y: ytr[idx]})
                costs.append(float(c))
                accs.append(float(acc))
                step = epoch * (len(xtr) // B) + i // B
                print(f"epoch {epoch} step {step:3d}: cost {c:.4g}  acc {acc:.2f}  max|memory| {m:.3g}  "
                      f"z3>-17 share {np.mean(z > -17):.3f}")
            tc = [float(sess.run([cost, accuracy, assigns], {x: xte[j:j + B], y: yte[j:j + B]})[0])
                  for j in range(0, len(xte), B)]
            print(f"== epoch {epoch}: train cost {math.fsum(costs) / len(costs):.6g} acc {np.mean(accs):.4f}; "
                  f"test cost {math.fsum(tc) / len(tc):.6g}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
