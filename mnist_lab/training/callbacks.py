"""Keras callbacks that plug a run's recorder (the run store) into `model.fit`, one job each.

- `StepCounter` counts the batches trained, so a stop in the middle of an epoch is recorded as
  the fraction of an epoch it is (3.4 of 10 epochs), never as a whole one.
- `EpochPredictions` predicts fixed images once per whole epoch and keeps their labels: a
  stratified sample of the training images, for the examples learned late or forgotten.
- `EpochValidation` does that for the validation set and also supplies val_loss and
  val_accuracy (so Keras does not run its own validation pass); its labels feed the
  confusion-matrix-through-training view.
- `LiveMetrics` records batch points (throttled by time) and epoch points into the store.
- `RunControl` carries out stop, pause, resume and learning-rate requests from the store.
- `ConsolePrinter` draws a progress bar and prints one line per epoch.

They share one `TrainingClock`, so pauses are not counted as training time. With several
steps per execution Keras calls the batch hooks once per execution, with the first and the
last step it ran; every count here is of steps, so a stop, a pause or a batch point comes
after the execution, and a cut-short epoch counts exactly the steps it trained.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import keras
import numpy as np

from mnist_lab.analysis import cross_entropy
from mnist_lab.figures.training import BATCH_KIND, EPOCH_KIND, METRIC_KEYS
from mnist_lab.model.predict import predict_batches
from mnist_lab.store import RequestKind, RunStatus
from mnist_lab.training.recorder import Recorder


class TrainingClock:
    """Seconds of training so far, on the wall and of the process's CPU, not counting time
    spent paused. CPU seconds say what training cost on a machine whose speed drifts."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._cpu_start = time.process_time()
        self._paused_at: tuple[float, float] | None = None
        self._paused_total = 0.0
        self._paused_cpu = 0.0

    def elapsed(self) -> float:
        now = self._paused_at[0] if self._paused_at is not None else time.monotonic()
        return now - self._start - self._paused_total

    def cpu_elapsed(self) -> float:
        now = self._paused_at[1] if self._paused_at is not None else time.process_time()
        return now - self._cpu_start - self._paused_cpu

    def pause(self) -> None:
        self._paused_at = (time.monotonic(), time.process_time())

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at[0]
            self._paused_cpu += time.process_time() - self._paused_at[1]
            self._paused_at = None


def current_learning_rate(model: keras.Model) -> float:
    """The rate the optimizer's next step trains with (its schedule at its step count), rounded
    to 6 significant digits (it is a float32)."""
    return float(f"{float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)):.6g}")


class StepCounter(keras.callbacks.Callback):
    """Steps trained in all and in the current epoch; must come first among the callbacks.

    Keras calls `on_epoch_end` also for an epoch cut short by a stop, so the others ask
    `epoch_is_whole` before they record an epoch. With several steps per execution a batch
    hook covers the steps from its `on_train_batch_begin` index to its `on_train_batch_end`'s.
    """

    def __init__(self, steps_per_epoch: int, batch_size: int, train_images: int) -> None:
        super().__init__()
        self.steps_per_epoch, self.batch_size = steps_per_epoch, batch_size
        self.train_images = train_images
        self.steps = 0
        self.epoch_steps = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch_steps = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # `batch`: the execution's last step (from 0), which Keras does not cap at the epoch's
        # end when the epoch's last execution runs fewer steps.
        ran = min(batch + 1, self.steps_per_epoch) - self.epoch_steps
        self.steps += ran
        self.epoch_steps += ran

    @property
    def epoch_is_whole(self) -> bool:
        return self.epoch_steps == self.steps_per_epoch

    @property
    def epochs_completed(self) -> int:
        return self.steps // self.steps_per_epoch

    @property
    def epochs_trained(self) -> float:
        """Whole epochs plus the trained share of a cut-short one, e.g. 3.4."""
        return self.steps / self.steps_per_epoch

    @property
    def images_seen(self) -> int:
        """Every batch is full except an epoch's last one, which a cut-short epoch never reaches."""
        partial = self.steps % self.steps_per_epoch
        return self.epochs_completed * self.train_images + partial * self.batch_size


class EpochPredictions(keras.callbacks.Callback):
    """Predicts fixed images once per whole epoch and keeps each epoch's predicted labels.

    `on_predictions` gets every whole epoch's labels so far, (epochs, images) uint8, so a run
    that stops keeps the record of the epochs it finished.
    """

    def __init__(self, images: np.ndarray, counter: StepCounter,
                 on_predictions: Callable[[np.ndarray], None] | None = None) -> None:
        super().__init__()
        self.images = images
        self.counter = counter
        self.on_predictions = on_predictions
        self.predicted_labels: list[np.ndarray] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not len(self.images) or not self.counter.epoch_is_whole:
            return
        probabilities = predict_batches(self.model, self.images)
        self.scored(probabilities, logs)
        self.predicted_labels.append(probabilities.argmax(axis=1).astype(np.uint8))
        if self.on_predictions is not None:
            self.on_predictions(np.stack(self.predicted_labels))

    def scored(self, probabilities: np.ndarray, logs: dict | None) -> None:
        """What a subclass does with an epoch's probabilities besides keeping the labels."""


class EpochValidation(EpochPredictions):
    """Validation loss and accuracy from one predict pass, keeping the predicted labels."""

    def __init__(self, x_val: np.ndarray, y_val: np.ndarray, counter: StepCounter,
                 on_predictions: Callable[[np.ndarray], None] | None = None) -> None:
        super().__init__(x_val, counter, on_predictions)
        self.y_val = y_val

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            super().on_epoch_end(epoch, logs)

    def scored(self, probabilities: np.ndarray, logs: dict | None) -> None:
        logs["val_loss"] = cross_entropy(probabilities, self.y_val)
        logs["val_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == self.y_val))


class LiveMetrics(keras.callbacks.Callback):
    """Records metrics into the run store: a batch point at most every `interval_s` seconds.

    The first batch is always recorded, so a live chart has a point at once. Images per
    second cover the batches since the previous batch point, or the epoch's batches
    (validation excluded) for an epoch point. An epoch cut short by a stop ends with a batch
    point where it stopped, not with an epoch point. `recorded` counts the points the store
    took, so what the trainer wrote can be checked against what the store holds.
    """

    def __init__(self, store: Recorder, run_id: str, clock: TrainingClock, counter: StepCounter,
                 interval_s: float = 1.0) -> None:
        super().__init__()
        self.store, self.run_id, self.clock, self.counter = store, run_id, clock, counter
        self.interval_s = interval_s
        self.epoch = 0
        self._last_write = -float("inf")
        self._batch_window = (0.0, 0)  # (elapsed, step) at the last batch point
        self._epoch_window = (0.0, 0)  # (elapsed, step) when the epoch began
        self._last_batch_elapsed = 0.0
        self._last_logs: dict = {}
        self._last_speed = 0.0
        self.recorded = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        self._epoch_window = (self.clock.elapsed(), self.counter.steps)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._last_batch_elapsed = self.clock.elapsed()
        self._last_logs = logs or {}
        now = time.monotonic()
        if now - self._last_write < self.interval_s:
            return
        self._last_write = now
        self._batch_point()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not self.counter.epoch_is_whole:
            if self._batch_window[1] != self.counter.steps:  # where the stop came, unless recorded
                self._batch_point()
            return
        speed = self._images_per_s(self._epoch_window, self._last_batch_elapsed)
        self._record(EPOCH_KIND, epoch + 1, logs or {}, speed)

    def _batch_point(self) -> None:
        if self.counter.steps > self._batch_window[1]:  # no new batch, no new speed (paused)
            self._last_speed = self._images_per_s(self._batch_window, self._last_batch_elapsed)
        self._batch_window = (self._last_batch_elapsed, self.counter.steps)
        progress = self.epoch + self.counter.epoch_steps / self.counter.steps_per_epoch
        self._record(BATCH_KIND, progress, self._last_logs, self._last_speed)

    def record_now(self) -> None:
        """A batch point at once, where training stands: what a change made between two
        batches (a new learning rate while paused) shows before the next batch does."""
        if self.counter.steps:
            self._batch_point()

    def _images_per_s(self, window: tuple[float, int], until: float) -> float:
        seconds = until - window[0]
        steps = self.counter.steps - window[1]
        return steps * self.counter.batch_size / seconds if seconds > 0 else 0.0

    def _record(self, kind: str, epoch_progress: float, logs: dict, images_per_s: float) -> None:
        values = {key: float(logs[key]) for key in METRIC_KEYS if key in logs}
        values.update(
            epoch_progress=round(epoch_progress, 4),
            learning_rate=current_learning_rate(self.model),
            images_per_s=round(images_per_s, 1),
        )
        self.store.log_metrics(self.run_id, kind, self.epoch + 1, self.counter.steps,
                               self.clock.elapsed(), values)
        self.recorded += 1


class RunControl(keras.callbacks.Callback):
    """Reads requests at most every `interval_s` seconds and carries them out after a batch.

    `terminate` is set by the trainer's SIGTERM handler: training then ends after the
    current batch, like a stop, and the run is reported interrupted.
    """

    def __init__(self, store: Recorder, run_id: str, clock: TrainingClock,
                 on_learning_rate: Callable[[float], None], interval_s: float = 0.2,
                 terminate: threading.Event | None = None) -> None:
        super().__init__()
        self.store, self.run_id, self.clock = store, run_id, clock
        self.on_learning_rate = on_learning_rate
        self.interval_s = interval_s
        self.terminate = terminate or threading.Event()
        self.stopped = False
        self._last_check = 0.0

    @property
    def terminated(self) -> bool:
        return self.terminate.is_set()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.terminated:
            self.model.stop_training = True
            return
        now = time.monotonic()
        if now - self._last_check >= self.interval_s:
            self._last_check = now
            self._handle(self.store.take_requests(self.run_id))

    def _handle(self, requests) -> None:
        for request in requests:
            if request.kind is RequestKind.STOP:
                self.stopped = True
                self.model.stop_training = True
            elif request.kind is RequestKind.SET_LEARNING_RATE and request.value:
                self.on_learning_rate(float(request.value))
            elif request.kind is RequestKind.PAUSE and not self.stopped:
                self._wait_while_paused()

    def _wait_while_paused(self) -> None:
        """Hold training between batches until resumed or stopped; the heartbeat goes on."""
        self.clock.pause()
        self.store.set_status(self.run_id, RunStatus.PAUSED)
        try:
            while True:
                time.sleep(self.interval_s)
                requests = self.store.take_requests(self.run_id)
                kinds = {request.kind for request in requests}
                self._handle([r for r in requests if r.kind is not RequestKind.PAUSE])
                if RequestKind.RESUME in kinds or self.stopped or self.terminated:
                    return
        finally:
            self.store.set_status(self.run_id, RunStatus.RUNNING)
            self.clock.resume()


class ConsolePrinter(keras.callbacks.Callback):
    """A progress bar on a terminal (at most 5 redraws a second) and a line per epoch."""

    def __init__(self, epochs: int, clock: TrainingClock, counter: StepCounter,
                 stream=None) -> None:
        super().__init__()
        self.epochs, self.clock, self.counter = epochs, clock, counter
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._last_draw = 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = time.monotonic()
        if not self.interactive or now - self._last_draw < 0.2:
            return
        self._last_draw = now
        steps = self.counter.steps_per_epoch
        bar = "#" * int((batch + 1) / steps * 30)
        loss = (logs or {}).get("loss", float("nan"))
        self.stream.write(f"\r  [{bar:<30}] {batch + 1}/{steps} loss {loss:.4f}")
        self.stream.flush()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        prefix = "\r" + " " * 80 + "\r" if self.interactive else ""
        if self.counter.epoch_is_whole:
            logs = logs or {}
            parts = [f"{key} {logs[key]:.4f}" for key in METRIC_KEYS if key in logs]
            line = f"epoch {epoch + 1}/{self.epochs}  {'  '.join(parts)}"
        else:
            line = (f"stopped in epoch {epoch + 1}/{self.epochs} after "
                    f"{self.counter.epoch_steps:,} of {self.counter.steps_per_epoch:,} batches")
        self.stream.write(f"{prefix}{line}  ({self.clock.elapsed():.1f} s)\n")
        self.stream.flush()
