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


class LoseTheNode:
    """Takes the Ray node of trial `victim`'s actor out of the cluster (its raylet and every process on
    it killed, `allow_graceful=False`: as a machine that is switched off) at the trial's first step."""

    def __init__(self, cluster, victim: int):
        self.cluster, self.victim, self.dir, self.lost = cluster, victim, None, None

    def on_study_started(self, study_dir, state):
        self.dir = Path(study_dir)

    def on_step(self, k, event):
        if k != self.victim or self.lost is not None:
            return
        worker = json.loads((self.dir / f"trial-{k}" / "manifest.json").read_text())["worker"]
        node = next(n for n in self.cluster.list_all_nodes() if n.node_id == worker["ray_node_id"])
        self.lost = node.node_id
        self.cluster.remove_node(node, allow_graceful=False)


def test_a_trial_on_a_lost_ray_node_is_retried_on_another_node(tmp_path):
    """Three nodes on one machine: a head without CPUs (so that no actor is on it) and three of one CPU,
    two of them given an actor each; the node of trial 1's actor is removed mid-trial."""
    from workbench.execution.study_driver import run_study
    from workbench.core.config import DataSpec, load_preset
    from workbench.studies.spec import StudyOptions, StudySpec
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False,
                                                            "object_store_memory": 100 * 2**20})
    for _ in range(3):
        cluster.add_node(num_cpus=1, object_store_memory=100 * 2**20)
    cluster.wait_for_nodes()
    try:
        base = (load_preset("quick", "vanilla").with_(cases=("0", "1"), data=DataSpec("sample", 200, 100))
                .with_train(epochs=2, batch_size=50))
        killer = LoseTheNode(cluster, victim=1)
        outcome = run_study(StudySpec.from_config(base, seeds=(0, 1)), tmp_path / "s",
                            StudyOptions("ray", workers=2, threads_per_worker=1, address=cluster.address,
                                         pack=False), killer)
    finally:
        import ray as ray_module
        ray_module.shutdown()
        cluster.shutdown()
    assert killer.lost is not None
    assert outcome.status == "completed", outcome.error
    state = read_study(tmp_path / "s")
    entry = {t["index"]: t for t in state["trials"]}[1]
    assert entry["attempts"] == 2 and entry["status"] == "completed"
    aside = json.loads((tmp_path / "s" / entry["previous_folders"][0] / "manifest.json").read_text())
    assert aside["status"] == "interrupted" and "worker lost" in aside["error"]
    retried = json.loads((tmp_path / "s" / "trial-1" / "manifest.json").read_text())
    assert retried["status"] == "completed" and retried["worker"]["ray_node_id"] != killer.lost
