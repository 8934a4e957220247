"""TensorBoard export: files TensorBoard can load, holding exactly the table's values (as float32)."""
import math

import numpy as np
import pytest

from workbench.records.metrics import MetricRow
from workbench.records.tensorboard_export import SCALAR_TAGS, export_tensorboard, read_scalars


def table(trials=(0,)):
    rows = []
    for trial in trials:
        for case in ("0", "5"):
            for epoch in (0, 100, 200):
                base = int(case) + epoch / 1000 + trial / 10
                rows.append(MetricRow(trial, case, epoch, "train", 3000.25 - base, 0.125 + base / 10, 1.0))
                rows.append(MetricRow(trial, case, epoch, "test", 2900.5 - base, 0.25 + base / 10, 1.0))
    return rows


def expected(rows, case, trial):
    out = {tag: [] for tag in SCALAR_TAGS}
    for r in sorted((r for r in rows if r.case == case and r.trial == trial), key=lambda r: r.epoch):
        out[f"{r.split}/cost"].append((r.epoch, float(np.float32(r.cost))))
        out[f"{r.split}/accuracy"].append((r.epoch, float(np.float32(r.accuracy))))
    return out


def read_independently(run_dir):
    """Read with tf.compat.v1.train.summary_iterator, checking what TensorBoard's loader needs."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2, types_pb2

    files = list(run_dir.glob("events.out.tfevents.*"))
    assert len(files) == 1
    found = {}
    for event in tf.compat.v1.train.summary_iterator(str(files[0])):
        for value in event.summary.value:
            assert value.metadata.plugin_data.plugin_name == "scalars"
            assert value.metadata.data_class == summary_pb2.DATA_CLASS_SCALAR
            assert value.tensor.dtype == types_pb2.DT_FLOAT and len(value.tensor.tensor_shape.dim) == 0
            found.setdefault(value.tag, []).append((event.step, float(tf.make_ndarray(value.tensor))))
    return found


def test_export_one_trial_reads_back_both_ways(tmp_path):
    rows = table()
    runs = export_tensorboard(rows, tmp_path)
    assert [p.name for p in runs] == ["case_0", "case_5"]
    assert all(p.parent == tmp_path / "tensorboard" for p in runs)
    for run, case in zip(runs, ("0", "5")):
        want = expected(rows, case, 0)
        assert read_scalars(run) == want
        assert read_independently(run) == want
        assert set(want) == set(SCALAR_TAGS) and all(len(v) == 3 for v in want.values())


def test_several_trials_get_their_own_runs_and_reexport_replaces(tmp_path):
    rows = table(trials=(0, 1))
    runs = export_tensorboard(rows, tmp_path)
    assert sorted(p.name for p in runs) == ["case_0_trial_0", "case_0_trial_1",
                                            "case_5_trial_0", "case_5_trial_1"]
    assert read_independently(tmp_path / "tensorboard" / "case_5_trial_1") == expected(rows, "5", 1)
    # Exporting again replaces the old event file instead of adding a second one.
    export_tensorboard(rows, tmp_path)
    assert read_scalars(tmp_path / "tensorboard" / "case_5_trial_1") == expected(rows, "5", 1)
    # Custom names, made safe for a directory.
    runs = export_tensorboard(table(), tmp_path / "named", run_name_fn=lambda c, t: f"dilated/{c}")
    assert [p.name for p in runs] == ["dilated_0", "dilated_5"]


def test_non_finite_and_huge_values_are_written(tmp_path):
    rows = [MetricRow(0, "c", 0, "train", 5.0e17, 0.0985, 1.0),
            MetricRow(0, "c", 0, "test", math.nan, 0.0958, 1.0),
            MetricRow(0, "c", 1, "train", math.inf, math.nan, 1.0),
            MetricRow(0, "c", 1, "test", -math.inf, 0.1, 1.0)]
    (run,) = export_tensorboard(rows, tmp_path)
    for found in (read_scalars(run), read_independently(run)):
        assert found["train/cost"] == [(0, float(np.float32(5.0e17))), (1, math.inf)]
        assert math.isnan(found["test/cost"][0][1]) and found["test/cost"][1] == (1, -math.inf)
        assert found["train/accuracy"][0] == (0, float(np.float32(0.0985)))
        assert math.isnan(found["train/accuracy"][1][1])


def test_read_scalars_understands_simple_value_and_reports_missing_files(tmp_path):
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2
    from tensorflow.core.util import event_pb2

    path = tmp_path / "events.out.tfevents.1.legacy"
    with tf.io.TFRecordWriter(str(path)) as writer:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="test/accuracy", simple_value=0.5)])
        writer.write(event_pb2.Event(step=7, summary=summary).SerializeToString())
    assert read_scalars(tmp_path) == {"test/accuracy": [(7, 0.5)]}
    with pytest.raises(FileNotFoundError):
        read_scalars(tmp_path / "nothing")
