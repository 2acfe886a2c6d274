"""What share of a study's wall time is training: `sweep_training_share`.

A study of 12 one-epoch LeNet-5 trials (kernels 3, 5, 7 x max or average pooling x 2 seeds)
on the full training set runs through `mnist-lab sweep`'s own driver and trainers; the share
is the trials' training seconds (their own clocks, validation included) over the study's wall
time, from the driver's start to its end: process start, imports, data loading, building,
testing and saving are the rest.

    python -m benchmarks.sweep_share [--epochs 1] [--subset N]
"""

from __future__ import annotations

import tempfile
import time

from mnist_lab.config import preset
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.driver import drive
from mnist_lab.sweeps.local import LocalExecutor
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import Budget, StudySpec, TrialState


def measure(epochs: int = 1, repeats: int = 2, subset: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as home:
        store = RunStore(home)
        spec = StudySpec(name="share", base=preset("lenet5"), repeats=repeats, confirm=False,
                         dimensions=[parse_grid("blocks.kernel_size=3,5,7"),
                                     parse_grid("blocks.downsample=max,avg")],
                         budget=Budget(epochs=epochs, subset=subset))
        spec.validate()
        StudyIndex(store).create(spec.name, spec.to_dict())
        started = time.perf_counter()
        found = drive(store, spec, LocalExecutor(store, spec.name), say=lambda line: None)
        wall = time.perf_counter() - started
    done = [trial for trial in found if trial.state is TrialState.DONE]
    training = sum(trial.run.summary["train_seconds"] for trial in done)
    return {"sweep_trials": len(done), "sweep_wall_s": round(wall, 1),
            "sweep_training_s": round(training, 1),
            "sweep_training_share": round(training / wall, 4),
            "sweep_overhead_s_per_trial": round((wall - training) / max(1, len(done)), 2),
            "sweep_epochs": epochs, "sweep_subset": subset}


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(lambda epochs, repeats, subset: measure(epochs, repeats, subset), __doc__.splitlines()[0])
