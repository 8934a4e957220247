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
from .quirks import QUIRKS
from .settings import TrainSettings

SLOT_PREFIX = "slot:"


def arch_quirks(arch: Architecture) -> tuple[str, ...]:
    """The quirks that concern this architecture."""
    return tuple(n for n, q in QUIRKS.items() if q.concerns(arch.description.key))


def _norm(x):
    """‖x‖ in one fused pass (L2Loss = Σx²/2): the weight norms read a 7M-weight layer."""
    return tf.sqrt(2.0 * tf.nn.l2_loss(x))


def _flow_record(names: list[str], norms) -> dict[str, dict[tuple[str, str], float]]:
    """["case|signal|label", ...] and their norms -> {case: {(signal, label): float}}."""
    out: dict[str, dict[tuple[str, str], float]] = {}
    for key, value in zip(names, np.asarray(norms).tolist()):
        case, signal, label = key.split("|")
        out.setdefault(case, {})[(signal, label)] = float(value)
    return out


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
        arch.set_quirks(settings.quirks)
        self.stale = settings.has("stale-state")
        self.slot_training = settings.has("slot-training") and "slot-training" in arch_quirks(arch)
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
        self.slots: dict[str, dict[str, tf.Variable]] = {}
        for case in self.cases:
            k = case.key
            self.weights[k] = {n: tf.Variable(a, name=f"{n}_{k}") for n, a in initial.items()}
            self.m[k] = {n: tf.Variable(tf.zeros_like(a)) for n, a in initial.items()}
            self.v[k] = {n: tf.Variable(tf.zeros_like(a)) for n, a in initial.items()}
            # One Adam step count per weight: with one update per timestep the recurrent
            # weights take four steps a batch while the head takes one.
            self.steps[k] = {n: tf.Variable(0.0) for n in initial}
            if self.stale:
                B = settings.batch_size
                self.slots[k] = {n: tf.Variable(tf.zeros([shape[0], B, *shape[1:]]), name=f"slot_{n}_{k}")
                                 for n, shape in arch.state_slots().items()}
                if self.slot_training:
                    for n, var in self.slots[k].items():
                        key = SLOT_PREFIX + n
                        self.m[k][key] = tf.Variable(tf.zeros_like(var))
                        self.v[k][key] = tf.Variable(tf.zeros_like(var))
                        self.steps[k][key] = tf.Variable(0.0)
        self.active = [c.key for c in self.cases]
        self._by_key = {c.key: c for c in self.cases}
        self._compiled: dict[tuple, tuple] = {}
        self._flow_keys: dict[tuple, list[str]] = {}

    # ------------------------------------------------------------------ compiled steps
    def _update(self, key, groups, gradient):
        s = self.settings
        correction = self.arch.optimizer_correction(gradient)
        for group in groups:
            for name, grad in group.items():
                step = self.steps[key][name]
                step.assign_add(1.0)
                adam_update(self.weights[key][name], self.m[key][name], self.v[key][name], grad,
                            lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2, epsilon=s.epsilon,
                            step=step, correction=correction)

    def _read_slots(self, key, batch):
        """The start-of-pass slot values (engine/quirks.py: every read before every write)."""
        return {n: var[:, :batch] for n, var in self.slots[key].items()}

    def _write_slots(self, key, fwd, state, batch):
        for n, value in self.arch.slots_written(fwd, state).items():
            var = self.slots[key][n]
            var.assign(tf.concat([value, var[:, batch:]], axis=1))

    def _train_slots(self, key, grads):
        """Adam's in-place update of the slots the cost read, after the pass's writes."""
        s = self.settings
        for n, grad in grads.items():
            name = SLOT_PREFIX + n
            step = self.steps[key][name]
            step.assign_add(1.0)
            adam_update(self.slots[key][n], self.m[key][name], self.v[key][name], grad,
                        lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2, epsilon=s.epsilon, step=step)

    def _case_step(self, key, xs, y_onehot, D, flow=None):
        """One case's training step. flow: None; "timesteps" (also the norms of g_t, p_t, the dilated
        addition and in_t: small tensors, cheap); "full" (also every weight's gradient and update
        norm, which read every weight: post A's 7M-weight layer makes them the costly part)."""
        case, arch = self._by_key[key], self.arch
        w = self.weights[key]
        batch = tf.shape(xs)[1]
        slot_vars = self.slots.get(key, {}) if self.slot_training else {}
        # Slots Adam trains are read inside the tape, so their gradient is recorded.
        state = self._read_slots(key, batch) if self.stale and not slot_vars else None
        signals = {} if flow else None
        slot_grads = {}
        if case.gradient == "auto":
            with tf.GradientTape() as tape:
                if slot_vars:
                    state = self._read_slots(key, batch)
                fwd = arch.forward(w, xs, bptt=arch.autodiff_bptt(), state=state)
                loss = arch.autodiff_loss(fwd, y_onehot)
            names = list(w)
            grads = tape.gradient(loss, [w[n] for n in names] + list(slot_vars.values()))
            groups = [{n: g for n, g in zip(names, grads) if g is not None}]
            slot_grads = dict(zip(slot_vars, grads[len(names):]))
        else:
            if slot_vars:
                # The published post-B training was TensorFlow's autodiff: the slots get the exact
                # gradient of the published cost, whichever way the weights get theirs.
                with tf.GradientTape() as tape:
                    state = self._read_slots(key, batch)
                    fwd = arch.forward(w, xs, state=state)
                    loss = arch.autodiff_loss(fwd, y_onehot)
                slot_grads = dict(zip(slot_vars, tape.gradient(loss, list(slot_vars.values()))))
            else:
                fwd = arch.forward(w, xs, state=state)
            groups = arch.manual_gradients(w, fwd, xs, y_onehot, case.connections, D, flow=signals)
        # Metrics come from the forward pass that produced this step's gradient (pre-update weights).
        costs = arch.example_costs(fwd, y_onehot)
        correct = tf.reduce_sum(tf.cast(tf.argmax(fwd["probs"], 1, output_type=tf.int32) ==
                                        tf.argmax(y_onehot, 1, output_type=tf.int32), tf.float32))
        norms = {}
        if flow:
            for (signal, t), tensor in signals.items():
                norms[f"{signal}|{t}"] = _norm(tensor)
        full = flow == "full"
        if full:
            total = {}
            for group in groups:
                for name, grad in group.items():
                    total[name] = grad if name not in total else total[name] + grad
            for name, grad in total.items():
                norms[f"grad|{name}"] = _norm(grad)
            for n, grad in slot_grads.items():
                norms[f"grad|{SLOT_PREFIX}{n}"] = _norm(grad)
            before = {name: tf.identity(w[name]) for name in total}
        if state is not None:
            self._write_slots(key, fwd, state, batch)
        self._update(key, groups, case.gradient)
        if slot_grads:
            self._train_slots(key, slot_grads)
        if full:
            for name, value in before.items():
                norms[f"update|{name}"] = _norm(w[name] - value)
        return tf.reduce_sum(costs), correct, norms

    def _functions(self):
        signature = tuple(self.active)
        if signature not in self._compiled:
            T = self.arch.timesteps
            spec = [tf.TensorSpec([T, None, 28, 28, 1], tf.float32), tf.TensorSpec([None], tf.int32)]

            def make_train_step(flow):
                @tf.function(input_signature=spec + [tf.TensorSpec([], tf.float32)])
                def train_step(xs, y, D):
                    y1 = tf.one_hot(y, 10)
                    out = [self._case_step(k, xs, y1, D, flow) for k in signature]
                    names = [f"{k}|{name}" for k, o in zip(signature, out) for name in o[2]]
                    self._flow_keys[(signature, flow)] = names      # recorded while tracing
                    values = [v for o in out for v in o[2].values()]
                    norms = tf.stack(values) if values else tf.zeros([0])
                    return tf.stack([o[0] for o in out]), tf.stack([o[1] for o in out]), norms
                train_step.flow_key = (signature, flow)
                return train_step

            @tf.function(input_signature=spec)
            def eval_step(xs, y):
                y1 = tf.one_hot(y, 10)
                costs, correct, preds = [], [], []
                for k in signature:
                    state = self._read_slots(k, tf.shape(xs)[1]) if self.stale else None
                    fwd = self.arch.forward(self.weights[k], xs, state=state)
                    if state is not None:
                        self._write_slots(k, fwd, state, tf.shape(xs)[1])
                    pred = tf.argmax(fwd["probs"], 1, output_type=tf.int32)
                    costs.append(tf.reduce_sum(self.arch.example_costs(fwd, y1)))
                    correct.append(tf.reduce_sum(tf.cast(pred == y, tf.float32)))
                    preds.append(pred)
                return tf.stack(costs), tf.stack(correct), tf.stack(preds)

            plain = make_train_step("timesteps" if self.settings.gradient_flow else None)
            self._compiled = {signature: (plain, eval_step, make_train_step("full"))}
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
        flow_on = s.gradient_flow

        done, start = 0, time.perf_counter()
        paused = 0.0                 # seconds spent paused: never training time
        paused_at_first_step = 0.0
        first_step_end = None
        diverged_at: dict[str, int] = {}
        final: dict[str, CaseEpoch] = {}
        train_seconds = {c.key: 0.0 for c in self.cases}
        predictions: dict[str, list[int]] = {}
        status, epochs_done = "completed", 0

        def elapsed() -> float:
            return time.perf_counter() - start - paused

        def progress() -> Progress:
            eta = None
            if first_step_end is not None and done > 1:
                rate = (time.perf_counter() - first_step_end - (paused - paused_at_first_step)) / (done - 1)
                eta = rate * (total - done)
            return Progress(done, total, elapsed(), eta)

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
            flow_sum: dict[str, dict] = {}
            flow_count: dict[str, dict] = {}
            for b in range(train_batches):
                paused += control.wait_while_paused()
                if control.stopped:
                    status = "stopped"
                    break
                idx = order[b * B:(b + 1) * B]
                xs = self.train_noise(data.x_train[idx])
                step_start = time.perf_counter()
                reporting = (b + 1) % report_every == 0 or b + 1 == train_batches
                train_step, _, full_step = self._functions()
                sampled = None
                # Timestep norms ride on every step (cheap); the weight norms are taken on the
                # last step of the epoch only (they read every weight).
                step_fn = full_step if flow_on and b + 1 == train_batches else train_step
                costs, hits, norms = step_fn(xs, data.y_train[idx], D)
                if flow_on and reporting:
                    sampled = _flow_record(self._flow_keys[step_fn.flow_key], norms)
                    for key, record in sampled.items():
                        acc, count = flow_sum.setdefault(key, {}), flow_count.setdefault(key, {})
                        for name, value in record.items():
                            acc[name] = acc.get(name, 0.0) + value
                            count[name] = count.get(name, 0) + 1
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
                    paused_at_first_step = paused
                if listener and reporting:
                    listener.on_step(StepEvent(
                        self.trial, epoch, b + 1, train_batches,
                        {k: (self._epoch_cost(cost_sum[k], seen), correct[k] / seen) for k in epoch_cases},
                        progress(), gradients=sampled))
                if not self.active:
                    break
            if status == "stopped":
                break

            test = {k: (math.nan, math.nan) for k in epoch_cases}
            if self.active:
                _, eval_step, _ = self._functions()
                t_cost = {k: 0.0 for k in self.active}
                t_hit = {k: 0.0 for k in self.active}
                preds = {k: [] for k in self.active}
                for b in range(test_batches):
                    paused += control.wait_while_paused()
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
            epoch_flow = {k: {name: v / flow_count[k][name] for name, v in acc.items()}
                          for k, acc in flow_sum.items()} if flow_sum else None
            if listener:
                listener.on_epoch(EpochEvent(self.trial, epoch, metrics, tuple(diverged_now), progress(),
                                             elapsed(), gradients=epoch_flow))

        return TrialResult(self.trial, self.seed, status, epochs_done, final, diverged_at, train_seconds,
                           predictions, data.y_test.astype(int).tolist())
