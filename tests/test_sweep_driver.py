"""Driving a study for real: pruning through the stop request, and resuming after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from mnist_lab.cli import main
from mnist_lab.config import preset
from mnist_lab.store import RequestKind, RunStatus
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.driver import drive, prune_trials
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import Budget, StudySpec, TrialState, trials


def epoch_points(store, run_id, values):
    for epoch, value in enumerate(values, 1):
        store.log_metrics(run_id, "epoch", epoch, epoch * 10, float(epoch),
                          {"val_accuracy": value, "loss": 1.0})


def test_a_trial_below_the_median_is_pruned_through_the_stop_request(store):
    config = preset("lenet5").to_dict()
    for number, curve in enumerate(([0.90, 0.95], [0.91, 0.96], [0.92, 0.97])):
        run_id = store.create_run(config, sweep_id="p", trial={"point": {"x": number}, "seed": 0})
        epoch_points(store, run_id, curve)
        store.set_status(run_id, RunStatus.COMPLETED)
    hopeless = store.create_run(config, sweep_id="p", trial={"point": {"x": 9}, "seed": 0})
    promising = store.create_run(config, sweep_id="p", trial={"point": {"x": 8}, "seed": 0})
    for run_id in (hopeless, promising):
        assert store.claim(run_id, os.getpid(), max_running=5)
    epoch_points(store, hopeless, [0.50, 0.55])
    epoch_points(store, promising, [0.93, 0.98])
    said = []

    prune_trials(store, trials(store, "p"), {}, said.append)

    assert [request.kind for request in store.take_requests(hopeless)] == [RequestKind.STOP]
    assert store.take_requests(promising) == []
    assert store.get(hopeless).trial["pruned_at"] == 2
    assert said == ["pruning  x=9 seed 0 at epoch 2: 55.00% validation accuracy is below the median"]
    store.set_status(hopeless, RunStatus.STOPPED)  # what the trainer does on the stop request
    assert {t.run.id: t.state for t in trials(store, "p")}[hopeless] is TrialState.PRUNED


def test_a_trial_that_trained_its_last_epoch_is_never_pruned(store):
    """The issue's trial: below the median at its third and last epoch. Pruned, it was counted
    done with `pruned_at: 3`; now it is left alone, completes, and counts as a result."""
    config = preset("lenet5").replace(epochs=2).to_dict()
    for number, curve in enumerate(([0.90, 0.95], [0.91, 0.96], [0.92, 0.97])):
        run_id = store.create_run(config, sweep_id="p", trial={"point": {"x": number}, "seed": 0})
        epoch_points(store, run_id, curve)
        store.set_status(run_id, RunStatus.COMPLETED)
    last = store.create_run(config, sweep_id="p", trial={"point": {"x": 9}, "seed": 0})
    assert store.claim(last, os.getpid(), max_running=5)
    epoch_points(store, last, [0.50, 0.55])  # both of its epochs are trained
    said = []

    prune_trials(store, trials(store, "p"), {}, said.append)

    assert store.take_requests(last) == [] and said == []
    assert "pruned_at" not in store.get(last).trial


def sweep_command(store, name):
    return [sys.executable, "-m", "mnist_lab", "--home", str(store.home), "sweep", "--grid",
            "blocks.downsample=max,avg", "--repeats", "2", "--epochs", "1", "--subset", "5",
            "--name", name]


def test_a_study_killed_with_sigkill_resumes_without_training_a_finished_trial_again(
        store, small_npz, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    driver = subprocess.Popen(sweep_command(store, "killed"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not any(t.state is TrialState.DONE for t in trials(store, "killed")):
            assert time.monotonic() < deadline, "no trial finished"
            assert driver.poll() is None, "the study ended before it could be killed"
            time.sleep(0.2)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finished_before = {t.run.id for t in trials(store, "killed") if t.state is TrialState.DONE}

    assert main(["--home", str(store.home), "sweep", "--study", "killed"]) == 0

    after = trials(store, "killed")
    done = Counter((t.point["blocks.downsample"], t.seed) for t in after if t.state is TrialState.DONE)
    assert done == {("max", 0): 1, ("avg", 0): 1, ("max", 1): 1, ("avg", 1): 1}
    assert finished_before <= {t.run.id for t in after if t.state is TrialState.DONE}
    assert not StudyIndex(store).get("killed").driven
    assert "study killed: 4 done" in capsys.readouterr().out


class NeverTraining:
    """Two trainers that never take a trial: the executor sees what the driver queued for
    them, then asks the study to stop."""

    def __init__(self, store, name: str) -> None:
        self.store, self.name, self.queued = store, name, []

    def slots(self) -> int:
        return 2

    def serve(self, count: int) -> None:
        self.queued.append(sum(trial.state is TrialState.QUEUED for trial in trials(self.store, self.name)))
        StudyIndex(self.store).request_stop(self.name)

    def close(self) -> None:
        pass


def test_one_trial_waits_in_line_for_each_trainer(store):
    """Trainers that start together finish together: with one trial waiting for both, the
    second idled until the driver's next look (up to a second a trial)."""
    spec = StudySpec(name="line", base=preset("lenet5"), repeats=2, confirm=False,
                     dimensions=[parse_grid("blocks.downsample=max,avg")], budget=Budget(epochs=1))
    spec.validate()
    StudyIndex(store).create(spec.name, spec.to_dict())
    executor = NeverTraining(store, spec.name)

    drive(store, spec, executor, say=lambda line: None)

    assert executor.queued == [4]  # 2 training (once claimed) and 1 in line for each
