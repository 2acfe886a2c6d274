"""Training throughput of the lab's path against a plain `model.fit`, interleaved.

The lab path is `training.train` (validation each epoch, live metrics into SQLite, request
checks, artifacts); the plain path is the keras-io script: `model.fit` with validation data.
Both train the same config on the same data; only the fit time is compared (the lab's
saving and test evaluation are outside its clock).

    python -m benchmarks.overhead [--epochs 2] [--repeats 2] [--subset N]
"""

from __future__ import annotations

import statistics
import tempfile
import time

from mnist_lab.store import RunStore
from mnist_lab.training.runner import execute


def plain_keras(config, data) -> float:
    """Images per second of the plain keras-io recipe for `config`."""
    import keras

    from mnist_lab.data import NUM_CLASSES, prepare
    from mnist_lab.model.build import build_model
    from mnist_lab.training.train import make_optimizer

    keras.utils.set_random_seed(config.seed)
    splits = prepare(data, validation_split=config.validation_split, subset=config.subset,
                     seed=config.seed)
    model = build_model(config)
    model.compile(optimizer=make_optimizer(config), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(splits.x_train, keras.utils.to_categorical(splits.y_train, NUM_CLASSES),
              batch_size=config.batch_size, epochs=config.epochs, verbose=0,
              validation_data=(splits.x_val, keras.utils.to_categorical(splits.y_val, NUM_CLASSES)),
              validation_batch_size=1000)  # as the lab's per-epoch validation predicts
    return len(splits.x_train) * config.epochs / (time.perf_counter() - started)


def lab_path(config, home) -> float:
    """Images per second of the same config through the CLI's path (store, callbacks)."""
    store = RunStore(home)
    run_id = store.create_run(config.to_dict(), name="bench")
    execute(store, run_id)
    summary = store.get(run_id).summary
    return summary["images_per_second"]


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
            lab.append(lab_path(config, home))
    return {
        "plain_images_per_s": [round(value, 1) for value in plain],
        "lab_images_per_s": [round(value, 1) for value in lab],
        "lab_vs_keras_throughput_ratio": round(statistics.median(lab) / statistics.median(plain), 4),
        "epochs": epochs, "repeats": repeats, "subset": subset,
    }


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(measure, __doc__.splitlines()[0])
