"""Shared by the bridge's tests (test_worker, test_engine_process): a tiny run and a controller that cleans up."""
from __future__ import annotations

import pytest

from workbench.core.config import DataSpec, load_preset


def tiny_run(epochs=1, source="sample", train_limit=200):
    """Two cases, 200 images, batch 50, 4 progress points an epoch: seconds per epoch."""
    config = load_preset("quick")
    return config.with_(cases=("0", "1"), data=DataSpec(source, train_limit=train_limit, test_limit=100)
                        ).with_train(epochs=epochs, batch_size=50, points_per_epoch=4)


@pytest.fixture
def controller(qtbot):
    """A RunController whose run, thread and engine processes (the spare too) end with the test."""
    from workbench.execution import engine_process
    from workbench.app.worker import RunController
    c = RunController()
    yield c
    assert c.shutdown(60_000)
    engine_process.close_spare()
