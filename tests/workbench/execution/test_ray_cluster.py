"""A study sent to a running Ray cluster of two nodes (`--address`), as a user with a cluster would."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from workbench.studies.study_file import read_study  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--arch", "vanilla", "--cases", "0,1", "--epochs", "1", "--train-limit", "200", "--test-limit", "100",
        "--batch-size", "50"]


@pytest.fixture
def two_nodes():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 100 * 2**20})
    cluster.add_node(num_cpus=1, object_store_memory=100 * 2**20)
    cluster.wait_for_nodes()
    try:
        yield cluster
    finally:
        cluster.shutdown()


def test_a_study_on_a_two_node_cluster_runs_a_trial_on_each_node(two_nodes, tmp_path):
    out = tmp_path / "study"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "main.py", "study", *TINY, "--seeds", "0,1", "--backend", "ray",
                           "--address", two_nodes.address, "--workers", "2", "--threads-per-worker", "1",
                           "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    state = read_study(out)
    assert [t["status"] for t in state["trials"]] == ["completed", "completed"]
    nodes = set()
    for t in state["trials"]:
        manifest = json.loads((out / t["folder"] / "manifest.json").read_text())
        assert manifest["status"] == "completed" and manifest["worker"]["backend"] == "ray"
        nodes.add(manifest["worker"]["ray_node_id"])
    # one CPU per node and one CPU per actor: Ray must place one actor on each node
    assert len(nodes) == 2, nodes
