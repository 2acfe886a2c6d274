"""Training images per second of each preset at several steps per execution, through the lab's
own path (`training.train`: its callbacks, validation and recording), to choose each preset's
setting by measurement.

Each preset trains two epochs on a stratified subset (enough steps for the largest setting to
repeat), at each setting in turn, `repeats` times interleaved. The speed is the second
epoch's, as the trainer records it (its batches only: no tracing, no validation pass); the
median is reported and the fastest setting named.

    python -m benchmarks.steps_per_execution [--repeats 2] [--subset 1000] [--presets a,b]
"""

from __future__ import annotations

import statistics
import sys
import tempfile

from mnist_lab.config import preset, preset_names
from mnist_lab.store import RunStore

SETTINGS = (1, 4, 16, 32, 64)


def images_per_s(name: str, steps: int, subset: int, store: RunStore, data) -> float:
    """The second epoch's training speed of `name` at `steps` steps per execution."""
    from mnist_lab.training.train import train

    config = preset(name).replace(epochs=2, subset=subset, steps_per_execution=steps)
    run_id = store.create_run(config.to_dict(), name=f"{name} x{steps}")
    train(config, store, run_id, data)
    history = store.metrics(run_id)
    return float(history[history["kind"] == "epoch"]["images_per_s"].iloc[-1])


def measure(repeats: int = 2, subset: int = 1000, names: tuple[str, ...] = ()) -> dict:
    from mnist_lab.data import load_mnist
    from mnist_lab.training.train import configure_threads

    configure_threads()
    data = load_mnist()
    found: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as home:
        store = RunStore(home)
        for name in names or preset_names():
            speeds: dict[int, list[float]] = {steps: [] for steps in SETTINGS}
            for _ in range(repeats):
                for steps in SETTINGS:
                    speeds[steps].append(images_per_s(name, steps, subset, store, data))
            medians = {steps: round(statistics.median(values), 1) for steps, values in speeds.items()}
            best = max(medians, key=medians.get)
            found[name] = {"images_per_s": medians, "fastest": best,
                           "speedup_over_1": round(medians[best] / medians[1], 3)}
            print(name, found[name], file=sys.stderr, flush=True)
    return {"steps_per_execution": found, "steps_per_execution_subset": subset}


if __name__ == "__main__":
    import json

    args = sys.argv[1:]
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 2
    subset = int(args[args.index("--subset") + 1]) if "--subset" in args else 1000
    names = tuple(args[args.index("--presets") + 1].split(",")) if "--presets" in args else ()
    print(json.dumps(measure(repeats, subset, names), indent=2))
