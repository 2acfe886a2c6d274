"""The training callbacks on a tiny model: throttled recording, schedules, validation labels."""

import keras
import numpy as np
import pytest

from mnist_lab.training.callbacks import (
    EpochValidation,
    LiveMetrics,
    StepCounter,
    TrainingClock,
)
from mnist_lab.training.optimizer import ScheduledRate
from mnist_lab.training.schedules import learning_rate_factor


@pytest.fixture
def tiny():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.arange(64) % 10
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model, x, y, keras.utils.to_categorical(y, 10)


@pytest.mark.parametrize(("interval", "batch_points"), [(0.0, 3 * 8), (3600.0, 1)])
def test_live_metrics_are_throttled_by_time(store, tiny, interval, batch_points):
    model, x, _, y = tiny
    run_id = store.create_run({})
    counter = StepCounter(steps_per_epoch=8, batch_size=8, train_images=64)
    live = LiveMetrics(store, run_id, TrainingClock(), counter, interval_s=interval)
    model.fit(x, y, batch_size=8, epochs=3, callbacks=[counter, live], verbose=0)
    history = store.metrics(run_id)
    assert (history["kind"] == "batch").sum() == batch_points
    epochs = history[history["kind"] == "epoch"]
    assert list(epochs["epoch_progress"]) == [1.0, 2.0, 3.0]
    assert list(epochs["step"]) == [8, 16, 24]
    assert (epochs["learning_rate"] == 0.1).all() and (epochs["images_per_s"] > 0).all()
    assert live.recorded == batch_points + 3 == len(history)  # its own count, for the load benchmark


def test_epoch_validation_supplies_val_metrics_and_labels(tiny):
    model, x, y_int, y = tiny
    counter = StepCounter(steps_per_epoch=4, batch_size=16, train_images=64)
    validation = EpochValidation(x[:20], y_int[:20], counter)
    history = model.fit(x, y, batch_size=16, epochs=2, callbacks=[counter, validation], verbose=0)
    assert len(history.history["val_accuracy"]) == 2
    predicted = model.predict(x[:20], verbose=0).argmax(axis=1)
    assert history.history["val_accuracy"][-1] == pytest.approx(np.mean(predicted == y_int[:20]))
    assert np.stack(validation.predicted_labels).shape == (2, 20)
    np.testing.assert_array_equal(validation.predicted_labels[-1], predicted)


class StopAfter(keras.callbacks.Callback):
    """Stops training after `steps` batches, as a stop request or SIGTERM does."""

    def __init__(self, steps):
        super().__init__()
        self.steps, self.seen = steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.steps:
            self.model.stop_training = True


def test_an_epoch_cut_short_is_counted_as_a_fraction_not_an_epoch(store, tiny):
    model, x, y_int, y = tiny
    run_id = store.create_run({})
    counter = StepCounter(steps_per_epoch=8, batch_size=8, train_images=60)
    validation = EpochValidation(x[:20], y_int[:20], counter)
    live = LiveMetrics(store, run_id, TrainingClock(), counter, interval_s=3600.0)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0,
              callbacks=[counter, validation, live, StopAfter(8 + 8 + 3)])

    assert (counter.steps, counter.epochs_completed) == (19, 2)
    assert counter.epochs_trained == pytest.approx(19 / 8)
    assert counter.images_seen == 2 * 60 + 3 * 8  # whole epochs hold 60 images, not 64
    assert len(validation.predicted_labels) == 2  # no validation of the cut-short epoch
    history = store.metrics(run_id)
    assert list(history.loc[history["kind"] == "epoch", "epoch"]) == [1, 2]
    last = history.iloc[-1]
    assert (last["kind"], last["step"], last["epoch_progress"]) == ("batch", 19, 2.375)


def rate_now(model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_step_schedule_and_a_requested_rate(tiny, steps_per_execution):
    """The schedule runs per step inside the optimizer: the same rates whatever the steps per
    execution (3 does not divide the 8 steps of an epoch)."""
    model, x, _, y = tiny
    schedule = ScheduledRate("step", 0.1, total_steps=4 * 8)
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="categorical_crossentropy",
                  steps_per_execution=steps_per_execution)
    rates = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: rates.append(rate_now(model)))
    model.fit(x, y, batch_size=8, epochs=4, callbacks=[recorder], verbose=0)
    assert rates == pytest.approx([0.1, 0.01, 0.001, 0.001])  # the rate of each next step
    schedule.request(0.05, 32)
    assert schedule.changes == [(32, 0.05)]
    assert rate_now(model) == pytest.approx(0.05)


def test_a_requested_rate_scales_the_schedule_from_the_next_execution_on(tiny):
    model, x, _, y = tiny
    schedule = ScheduledRate("cosine", 0.1, total_steps=2 * 8)
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss="categorical_crossentropy",
                  steps_per_execution=4)
    requested = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: schedule.request(0.02, 4) if batch == 3 else None)
    seen = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: rates.append(
        (batch, rate_now(model))))
    rates: list = []
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[requested, seen], verbose=0)
    assert rates[0] == (0, pytest.approx(0.1))
    # From step 4 on, the base is rescaled so that step 4's rate is the one asked for.
    assert rates[1] == (4, pytest.approx(0.02))
    base = 0.02 / learning_rate_factor("cosine", 4 / 16)
    assert rates[2] == (0, pytest.approx(base * learning_rate_factor("cosine", 8 / 16), rel=1e-5))


def test_steps_are_counted_exactly_with_several_steps_per_execution(tiny):
    """Keras tells a batch hook the execution's last step, uncapped at the epoch's end."""
    model, x, _, y = tiny
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy",
                  steps_per_execution=3)
    counter = StepCounter(steps_per_epoch=8, batch_size=8, train_images=64)
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(
        (counter.steps, counter.epoch_steps)))
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[counter, recorder], verbose=0)
    assert seen == [(3, 3), (6, 6), (8, 8), (11, 3), (14, 6), (16, 8)]
    assert counter.epochs_completed == 2 and counter.epochs_trained == 2.0


@pytest.mark.parametrize(("schedule", "progress", "factor"), [
    ("constant", 0.7, 1.0), ("step", 0.49, 1.0), ("step", 0.5, 0.1), ("step", 0.8, 0.01),
    ("cosine", 0.0, 1.0), ("cosine", 0.5, 0.5), ("cosine", 1.0, 0.0),
    ("one-cycle", 0.0, 0.1), ("one-cycle", 0.3, 1.0), ("one-cycle", 1.0, 0.001),
])
def test_schedule_factors(schedule, progress, factor):
    assert learning_rate_factor(schedule, progress) == pytest.approx(factor, abs=1e-9)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="unknown schedule 'linear'"):
        learning_rate_factor("linear", 0.5)


def test_clock_leaves_out_paused_time(monkeypatch):
    now = iter([100.0, 105.0, 160.0, 170.0]).__next__
    cpu = iter([10.0, 12.0, 12.5, 20.0]).__next__
    monkeypatch.setattr("mnist_lab.training.callbacks.time.monotonic", now)
    monkeypatch.setattr("mnist_lab.training.callbacks.time.process_time", cpu)
    clock = TrainingClock()  # 100 (CPU 10)
    clock.pause()  # 105 (CPU 12)
    clock.resume()  # 160: 55 s paused (CPU 12.5: 0.5 s of it while paused)
    assert clock.elapsed() == pytest.approx(15.0)  # 170 - 100 - 55
    assert clock.cpu_elapsed() == pytest.approx(9.5)  # 20 - 10 - 0.5
