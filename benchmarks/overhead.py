"""Training throughput of the lab's path against plain Keras at Keras's defaults, interleaved.

The lab path is `training.train` at the preset's steps per execution (validation each epoch,
live metrics into SQLite, request checks, artifacts); the plain path is the keras-io script:
`model.fit` with validation data, one step per execution and no callbacks. Both train the
same network with the same recipe (optimizer, schedule, batch size) on the same data; only
the fit time is compared (the lab's saving and test evaluation are outside its clock).
`same_seed_accuracy` trains lenet5's seed 0 through the lab at one and at its preset's steps
per execution: the same math gives the same test accuracy.

    python -m benchmarks.overhead [--epochs 2] [--repeats 2] [--subset N]
"""

from __future__ import annotations

import statistics
import tempfile
import time

from mnist_lab.store import RunStore
from mnist_lab.training.runner import execute


def plain_keras(config, data) -> tuple[float, float]:
    """Images per second of the plain keras-io recipe for `config`, on the wall and per CPU
    second of this process."""
    import keras

    from mnist_lab.data import NUM_CLASSES, prepare
    from mnist_lab.model.build import build_model
    from mnist_lab.training.optimizer import ScheduledRate, make_optimizer

    keras.utils.set_random_seed(config.seed)
    splits = prepare(data, validation_split=config.validation_split, subset=config.subset,
                     seed=config.seed)
    model = build_model(config)
    steps = -(-len(splits.x_train) // config.batch_size) * config.epochs
    rate = ScheduledRate(config.schedule, config.learning_rate, steps)  # the same recipe
    model.compile(optimizer=make_optimizer(config, rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])  # Keras's defaults: one step per execution
    started, cpu = time.perf_counter(), time.process_time()
    model.fit(splits.x_train, keras.utils.to_categorical(splits.y_train, NUM_CLASSES),
              batch_size=config.batch_size, epochs=config.epochs, verbose=0,
              validation_data=(splits.x_val, keras.utils.to_categorical(splits.y_val, NUM_CLASSES)),
              validation_batch_size=1000)  # as the lab's per-epoch validation predicts
    images = len(splits.x_train) * config.epochs
    return images / (time.perf_counter() - started), images / (time.process_time() - cpu)


def lab_run(config, home) -> dict:
    """The summary of the same config trained through the CLI's path (store, callbacks)."""
    store = RunStore(home)
    run_id = store.create_run(config.to_dict(), name="bench")
    execute(store, run_id)
    return store.get(run_id).summary


def same_seed_accuracy(epochs: int = 10, subset: int | None = None) -> dict:
    """lenet5's seed 0 through the lab at 1 and at its preset's steps per execution."""
    from mnist_lab.config import preset

    config = preset("lenet5").replace(epochs=epochs, subset=subset)
    with tempfile.TemporaryDirectory() as home:
        found = {steps: lab_run(config.replace(steps_per_execution=steps), home)
                 for steps in (1, config.steps_per_execution)}
    return {"lenet5_seed0_accuracy_by_steps_per_execution":
            {steps: summary["test_accuracy"] for steps, summary in found.items()},
            "lenet5_seed0_images_per_s_by_steps_per_execution":
            {steps: summary["images_per_second"] for steps, summary in found.items()},
            "lenet5_seed0_epochs": epochs}


def measure(epochs: int, repeats: int, subset: int | None) -> dict:
    from mnist_lab.config import preset
    from mnist_lab.data import load_mnist
    from mnist_lab.training.train import configure_threads

    configure_threads()
    config = preset("lenet5").replace(epochs=epochs, subset=subset)
    data = load_mnist()
    plain, lab = [], []
    with tempfile.TemporaryDirectory() as home:
        plain_keras(config, data)  # warm-up: graph tracing, oneDNN kernels
        for _ in range(repeats):
            plain.append(plain_keras(config, data))
            summary = lab_run(config, home)
            lab.append((summary["images_per_second"], summary["images_seen"] / summary["train_cpu_seconds"]))
    wall = [statistics.median(values) for values in ([p[0] for p in plain], [q[0] for q in lab])]
    cpu = [statistics.median(values) for values in ([p[1] for p in plain], [q[1] for q in lab])]
    return {
        "plain_images_per_s": [round(value, 1) for value, _ in plain],
        "lab_images_per_s": [round(value, 1) for value, _ in lab],
        "plain_images_per_cpu_s": [round(value, 1) for _, value in plain],
        "lab_images_per_cpu_s": [round(value, 1) for _, value in lab],
        "lab_vs_keras_throughput_ratio": round(wall[1] / wall[0], 4),
        "lab_vs_keras_cpu_ratio": round(cpu[1] / cpu[0], 4),
        "lab_steps_per_execution": config.steps_per_execution,
        "epochs": epochs, "repeats": repeats, "subset": subset,
    }


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(measure, __doc__.splitlines()[0])
