"""A fake trainer for page tests: writes a known history and artifacts straight into a store.

The probabilities are made from real MNIST test labels with a chosen set of mistakes, so the
pages show numbers a test can state (for example: exactly 7 test 4s predicted as 9).
"""

from __future__ import annotations

import os

import numpy as np

from mnist_lab.config import RunConfig, preset
from mnist_lab.store import RunStatus, RunStore, artifacts

# (true, predicted, how many): the mistakes every fake run makes on the test set.
MISTAKES = ((4, 9, 7), (7, 2, 5), (3, 5, 3))
# (image, digit): images a fake run reads, at 99.5%, as another digit than their label says, as
# a model does a mislabelled image; the first of each MISTAKES digit are left alone.
FLIPPED = ((9990, 0), (9991, 1), (9992, 2), (9993, 3), (9994, 4), (9995, 5))
# A known per-epoch history of 8 tracked training images (labels 0..7), image by image over
# 4 epochs (R right, W wrong):
#   0: R R W W  one event, wrong at the end       4: R R R R  learned at 1
#   1: W R R R  learned at 2                      5: R W R W  two events, wrong at the end
#   2: R W R R  one event, learned at 3           6: W W W R  learned at 4
#   3: W W W W  never learned                     7: R W W R  one event, learned at 4
TRACKED_LABELS = np.array([0, 1, 2, 3, 4, 5, 6, 7])
TRACKED_CORRECT = np.array([
    [1, 0, 1, 0, 1, 1, 0, 1],
    [1, 1, 0, 0, 1, 0, 0, 0],
    [0, 1, 1, 0, 1, 1, 0, 0],
    [0, 1, 1, 0, 1, 0, 1, 1],
], dtype=bool)
TRACKED_HISTORY = np.where(TRACKED_CORRECT, TRACKED_LABELS, (TRACKED_LABELS + 1) % 10)


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


def with_flipped(probabilities: np.ndarray, labels: np.ndarray, flipped) -> np.ndarray:
    """A copy in which each (image, digit) of `flipped` is read as `digit` at 99.5% (or as the
    next digit, when `digit` is its label), as a model reads an image whose label is wrong."""
    probabilities = probabilities.copy()
    for image, digit in flipped:
        digit = digit if digit != labels[image] else (digit + 1) % 10
        probabilities[image] = 0.005 / 9
        probabilities[image, digit] = 0.995
    return probabilities


def seed_run(store: RunStore, y_test: np.ndarray, *, name: str = "lenet5", preset_name: str = "lenet5",
             epochs: int = 3, status: RunStatus = RunStatus.COMPLETED, mistakes=MISTAKES,
             seed: int = 0, study: str | None = None, trial: dict | None = None, flipped=(),
             config: RunConfig | None = None, summary: dict | None = None) -> str:
    """A finished run with metrics, summary and every artifact but the model file; with
    `study` and `trial`, one trial of that study; with `config`, that config in place of the
    preset's (with `classes`, trained and scored on those digits only); `summary` adds to
    the summary."""
    config = config or preset(preset_name).replace(epochs=epochs)
    if config.classes:
        y_test = y_test[np.isin(y_test, config.classes)]
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
    probabilities = with_flipped(fake_probabilities(y_test, mistakes, seed), y_test, flipped)
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
        "params": 61706, "flops": 839344, "learning_rate_changes": [], **(summary or {}),
    })
    store.set_status(run_id, status)
    return run_id


def seed_embeddings(store: RunStore, run_id: str) -> None:
    """Stated vectors for a run's test images: its predicted digit's one-hot times 5, plus a
    little noise, as embeddings.npz (each digit a cluster, each mistake in the digit read)."""
    probabilities, _ = artifacts.read_predictions(store.run_dir(run_id))
    vectors = np.eye(10)[probabilities.argmax(axis=1)] * 5
    vectors += np.random.default_rng(0).normal(0, 0.1, vectors.shape)
    store.write_artifact(run_id, artifacts.EMBEDDINGS_FILE, lambda path: artifacts.write_embeddings(
        path, vectors, "dense2", 10))


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
              started_at=None, ended_at=None, heartbeat_at=None, pid=None, config={"seed": seed},
              summary=summary,
              tags=[], notes="", sweep_id="study", error=None, trial=trial)
    return Trial(run, point, seed, phase)


def seed_tracked(store: RunStore, run_id: str, predicted: np.ndarray, labels: np.ndarray,
                 index: np.ndarray | None = None) -> None:
    """The run's per-epoch labels of tracked training images, as training writes them."""
    index = np.arange(len(labels)) if index is None else index
    store.write_artifact(run_id, artifacts.TRACKED_FILE, lambda path: np.savez_compressed(
        path, predicted=np.asarray(predicted, dtype=np.uint8), labels=labels, index=index))


def seed_fold_runs(store: RunStore, y_train: np.ndarray, y_test: np.ndarray, *, folds: int = 3,
                   flipped=(), only=None) -> list[str]:
    """Finished k-fold runs of lenet5 (folds 1..k, or those in `only`), each holding out its
    fold of all training images with confident right answers except `flipped`."""
    from mnist_lab.data import split_fold

    config = preset("lenet5").replace(epochs=1, folds=folds)
    everyone = with_flipped(fake_probabilities(y_train, mistakes=()), y_train, flipped)
    run_ids = []
    for fold in only or range(1, folds + 1):
        run_id = seed_run(store, y_test, name=f"fold {fold}", epochs=1,
                          config=config.replace(fold=fold))
        _, held_out = split_fold(y_train, folds, fold, config.seed)
        store.write_artifact(run_id, artifacts.HELDOUT_FILE, lambda path, held_out=held_out:
                             np.savez_compressed(path, probabilities=everyone[held_out],
                                                 index=held_out, train_labels=y_train.astype(np.uint8)))
        run_ids.append(run_id)
    return run_ids


def seed_shuffled_run(store: RunStore, y_test: np.ndarray) -> str:
    """A run whose stored test labels are MNIST's in another order."""
    run_id = seed_run(store, y_test)
    order = np.random.default_rng(0).permutation(len(y_test))
    store.write_artifact(run_id, artifacts.PREDICTIONS_FILE, lambda path: np.savez_compressed(
        path, probabilities=fake_probabilities(y_test[order]), y_test=y_test[order]))
    return run_id
