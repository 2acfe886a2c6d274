"""Training end to end: the CLI, the background trainer, stop/pause/lr requests, SIGKILL."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_lab.cli import EXIT_TERMINATED, main
from mnist_lab.config import preset
from mnist_lab.processes import BACKGROUND_NICENESS, NICE_ENV
from mnist_lab.processes import lab_command as trainer_command
from mnist_lab.store import RequestKind, RunStatus, artifacts
from mnist_lab.training.runner import launch


@pytest.fixture
def small_data(small_npz, monkeypatch):
    """Trainers (in this process and in children) read the 500-image npz."""
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    return small_npz


def wait_for(condition, timeout=120.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def long_run(store, epochs=300):
    """A queued run on the small data that would take minutes if nobody stopped it."""
    config = preset("lenet5").replace(epochs=epochs, batch_size=16)
    return store.create_run(config.to_dict(), name="long")


def test_cli_trains_saves_every_artifact_and_reports(store, small_data, capsys):
    code = main(["--home", str(store.home), "train", "--preset", "lenet5", "--epochs", "2",
                 "--filters", "8,16", "--kernel", "3", "--downsample", "strided", "--name", "tiny"])
    output = capsys.readouterr()
    assert code == 0
    run = store.list()[0]
    assert f"run id {run.id}" in output.out and "test accuracy" in output.out
    assert "epoch 2/2" in output.err
    assert run.status is RunStatus.COMPLETED and run.name == "tiny"
    assert run.config["blocks"][1]["downsample"] == "strided" and run.config["epochs"] == 2
    assert run.summary["epochs_completed"] == 2 and 0.0 <= run.summary["test_accuracy"] <= 1.0
    folder = store.run_dir(run.id)
    for name in (artifacts.CONFIG_FILE, artifacts.MODEL_FILE, artifacts.PREDICTIONS_FILE,
                 artifacts.CURVES_FILE, artifacts.VALIDATION_FILE):
        assert (folder / name).is_file(), name
    assert (folder / artifacts.CURVES_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    probabilities, y_test = artifacts.read_predictions(folder)
    assert probabilities.shape == (10000, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert np.mean(probabilities.argmax(axis=1) == y_test) == pytest.approx(run.summary["test_accuracy"])
    assert artifacts.read_validation(folder).predicted.shape == (2, 50)
    history = store.metrics(run.id)
    epochs = history[history["kind"] == "epoch"]
    assert list(epochs["epoch"]) == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "images_per_s"} <= set(epochs)


def test_saved_model_reproduces_the_recorded_accuracy(store, small_data):
    import keras

    assert main(["--home", str(store.home), "train", "--epochs", "1"]) == 0
    run = store.list()[0]
    model = keras.saving.load_model(store.artifact(run.id, artifacts.MODEL_FILE), safe_mode=True)
    from mnist_lab.data import load_mnist, normalize

    data = load_mnist()
    predicted = model.predict(normalize(data.x_test), verbose=0).argmax(axis=1)
    assert np.mean(predicted == data.y_test) == pytest.approx(run.summary["test_accuracy"], abs=1e-4)


def thread_niceness(pid: int) -> set[int]:
    """The niceness of every thread of a process (Linux sets it per thread)."""
    return {int(stat.read_text().rsplit(")", 1)[1].split()[16])
            for stat in Path(f"/proc/{pid}/task").glob("*/stat")}


def test_stop_request_ends_training_cleanly_and_keeps_the_model(store, small_data):
    run_id = long_run(store)
    process = launch(store, run_id)
    try:
        wait_for(lambda: not store.metrics(run_id).empty, what="the first metrics")
        # A background trainer, TensorFlow's threads included, yields the CPU to the dashboard.
        assert thread_niceness(process.pid) == {
            min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICENESS)}
        store.request(run_id, RequestKind.STOP)
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
    run = store.get(run_id)
    assert run.status is RunStatus.STOPPED
    assert 1 <= run.summary["epochs_completed"] < 300
    assert store.artifact(run_id, artifacts.MODEL_FILE).is_file()
    assert "test_accuracy" in run.summary


def test_pause_resume_and_a_new_learning_rate(store, small_data):
    run_id = long_run(store)
    process = launch(store, run_id)
    try:
        wait_for(lambda: not store.metrics(run_id).empty, what="the first metrics")
        store.request(run_id, RequestKind.PAUSE)
        wait_for(lambda: store.get(run_id).status is RunStatus.PAUSED, what="the pause")
        time.sleep(1.0)
        count = len(store.metrics(run_id))
        time.sleep(2.0)
        assert len(store.metrics(run_id)) == count  # nothing trains while paused
        store.request(run_id, RequestKind.SET_LEARNING_RATE, 0.002)
        # The live view's rate shows the new one while the run is still paused (it used to
        # wait for the first batch after the resume).
        wait_for(lambda: 0.002 in set(store.metrics(run_id).get("learning_rate", [])),
                 what="the new learning rate while paused")
        assert store.get(run_id).status is RunStatus.PAUSED
        from mnist_lab.live.feed import LiveFeed

        assert LiveFeed(store).poll(run_id)["progress"]["rate"] == "0.002"
        store.request(run_id, RequestKind.RESUME)
        wait_for(lambda: store.get(run_id).status is RunStatus.RUNNING, what="the resume")
        wait_for(lambda: 0.002 in set(store.metrics(run_id).get("learning_rate", [])),
                 what="the new learning rate in the history")
        store.request(run_id, RequestKind.STOP)
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
    run = store.get(run_id)
    assert run.status is RunStatus.STOPPED
    assert [rate for _, rate in run.summary["learning_rate_changes"]] == [0.002]


def test_sigkill_leaves_a_readable_interrupted_run_and_others_untouched(store, small_data, mnist):
    from fakes import seed_run

    other = seed_run(store, mnist.y_test, name="bystander")
    before = store.get(other)
    run_id = long_run(store)
    process = launch(store, run_id)
    try:
        wait_for(lambda: len(store.metrics(run_id)) >= 2, what="some metrics")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    run = store.get(run_id)
    assert run.status is RunStatus.INTERRUPTED and "ended unexpectedly" in run.error
    assert len(store.metrics(run_id)) >= 2
    assert store.get(other) == before


def test_sigterm_ends_training_saves_the_model_and_marks_the_run_interrupted(store, small_data):
    run_id = long_run(store)
    process = launch(store, run_id)
    try:
        wait_for(lambda: not store.metrics(run_id).empty, what="the first metrics")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == EXIT_TERMINATED
    finally:
        process.kill()
    run = store.get(run_id)
    assert run.status is RunStatus.INTERRUPTED and run.error == "terminated (SIGTERM)"
    assert store.artifact(run_id, artifacts.MODEL_FILE).is_file()
    assert run.summary["epochs_trained"] < 300


def test_second_run_waits_in_the_queue_and_can_leave_it(store, small_data):
    first, second = long_run(store), long_run(store)
    processes = [launch(store, first), launch(store, second)]
    try:
        wait_for(lambda: not store.metrics(first).empty, what="the first run to train")
        assert store.get(second).status is RunStatus.QUEUED
        store.request(second, RequestKind.STOP)
        assert processes[1].wait(timeout=60) == 0
        assert store.get(second).status is RunStatus.STOPPED
        store.request(first, RequestKind.STOP)
        assert processes[0].wait(timeout=120) == 0
    finally:
        for process in processes:
            process.kill()


@pytest.mark.slow
def test_lenet5_one_epoch_on_the_full_data_reaches_97_percent(store, monkeypatch, capsys):
    monkeypatch.delenv("MNIST_LAB_DATA", raising=False)
    assert main(["--home", str(store.home), "train", "--preset", "lenet5", "--epochs", "1"]) == 0
    run = store.list()[0]
    assert abs(run.summary["train_images"] - 54000) <= 5  # 90% of each class, rounded per class
    assert run.summary["test_accuracy"] >= 0.97


def test_a_trainer_outlives_the_process_that_started_it(store, small_data):
    """The dashboard may die while a run trains: the run still finishes and is saved."""
    import subprocess
    import sys

    config = preset("lenet5").replace(epochs=3)
    run_id = store.create_run(config.to_dict(), name="orphan")
    starter = subprocess.Popen([sys.executable, "-c", (
        "import os, signal, sys\n"
        "from mnist_lab.training.runner import launch\n"
        "from mnist_lab.store import RunStore\n"
        f"launch(RunStore({str(store.home)!r}), {run_id!r})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")])
    assert starter.wait(timeout=60) == -signal.SIGKILL
    wait_for(lambda: not store.get(run_id).status.active, what="the orphaned run to end")
    run = store.get(run_id)
    assert run.status is RunStatus.COMPLETED and run.summary["epochs_completed"] == 3
    assert store.artifact(run_id, artifacts.MODEL_FILE).is_file()


def test_a_stop_read_after_the_last_batch_leaves_the_run_completed(store, small_npz):
    """One batch an epoch, one epoch: the stop is read after the run's last batch, so it
    stopped nothing. The run trained as configured and is completed, not stopped (a study's
    trial pruned at its last epoch was counted both ways)."""
    from mnist_lab.data import load_mnist
    from mnist_lab.training.train import train

    config = preset("lenet5").replace(epochs=1, batch_size=64, subset=5)
    run_id = store.create_run(config.to_dict(), name="last batch")
    store.request(run_id, RequestKind.STOP)
    summary = train(config, store, run_id, load_mnist(str(small_npz)))
    assert (summary["epochs_completed"], summary["steps_per_epoch"]) == (1, 1)
    assert store.get(run_id).status is RunStatus.COMPLETED
    assert summary["test_images"] == 10_000


@pytest.mark.parametrize("steps_per_execution", [1, 4])
def test_a_stop_in_the_first_epoch_records_what_was_trained(store, small_npz, capsys, steps_per_execution):
    """A stop read after the first execution (1 or 4 batches): those batches of an epoch, not a
    whole epoch, are recorded."""
    from mnist_lab.data import load_mnist
    from mnist_lab.training.train import train

    config = preset("lenet5").replace(epochs=300, batch_size=16, steps_per_execution=steps_per_execution)
    run_id = store.create_run(config.to_dict(), name="cut short")
    store.request(run_id, RequestKind.STOP)
    summary = train(config, store, run_id, load_mnist(str(small_npz)))

    steps_per_epoch = -(-450 // 16)  # 500 images, 10% held out
    steps = steps_per_execution
    assert store.get(run_id).status is RunStatus.STOPPED
    assert (summary["epochs_completed"], summary["images_seen"]) == (0, 16 * steps)
    assert summary["epochs_trained"] == round(steps / steps_per_epoch, 2)
    assert summary["final_accuracy"] is None and summary["final_val_accuracy"] is None
    history = store.metrics(run_id)
    assert list(history["kind"]) == ["batch"] and list(history["step"]) == [steps]
    # The trainer's last line, which the load benchmark checks against the store.
    assert capsys.readouterr().err.endswith(f"metric points of {run_id}: 1\n")


def test_a_training_failure_exits_1_and_marks_the_run_failed(store, small_data, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ValueError("the optimizer diverged")

    monkeypatch.setattr("mnist_lab.training.train.train", broken)
    code = main(["--home", str(store.home), "train", "--preset", "lenet5", "--epochs", "1"])

    run = store.list()[0]
    assert code == 1  # not 2: the input was fine, training failed
    assert run.status is RunStatus.FAILED and run.error == "ValueError: the optimizer diverged"
    assert f"mnist-lab: run {run.id} failed: ValueError: the optimizer diverged" in capsys.readouterr().err


def test_a_queued_trainer_given_sigterm_says_so_in_one_line(store, small_data):
    import subprocess
    import sys

    from fakes import running_run

    running_run(store)  # holds the only slot, claimed by this test's own process
    trainer = subprocess.Popen(
        [sys.executable, "-m", "mnist_lab", "--home", str(store.home), "train", "--preset", "lenet5",
         "--epochs", "1", "--subset", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(store.list(statuses=(RunStatus.QUEUED,))) == 1, what="the queued run")
        queued = store.list(statuses=(RunStatus.QUEUED,))[0]
        wait_for(lambda: store.get(queued.id).pid == trainer.pid, what="the trainer's pid")
        time.sleep(1.0)  # into the queue's wait loop
        trainer.send_signal(signal.SIGTERM)
        _, err = trainer.communicate(timeout=60)
    finally:
        trainer.kill()
    assert trainer.returncode == EXIT_TERMINATED
    assert "Traceback" not in err
    assert f"mnist-lab: run {queued.id} interrupted: terminated (SIGTERM) while queued" in err
    assert store.get(queued.id).status is RunStatus.INTERRUPTED


def test_tensorflow_start_up_lines_are_shown_only_when_asked(store, small_npz):
    import subprocess
    import sys

    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(MNIST_LAB_DATA=str(small_npz), MNIST_LAB_THREADS="1")
    command = [sys.executable, "-m", "mnist_lab", "--home", str(store.home), "train", "--preset",
               "lenet5", "--epochs", "1", "--subset", "5"]
    quiet = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    verbose = subprocess.run([*command[:3], "--verbose", *command[3:]], env=env,
                             capture_output=True, text=True, timeout=300)
    assert quiet.returncode == verbose.returncode == 0
    assert "oneDNN" in verbose.stderr  # TensorFlow does talk on this machine
    noise = [line for line in quiet.stderr.splitlines()
             if line[:5] in ("I0000", "E0000", "W0000") or "absl" in line or "oneDNN" in line]
    assert noise == []
    assert "epoch 1/1" in quiet.stderr


def test_a_trainer_started_by_the_dashboard_is_reaped_when_it_ends(store, monkeypatch):
    """No defunct process under the dashboard: the trainer is waited for as soon as it exits."""
    import subprocess
    import sys

    from mnist_lab.training import runner

    monkeypatch.setattr(runner, "launch", lambda _store, _run_id: subprocess.Popen(
        [sys.executable, "-c", "pass"]))
    process = runner.start(store, store.create_run({}))

    def reaped() -> bool:
        try:
            with open(f"/proc/{process.pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # "Z": a zombie
        except FileNotFoundError:
            return True

    wait_for(lambda: process.returncode is not None and reaped(), timeout=30, what="the reaping")


@pytest.mark.parametrize("value", ["high", "-5", "20"])
def test_a_bad_niceness_is_named(monkeypatch, value):
    monkeypatch.setenv(NICE_ENV, value)
    with pytest.raises(ValueError) as error:
        trainer_command("train")
    assert str(error.value) == f"MNIST_LAB_NICE must be a whole number from 0 to 19, got '{value}'"
