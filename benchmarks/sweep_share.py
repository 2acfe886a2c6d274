"""What share of a study's wall time is training (`sweep_training_share`), and which layout of
trainers fills the machine (`study_layouts`).

A study of 12 one-epoch LeNet-5 trials (kernels 3, 5, 7 x max or average pooling x 2 seeds)
on the full training set runs through `mnist-lab sweep`'s own driver and trainers; the share
is the trials' training seconds (their own clocks, validation included) over the trainers'
wall time (the study's, from the driver's start to its end, times the trainers): process
start, imports, data loading, building, testing, saving and idle trainers are the rest. The
layouts are the same study with 1 trainer of every core (`cpus_per_trial` = the cores) or one
trainer per core (1 thread each, the default), each at one and at the preset's steps per
execution, in trials per hour.

    python -m benchmarks.sweep_share [--epochs 1] [--subset N]
"""

from __future__ import annotations

import os
import tempfile
import time

from mnist_lab.config import preset
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.driver import drive
from mnist_lab.sweeps.local import LocalExecutor, local_trainers
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import Budget, StudySpec, TrialState


def measure(epochs: int = 1, repeats: int = 2, subset: int | None = None, *, cpus_per_trial: int = 1,
            steps_per_execution: int | None = None) -> dict:
    """The study as the lab runs it by default; `cpus_per_trial` and `steps_per_execution`
    set a layout."""
    base = preset("lenet5")
    if steps_per_execution is not None:
        base = base.replace(steps_per_execution=steps_per_execution)
    with tempfile.TemporaryDirectory() as home:
        store = RunStore(home)
        spec = StudySpec(name="share", base=base, repeats=repeats, confirm=False,
                         dimensions=[parse_grid("blocks.kernel_size=3,5,7"),
                                     parse_grid("blocks.downsample=max,avg")],
                         budget=Budget(epochs=epochs, subset=subset, cpus_per_trial=cpus_per_trial))
        spec.validate()
        StudyIndex(store).create(spec.name, spec.to_dict())
        started = time.perf_counter()
        found = drive(store, spec, LocalExecutor(store, spec.name, spec.budget), say=lambda line: None)
        wall = time.perf_counter() - started
    done = [trial for trial in found if trial.state is TrialState.DONE]
    training = sum(trial.run.summary["train_seconds"] for trial in done)
    trainers = min(local_trainers(spec.budget), len(done) or 1)
    return {"sweep_trials": len(done), "sweep_wall_s": round(wall, 1), "sweep_trainers": trainers,
            "sweep_training_s": round(training, 1),
            "sweep_training_share": round(training / (wall * trainers), 4),
            "sweep_overhead_s_per_trial": round((wall * trainers - training) / max(1, len(done)), 2),
            "sweep_trials_per_hour": round(len(done) * 3600 / wall, 1),
            "sweep_epochs": epochs, "sweep_subset": subset}


def layouts(epochs: int = 1, subset: int | None = None) -> dict:
    """Trials per hour of the study in each layout: trainers x threads, steps per execution."""
    cores = os.cpu_count() or 1
    found = {}
    for threads in (cores, 1):
        for steps in (1, preset("lenet5").steps_per_execution):
            result = measure(epochs, subset=subset, cpus_per_trial=threads, steps_per_execution=steps)
            found[f"{cores // threads} x {threads} threads, {steps} steps/execution"] = {
                "trials_per_hour": result["sweep_trials_per_hour"],
                "training_share": result["sweep_training_share"]}
    return {"study_layouts": found}


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(lambda epochs, repeats, subset: measure(epochs, repeats, subset), __doc__.splitlines()[0])
