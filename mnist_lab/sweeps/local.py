"""Trials on this machine: long-lived trainer processes that serve one study.

Each is `python -m mnist_lab worker --study NAME`: it imports TensorFlow and loads MNIST once,
then trains the study's queued trials one after another through the runner's usual path.
There are as many as the study's `cpus_per_trial` fits in the cores, each with that many
threads: one trainer per core by default. Small networks use a second thread poorly, so on 2
cores two 1-thread trainers train a one-epoch LeNet-5 study 1.7x faster than one 2-thread
trainer (benchmarks/sweep_share.py). They leave when no trial waits and their driver is gone
or done.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mnist_lab import processes
from mnist_lab.store import RunStore
from mnist_lab.store.studies import study_folder
from mnist_lab.sweeps.study import Budget


def study_log(store: RunStore, name: str) -> Path:
    """<home>/studies/<name>.log: what the study's driver and its trainers printed."""
    return study_folder(store.home) / f"{name}.log"


def local_trainers(budget: Budget) -> int:
    """How many of the study's trials train at once on this machine."""
    return max(1, (os.cpu_count() or 1) // budget.cpus_per_trial)


class LocalExecutor:
    """Starts trainer processes for a study, up to the count the driver asks for."""

    def __init__(self, store: RunStore, study: str, budget: Budget) -> None:
        self.store, self.study, self.budget = store, study, budget
        self.workers: list[subprocess.Popen] = []

    def slots(self) -> int:
        return local_trainers(self.budget)

    def serve(self, count: int) -> None:
        self.workers = [worker for worker in self.workers if worker.poll() is None]
        while len(self.workers) < count:
            self.workers.append(processes.start(
                "worker", "--study", self.study, home=self.store.home,
                log=study_log(self.store, self.study), detach=False,
                MNIST_LAB_THREADS=str(self.budget.cpus_per_trial)))

    def close(self) -> None:
        """Wait for the trainers: they finish their trial and leave once the study is done."""
        for worker in self.workers:
            worker.wait()
