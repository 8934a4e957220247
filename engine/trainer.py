"""The lockstep trainer: every selected case advances one step on the same batch.

All cases start from one weight draw, see the same shuffled batches and the
same noise draw in every step, so their curves differ only by how each case
obtains its gradient. Each case is a *member* on a leading axis of stacked
weights (engine/members.py), and one compiled step computes every member in the
same ops: one forward pass, one hand-written backward pass whose dilated
connections are a coefficient tensor, one Adam kernel per stacked weight. The
autodiff case takes its gradient from a tape over the forward pass of its own
slice of the stack. No op mixes members, so a case that diverges drops out
(its slice is left out of every metric and event) without changing one bit of
the others, and without a recompile.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict
from typing import Sequence

import numpy as np
import tensorflow as tf

from . import members as MB
from .adam import adam_update, adam_update_members
from .architecture import Architecture
from .cases import Case, DilationSchedule, dilation_coefficients
from .data import Dataset
from .events import CaseEpoch, EpochEvent, Progress, RunControl, StepEvent, TrainingListener, TrialResult
from .noise import NoiseSpec, NoiseStream
from .quirks import QUIRKS
from .settings import TrainSettings

SLOT_PREFIX = "slot:"


def arch_quirks(arch: Architecture) -> tuple[str, ...]:
    """The quirks that concern this architecture."""
    return tuple(n for n, q in QUIRKS.items() if q.concerns(arch.description.key))


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
                 dataset: Dataset, schedule: Sequence[NoiseSpec], *, trial: int = 0, dtype="float32"):
        if len(schedule) != arch.timesteps:
            raise ValueError(f"{len(schedule)} noise settings for {arch.timesteps} timesteps")
        for case in cases:
            case.validate_for(arch.timesteps)
        if settings.batch_size > len(dataset.x_train):
            raise ValueError(f"batch size {settings.batch_size} is larger than the "
                             f"{len(dataset.x_train)} training images")
        self.arch, self.cases, self.settings, self.data = arch, list(cases), settings, dataset
        self.dtype = tf.as_dtype(dtype)
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

        # The members: one per case, in the order given.
        self.keys = [c.key for c in self.cases]
        M = self.members = len(self.cases)
        self.auto = [i for i, c in enumerate(self.cases) if c.gradient == "auto"]
        self.manual = [i for i, c in enumerate(self.cases) if c.gradient != "auto"]
        self.coefficients = dilation_coefficients(
            [c.connections if c.gradient != "auto" else () for c in self.cases], arch.timesteps)
        self.corrections = [arch.optimizer_correction(c.gradient) for c in self.cases]

        initial = arch.init_weights(init_rng, settings.init)
        stack = {n: tf.cast(np.repeat(a[None], M, axis=0), self.dtype) for n, a in initial.items()}
        self.params = {n: tf.Variable(a, name=f"{n}_members") for n, a in stack.items()}
        self.m = {n: tf.Variable(tf.zeros_like(a)) for n, a in stack.items()}
        self.v = {n: tf.Variable(tf.zeros_like(a)) for n, a in stack.items()}
        # One Adam step count per weight and member: with one update per timestep the manual
        # cases' recurrent weights take four steps a batch while the head takes one.
        self.steps = {n: tf.Variable(tf.zeros([M])) for n in stack}
        self.slot_vars: dict[str, tf.Variable] = {}
        self._slot_channels: dict[str, int] = {}
        if self.stale:
            B = settings.batch_size
            shared = set(arch.input_slots())
            for n, shape in arch.state_slots().items():
                per_member = 1 if n in shared else M       # an input slot holds the shared input
                self._slot_channels[n] = 0 if n in shared else shape[-1]
                self.slot_vars[n] = tf.Variable(tf.zeros([shape[0], B, *shape[1:-1], shape[-1] * per_member],
                                                         self.dtype), name=f"slot_{n}")
                if self.slot_training:
                    key = SLOT_PREFIX + n
                    self.m[key] = tf.Variable(tf.zeros_like(self.slot_vars[n]))
                    self.v[key] = tf.Variable(tf.zeros_like(self.slot_vars[n]))
                    self.steps[key] = tf.Variable(0.0)
        self.active = list(self.keys)
        # What a run carries from one epoch to the next besides the variables and generators
        # (state() and restore() read and write these; run() continues from `epoch`).
        self.epoch = 0                              # the next epoch to train
        self.steps_done = 0                         # training and test batches done in this trial
        self.elapsed_s = 0.0                        # training time of earlier run() calls
        self.diverged_at: dict[str, int] = {}
        self.final: dict[str, CaseEpoch] = {}
        self.train_seconds = {c.key: 0.0 for c in self.cases}
        self.predictions: dict[str, list[int]] = {}
        self._mid_epoch = False
        self._by_key = {c.key: c for c in self.cases}
        self._compiled: tuple | None = None
        self._flow_keys: dict[tuple, list[str]] = {}

    # ------------------------------------------------------------------ member views
    @property
    def weights(self) -> dict[str, dict[str, tf.Tensor]]:
        """case key -> {weight: that member's slice} (read now; a slice's .assign writes the stack)."""
        return {k: {n: var[i] for n, var in self.params.items()} for i, k in enumerate(self.keys)}

    @property
    def slots(self) -> dict[str, dict[str, tf.Tensor]]:
        """case key -> {slot: that member's channels} (an input slot is the same for every member)."""
        out = {}
        for i, k in enumerate(self.keys):
            out[k] = {}
            for n, var in self.slot_vars.items():
                C = self._slot_channels[n]
                out[k][n] = var[..., i * C:(i + 1) * C] if C else tf.identity(var)
        return out

    # ------------------------------------------------------------------ state
    def variables(self) -> dict[str, tf.Variable]:
        """Every variable a step reads or writes, by a stable name: weights, Adam moments and step
        counts, stale-state slots (and their moments when the slots are trained)."""
        out = {}
        for group, table in (("params", self.params), ("m", self.m), ("v", self.v), ("steps", self.steps),
                             ("slots", self.slot_vars)):
            for name, var in table.items():
                out[f"{group}/{name}"] = var
        return out

    def generators(self) -> dict[str, np.random.Generator]:
        """Every host random-number generator a run draws from, by name."""
        return {"shuffle": self.shuffle_rng, "train_noise": self.train_noise.rng,
                "test_noise": self.test_noise.rng}

    def identity(self) -> dict:
        """What a state belongs to: a state restores only into a trainer with the same identity."""
        return {"architecture": self.arch.description.key, "members": list(self.keys), "trial": self.trial,
                "seed": self.seed, "dtype": self.dtype.name, "quirks": list(self.settings.quirks),
                "batch_size": self.settings.batch_size}

    def state(self) -> dict:
        """The complete training state between epochs as plain data: {"arrays": {name: numpy array},
        "facts": JSON-able values}. A fresh trainer built with the same arguments (any epoch count)
        that restores it trains on exactly as this one would have, bit for bit."""
        if self._mid_epoch:
            raise RuntimeError("a trainer stopped within an epoch has no consistent state; "
                               "take the state between epochs")
        arrays = {f"var/{n}": var.numpy() for n, var in self.variables().items()}
        for key, pred in self.predictions.items():
            arrays[f"predictions/{key}"] = np.asarray(pred, np.int64)
        facts = {
            "identity": self.identity(),
            "epoch": self.epoch,
            "steps_done": self.steps_done,
            "elapsed_s": self.elapsed_s,
            "dilation": {"P": self.dilation.P, "k": self.dilation.k, "next_epoch": self.epoch,
                         "next_D": self.dilation(self.epoch)},
            "active": list(self.active),
            "diverged_at": dict(self.diverged_at),
            "final": {k: asdict(m) for k, m in self.final.items()},
            "train_seconds": dict(self.train_seconds),
            "generators": {n: g.bit_generator.state for n, g in self.generators().items()},
        }
        return {"arrays": arrays, "facts": facts}

    def restore(self, state: dict) -> None:
        """Put a state() back (into a trainer built with the same arguments; epochs may differ)."""
        arrays, facts = state["arrays"], state["facts"]
        if facts["identity"] != self.identity():
            theirs, ours = facts["identity"], self.identity()
            differ = ", ".join(k for k in ours if theirs.get(k) != ours[k])
            raise ValueError(f"the state belongs to another trainer (differs in: {differ})")
        variables = self.variables()
        names = {n[len("var/"):] for n in arrays if n.startswith("var/")}
        if names != set(variables):
            raise ValueError("the state's variables are not this trainer's: "
                             f"missing {sorted(set(variables) - names)}, extra {sorted(names - set(variables))}")
        for name, var in variables.items():
            value = arrays[f"var/{name}"]
            if tuple(value.shape) != tuple(var.shape) or value.dtype != var.dtype.as_numpy_dtype:
                raise ValueError(f"the state's {name} is {value.dtype}{list(value.shape)}, "
                                 f"the trainer's {var.dtype.name}{var.shape.as_list()}")
        for name, var in variables.items():
            var.assign(arrays[f"var/{name}"])
        for name, gen in self.generators().items():
            gen.bit_generator.state = facts["generators"][name]
        self.epoch, self.steps_done, self.elapsed_s = int(facts["epoch"]), int(facts["steps_done"]), \
            float(facts["elapsed_s"])
        self.active = [k for k in self.keys if k in facts["active"]]
        self.diverged_at = {k: int(e) for k, e in facts["diverged_at"].items()}
        self.final = {k: CaseEpoch(**m) for k, m in facts["final"].items()}
        self.train_seconds = {**{c.key: 0.0 for c in self.cases}, **facts["train_seconds"]}
        self.predictions = {n[len("predictions/"):]: arrays[n].tolist() for n in arrays
                            if n.startswith("predictions/")}
        self._mid_epoch = False

    # ------------------------------------------------------------------ compiled steps
    def _adam(self, name, grad, participating):
        s = self.settings
        steps = self.steps[name]
        steps.assign_add(tf.constant(np.asarray(participating, np.float32)))
        kw = dict(lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2, epsilon=s.epsilon)
        if self._uniform[name]:
            # Every member takes every update of this weight with the same correction: one kernel.
            adam_update(self.params[name], self.m[name], self.v[name], grad, step=steps[0],
                        correction=self.corrections[0], **kw)
        else:
            adam_update_members(self.params[name], self.m[name], self.v[name], grad, steps=steps,
                                corrections=self.corrections, participating=participating, **kw)

    def _read_slots(self, batch):
        """The start-of-pass slot values (engine/quirks.py: every read before every write)."""
        return {n: var[:, :batch] for n, var in self.slot_vars.items()}

    def _write_slots(self, fwd, state, batch):
        for n, value in self.arch.slots_written(fwd, state).items():
            var = self.slot_vars[n]
            var.assign(tf.concat([value, var[:, batch:]], axis=1))

    def _train_slots(self, grads):
        """Adam's in-place update of the slots the cost read, after the pass's writes."""
        s = self.settings
        for n, grad in grads.items():
            name = SLOT_PREFIX + n
            step = self.steps[name]
            step.assign_add(1.0)
            adam_update(self.slot_vars[n], self.m[name], self.v[name], grad,
                        lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2, epsilon=s.epsilon, step=step)

    def _member_state(self, state, members):
        """Some members' part of the slots read (input slots are shared)."""
        return {n: MB.gather(value, self.members, members) if self._slot_channels[n] else value
                for n, value in state.items()}

    def _splice(self, manual, auto):
        """The stacked gradient with the autodiff members' slices [A, ...] in their places: one
        concatenation of slices (a deterministic scatter costs ten times as much on this CPU)."""
        parts, start = [], 0
        for j, i in enumerate(self.auto):
            if i > start:
                parts.append(manual[start:i])
            parts.append(auto[j:j + 1])
            start = i + 1
        if start < self.members:
            parts.append(manual[start:])
        return tf.concat(parts, axis=0)

    def _gradients(self, xs, y1, D, flow):
        """(forward pass, slots read, update groups over the stack, who takes part in each, slot
        gradients, timestep signals)."""
        arch, M = self.arch, self.members
        w = self.params
        batch = tf.shape(xs)[1]
        signals = {} if flow else None
        names = list(w)
        auto_full, auto_part, slot_grads = None, None, {}
        if self.slot_training or not self.manual:
            # One tape over the batched forward pass: the slots' gradient for every member (the
            # published post-B training was autodiff: the slots get the exact gradient of the
            # published cost, whichever way the weights get theirs), the weights' for the autodiff
            # members. Members are independent, so the sum's gradient is each member's own.
            with tf.GradientTape() as tape:
                state = self._read_slots(batch) if self.stale else None
                fwd = arch.forward(w, xs, bptt=arch.autodiff_bptt(), state=state)
                loss = tf.reduce_sum(arch.autodiff_loss(fwd, y1))
            slot_sources = list(self.slot_vars.values()) if self.slot_training else []
            weight_sources = [w[n] for n in names] if self.auto else []
            grads = tape.gradient(loss, weight_sources + slot_sources)
            auto_full = {n: g for n, g in zip(names, grads[:len(weight_sources)]) if g is not None}
            slot_grads = dict(zip(self.slot_vars, grads[len(weight_sources):])) if self.slot_training else {}
        else:
            state = self._read_slots(batch) if self.stale else None
            fwd = arch.forward(w, xs, state=state)
            if self.auto:
                # The autodiff members' own slice, its forward pass on the tape.
                with tf.GradientTape() as tape:
                    wa = {n: tf.gather(w[n], self.auto) for n in names}
                    sa = self._member_state(state, self.auto) if state is not None else None
                    fa = arch.forward(wa, xs, bptt=arch.autodiff_bptt(), state=sa)
                    loss = tf.reduce_sum(arch.autodiff_loss(fa, y1))
                grads = tape.gradient(loss, [wa[n] for n in names])
                auto_part = {n: g for n, g in zip(names, grads) if g is not None}
        if self.manual:
            groups = arch.manual_gradients(w, fwd, xs, y1, self.coefficients, D, flow=signals)
        else:
            groups = [{}]
        manual_mask = np.isin(np.arange(M), self.manual)
        auto_mask = ~manual_mask
        # Who takes part in each group's update of each weight.
        plan = [{n: manual_mask.copy() for n in g} for g in groups]
        first = dict(groups[0])
        for n in names:
            if auto_full is not None and n in auto_full:
                if n in first:
                    where = tf.reshape(tf.constant(auto_mask), [M] + [1] * (len(w[n].shape) - 1))
                    first[n] = tf.where(where, auto_full[n], first[n])
                else:
                    first[n] = auto_full[n]
                plan[0][n] = plan[0].get(n, np.zeros(M, bool)) | auto_mask
            elif auto_part is not None and n in auto_part:
                base = first[n] if n in first else tf.zeros_like(w[n])
                first[n] = self._splice(base, auto_part[n])
                plan[0][n] = plan[0].get(n, np.zeros(M, bool)) | auto_mask
        groups = [first, *groups[1:]]
        same_correction = len(set(self.corrections)) == 1
        self._uniform = {n: same_correction and all(p[n].all() for p in plan if n in p) for n in names}
        return fwd, state, groups, plan, slot_grads, signals

    def _train_step(self, xs, y, D, flow=None):
        """One training step of every member. flow: None; "timesteps" (also the norms of g_t, p_t, the
        dilated addition and in_t: small tensors, cheap); "full" (also every weight's gradient and update
        norm, which read every weight: post A's 7M-weight layer makes them the costly part)."""
        arch, M = self.arch, self.members
        xs, D = tf.cast(xs, self.dtype), tf.cast(D, self.dtype)
        y1 = tf.one_hot(y, 10, dtype=self.dtype)
        batch = tf.shape(xs)[1]
        fwd, state, groups, plan, slot_grads, signals = self._gradients(xs, y1, D, flow)
        # Metrics come from the forward pass that produced this step's gradient (pre-update weights).
        costs = tf.reduce_sum(arch.example_costs(fwd, y1), axis=-1)
        correct = tf.reduce_sum(tf.cast(tf.argmax(fwd["probs"], -1, output_type=tf.int32) == y, self.dtype), axis=-1)
        norms: list[tuple[str, list[int], tf.Tensor]] = []          # (name, members, per-member norms)
        if flow:
            for (signal, t), tensor in signals.items():
                who = self.manual if signal != "dilated" else [
                    i for i in self.manual if self.coefficients[i, t].any()]
                norms.append((f"{signal}|{t}", who, MB.map_norms(tensor, M)))
        full = flow == "full"
        if full:
            total, who = {}, {}
            for group, part in zip(groups, plan):
                for name, grad in group.items():
                    if not part[name].all():        # members left out of this update: not their gradient
                        where = np.reshape(part[name], [M] + [1] * (len(grad.shape) - 1))
                        grad = tf.where(tf.constant(where), grad, tf.zeros_like(grad))
                    total[name] = grad if name not in total else total[name] + grad
                    who[name] = who.get(name, np.zeros(M, bool)) | part[name]
            for name, grad in total.items():
                norms.append((f"grad|{name}", list(np.flatnonzero(who[name])), MB.leading_norms(grad)))
            for n, grad in slot_grads.items():
                norms.append((f"grad|{SLOT_PREFIX}{n}", list(range(M)), MB.map_norms(grad, M)
                              if self._slot_channels[n] else tf.fill([M], tf.norm(grad))))
            before = {name: tf.identity(self.params[name]) for name in total}
        if state is not None:
            self._write_slots(fwd, state, batch)
        for group, part in zip(groups, plan):
            for name, grad in group.items():
                self._adam(name, grad, part[name])
        if slot_grads:
            self._train_slots(slot_grads)
        if full:
            for name, value in before.items():
                norms.append((f"update|{name}", list(np.flatnonzero(who[name])),
                              MB.leading_norms(self.params[name] - value)))
        return costs, correct, norms

    def _functions(self):
        """(training step, evaluation step, training step with every weight's norms), compiled once:
        a case that diverges only leaves the metrics, the ops stay the same."""
        if self._compiled is None:
            T = self.arch.timesteps
            spec = [tf.TensorSpec([T, None, 28, 28, 1], tf.float32), tf.TensorSpec([None], tf.int32)]

            def make_train_step(flow):
                @tf.function(input_signature=spec + [tf.TensorSpec([], tf.float32)])
                def train_step(xs, y, D):
                    costs, correct, norms = self._train_step(xs, y, D, flow)
                    self._flow_keys[flow] = [f"{self.keys[i]}|{name}" for name, who, _ in norms for i in who]
                    values = [vec[i] for _, who, vec in norms for i in who]
                    out = tf.cast(tf.stack(values), tf.float64) if values else tf.zeros([0], tf.float64)
                    return costs, correct, out
                train_step.flow_key = flow
                return train_step

            @tf.function(input_signature=spec)
            def eval_step(xs, y):
                xs = tf.cast(xs, self.dtype)
                y1 = tf.one_hot(y, 10, dtype=self.dtype)
                batch = tf.shape(xs)[1]
                state = self._read_slots(batch) if self.stale else None
                fwd = self.arch.forward(self.params, xs, state=state)
                if state is not None:
                    self._write_slots(fwd, state, batch)
                pred = tf.argmax(fwd["probs"], -1, output_type=tf.int32)
                costs = tf.reduce_sum(self.arch.example_costs(fwd, y1), axis=-1)
                correct = tf.reduce_sum(tf.cast(pred == y, self.dtype), axis=-1)
                return costs, correct, pred

            plain = make_train_step("timesteps" if self.settings.gradient_flow else None)
            self._compiled = (plain, eval_step, make_train_step("full"))
        return self._compiled

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

        if self._mid_epoch:
            raise RuntimeError("this trainer was stopped within an epoch; restore a state to go on")
        done, start = self.steps_done, time.perf_counter()
        done_before, elapsed_before = done, self.elapsed_s
        paused = 0.0                 # seconds spent paused: never training time
        paused_at_first_step = 0.0
        first_step_end = None
        diverged_at, final = self.diverged_at, self.final
        train_seconds, predictions = self.train_seconds, self.predictions
        status, epochs_done = "completed", self.epoch

        def elapsed() -> float:
            return elapsed_before + time.perf_counter() - start - paused

        def progress() -> Progress:
            eta = None
            if first_step_end is not None and done - done_before > 1:
                rate = ((time.perf_counter() - first_step_end - (paused - paused_at_first_step))
                        / (done - done_before - 1))
                eta = rate * (total - done)
            return Progress(done, total, elapsed(), eta)

        for epoch in range(self.epoch, s.epochs):
            if not self.active:
                break
            self._mid_epoch = True
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
                    sampled = {k: r for k, r in _flow_record(self._flow_keys[step_fn.flow_key], norms).items()
                               if k in self.active}
                    for key, record in sampled.items():
                        acc, count = flow_sum.setdefault(key, {}), flow_count.setdefault(key, {})
                        for name, value in record.items():
                            acc[name] = acc.get(name, 0.0) + value
                            count[name] = count.get(name, 0) + 1
                costs, hits = costs.numpy(), hits.numpy()
                spent = (time.perf_counter() - step_start) / len(self.active)
                for key, c, h in zip(self.keys, costs, hits):
                    if key not in self.active:
                        continue
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
                    for i, key in enumerate(self.keys):
                        if key not in self.active:
                            continue
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
            self.epoch, self.steps_done, self.elapsed_s = epochs_done, done, elapsed()
            self._mid_epoch = False
            epoch_flow = {k: {name: v / flow_count[k][name] for name, v in acc.items()}
                          for k, acc in flow_sum.items()} if flow_sum else None
            if listener:
                listener.on_epoch(EpochEvent(self.trial, epoch, metrics, tuple(diverged_now), progress(),
                                             elapsed(), gradients=epoch_flow))

        return TrialResult(self.trial, self.seed, status, epochs_done, final, diverged_at, train_seconds,
                           predictions, data.y_test.astype(int).tolist())
