"""The checkpoint store: atomic, checksummed, the previous one kept until the new one is complete."""
import errno
import json
import os

import numpy as np
import pytest

from workbench.records import checkpoint_store as CS
from workbench.records.checkpoint_store import CheckpointError, CheckpointStore

BELONGS = {"engine_version": 2, "architecture": "post-a", "config_sha256": "abc"}


def state(value: float, epoch: int) -> dict:
    """A state as LockstepTrainer.state() shapes it: arrays by name, JSON-able facts."""
    return {"arrays": {"var/params/W": np.full((3, 2), value, np.float32),
                       "var/steps/W": np.array([epoch, epoch], np.float32),
                       "predictions/0": np.arange(4, dtype=np.int64)},
            "facts": {"epoch": epoch, "generators": {"shuffle": {"state": {"state": 2**100 + epoch}}}}}


def test_a_saved_state_loads_back_exactly_with_its_size_and_time(tmp_path):
    store = CheckpointStore(tmp_path)
    record = store.save(0, 1, state(0.5, 1), BELONGS)
    assert record["bytes"] == os.path.getsize(tmp_path / "checkpoints" / "trial000-epoch000001.npz")
    assert record["written_at"] and record["write_seconds"] >= 0
    checkpoint, loaded = store.latest()
    assert (checkpoint.trial, checkpoint.epoch) == (0, 1)
    assert checkpoint.record["belongs_to"] == BELONGS
    original = state(0.5, 1)
    assert set(loaded["arrays"]) == set(original["arrays"])
    for name, array in original["arrays"].items():
        assert np.array_equal(loaded["arrays"][name], array) and loaded["arrays"][name].dtype == array.dtype
    assert loaded["facts"] == original["facts"]


def test_the_previous_checkpoint_is_kept_and_older_ones_pruned(tmp_path):
    store = CheckpointStore(tmp_path)
    for epoch in (1, 2, 3):
        store.save(0, epoch, state(epoch, epoch), BELONGS)
    assert store.checkpoints() == [(0, 2), (0, 3)]
    assert sorted(os.listdir(tmp_path / "checkpoints")) == [
        "trial000-epoch000002.json", "trial000-epoch000002.npz",
        "trial000-epoch000003.json", "trial000-epoch000003.npz"]


def test_a_finished_trial_keeps_its_last_checkpoint_when_the_next_trial_writes(tmp_path):
    store = CheckpointStore(tmp_path)
    for epoch in (1, 2):
        store.save(0, epoch, state(epoch, epoch), BELONGS)
    store.save(1, 1, state(9, 1), BELONGS)
    assert store.checkpoints() == [(0, 2), (1, 1)]
    assert store.latest(trial=0)[0].epoch == 2 and store.latest()[0].trial == 1


def test_a_damaged_checkpoint_is_refused_in_one_line_and_the_previous_one_used(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    store.save(0, 2, state(2, 2), BELONGS)
    newest = tmp_path / "checkpoints" / "trial000-epoch000002.npz"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    newest.write_bytes(bytes(data))
    refused = []
    checkpoint, loaded = store.latest(refused=refused)
    assert checkpoint.epoch == 1 and loaded["arrays"]["var/params/W"][0, 0] == 1
    assert len(refused) == 1 and "\n" not in refused[0] and "checksum" in refused[0]


def test_a_damaged_record_is_refused_and_the_previous_one_used(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    store.save(0, 2, state(2, 2), BELONGS)
    (tmp_path / "checkpoints" / "trial000-epoch000002.json").write_text('{"kind": "checkpoint", "form')
    refused = []
    assert store.latest(refused=refused)[0].epoch == 1
    assert len(refused) == 1 and "trial000-epoch000002.json" in refused[0]


def test_arrays_without_their_record_are_partial_and_not_used(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    (tmp_path / "checkpoints" / "trial000-epoch000002.npz").write_bytes(b"PK half written")
    assert store.checkpoints() == [(0, 1)]
    assert store.latest()[0].epoch == 1


def test_no_checkpoint_reads_as_none(tmp_path):
    assert CheckpointStore(tmp_path).latest() is None
    assert CheckpointStore(tmp_path).checkpoints() == []


def test_a_full_disk_during_the_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    before = {n: (tmp_path / "checkpoints" / n).read_bytes() for n in os.listdir(tmp_path / "checkpoints")}
    real_savez = np.savez

    def savez_until_the_disk_is_full(handle, **arrays):
        handle.write(b"PK\x03\x04 some of the arrays")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(CS.np, "savez", savez_until_the_disk_is_full)
    with pytest.raises(OSError) as caught:
        store.save(0, 2, state(2, 2), BELONGS)
    assert CS.is_full_disk(caught.value)
    monkeypatch.setattr(CS.np, "savez", real_savez)
    after = {n: (tmp_path / "checkpoints" / n).read_bytes() for n in os.listdir(tmp_path / "checkpoints")}
    assert after == before                      # nothing half-written, nothing removed
    assert store.latest()[0].epoch == 1


def test_a_temporary_file_left_by_a_killed_write_is_removed_by_the_next(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    left = tmp_path / "checkpoints" / ".trial000-epoch000002.npz.0badf00d.tmp"
    left.write_bytes(b"cut off")
    store.save(0, 2, state(2, 2), BELONGS)
    assert not left.exists()


def test_a_checkpoint_folder_that_is_a_link_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoints").symlink_to(outside)
    store = CheckpointStore(run)
    with pytest.raises(CheckpointError, match="symbolic link"):
        store.save(0, 1, state(1, 1), BELONGS)
    with pytest.raises(CheckpointError, match="symbolic link"):
        store.latest()
    assert os.listdir(outside) == []


def test_a_checkpoint_file_that_is_a_link_is_not_followed(tmp_path):
    store = CheckpointStore(tmp_path / "run")
    (tmp_path / "run").mkdir()
    store.save(0, 1, state(1, 1), BELONGS)
    elsewhere = tmp_path / "elsewhere.npz"
    store.save(0, 2, state(2, 2), BELONGS)
    arrays = tmp_path / "run" / "checkpoints" / "trial000-epoch000002.npz"
    elsewhere.write_bytes(arrays.read_bytes())
    arrays.unlink()
    arrays.symlink_to(elsewhere)
    refused = []
    assert store.latest(refused=refused)[0].epoch == 1
    assert "symbolic link" in refused[0]


def test_the_record_is_json_and_the_arrays_need_no_pickle(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    record = json.loads((tmp_path / "checkpoints" / "trial000-epoch000001.json").read_text())
    assert record["sha256"] and record["arrays"] == "trial000-epoch000001.npz"
    with np.load(tmp_path / "checkpoints" / "trial000-epoch000001.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(state(1, 1)["arrays"])


def test_clear_removes_every_checkpoint_and_the_folder_but_nothing_else(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(0, 1, state(1, 1), BELONGS)
    store.save(0, 2, state(2, 2), BELONGS)
    (tmp_path / "metrics.csv").write_text("kept")
    assert store.clear() and not (tmp_path / "checkpoints").exists()
    assert (tmp_path / "metrics.csv").read_text() == "kept"
    assert not store.clear()
