"""Studies on a real two-node Ray cluster on this machine: trials on both nodes, every result in
the store, and a worker killed mid-trial loses nothing. Without Ray, nothing of it is imported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from mnist_lab.processes import BACKGROUND_NICENESS
from mnist_lab.store import RunStatus, RunStore
from mnist_lab.sweeps.study import TrialState, trials
from tests.ray_cluster import ENV, two_node_cluster

pytest.importorskip("ray", reason="Ray is an optional extra: pip install -r requirements-ray.txt")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with two_node_cluster(tmp_path_factory.mktemp("ray")) as address:
        yield address


def sweep(store, small_npz, address, name, *flags) -> subprocess.Popen:
    env = {**ENV, "MNIST_LAB_DATA": str(small_npz)}
    return subprocess.Popen(
        [sys.executable, "-m", "mnist_lab", "--home", str(store.home), "sweep", "--ray-address",
         address, "--name", name, *flags], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def test_a_study_runs_its_trials_on_both_nodes_and_every_result_reaches_the_store(
        cluster, store, small_npz):
    driver = sweep(store, small_npz, cluster, "two-nodes", "--grid", "blocks.downsample=max,avg",
                   "--repeats", "2", "--epochs", "1", "--subset", "5")
    output, _ = driver.communicate(timeout=600)
    assert driver.returncode == 0, output
    found = trials(store, "two-nodes")
    assert sorted((t.point["blocks.downsample"], t.seed, t.state) for t in found) == [
        ("avg", 0, TrialState.DONE), ("avg", 1, TrialState.DONE),
        ("max", 0, TrialState.DONE), ("max", 1, TrialState.DONE)]
    assert len({t.run.trial["node"] for t in found}) == 2  # one CPU per node: both were used
    # Like a local background trainer, a trial yields the CPU to the dashboard on its machine.
    assert min(t.run.trial["niceness"] for t in found) >= BACKGROUND_NICENESS
    for trial in found:
        assert store.artifact(trial.run.id, "model.keras").is_file()
        assert store.artifact(trial.run.id, "predictions.npz").is_file()
        epochs = store.metrics(trial.run.id).query("kind == 'epoch'")
        assert list(epochs["epoch"]) == [1] and trial.run.summary["epochs_completed"] == 1
        assert trial.run.trial["network_bytes"] > 0
    assert "on Ray at" in output


def test_a_worker_killed_mid_trial_is_retried_and_loses_nothing(cluster, store, small_npz):
    driver = sweep(store, small_npz, cluster, "killed-worker", "--grid", "blocks.downsample=max",
                   "--epochs", "4", "--subset", "50")
    try:
        deadline = time.monotonic() + 300
        while True:
            found = trials(store, "killed-worker")
            pid = found and (found[0].run.trial or {}).get("worker_pid")
            if pid and len(store.metrics(found[0].run.id)):
                break
            assert time.monotonic() < deadline and driver.poll() is None, "the trial never trained"
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        output, _ = driver.communicate(timeout=600)
    finally:
        driver.kill()
    assert driver.returncode == 0, output
    (trial,) = trials(store, "killed-worker")
    assert trial.run.status is RunStatus.COMPLETED and trial.run.trial["attempts"] == 2
    epochs = store.metrics(trial.run.id).query("kind == 'epoch'")
    assert list(epochs["epoch"]) == [1, 2, 3, 4]  # the retry's history only, once
    assert store.artifact(trial.run.id, "model.keras").is_file()


def test_an_unreachable_cluster_is_named_in_one_line(store, capsys):
    from mnist_lab.cli import main

    assert main(["--home", str(store.home), "sweep", "--grid", "blocks.downsample=max,avg",
                 "--ray-address", "127.0.0.1:1", "--name", "nowhere"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "cannot reach the Ray cluster at 127.0.0.1:1" in error


def test_without_an_address_nothing_of_ray_is_imported(tmp_path, small_npz):
    code = ("import sys\nfrom mnist_lab.cli import main\n"
            f"main(['--home', {str(tmp_path)!r}, 'sweep', '--grid', 'blocks.downsample=max',"
            " '--epochs', '1', '--subset', '5', '--name', 'plain'])\n"
            "print('ray imported' if 'ray' in sys.modules else 'no ray')\n")
    env = {**os.environ, "MNIST_LAB_DATA": str(small_npz), "MNIST_LAB_THREADS": "1"}
    env.pop("RAY_ADDRESS", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip().splitlines()[-1] == "no ray"
    assert [t.state for t in trials(RunStore(tmp_path), "plain")] == [TrialState.DONE]
