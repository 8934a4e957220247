"""Pause, Resume and Stop reach where each parallel backend's trials train (the forwarding lives in one mixin)."""
import pytest

from workbench.execution.backends import protocol as P
from workbench.execution.backends.forwarding import ForwardsControl
from workbench.execution.backends.processes import ProcessBackend


def test_process_backend_sets_the_shared_bytes_every_worker_reads():
    backend = ProcessBackend(emit=lambda event: None, workers=1)     # no worker started: only the flags
    assert isinstance(backend, ForwardsControl)
    backend.pause()
    assert backend.paused and backend.control.paused and list(backend.flags) == [0, 1]
    backend.resume()
    assert not backend.paused and not backend.control.paused and list(backend.flags) == [0, 0]
    backend.stop()
    assert backend.stopped and backend.control.stopped and backend.flags[0] == 1
    backend.pause()                                                    # a stopped run is never paused
    assert not backend.control.paused


class _Call:
    def __init__(self, log, name):
        self.log, self.name = log, name

    def remote(self, *args):
        self.log.append(self.name)
        return object()


class _FakeActor:
    """Records the remote calls a Ray actor handle would receive."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return _Call(self.calls, name)


def test_ray_backend_tells_every_actor_and_a_trial_submitted_later_the_current_state():
    pytest.importorskip("ray")
    from workbench.execution.backends.ray_backend import RayBackend, TrialActor, _Slot
    assert issubclass(TrialActor, ForwardsControl)
    backend = RayBackend(emit=lambda event: None, datasets={}, workers=2)   # Ray itself is not started
    backend.slots = [_Slot(0, _FakeActor()), _Slot(1, _FakeActor())]
    backend.refs = {"sha": object()}
    backend.pause()
    backend.resume()
    backend.pause()
    assert [s.actor.calls for s in backend.slots] == [["pause", "resume", "pause"]] * 2
    backend.submit(P.TrialTask(index=0, attempt=1, config={}, data_sha256="sha"))
    assert backend.slots[0].actor.calls[3:] == ["run", "pause"]           # a new trial starts paused
    backend.stop()
    assert all(s.actor.calls[-1] == "stop" for s in backend.slots)
    backend.slots[0].task = None
    backend.submit(P.TrialTask(index=1, attempt=1, config={}, data_sha256="sha"))
    assert backend.slots[0].actor.calls[-3:] == ["run", "pause", "stop"]  # ...and stopped after Stop


def test_ray_events_go_in_batches_and_records_flush_at_once():
    from workbench.execution.backends import protocol as P
    from workbench.execution.backends.ray_backend import BatchedEmit

    class Queue:                       # ray.util.queue.Queue's batch call, recorded
        def __init__(self):
            self.batches = []

        def put_nowait_batch(self, items):
            self.batches.append(list(items))

    queue = Queue()
    emit = BatchedEmit(queue, flush_s=3600)
    emit(P.TrialEvent(P.STARTED, 0, 1, {}))
    steps = [P.TrialEvent(P.STEP, 0, 1, k) for k in range(50)]
    for event in steps:
        emit(event)
    assert len(queue.batches) == 1                 # 50 steps, no remote call yet
    epoch = P.TrialEvent(P.EPOCH, 0, 1, "epoch 0")
    emit(epoch)
    assert len(queue.batches) == 2 and queue.batches[1] == steps + [epoch]   # in order, at once
    emit(P.TrialEvent(P.STEP, 0, 1, 50))
    emit.flush()                                   # the actor's run() always flushes at its end
    assert [e.payload for e in queue.batches[2]] == [50]
