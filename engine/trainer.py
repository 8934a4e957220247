"""The lockstep trainer: every selected case advances one step on the same batch.

All cases start from one weight draw, see the same shuffled batches and the
same noise draw in every step, so their curves differ only by how each case
obtains its gradient. One compiled step runs all active cases; a case that
diverges drops out (the step is recompiled without it) while the others go on.
"""
from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np
import tensorflow as tf

from .adam import adam_update
from .architecture import Architecture
from .cases import Case, DilationSchedule
from .data import Dataset
from .events import CaseEpoch, EpochEvent, Progress, RunControl, StepEvent, TrainingListener, TrialResult
from .noise import NoiseSpec, NoiseStream
from .settings import TrainSettings


def enable_determinism() -> None:
    """Same seed, same numbers; same maths, same bits (run-wide TensorFlow switches).

    Deterministic kernels make a run repeatable. Grappler's arithmetic optimiser
    is off because it re-associates sums differently in graphs that differ only
    by a term multiplied by zero, so a case with P = 0 would drift from case 0 by
    rounding alone and the comparison between cases would no longer be exact.
    """
    tf.config.experimental.enable_op_determinism()
    tf.config.optimizer.set_experimental_options({"arithmetic_optimization": False})


class LockstepTrainer:
    def __init__(self, arch: Architecture, cases: Sequence[Case], settings: TrainSettings,
                 dataset: Dataset, schedule: Sequence[NoiseSpec], *, trial: int = 0):
        if len(schedule) != arch.timesteps:
            raise ValueError(f"{len(schedule)} noise settings for {arch.timesteps} timesteps")
        for case in cases:
            case.validate_for(arch.timesteps)
        if settings.batch_size > len(dataset.x_train):
            raise ValueError(f"batch size {settings.batch_size} is larger than the "
                             f"{len(dataset.x_train)} training images")
        self.arch, self.cases, self.settings, self.data = arch, list(cases), settings, dataset
        arch.set_semantics(settings.semantics)
        self.trial = trial
        self.seed = settings.seed + trial
        seeds = np.random.SeedSequence(self.seed).spawn(4)
        init_rng, train_noise, test_noise, shuffle = (np.random.default_rng(s) for s in seeds)
        self.train_noise = NoiseStream(schedule, train_noise.integers(2**63))
        self.test_noise = NoiseStream(schedule, test_noise.integers(2**63))
        self.shuffle_rng = shuffle
        self.dilation = DilationSchedule(settings.dilation_P, settings.dilation_k)

        initial = arch.init_weights(init_rng, settings.init)
        self.weights, self.m, self.v, self.steps = {}, {}, {}, {}
        for case in self.cases:
            k = case.key
            self.weights[k] = {n: tf.Variable(a, name=f"{n}_{k}") for n, a in initial.items()}
            self.m[k] = {n: tf.Variable(tf.zeros_like(a)) for n, a in initial.items()}
            self.v[k] = {n: tf.Variable(tf.zeros_like(a)) for n, a in initial.items()}
            self.steps[k] = tf.Variable(0.0)
        self.active = [c.key for c in self.cases]
        self._by_key = {c.key: c for c in self.cases}
        self._compiled: dict[tuple, tuple] = {}

    # ------------------------------------------------------------------ compiled steps
    def _update(self, key, groups, gradient):
        s = self.settings
        correction = self.arch.optimizer_correction(gradient, s.semantics)
        for group in groups:
            self.steps[key].assign_add(1.0)
            for name, grad in group.items():
                adam_update(self.weights[key][name], self.m[key][name], self.v[key][name], grad,
                            lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2, epsilon=s.epsilon,
                            step=self.steps[key], correction=correction)

    def _case_step(self, key, xs, y_onehot, D):
        case, arch, sem = self._by_key[key], self.arch, self.settings.semantics
        w = self.weights[key]
        if case.gradient == "auto":
            with tf.GradientTape() as tape:
                fwd = arch.forward(w, xs, bptt=arch.autodiff_bptt(sem))
                loss = arch.autodiff_loss(fwd, y_onehot, sem)
            names = list(w)
            grads = tape.gradient(loss, [w[n] for n in names])
            groups = [{n: g for n, g in zip(names, grads) if g is not None}]
        else:
            fwd = arch.forward(w, xs)
            groups = arch.manual_gradients(w, fwd, xs, y_onehot, case.connections, D, sem)
        # Metrics come from the forward pass that produced this step's gradient (pre-update weights).
        costs = arch.example_costs(fwd, y_onehot)
        correct = tf.reduce_sum(tf.cast(tf.argmax(fwd["probs"], 1, output_type=tf.int32) ==
                                        tf.argmax(y_onehot, 1, output_type=tf.int32), tf.float32))
        self._update(key, groups, case.gradient)
        return tf.reduce_sum(costs), correct

    def _functions(self):
        signature = tuple(self.active)
        if signature not in self._compiled:
            T = self.arch.timesteps
            spec = [tf.TensorSpec([T, None, 28, 28, 1], tf.float32), tf.TensorSpec([None], tf.int32)]

            @tf.function(input_signature=spec + [tf.TensorSpec([], tf.float32)])
            def train_step(xs, y, D):
                y1 = tf.one_hot(y, 10)
                out = [self._case_step(k, xs, y1, D) for k in signature]
                return tf.stack([o[0] for o in out]), tf.stack([o[1] for o in out])

            @tf.function(input_signature=spec)
            def eval_step(xs, y):
                y1 = tf.one_hot(y, 10)
                costs, correct, preds = [], [], []
                for k in signature:
                    fwd = self.arch.forward(self.weights[k], xs)
                    pred = tf.argmax(fwd["probs"], 1, output_type=tf.int32)
                    costs.append(tf.reduce_sum(self.arch.example_costs(fwd, y1)))
                    correct.append(tf.reduce_sum(tf.cast(pred == y, tf.float32)))
                    preds.append(pred)
                return tf.stack(costs), tf.stack(correct), tf.stack(preds)

            self._compiled = {signature: (train_step, eval_step)}
        return self._compiled[signature]

    # ------------------------------------------------------------------------ loop
    def _epoch_cost(self, cost_sum, n_examples):
        if n_examples == 0:
            return math.nan
        per_example = cost_sum / n_examples
        return per_example * self.settings.batch_size if self.arch.cost_is_batch_sum else per_example

    def run(self, listener: TrainingListener | None = None, control: RunControl | None = None) -> TrialResult:
        s, data = self.settings, self.data
        control = control or RunControl()
        B = s.batch_size
        n_train = len(data.x_train) // B * B           # a partial last batch is dropped, as in the posts
        train_batches = n_train // B
        test_batches = math.ceil(len(data.x_test) / B)
        total = s.epochs * (train_batches + test_batches)
        report_every = max(1, train_batches // s.points_per_epoch)

        done, start = 0, time.perf_counter()
        first_step_end = None
        diverged_at: dict[str, int] = {}
        final: dict[str, CaseEpoch] = {}
        train_seconds = {c.key: 0.0 for c in self.cases}
        predictions: dict[str, list[int]] = {}
        status, epochs_done = "completed", 0

        def progress() -> Progress:
            elapsed = time.perf_counter() - start
            eta = None
            if first_step_end is not None and done > 1:
                rate = (time.perf_counter() - first_step_end) / (done - 1)
                eta = rate * (total - done)
            return Progress(done, total, elapsed, eta)

        for epoch in range(s.epochs):
            if not self.active:
                break
            order = self.shuffle_rng.permutation(len(data.x_train))[:n_train]
            D = tf.constant(self.dilation(epoch), tf.float32)
            cost_sum = {k: 0.0 for k in self.active}
            correct = {k: 0.0 for k in self.active}
            seen = 0
            diverged_now: list[str] = []
            epoch_cases = list(self.active)
            for b in range(train_batches):
                control.wait_while_paused()
                if control.stopped:
                    status = "stopped"
                    break
                idx = order[b * B:(b + 1) * B]
                xs = self.train_noise(data.x_train[idx])
                step_start = time.perf_counter()
                train_step, _ = self._functions()
                costs, hits = train_step(xs, data.y_train[idx], D)
                costs, hits = costs.numpy(), hits.numpy()
                spent = (time.perf_counter() - step_start) / len(self.active)
                for key, c, h in zip(list(self.active), costs, hits):
                    train_seconds[key] += spent
                    cost_sum[key] += float(c)
                    correct[key] += float(h)
                    if not math.isfinite(float(c)):
                        diverged_now.append(key)
                        diverged_at[key] = epoch
                        self.active.remove(key)
                seen += B
                done += 1
                if first_step_end is None:
                    first_step_end = time.perf_counter()
                if listener and ((b + 1) % report_every == 0 or b + 1 == train_batches):
                    listener.on_step(StepEvent(
                        self.trial, epoch, b + 1, train_batches,
                        {k: (self._epoch_cost(cost_sum[k], seen), correct[k] / seen) for k in epoch_cases},
                        progress()))
                if not self.active:
                    break
            if status == "stopped":
                break

            test = {k: (math.nan, math.nan) for k in epoch_cases}
            if self.active:
                _, eval_step = self._functions()
                t_cost = {k: 0.0 for k in self.active}
                t_hit = {k: 0.0 for k in self.active}
                preds = {k: [] for k in self.active}
                for b in range(test_batches):
                    control.wait_while_paused()
                    if control.stopped:
                        status = "stopped"
                        break
                    sl = slice(b * B, (b + 1) * B)
                    xs = self.test_noise(data.x_test[sl])
                    costs, hits, pr = eval_step(xs, data.y_test[sl])
                    for i, key in enumerate(self.active):
                        t_cost[key] += float(costs[i])
                        t_hit[key] += float(hits[i])
                        preds[key].append(pr[i].numpy())
                    done += 1
                if status == "stopped":
                    break                       # an epoch without its test pass is not reported
                n_test = len(data.x_test)
                for key in self.active:
                    test[key] = (self._epoch_cost(t_cost[key], n_test), t_hit[key] / n_test)
                    predictions[key] = np.concatenate(preds[key]).tolist()

            metrics = {}
            for key in epoch_cases:
                metrics[key] = CaseEpoch(self._epoch_cost(cost_sum[key], seen), correct[key] / max(seen, 1),
                                         test[key][0], test[key][1], diverged=key in diverged_now)
                if key not in diverged_now:
                    final[key] = metrics[key]
            epochs_done = epoch + 1
            if listener:
                listener.on_epoch(EpochEvent(self.trial, epoch, metrics, tuple(diverged_now), progress(),
                                             time.perf_counter() - start))

        return TrialResult(self.trial, self.seed, status, epochs_done, final, diverged_at, train_seconds,
                           predictions, data.y_test.astype(int).tolist())
