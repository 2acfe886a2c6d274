"""Keras callbacks that plug the run store into `model.fit`, one job each.

- `EpochValidation` predicts the validation set once per epoch: it supplies val_loss and
  val_accuracy (so Keras does not run its own validation pass) and keeps each epoch's
  predicted labels for the confusion-matrix-through-training view.
- `LiveMetrics` records batch points (throttled by time) and epoch points into the store.
- `RunControl` carries out stop, pause, resume and learning-rate requests from the store.
- `ScheduledLearningRate` applies a schedule per batch, scaled by any requested change.
- `ConsolePrinter` draws a progress bar and prints one line per epoch.

They share one `TrainingClock`, so pauses are not counted as training time.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import keras
import numpy as np

from mnist_lab.store import RequestKind, RunStatus, RunStore
from mnist_lab.training.schedules import learning_rate_factor

METRIC_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


class TrainingClock:
    """Seconds of training so far, not counting time spent paused."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def elapsed(self) -> float:
        now = self._paused_at if self._paused_at is not None else time.monotonic()
        return now - self._start - self._paused_total

    def pause(self) -> None:
        self._paused_at = time.monotonic()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None


def current_learning_rate(model: keras.Model) -> float:
    """The optimizer's rate, rounded to 6 significant digits (it is a float32 variable)."""
    return float(f"{float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)):.6g}")


class EpochValidation(keras.callbacks.Callback):
    """Validation loss and accuracy from one predict pass, keeping the predicted labels."""

    def __init__(self, x_val: np.ndarray, y_val: np.ndarray, batch_size: int = 1000,
                 on_predictions: Callable[[np.ndarray], None] | None = None) -> None:
        super().__init__()
        self.x_val, self.y_val, self.batch_size = x_val, y_val, batch_size
        self.on_predictions = on_predictions
        self.predicted_labels: list[np.ndarray] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None or not len(self.x_val):
            return
        probabilities = self.model.predict(self.x_val, batch_size=self.batch_size, verbose=0)
        true_probability = probabilities[np.arange(len(self.y_val)), self.y_val]
        logs["val_loss"] = float(-np.mean(np.log(np.clip(true_probability, 1e-7, 1.0))))
        logs["val_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == self.y_val))
        self.predicted_labels.append(probabilities.argmax(axis=1).astype(np.uint8))
        if self.on_predictions is not None:
            self.on_predictions(np.stack(self.predicted_labels))


class LiveMetrics(keras.callbacks.Callback):
    """Records metrics into the run store: a batch point at most every `interval_s` seconds.

    The first batch is always recorded, so a live chart has a point at once. Images per
    second cover the batches since the previous batch point, or the epoch's batches
    (validation excluded) for an epoch point.
    """

    def __init__(self, store: RunStore, run_id: str, clock: TrainingClock, batch_size: int,
                 steps_per_epoch: int, interval_s: float = 1.0) -> None:
        super().__init__()
        self.store, self.run_id, self.clock = store, run_id, clock
        self.batch_size, self.steps_per_epoch = batch_size, steps_per_epoch
        self.interval_s = interval_s
        self.epoch = 0
        self.step = 0
        self._last_write = -float("inf")
        self._batch_window = (0.0, 0)  # (elapsed, step) at the last batch point
        self._epoch_window = (0.0, 0)  # (elapsed, step) when the epoch began
        self._last_batch_elapsed = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        self._epoch_window = (self.clock.elapsed(), self.step)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.step += 1
        self._last_batch_elapsed = self.clock.elapsed()
        now = time.monotonic()
        if now - self._last_write < self.interval_s:
            return
        self._last_write = now
        speed = self._images_per_s(self._batch_window, self._last_batch_elapsed)
        self._batch_window = (self._last_batch_elapsed, self.step)
        self._record("batch", self.epoch + (batch + 1) / self.steps_per_epoch, logs or {}, speed)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        speed = self._images_per_s(self._epoch_window, self._last_batch_elapsed)
        self._record("epoch", epoch + 1, logs or {}, speed)

    def _images_per_s(self, window: tuple[float, int], until: float) -> float:
        seconds = until - window[0]
        return (self.step - window[1]) * self.batch_size / seconds if seconds > 0 else 0.0

    def _record(self, kind: str, epoch_progress: float, logs: dict, images_per_s: float) -> None:
        values = {key: float(logs[key]) for key in METRIC_KEYS if key in logs}
        values.update(
            epoch_progress=round(epoch_progress, 4),
            learning_rate=current_learning_rate(self.model),
            images_per_s=round(images_per_s, 1),
        )
        self.store.log_metrics(self.run_id, kind, self.epoch + 1, self.step,
                               self.clock.elapsed(), values)


class RunControl(keras.callbacks.Callback):
    """Reads requests at most every `interval_s` seconds and carries them out after a batch.

    `terminate` is set by the trainer's SIGTERM handler: training then ends after the
    current batch, like a stop, and the run is reported interrupted.
    """

    def __init__(self, store: RunStore, run_id: str, clock: TrainingClock,
                 on_learning_rate: Callable[[float], None], interval_s: float = 0.5,
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


class ScheduledLearningRate(keras.callbacks.Callback):
    """lr = base * schedule(progress); a requested rate rescales the base from then on.

    The optimizer's rate is assigned only when it moves by more than 0.1%: an assignment
    is a host-to-device write, and per batch it cost measurable throughput.
    """

    def __init__(self, schedule: str, base_rate: float, total_steps: int) -> None:
        super().__init__()
        self.schedule, self.base_rate, self.total_steps = schedule, base_rate, total_steps
        self.step = 0
        self.changes: list[tuple[int, float]] = []
        self._assigned = base_rate

    def request(self, new_rate: float) -> None:
        """Make the current rate `new_rate`; a schedule goes on from there."""
        factor = learning_rate_factor(self.schedule, self.step / self.total_steps)
        self.base_rate = new_rate / factor if factor > 0 else new_rate
        self.changes.append((self.step, new_rate))
        self._assign(new_rate)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.schedule != "constant":
            rate = self.base_rate * learning_rate_factor(self.schedule, self.step / self.total_steps)
            if abs(rate - self._assigned) > 1e-3 * self._assigned:
                self._assign(rate)
        self.step += 1

    def _assign(self, rate: float) -> None:
        self.model.optimizer.learning_rate = rate
        self._assigned = rate


class ConsolePrinter(keras.callbacks.Callback):
    """A progress bar on a terminal (at most 5 redraws a second) and a line per epoch."""

    def __init__(self, epochs: int, steps_per_epoch: int, clock: TrainingClock,
                 stream=None) -> None:
        super().__init__()
        self.epochs, self.steps_per_epoch, self.clock = epochs, steps_per_epoch, clock
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._last_draw = 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = time.monotonic()
        if not self.interactive or now - self._last_draw < 0.2:
            return
        self._last_draw = now
        done = (batch + 1) / self.steps_per_epoch
        bar = "#" * int(done * 30)
        loss = (logs or {}).get("loss", float("nan"))
        self.stream.write(f"\r  [{bar:<30}] {batch + 1}/{self.steps_per_epoch} loss {loss:.4f}")
        self.stream.flush()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        parts = [f"{key} {logs[key]:.4f}" for key in METRIC_KEYS if key in logs]
        prefix = "\r" + " " * 80 + "\r" if self.interactive else ""
        self.stream.write(f"{prefix}epoch {epoch + 1}/{self.epochs}  {'  '.join(parts)}"
                          f"  ({self.clock.elapsed():.1f} s)\n")
        self.stream.flush()
