"""Train one run: the keras-io MNIST convnet example, with a recorder plugged in.

Prepare the data, build the model, train it with the live callbacks, evaluate on the test
set, save the artifacts. The callbacks (`mnist_lab.training.callbacks`) do the recording and the
control, into a `Recorder` (the run store, or a Ray trial's stand-in); this file only tells
the story.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import keras
import numpy as np

from mnist_lab import analysis, figures
from mnist_lab.analysis.embeddings import compress
from mnist_lab.analysis.inspection import embed
from mnist_lab.config import RunConfig
from mnist_lab.data import NUM_CLASSES, Mnist, prepare, stratified_subset
from mnist_lab.model import Architecture, checked
from mnist_lab.model.build import build_model
from mnist_lab.model.predict import predict_batches
from mnist_lab.store import TERMINATED_BY_SIGTERM, RunStatus
from mnist_lab.store.artifacts import (
    CURVES_FILE,
    EMBEDDINGS_FILE,
    HELDOUT_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    TRACKED_FILE,
    VALIDATION_FILE,
    write_embeddings,
)
from mnist_lab.training import transfer
from mnist_lab.training.callbacks import (
    ConsolePrinter,
    EpochPredictions,
    EpochValidation,
    LiveMetrics,
    RunControl,
    StepCounter,
    TrainingClock,
)
from mnist_lab.training.optimizer import ScheduledRate, make_optimizer
from mnist_lab.training.recorder import Recorder

# The trainer's last line in its log (`metric points of RUN_ID: N`): the points it wrote.
METRIC_POINTS_LINE = "metric points of"
# Training images whose predicted labels are recorded after every epoch (5,000 in all), for
# the examples learned late, never learned or forgotten.
TRACKED_PER_CLASS = 500


def configure_threads(threads: int | None = None) -> None:
    """Set TensorFlow's thread pools; must run before TensorFlow's first operation.

    Other Keras backends (KERAS_BACKEND=jax on a GPU machine) size their own pools.
    """
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    threads = threads or int(os.environ.get("MNIST_LAB_THREADS", "0")) or os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1 if threads <= 2 else 2)
    except RuntimeError:
        # TensorFlow already ran an operation in this process (training called from a
        # notebook or a test): its pools are fixed now, and training works with them.
        pass


def train(config: RunConfig | Architecture, store: Recorder, run_id: str, data: Mnist, *,
          parent_model: Path | None = None, console: bool = False,
          terminate: threading.Event | None = None) -> dict:
    """Train a checked config as run `run_id`, recording into `store`; save its artifacts and
    return its summary.

    `parent_model`: the saved model whose weights start this run, when its config has
    `init_from`. Setting `terminate` (the trainer's SIGTERM handler does) ends training after
    the current batch; what was learned is saved and the run is reported interrupted.
    """
    architecture = checked(config)
    config = architecture.config
    keras.utils.set_random_seed(config.seed)

    # Prepare the data: scaled to [0, 1], a stratified validation split, one-hot labels.
    splits = prepare(data, validation_split=config.validation_split, subset=config.subset,
                     classes=config.classes, seed=config.seed, folds=config.folds, fold=config.fold)
    y_train = keras.utils.to_categorical(splits.y_train, NUM_CLASSES)
    steps_per_epoch = -(-len(splits.x_train) // config.batch_size)

    # Build the model, from a saved run's weights if asked.
    model = build_model(architecture)
    inherited = transfer.initialize(model, config, parent_model)
    # The schedule runs inside the optimizer, per step, so several steps per execution (one
    # call into TensorFlow for many batches) leave every schedule as it is.
    learning_rate = ScheduledRate(config.schedule, config.learning_rate, config.epochs * steps_per_epoch)

    def compile_model() -> None:  # again for a fine-tune's second phase, with its own optimizer
        model.compile(optimizer=make_optimizer(config, learning_rate), metrics=["accuracy"],
                      loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                      steps_per_execution=config.steps_per_execution)

    compile_model()
    # A fine-tune trains the new layers alone first; the copied ones join at `unfrozen_at`.
    unfrozen_at = transfer.head_epochs(config) if inherited else None
    # What the live view needs for progress and ETA, known before the first batch.
    plan = {"steps_per_epoch": steps_per_epoch, "epochs": config.epochs,
            "train_images": len(splits.x_train),
            "params": architecture.params, "flops": architecture.flops,
            **(inherited.summary() if inherited else {}),
            **({"unfrozen_at_epoch": unfrozen_at} if unfrozen_at else {})}
    store.set_summary(run_id, plan)

    # Train, recording into the run store and obeying its requests.
    clock = TrainingClock()
    counter = StepCounter(steps_per_epoch, config.batch_size, len(splits.x_train))
    live = LiveMetrics(store, run_id, clock, counter)

    def new_learning_rate(rate: float) -> None:  # from the next execution on; shown at once
        learning_rate.request(rate, counter.steps)
        live.record_now()

    control = RunControl(store, run_id, clock, on_learning_rate=new_learning_rate,
                         terminate=terminate)
    validation = EpochValidation(
        splits.x_val, splits.y_val, counter,
        on_predictions=lambda labels: _save_validation(store, run_id, labels, splits),
    )
    tracked = stratified_subset(splits.y_train, TRACKED_PER_CLASS, config.seed)
    tracking = EpochPredictions(
        splits.x_train[tracked], counter,
        on_predictions=lambda labels: _save_tracked(store, run_id, labels, splits, tracked),
    )
    callbacks = [counter, validation, tracking, control, live]
    if console:
        callbacks.append(ConsolePrinter(config.epochs, clock, counter))
    def fit(first_epoch: int, last_epoch: int) -> dict:
        return model.fit(splits.x_train, y_train, batch_size=config.batch_size, verbose=0,
                         initial_epoch=first_epoch, epochs=last_epoch, callbacks=callbacks).history

    logged = fit(0, unfrozen_at or config.epochs)
    if unfrozen_at and not (control.stopped or control.terminated):
        thawed = transfer.unfreeze(model, inherited)
        learning_rate = learning_rate.continued(config.fine_tune_rate, counter.steps)
        compile_model()
        print(f"epoch {unfrozen_at}: {', '.join(thawed) or 'nothing'} unfrozen; the rate is now "
              f"×{config.fine_tune_rate:g}", file=sys.stderr, flush=True)
        more = fit(unfrozen_at, config.epochs)
        logged = {key: logged.get(key, []) + more.get(key, []) for key in {*logged, *more}}
    train_seconds, train_cpu_seconds = clock.elapsed(), clock.cpu_elapsed()
    # Keras also logs an epoch cut short by a stop; the record keeps whole epochs only.
    epochs = {key: values[:counter.epochs_completed] for key, values in logged.items()}

    # Evaluate on the test set, which training never saw; the same pass gives each image's
    # vector in the layer the output reads (the learned space the Errors page draws).
    probabilities, vectors, layer = embed(model, splits.x_test)

    # Save the artifacts, each written whole or not at all.
    store.write_artifact(run_id, MODEL_FILE, lambda path: model.save(path))
    store.write_artifact(run_id, PREDICTIONS_FILE, lambda path: np.savez_compressed(
        path, probabilities=probabilities.astype(np.float32), y_test=splits.y_test))
    store.write_artifact(run_id, EMBEDDINGS_FILE, lambda path: write_embeddings(
        path, compress(vectors), layer, vectors.shape[1]))
    if len(splits.heldout_index):  # a k-fold run: its fold's out-of-sample probabilities
        held_out = predict_batches(model, splits.x_heldout)
        store.write_artifact(run_id, HELDOUT_FILE, lambda path: np.savez_compressed(
            path, probabilities=held_out.astype(np.float32), index=splits.heldout_index,
            train_labels=data.y_train.astype(np.uint8)))
    curves = figures.classic_curves(epochs, unfrozen_at=unfrozen_at)
    store.write_artifact(run_id, CURVES_FILE, lambda path: curves.savefig(path, format="png"))

    val_accuracy = epochs.get("val_accuracy", [])
    summary = {
        **plan,
        "test_accuracy": float(np.mean(probabilities.argmax(axis=1) == splits.y_test)),
        "test_images": len(splits.y_test),
        "test_loss": analysis.cross_entropy(probabilities, splits.y_test),
        "train_seconds": round(train_seconds, 2),
        "train_cpu_seconds": round(train_cpu_seconds, 2),
        "images_seen": counter.images_seen,
        "images_per_second": round(counter.images_seen / train_seconds, 1) if train_seconds else 0.0,
        "epochs_completed": counter.epochs_completed,
        "epochs_trained": round(counter.epochs_trained, 2),
        "final_accuracy": float(epochs["accuracy"][-1]) if epochs.get("accuracy") else None,
        "final_val_accuracy": float(val_accuracy[-1]) if val_accuracy else None,
        "best_val_accuracy": float(max(val_accuracy)) if val_accuracy else None,
        "learning_rate_changes": learning_rate.changes,
    }
    store.set_summary(run_id, summary)
    # A stop that came after the last batch stopped nothing: the run trained as configured.
    cut_short = counter.epochs_completed < config.epochs
    if control.terminated and cut_short:
        store.set_status(run_id, RunStatus.INTERRUPTED, error=TERMINATED_BY_SIGTERM)
    else:
        store.set_status(run_id, RunStatus.STOPPED if control.stopped and cut_short else RunStatus.COMPLETED)
    if not console:  # in the trainer's log: what it wrote, to check against the store
        print(f"{METRIC_POINTS_LINE} {run_id}: {live.recorded}", file=sys.stderr, flush=True)
    return summary


def _save_validation(store: Recorder, run_id: str, labels: np.ndarray, splits) -> None:
    """Each epoch's predicted validation labels (uint8, epochs x images): a few KB per epoch."""
    store.write_artifact(run_id, VALIDATION_FILE, lambda path: np.savez_compressed(
        path, predicted=labels, y_val=splits.y_val, val_index=splits.val_index))


def _save_tracked(store: Recorder, run_id: str, labels: np.ndarray, splits, tracked) -> None:
    """Each epoch's predicted labels of the tracked training images, with their true labels
    and positions in the training images (16 KB after 10 epochs of lenet5)."""
    store.write_artifact(run_id, TRACKED_FILE, lambda path: np.savez_compressed(
        path, predicted=labels, labels=splits.y_train[tracked],
        index=splits.train_index[tracked]))
