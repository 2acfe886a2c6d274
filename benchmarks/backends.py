"""Keras 3's backends on this CPU: TensorFlow (the lab's), JAX and PyTorch, for lenet5, fast and
resnet-small, each trained as plain Keras with the lab's network and recipe.

Run once per backend, each in an environment that has that backend installed (the project's
own `.venv` for TensorFlow; a separate virtual environment with `jax jaxlib keras numpy`, or
`torch keras numpy`, for the others), with the project on PYTHONPATH:

    KERAS_BACKEND=jax /tmp/venv-jax/bin/python -m benchmarks.backends --out DIR

For each preset it reports the first epoch's seconds and a later epoch's (their difference is
the compile time), images per second of the later epoch, and saves the trained model as
`DIR/<backend>-<preset>.keras`. With `--load` it opens every other backend's saved models in
this one (safe mode, no optimizer) and says whether their predictions on 1,000 test images
agree with the backend that trained them (saved beside each model).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PRESETS = ("lenet5", "fast", "resnet-small")
EPOCHS = 2  # the first compiles, the second is the steady speed
CHECK_IMAGES = 1000


def train_one(name: str, data, out: Path, backend: str) -> dict:
    import keras
    import numpy as np

    from mnist_lab.config import preset
    from mnist_lab.data import NUM_CLASSES, prepare
    from mnist_lab.model.build import build_model
    from mnist_lab.training.optimizer import ScheduledRate, make_optimizer

    config = preset(name).replace(epochs=EPOCHS)
    keras.utils.set_random_seed(config.seed)
    splits = prepare(data, validation_split=config.validation_split, subset=config.subset, seed=config.seed)
    steps = -(-len(splits.x_train) // config.batch_size)
    model = build_model(config)
    rate = ScheduledRate(config.schedule, config.learning_rate, steps * config.epochs)
    # Steps per execution is a TensorFlow and JAX feature; Keras refuses it with PyTorch.
    spe = config.steps_per_execution if backend != "torch" else 1
    model.compile(optimizer=make_optimizer(config, rate), metrics=["accuracy"],
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                  steps_per_execution=spe)
    times = []
    stamp = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: times.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: times.append(time.perf_counter()))
    model.fit(splits.x_train, keras.utils.to_categorical(splits.y_train, NUM_CLASSES),
              batch_size=config.batch_size, epochs=config.epochs, verbose=0, callbacks=[stamp])
    first, later = times[1] - times[0], times[3] - times[2]
    probabilities = model.predict(splits.x_test, batch_size=1000, verbose=0)
    model.save(out / f"{backend}-{name}.keras")
    np.save(out / f"{backend}-{name}.npy", probabilities[:CHECK_IMAGES])
    return {"first_epoch_s": round(first, 2), "later_epoch_s": round(later, 2),
            "compile_s": round(first - later, 2),
            "images_per_s": round(len(splits.x_train) / later, 1),
            "test_accuracy": float(np.mean(probabilities.argmax(axis=1) == splits.y_test)),
            "steps_per_execution": spe}


def load_others(out: Path, backend: str, data) -> dict:
    """Whether each other backend's saved models open here and predict as they did there."""
    import keras
    import numpy as np

    from mnist_lab.data import normalize

    images = normalize(data.x_test[:CHECK_IMAGES])
    found = {}
    for path in sorted(out.glob("*.keras")):
        if path.name.startswith(f"{backend}-"):
            continue
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
            here = model.predict(images, verbose=0)
            there = np.load(path.with_suffix(".npy"))
            found[path.stem] = {"opens": True, "same_predictions": bool(
                (here.argmax(axis=1) == there.argmax(axis=1)).all()),
                "largest_probability_difference": float(np.abs(here - there).max())}
        except Exception as error:  # noqa: BLE001 (every refusal is the answer being measured)
            found[path.stem] = {"opens": False, "error": " ".join(str(error).split())[:200]}
    return found


def main(args: list[str]) -> None:
    import keras

    from mnist_lab.data import load_mnist

    out = Path(args[args.index("--out") + 1])
    out.mkdir(parents=True, exist_ok=True)
    backend = keras.backend.backend()
    data = load_mnist(os.environ.get("MNIST_LAB_DATA"))
    if "--load" in args:
        result = {"backend": backend, "loads": load_others(out, backend, data)}
    else:
        result = {"backend": backend, "presets": {name: train_one(name, data, out, backend)
                                                  for name in PRESETS}}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
