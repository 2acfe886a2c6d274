"""A fake trainer for page tests: writes a known history and artifacts straight into a store.

The probabilities are made from real MNIST test labels with a chosen set of mistakes, so the
pages show numbers a test can state (for example: exactly 7 test 4s predicted as 9).
"""

from __future__ import annotations

import os

import numpy as np

from mnist_lab.config import preset
from mnist_lab.store import RunStatus, RunStore, artifacts

# (true, predicted, how many): the mistakes every fake run makes on the test set.
MISTAKES = ((4, 9, 7), (7, 2, 5), (3, 5, 3))


def fake_probabilities(y_test: np.ndarray, mistakes=MISTAKES, seed: int = 0) -> np.ndarray:
    """Confident right answers, except `count` samples of `true` answered as `predicted`."""
    rng = np.random.default_rng(seed)
    probabilities = np.full((len(y_test), 10), 0.002, dtype=np.float32)
    predicted = y_test.copy()
    for true, wrong, count in mistakes:
        predicted[np.flatnonzero(y_test == true)[:count]] = wrong
    confidence = rng.uniform(0.6, 0.98, size=len(y_test)).astype(np.float32)
    probabilities[np.arange(len(y_test)), predicted] = confidence
    probabilities[np.arange(len(y_test)), y_test] += np.where(predicted != y_test, 1 - confidence - 0.016, 0)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def seed_run(store: RunStore, y_test: np.ndarray, *, name: str = "lenet5", preset_name: str = "lenet5",
             epochs: int = 3, status: RunStatus = RunStatus.COMPLETED, mistakes=MISTAKES,
             seed: int = 0, study: str | None = None, trial: dict | None = None) -> str:
    """A finished run with metrics, summary and every artifact but the model file; with
    `study` and `trial`, one trial of that study."""
    config = preset(preset_name).replace(epochs=epochs)
    run_id = store.create_run(config.to_dict(), name=name, sweep_id=study, trial=trial)
    store.write_artifact(run_id, artifacts.CONFIG_FILE, lambda path: path.write_text(config.to_json()))
    steps = 100
    for epoch in range(1, epochs + 1):
        for part in (0.5, 1.0):
            store.log_metrics(run_id, "batch", epoch, int((epoch - 1 + part) * steps), epoch * 2.0 + part,
                              {"loss": 1.0 / (epoch + part), "accuracy": 1 - 0.1 / (epoch + part),
                               "epoch_progress": epoch - 1 + part, "learning_rate": 0.01,
                               "images_per_s": 5000.0})
        store.log_metrics(run_id, "epoch", epoch, epoch * steps, epoch * 2.0 + 1,
                          {"loss": 1.0 / (epoch + 1), "accuracy": 1 - 0.1 / (epoch + 1),
                           "val_loss": 1.2 / (epoch + 1), "val_accuracy": 1 - 0.12 / (epoch + 1),
                           "epoch_progress": float(epoch), "learning_rate": 0.01,
                           "images_per_s": 5000.0})
    probabilities = fake_probabilities(y_test, mistakes, seed)
    predicted = probabilities.argmax(axis=1)
    store.write_artifact(run_id, artifacts.PREDICTIONS_FILE, lambda path: np.savez_compressed(
        path, probabilities=probabilities, y_test=y_test))
    y_val = y_test[:500]
    val_predicted = np.stack([np.where(np.arange(500) % (epoch + 2) == 0, (y_val + 1) % 10, y_val)
                              for epoch in range(epochs)]).astype(np.uint8)
    store.write_artifact(run_id, artifacts.VALIDATION_FILE, lambda path: np.savez_compressed(
        path, predicted=val_predicted, y_val=y_val, val_index=np.arange(500)))
    store.set_summary(run_id, {
        "test_accuracy": float(np.mean(predicted == y_test)), "test_loss": 0.05,
        "train_seconds": 2.0 * epochs, "images_per_second": 5000.0, "epochs_completed": epochs,
        "best_val_accuracy": 1 - 0.12 / (epochs + 1), "final_val_accuracy": 1 - 0.12 / (epochs + 1),
        "steps_per_epoch": steps, "epochs": epochs, "train_images": 54000,
        "params": 61706, "flops": 839344, "learning_rate_changes": [],
    })
    store.set_status(run_id, status)
    return run_id


def running_run(store: RunStore, *, steps_per_epoch: int = 100, epochs: int = 3) -> str:
    """A claimed run two batch points in, whose rate someone changed to 0.005 on the way."""
    run_id = store.create_run(preset("lenet5").replace(epochs=epochs).to_dict(), name="live")
    assert store.claim(run_id, os.getpid(), max_running=1)
    store.set_summary(run_id, {"steps_per_epoch": steps_per_epoch, "epochs": epochs})
    for step, learning_rate in ((50, 0.01), (150, 0.005)):
        log_batch(store, run_id, step, learning_rate=learning_rate)
    return run_id


def log_batch(store: RunStore, run_id: str, step: int, *, loss: float = 0.5,
              learning_rate: float = 0.01) -> None:
    """A batch point as LiveMetrics writes it, 100 steps to an epoch, 320 images/s."""
    store.log_metrics(run_id, "batch", step // 100 + 1, step, step / 10,
                      {"loss": loss, "accuracy": 0.9, "epoch_progress": step / 100,
                       "learning_rate": learning_rate, "images_per_s": 320.0})


def fake_trial(point: dict, seed: int, accuracy: float | None = None, *, phase: str = "main",
               status: RunStatus = RunStatus.COMPLETED, number: int = 0, pruned_at=None):
    """A study trial as the store would give it back, without a store: its run's summary holds
    `accuracy` as test and validation accuracy."""
    from mnist_lab.store import Run
    from mnist_lab.sweeps.study import Trial

    trial = {"point": point, "seed": seed, "phase": phase}
    if pruned_at is not None:
        trial["pruned_at"] = pruned_at
    summary = {} if accuracy is None else {
        "test_accuracy": accuracy, "final_val_accuracy": accuracy, "params": 61706,
        "flops": 839344, "train_seconds": 5.0}
    run = Run(id=f"20260101-000000-{number:06x}", name="trial", status=status, created_at=float(number),
              started_at=None, ended_at=None, heartbeat_at=None, pid=None, config={}, summary=summary,
              tags=[], notes="", sweep_id="study", error=None, trial=trial)
    return Trial(run, point, seed, phase)
