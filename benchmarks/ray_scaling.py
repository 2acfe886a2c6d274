"""Per-trial figures of a study on Ray, and the wall time of a 200-trial study they predict.

A study of LeNet-5 with max and with average pooling, `--repeats` seeds each (one epoch on
the full training set unless `--epochs`/`--subset` say otherwise), runs through the sweep
driver on a Ray instance started on this machine, one CPU per trial. From each trial's
record: its training seconds, the rest of its task (start-up, building, testing, saving) and
the bytes that crossed the network. The estimate scales a full `lenet5` trial (10 epochs)
from the measured seconds per epoch, for nodes like this one (its CPU count, a trial per
CPU); the driver's own CPU per trial (writing points and artifacts) is measured too, since
with enough nodes it sets the floor.

    python -m benchmarks.ray_scaling [--epochs 1] [--repeats 2] [--subset N]
"""

from __future__ import annotations

import math
import os
import resource
import tempfile
import time

from mnist_lab.config import preset
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.driver import drive
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import Budget, StudySpec, TrialState

STUDY_TRIALS = 200
NODE_COUNTS = (1, 4, 16, 64)
FULL_EPOCHS = 10


def _driver_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(epochs: int = 1, repeats: int = 2, subset: int | None = None) -> dict:
    from mnist_lab.sweeps.ray_backend import RayExecutor

    with tempfile.TemporaryDirectory() as home:
        store = RunStore(home)
        spec = StudySpec(name="scaling", base=preset("lenet5"), repeats=repeats, confirm=False,
                         dimensions=[parse_grid("blocks.downsample=max,avg")],
                         budget=Budget(epochs=epochs, subset=subset))
        spec.validate()
        StudyIndex(store).create(spec.name, spec.to_dict())
        started = time.perf_counter()
        executor = RayExecutor(store, spec, "local")
        connected = time.perf_counter()
        cpu_before = _driver_cpu_s()
        found = drive(store, spec, executor, say=lambda line: None)
        driver_cpu = _driver_cpu_s() - cpu_before
        wall = time.perf_counter() - started
        executor.ray.shutdown()
    done = [trial.run for trial in found if trial.state is TrialState.DONE]
    if not done:
        return {"ray_scaling": "no trial finished"}
    train_s = [run.summary["train_seconds"] for run in done]
    task_s = [run.ended_at - run.started_at for run in done]
    per_epoch = sum(train_s) / len(train_s) / epochs
    rest = sum(task - train for task, train in zip(task_s, train_s, strict=True)) / len(done)
    full_trial = FULL_EPOCHS * per_epoch + rest
    per_node = os.cpu_count() or 1
    driver_per_trial = driver_cpu / len(done)
    estimate = {}
    for nodes in NODE_COUNTS:
        waves = math.ceil(STUDY_TRIALS / (nodes * per_node))
        estimate[f"{nodes} node{'s' if nodes > 1 else ''}"] = round(
            max(waves * full_trial, STUDY_TRIALS * driver_per_trial) / 60, 1)
    return {"ray_trials": len(done), "ray_epochs": epochs, "ray_subset": subset,
            "ray_connect_s": round(connected - started, 1), "ray_study_wall_s": round(wall, 1),
            "ray_train_s_per_epoch_1cpu": round(per_epoch, 2),
            "ray_task_rest_s": round(rest, 2),
            "ray_network_mb_per_trial": round(
                sum(run.trial.get("network_bytes", 0) for run in done) / len(done) / 1e6, 2),
            "ray_driver_cpu_s_per_trial": round(driver_per_trial, 2),
            "ray_full_lenet5_trial_s": round(full_trial, 1),
            "ray_200_trials_minutes": estimate, "ray_cpus_per_node": per_node}


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(measure, __doc__.splitlines()[0])
