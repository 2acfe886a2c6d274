"""Drive a study: queue the trials it still needs, prune hopeless ones, stop when asked.

The driver is the process next to the run store (`mnist-lab sweep`, started by the CLI or the
Experiments page). It never trains: an executor's trainers do (`local.LocalExecutor` on this
machine). Everything it decides is written to the store as it goes, so a driver killed at any
moment is resumed by starting it again: finished trials are kept, the rest is planned anew.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Protocol

from mnist_lab.config import point_words
from mnist_lab.store import RequestKind, RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps import search
from mnist_lab.sweeps.plan import next_slots
from mnist_lab.sweeps.space import point_label
from mnist_lab.sweeps.study import MAIN, StudySpec, Trial, TrialState, latest_by_key, trials

POLL_S = 1.0
# One trial waits in line per trainer, so none idles between two: trainers that start together
# finish together, and with one waiting for all of them the second waited for the next poll.
QUEUED_PER_TRAINER = 1
STOPPED_WITH_STUDY = "the study was stopped"


class Executor(Protocol):
    """Where trials train: `slots()` trials at once; `serve(count)` makes sure `count` can."""

    def slots(self) -> int: ...

    def serve(self, count: int) -> None: ...

    def close(self) -> None: ...


def drive(store: RunStore, spec: StudySpec, executor: Executor, *,
          say: Callable[[str], None] = print) -> list[Trial]:
    """Run the study until its plan is done, its budget spent or a stop is requested."""
    index = StudyIndex(store)
    index.start_driving(spec.name, os.getpid())
    started = time.monotonic()
    reported: set[str] = set()
    curves: dict[str, dict[int, float]] = {}
    try:
        while True:
            index.heartbeat(spec.name)
            found = trials(store, spec.name)
            _report(found, reported, say)
            if index.get(spec.name).stop_requested:
                stop_study(store, spec.name)
                say(f"study {spec.name} stopped; finished trials keep their results")
                break
            latest = list(latest_by_key(found).values())
            open_trials = [trial for trial in latest if trial.state.open]
            for trial in open_trials:
                if trial.state is TrialState.QUEUED:
                    store.heartbeat(trial.run.id)  # ours until a trainer claims it
            if spec.prune:
                prune_trials(store, latest, curves, say)
            budget = spec.budget.time_budget_s
            out_of_time = budget is not None and time.monotonic() - started > budget
            capacity = executor.slots()
            slots = [] if out_of_time else next_slots(
                spec, found, capacity * (1 + QUEUED_PER_TRAINER) - len(open_trials))
            for point, seed, phase in slots:
                _queue(store, spec, point, seed, phase)
            executor.serve(min(capacity, len(open_trials) + len(slots)))
            if not open_trials and not slots:
                break
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        stop_study(store, spec.name)
        raise
    finally:
        index.end(spec.name)  # first: the trainers leave once the study has ended
        executor.close()
    return trials(store, spec.name)


def _queue(store: RunStore, spec: StudySpec, point: dict, seed: int, phase: str) -> str:
    """A trial as a queued run, named so that its arm and seed read at a glance ("max pooling ·
    seed 2"); its study is its tag and its own column on the Runs page."""
    name = f"{point_words(point)}"[:70].rstrip(" ,") + f" · seed {seed}"
    return store.create_run(
        spec.trial_config(point, seed).to_dict(), name=name, tags=[spec.name],
        sweep_id=spec.name, trial={"point": point, "seed": seed, "phase": phase},
        pid=os.getpid())


def stop_study(store: RunStore, name: str) -> None:
    """Take the study's queued trials off the queue and stop its running ones after a batch."""
    for trial in latest_by_key(trials(store, name)).values():
        if trial.state is TrialState.QUEUED and store.cancel_queued(trial.run.id, STOPPED_WITH_STUDY):
            continue
        if trial.run.status.active:
            store.request(trial.run.id, RequestKind.STOP)


def _report(found: list[Trial], reported: set[str], say: Callable[[str], None]) -> None:
    for trial in found:
        if trial.run.id in reported or trial.state.open:
            continue
        reported.add(trial.run.id)
        accuracy = trial.run.summary.get("test_accuracy")
        score = f": {accuracy:.2%} test accuracy" if accuracy is not None else ""
        say(f"{trial.state:8} {point_label(trial.point)} seed {trial.seed} ({trial.phase}){score}")


def prune_trials(store: RunStore, latest: list[Trial], curves: dict[str, dict[int, float]],
                 say: Callable[[str], None]) -> None:
    """Stop main-phase trials whose validation accuracy is below the median of finished ones,
    while they still have epochs to train: a trial past its last epoch is complete."""
    finished = [_curve(store, trial, curves) for trial in latest if trial.state is TrialState.DONE]
    for trial in latest:
        if trial.state is not TrialState.RUNNING or trial.phase != MAIN or trial.pruned_at:
            continue
        running = _curve(store, trial, curves, cached=False)
        epochs = trial.run.config.get("epochs")
        if running and epochs is not None and max(running) >= epochs:
            continue  # its last epoch is done: nothing is left to save by stopping it
        if running and search.should_prune(finished, running):
            epoch = max(running)
            store.set_trial(trial.run.id, {**trial.run.trial, "pruned_at": epoch})
            store.request(trial.run.id, RequestKind.STOP)
            say(f"pruning  {point_label(trial.point)} seed {trial.seed} at epoch {epoch}: "
                f"{running[epoch]:.2%} validation accuracy is below the median")


def _curve(store: RunStore, trial: Trial, cache: dict[str, dict[int, float]],
           cached: bool = True) -> dict[int, float]:
    """Validation accuracy by epoch, from the run's epoch points."""
    if cached and trial.run.id in cache:
        return cache[trial.run.id]
    history = store.metrics(trial.run.id)
    curve = {}
    if len(history) and "val_accuracy" in history.columns:
        epochs = history[(history["kind"] == "epoch") & history["val_accuracy"].notna()]
        curve = dict(zip(epochs["epoch"].astype(int), epochs["val_accuracy"].astype(float),
                         strict=True))
    cache[trial.run.id] = curve
    return curve
