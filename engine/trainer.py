"""The lockstep trainer: every selected case advances one step on the same batch.

All cases start from one weight draw, see the same shuffled batches and the
same noise draw in every step, so their curves differ only by how each case
obtains its gradient. A trainer may train several seeds at once (a *pack*: the
trials that differ only in seed, engine/seed_run.py): each seed has its own
weight draw, batch order and noise, drawn as that seed alone draws them, and its
own input on the channel axis; it is reported as its own trial. Each case is a *member* on a leading axis of stacked
weights (engine/members.py), and one compiled step computes every member in the
same ops: one forward pass, one hand-written backward pass whose dilated
connections are a coefficient tensor, one Adam kernel per stacked weight. The
autodiff case takes its gradient from a tape over the forward pass of its own
slice of the stack. No op mixes members, so a case that diverges drops out
(its slice is left out of every metric and event) without changing one bit of
the others, and without a recompile. Members are seed-major: member s·C + c is
case c of seed s.
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
from .noise import NoiseSpec
from .quirks import QUIRKS
from .seed_run import SeedRun
from .settings import TrainSettings

SLOT_PREFIX = "slot:"


def arch_quirks(arch: Architecture) -> tuple[str, ...]:
    """The quirks that concern this architecture."""
    return tuple(n for n, q in QUIRKS.items() if q.concerns(arch.description.key))


def _flow_record(names: list[str], norms) -> dict[int, dict[tuple[str, str], float]]:
    """["member|signal|label", ...] and their norms -> {member: {(signal, label): float}}."""
    out: dict[int, dict[tuple[str, str], float]] = {}
    for key, value in zip(names, np.asarray(norms).tolist()):
        member, signal, label = key.split("|")
        out.setdefault(int(member), {})[(signal, label)] = float(value)
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
    """Trains `cases` in lockstep for one trial (`trial`) or for a pack of trials (`trials`), which
    differ only in seed (settings.seed + trial); run() for one, run_seeds() for a pack."""

    def __init__(self, arch: Architecture, cases: Sequence[Case], settings: TrainSettings,
                 dataset: Dataset, schedule: Sequence[NoiseSpec], *, trial: int = 0,
                 trials: Sequence[int] | None = None, dtype="float32"):
        if len(schedule) != arch.timesteps:
            raise ValueError(f"{len(schedule)} noise settings for {arch.timesteps} timesteps")
        for case in cases:
            case.validate_for(arch.timesteps)
        if settings.batch_size > len(dataset.x_train):
            raise ValueError(f"batch size {settings.batch_size} is larger than the "
                             f"{len(dataset.x_train)} training images")
        trials = [trial] if trials is None else [int(t) for t in trials]
        if not trials or len(set(trials)) != len(trials):
            raise ValueError(f"a pack needs distinct trials, not {trials}")
        self.arch, self.cases, self.settings, self.data = arch, list(cases), settings, dataset
        self.dtype = tf.as_dtype(dtype)
        arch.set_quirks(settings.quirks)
        self.stale = settings.has("stale-state")
        self.slot_training = settings.has("slot-training") and "slot-training" in arch_quirks(arch)
        self.keys = [c.key for c in self.cases]
        self.runs = [SeedRun.draw(t, settings.seed + t, schedule, self.keys) for t in trials]
        self.dilation = DilationSchedule(settings.dilation_P, settings.dilation_k)

        # The members: one per case and seed, seed-major (member s·C + c is case c of seed s).
        S, C = self.seed_count, self.case_count = len(self.runs), len(self.cases)
        M = self.members = S * C
        self.auto = [s * C + i for s in range(S) for i, c in enumerate(self.cases) if c.gradient == "auto"]
        self.manual = [s * C + i for s in range(S) for i, c in enumerate(self.cases) if c.gradient != "auto"]
        case_coefficients = dilation_coefficients(
            [c.connections if c.gradient != "auto" else () for c in self.cases], arch.timesteps)
        self.coefficients = np.tile(case_coefficients, (S, 1, 1, 1))
        self.corrections = [arch.optimizer_correction(c.gradient) for c in self.cases] * S

        # Each seed's own draw, shared by its cases.
        draws = [arch.init_weights(run.init_rng, settings.init) for run in self.runs]
        stack = {n: tf.cast(np.concatenate([np.repeat(d[n][None], C, axis=0) for d in draws]), self.dtype)
                 for n in draws[0]}
        self.params = {n: tf.Variable(a, name=f"{n}_members") for n, a in stack.items()}
        self.m = {n: tf.Variable(tf.zeros_like(a)) for n, a in stack.items()}
        self.v = {n: tf.Variable(tf.zeros_like(a)) for n, a in stack.items()}
        # One Adam step count per weight and member: with one update per timestep the manual
        # cases' recurrent weights take four steps a batch while the head takes one.
        self.steps = {n: tf.Variable(tf.zeros([M])) for n in stack}
        self.slot_vars: dict[str, tf.Variable] = {}
        # slot -> (channels per block, blocks): an input slot holds each seed's input (S blocks),
        # the others each member's state (M blocks).
        self._slot_blocks: dict[str, tuple[int, int]] = {}
        if self.stale:
            B = settings.batch_size
            inputs = set(arch.input_slots())
            for n, shape in arch.state_slots().items():
                blocks = S if n in inputs else M
                self._slot_blocks[n] = (shape[-1], blocks)
                self.slot_vars[n] = tf.Variable(tf.zeros([shape[0], B, *shape[1:-1], shape[-1] * blocks],
                                                         self.dtype), name=f"slot_{n}")
                if self.slot_training:
                    key = SLOT_PREFIX + n
                    self.m[key] = tf.Variable(tf.zeros_like(self.slot_vars[n]))
                    self.v[key] = tf.Variable(tf.zeros_like(self.slot_vars[n]))
                    self.steps[key] = tf.Variable(0.0)
        # What a run carries from one epoch to the next besides the variables, the generators and
        # each seed's record (state() and restore() read and write these; run() continues from `epoch`).
        self.epoch = 0                              # the next epoch to train
        self.steps_done = 0                         # training and test batches done in this trial
        self.elapsed_s = 0.0                        # training time of earlier run() calls
        self._mid_epoch = False
        self._by_key = {c.key: c for c in self.cases}
        self._compiled: tuple | None = None
        self._flow_keys: dict[tuple, list[str]] = {}

    # ------------------------------------------------------------------ one seed's view
    def _lone(self) -> SeedRun:
        if self.seed_count > 1:
            raise AttributeError(f"a pack of {self.seed_count} seeds has no single trial: read runs[i]")
        return self.runs[0]

    trial = property(lambda self: self._lone().trial)
    seed = property(lambda self: self._lone().seed)
    active = property(lambda self: self._lone().active)
    diverged_at = property(lambda self: self._lone().diverged_at)
    final = property(lambda self: self._lone().final)
    train_seconds = property(lambda self: self._lone().train_seconds)
    predictions = property(lambda self: self._lone().predictions)
    shuffle_rng = property(lambda self: self._lone().shuffle_rng)
    train_noise = property(lambda self: self._lone().train_noise)
    test_noise = property(lambda self: self._lone().test_noise)

    def generators(self) -> dict[str, np.random.Generator]:
        """Every host random-number generator a lone trainer's run draws from, by name."""
        return self._lone().generators()

    # ------------------------------------------------------------------ member views
    def seed_weights(self, s: int) -> dict[str, dict[str, tf.Tensor]]:
        """Seed s's cases: case key -> {weight: that member's slice} (read now)."""
        C = self.case_count
        return {k: {n: var[s * C + i] for n, var in self.params.items()} for i, k in enumerate(self.keys)}

    @property
    def weights(self) -> dict[str, dict[str, tf.Tensor]]:
        """case key -> {weight: that member's slice} of a lone trainer (a slice's .assign writes the stack)."""
        self._lone()
        return self.seed_weights(0)

    def seed_slots(self, s: int) -> dict[str, dict[str, tf.Tensor]]:
        """Seed s's cases: case key -> {slot: that member's channels} (an input slot: the seed's input)."""
        out = {}
        for i, k in enumerate(self.keys):
            out[k] = {}
            for n, var in self.slot_vars.items():
                width, blocks = self._slot_blocks[n]
                block = s * self.case_count + i if blocks == self.members else s
                out[k][n] = var[..., block * width:(block + 1) * width]
        return out

    @property
    def slots(self) -> dict[str, dict[str, tf.Tensor]]:
        """case key -> {slot: that member's channels} of a lone trainer (an input slot is shared)."""
        self._lone()
        return self.seed_slots(0)

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

    def _seed_part(self, name: str, s: int) -> tuple[int, slice] | None:
        """Which part of variable `name` is seed s's: (axis, slice), or None where the seeds share it
        (a trained slot's step count)."""
        group, _, weight = name.partition("/")
        slot = weight[len(SLOT_PREFIX):] if weight.startswith(SLOT_PREFIX) else (weight if group == "slots" else None)
        if slot is None:
            C = self.case_count
            return 0, slice(s * C, (s + 1) * C)
        if group == "steps":
            return None
        width, blocks = self._slot_blocks[slot]
        per_seed = width * (blocks // self.seed_count)
        return -1, slice(s * per_seed, (s + 1) * per_seed)

    def _seed_array(self, name: str, value: np.ndarray, s: int) -> np.ndarray:
        part = self._seed_part(name, s)
        if part is None:
            return value
        axis, where = part
        return value[(slice(None),) * (value.ndim - 1) + (where,)] if axis == -1 else value[where]

    def identity(self, s: int = 0) -> dict:
        """What seed s's state belongs to: it restores only into a trainer of the same identity (a
        lone trainer of that trial, or a pack holding it)."""
        run = self.runs[s]
        return {"architecture": self.arch.description.key, "members": list(self.keys), "trial": run.trial,
                "seed": run.seed, "dtype": self.dtype.name, "quirks": list(self.settings.quirks),
                "batch_size": self.settings.batch_size}

    @property
    def mid_epoch(self) -> bool:
        """Stopped within an epoch: no consistent state until a state is restored."""
        return self._mid_epoch

    def seed_state(self, s: int) -> dict:
        """Seed s's state: exactly what a lone trainer of its trial would hold."""
        return self._seed_states([s])[0]

    def seed_states(self) -> list[dict]:
        """Every seed's state, each exactly what a lone trainer of that trial would hold (its slices
        of the stacked variables, its generators and record)."""
        return self._seed_states(range(self.seed_count))

    def _seed_states(self, seeds) -> list[dict]:
        if self._mid_epoch:
            raise RuntimeError("a trainer stopped within an epoch has no consistent state; "
                               "take the state between epochs")
        values = {n: var.numpy() for n, var in self.variables().items()}
        states = []
        for s in seeds:
            run = self.runs[s]
            arrays = {f"var/{n}": self._seed_array(n, value, s) for n, value in values.items()}
            for key, pred in run.predictions.items():
                arrays[f"predictions/{key}"] = np.asarray(pred, np.int64)
            facts = {
                "identity": self.identity(s),
                "epoch": run.epoch,
                "steps_done": self.steps_done,
                "elapsed_s": self.elapsed_s,
                "dilation": {"P": self.dilation.P, "k": self.dilation.k, "next_epoch": run.epoch,
                             "next_D": self.dilation(run.epoch)},
                "active": list(run.active),
                "diverged_at": dict(run.diverged_at),
                "final": {k: asdict(m) for k, m in run.final.items()},
                "train_seconds": dict(run.train_seconds),
                "generators": {n: g.bit_generator.state for n, g in run.generators().items()},
            }
            states.append({"arrays": arrays, "facts": facts})
        return states

    def state(self) -> dict:
        """The complete training state between epochs as plain data: {"arrays": {name: numpy array},
        "facts": JSON-able values}; a pack's is {"seeds": [every seed's state]}. A fresh trainer
        built with the same arguments (any epoch count) that restores it trains on exactly as this
        one would have, bit for bit."""
        states = self.seed_states()
        return states[0] if self.seed_count == 1 else {"seeds": states}

    def restore(self, state: dict) -> None:
        """Put a state() back (into a trainer built with the same arguments; epochs may differ). A
        pack takes {"seeds": [...]}: its seeds' states, from a pack or from lone trainers."""
        states = state["seeds"] if "seeds" in state else [state]
        if len(states) != self.seed_count:
            raise ValueError(f"the state holds {len(states)} seeds, the trainer {self.seed_count}")
        variables = self.variables()
        for s, st in enumerate(states):
            arrays, facts = st["arrays"], st["facts"]
            if facts["identity"] != self.identity(s):
                theirs, ours = facts["identity"], self.identity(s)
                differ = ", ".join(k for k in ours if theirs.get(k) != ours[k])
                raise ValueError(f"the state belongs to another trainer (differs in: {differ})")
            names = {n[len("var/"):] for n in arrays if n.startswith("var/")}
            if names != set(variables):
                raise ValueError("the state's variables are not this trainer's: "
                                 f"missing {sorted(set(variables) - names)}, extra {sorted(names - set(variables))}")
            for name, var in variables.items():
                value, want = arrays[f"var/{name}"], self._seed_array(name, np.zeros(var.shape, np.int8), s)
                if tuple(value.shape) != want.shape or value.dtype != var.dtype.as_numpy_dtype:
                    raise ValueError(f"the state's {name} is {value.dtype}{list(value.shape)}, "
                                     f"the trainer's {var.dtype.name}{list(want.shape)}")
        live = {int(st["facts"]["epoch"]) for st in states if st["facts"]["active"]}
        if len(live) > 1:
            raise ValueError(f"the seeds' states stand at different epochs ({sorted(live)}): they train apart")
        for name, var in variables.items():
            parts = [st["arrays"][f"var/{name}"] for st in states]
            part = self._seed_part(name, 0)
            var.assign(parts[0] if part is None else np.concatenate(parts, axis=part[0]))
        for run, st in zip(self.runs, states):
            arrays, facts = st["arrays"], st["facts"]
            for name, gen in run.generators().items():
                gen.bit_generator.state = facts["generators"][name]
            run.epoch = int(facts["epoch"])
            run.active = [k for k in self.keys if k in facts["active"]]
            run.diverged_at = {k: int(e) for k, e in facts["diverged_at"].items()}
            run.final = {k: CaseEpoch(**m) for k, m in facts["final"].items()}
            run.train_seconds = {**{c.key: 0.0 for c in self.cases}, **facts["train_seconds"]}
            run.predictions = {n[len("predictions/"):]: arrays[n].tolist() for n in arrays
                               if n.startswith("predictions/")}
        self.epoch = max(run.epoch for run in self.runs)
        self.steps_done = max(int(st["facts"]["steps_done"]) for st in states)
        self.elapsed_s = max(float(st["facts"]["elapsed_s"]) for st in states)
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

    def _seed_member_state(self, state, seed, members):
        """Some members of one seed: their part of the slots read (an input slot: the seed's)."""
        out = {}
        for n, value in state.items():
            width, blocks = self._slot_blocks[n]
            if blocks == self.members:
                out[n] = MB.gather(value, self.members, members)
            else:
                out[n] = value if self.seed_count == 1 else value[..., seed * width:(seed + 1) * width]
        return out

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
                # The autodiff members' own slice, its forward pass on the tape: one slice per
                # seed, on the seed's images, the very ops the seed runs alone (a slice of one
                # member per seed would otherwise be a grouped op where alone it is a plain one,
                # and round differently).
                S = self.seed_count
                per_seed = [[i for i in self.auto if i // self.case_count == k] for k in range(S)]
                with tf.GradientTape() as tape:
                    slices, loss = [], None
                    for k, members in enumerate(per_seed):
                        wa = {n: tf.gather(w[n], members) for n in names}
                        sa = self._seed_member_state(state, k, members) if state is not None else None
                        fa = arch.forward(wa, xs[..., k:k + 1] if S > 1 else xs, bptt=arch.autodiff_bptt(), state=sa)
                        term = tf.reduce_sum(arch.autodiff_loss(fa, tf.gather(y1, members)))
                        loss = term if loss is None else loss + term
                        slices.append(wa)
                grads = tape.gradient(loss, [wa[n] for wa in slices for n in names])
                auto_part = {}
                for j, n in enumerate(names):
                    parts = [grads[k * len(names) + j] for k in range(S)]
                    if parts[0] is not None:
                        auto_part[n] = parts[0] if S == 1 else tf.concat(parts, axis=0)
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

    def _slot_norms(self, n, grad):
        """Per-member norms of a slot's gradient (an input slot's: its seed's, for each of its cases)."""
        M, S = self.members, self.seed_count
        if self._slot_blocks[n][1] == M:
            return MB.map_norms(grad, M)
        if S == 1:
            return tf.fill([M], tf.norm(grad))
        return tf.repeat(MB.map_norms(grad, S), self.case_count)

    def _member_labels(self, y):
        """Each seed's labels [S, B] (or a lone trainer's [B]) as each member's: (labels [M, B],
        one-hot [M, B, 10])."""
        y = tf.repeat(y if self.seed_count > 1 else y[None], self.case_count, axis=0)
        return y, tf.one_hot(y, 10, dtype=self.dtype)

    def _train_step(self, xs, y, D, flow=None):
        """One training step of every member. flow: None; "timesteps" (also the norms of g_t, p_t, the
        dilated addition and in_t: small tensors, cheap); "full" (also every weight's gradient and update
        norm, which read every weight: post A's 7M-weight layer makes them the costly part)."""
        arch, M = self.arch, self.members
        xs, D = tf.cast(xs, self.dtype), tf.cast(D, self.dtype)
        y, y1 = self._member_labels(y)
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
                norms.append((f"grad|{SLOT_PREFIX}{n}", list(range(M)), self._slot_norms(n, grad)))
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
            T, S = self.arch.timesteps, self.seed_count
            # Each seed's noisy batch side by side on the channel axis, each seed's labels [S, B]
            # (a lone trainer's: [B]).
            spec = [tf.TensorSpec([T, None, 28, 28, S], tf.float32),
                    tf.TensorSpec([S, None] if S > 1 else [None], tf.int32)]

            def make_train_step(flow):
                @tf.function(input_signature=spec + [tf.TensorSpec([], tf.float32)])
                def train_step(xs, y, D):
                    costs, correct, norms = self._train_step(xs, y, D, flow)
                    self._flow_keys[flow] = [f"{i}|{name}" for name, who, _ in norms for i in who]
                    values = [vec[i] for _, who, vec in norms for i in who]
                    out = tf.cast(tf.stack(values), tf.float64) if values else tf.zeros([0], tf.float64)
                    return costs, correct, out
                train_step.flow_key = flow
                return train_step

            @tf.function(input_signature=spec)
            def eval_step(xs, y):
                xs = tf.cast(xs, self.dtype)
                y, y1 = self._member_labels(y)
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
        """Train a lone trainer's trial (a pack: run_seeds)."""
        self._lone()
        [result] = self.run_seeds(listener, control)
        return result

    def _pack_inputs(self, batches: dict[int, np.ndarray], shape) -> np.ndarray:
        """Each seed's batch [T, B, 28, 28, 1] side by side on the channel axis; zeros for a seed
        that no longer trains (its members are out of every metric)."""
        if self.seed_count == 1:
            return batches[0]
        return np.concatenate([batches[s] if s in batches else np.zeros(shape, np.float32)
                               for s in range(self.seed_count)], axis=-1)

    def run_seeds(self, listener: TrainingListener | None = None,
                  control: RunControl | None = None) -> list[TrialResult]:
        """Train every seed of the pack; each is reported as its own trial (its own events, in
        the order a lone trainer sends them) and ends in its own TrialResult."""
        s, data = self.settings, self.data
        control = control or RunControl()
        B, S, C = s.batch_size, self.seed_count, self.case_count
        n_train = len(data.x_train) // B * B           # a partial last batch is dropped, as in the posts
        train_batches = n_train // B
        test_batches = math.ceil(len(data.x_test) / B)
        total = s.epochs * (train_batches + test_batches)
        report_every = max(1, train_batches // s.points_per_epoch)
        flow_on = s.gradient_flow
        runs = self.runs

        if self._mid_epoch:
            raise RuntimeError("this trainer was stopped within an epoch; restore a state to go on")
        done, start = self.steps_done, time.perf_counter()
        done_before, elapsed_before = done, self.elapsed_s
        paused = 0.0                 # seconds spent paused: never training time
        paused_at_first_step = 0.0
        first_step_end = None
        status = "completed"

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
            live = [i for i, run in enumerate(runs) if run.active]
            if not live:
                break
            self._mid_epoch = True
            orders = {i: runs[i].shuffle_rng.permutation(len(data.x_train))[:n_train] for i in live}
            D = tf.constant(self.dilation(epoch), tf.float32)
            tally = {i: _EpochTally(list(runs[i].active)) for i in live}
            ended: list[int] = []        # seeds whose every case diverged in this epoch's training

            def close_epoch(i, test):
                """Seed i's epoch metrics, record and event (test: case -> (cost, accuracy)). Sent
                when the pack's epoch ends, so a listener may take the trainer's state then."""
                run, t = runs[i], tally[i]
                metrics = {}
                for key in t.cases:
                    metrics[key] = CaseEpoch(self._epoch_cost(t.cost[key], t.seen), t.correct[key] / max(t.seen, 1),
                                             *test.get(key, (math.nan, math.nan)), diverged=key in t.diverged_now)
                    if key not in t.diverged_now:
                        run.final[key] = metrics[key]
                run.epoch = epoch + 1
                flow = {k: {name: v / t.flow_count[k][name] for name, v in acc.items()}
                        for k, acc in t.flow_sum.items()} if t.flow_sum else None
                if listener:
                    listener.on_epoch(EpochEvent(run.trial, epoch, metrics, tuple(t.diverged_now), progress(),
                                                 elapsed(), gradients=flow))

            for b in range(train_batches):
                paused += control.wait_while_paused()
                if control.stopped:
                    status = "stopped"
                    break
                training = [i for i in live if runs[i].active]
                if not training:
                    break
                idx = {i: orders[i][b * B:(b + 1) * B] for i in training}
                xs = self._pack_inputs({i: runs[i].train_noise(data.x_train[idx[i]]) for i in training},
                                       (self.arch.timesteps, B, 28, 28, 1))
                ys = np.stack([data.y_train[idx[i]] if i in idx else np.zeros(B, data.y_train.dtype)
                               for i in range(S)]) if S > 1 else data.y_train[idx[0]]
                step_start = time.perf_counter()
                reporting = (b + 1) % report_every == 0 or b + 1 == train_batches
                train_step, _, full_step = self._functions()
                # Timestep norms ride on every step (cheap); the weight norms are taken on the
                # last step of the epoch only (they read every weight).
                step_fn = full_step if flow_on and b + 1 == train_batches else train_step
                costs, hits, norms = step_fn(xs, ys, D)
                flows = _flow_record(self._flow_keys[step_fn.flow_key], norms) if flow_on and reporting else {}
                costs, hits = costs.numpy(), hits.numpy()
                spent = (time.perf_counter() - step_start) / sum(len(runs[i].active) for i in training)
                sampled = {}
                for i in training:
                    run, t = runs[i], tally[i]
                    if flow_on and reporting:
                        sampled[i] = {key: flows[i * C + c] for c, key in enumerate(self.keys)
                                      if key in run.active and i * C + c in flows}
                        t.add_flow(sampled[i])
                    for c, key in enumerate(self.keys):
                        if key not in run.active:
                            continue
                        cost, hit = float(costs[i * C + c]), float(hits[i * C + c])
                        run.train_seconds[key] += spent
                        t.cost[key] += cost
                        t.correct[key] += hit
                        if not math.isfinite(cost):
                            t.diverged_now.append(key)
                            run.diverged_at[key] = epoch
                            run.active.remove(key)
                    t.seen += B
                done += 1
                if first_step_end is None:
                    first_step_end = time.perf_counter()
                    paused_at_first_step = paused
                for i in training:
                    t = tally[i]
                    if listener and reporting:
                        listener.on_step(StepEvent(
                            runs[i].trial, epoch, b + 1, train_batches,
                            {k: (self._epoch_cost(t.cost[k], t.seen), t.correct[k] / t.seen) for k in t.cases},
                            progress(), gradients=sampled.get(i)))
                    if not runs[i].active:
                        ended.append(i)              # every case diverged: the seed's trial ends here
            if status == "stopped":
                for i in ended:
                    close_epoch(i, {})
                break

            testing = [i for i in live if runs[i].active]
            if testing:
                _, eval_step, _ = self._functions()
                t_cost = {i: {k: 0.0 for k in runs[i].active} for i in testing}
                t_hit = {i: {k: 0.0 for k in runs[i].active} for i in testing}
                preds = {i: {k: [] for k in runs[i].active} for i in testing}
                for b in range(test_batches):
                    paused += control.wait_while_paused()
                    if control.stopped:
                        status = "stopped"
                        break
                    sl = slice(b * B, (b + 1) * B)
                    x_test = data.x_test[sl]
                    xs = self._pack_inputs({i: runs[i].test_noise(x_test) for i in testing},
                                           (self.arch.timesteps, len(x_test), 28, 28, 1))
                    y_test = np.repeat(data.y_test[sl][None], S, axis=0) if S > 1 else data.y_test[sl]
                    costs, hits, pr = eval_step(xs, y_test)
                    costs, hits, pr = costs.numpy(), hits.numpy(), pr.numpy()
                    for i in testing:
                        for c, key in enumerate(self.keys):
                            if key not in runs[i].active:
                                continue
                            t_cost[i][key] += float(costs[i * C + c])
                            t_hit[i][key] += float(hits[i * C + c])
                            preds[i][key].append(pr[i * C + c])
                    done += 1
                if status == "stopped":
                    for i in ended:
                        close_epoch(i, {})
                    break                       # an epoch without its test pass is not reported
            tests = {}
            for i in testing:
                n_test = len(data.x_test)
                tests[i] = {key: (self._epoch_cost(t_cost[i][key], n_test), t_hit[i][key] / n_test)
                            for key in runs[i].active}
                for key in runs[i].active:
                    runs[i].predictions[key] = np.concatenate(preds[i][key]).tolist()
            self.epoch, self.steps_done, self.elapsed_s = epoch + 1, done, elapsed()
            self._mid_epoch = False
            for i in live:                  # each either ended in training or was tested
                close_epoch(i, tests.get(i, {}))

        labels = data.y_test.astype(int).tolist()
        return [run.result(status if run.active else "completed", labels) for run in runs]


class _EpochTally:
    """One seed's sums over an epoch's training batches."""

    def __init__(self, cases: list[str]):
        self.cases = cases                                  # its cases active when the epoch began
        self.cost = {k: 0.0 for k in cases}
        self.correct = {k: 0.0 for k in cases}
        self.seen = 0
        self.diverged_now: list[str] = []
        self.flow_sum: dict[str, dict] = {}
        self.flow_count: dict[str, dict] = {}

    def add_flow(self, sampled: dict[str, dict]) -> None:
        for key, record in sampled.items():
            acc, count = self.flow_sum.setdefault(key, {}), self.flow_count.setdefault(key, {})
            for name, value in record.items():
                acc[name] = acc.get(name, 0.0) + value
                count[name] = count.get(name, 0) + 1
