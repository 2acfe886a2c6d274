"""Trainer processes: start them, queue them, stop them, and run one (the trainer's side).

The dashboard never trains. It creates a queued run and starts
``python -m mnist_lab train --run-id ID`` in its own session, with its own log file, so the
trainer outlives reruns, page changes and the dashboard itself. The trainer waits for a free
slot (FIFO, `max_running` at a time), keeps a heartbeat while it lives, and always leaves the
run in a final status: completed, stopped, failed or interrupted.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

from mnist_lab import processes
from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.model import Architecture, describe
from mnist_lab.model.backend import import_keras
from mnist_lab.store import TERMINATED_BY_SIGTERM, RequestKind, RunStatus, RunStore
from mnist_lab.store.artifacts import LOG_FILE
from mnist_lab.store.lineage import parent_model_path

MAX_RUNNING_SETTING = "max_running"
HEARTBEAT_INTERVAL_S = 5.0
WHILE_QUEUED = "while queued"


class Terminated(Exception):
    """SIGTERM arrived before training began: the run ends as interrupted."""


def max_running(store: RunStore) -> int:
    """How many runs may train at once (a store setting; one by default on a small machine)."""
    return max(1, int(store.setting(MAX_RUNNING_SETTING, os.environ.get("MNIST_LAB_MAX_RUNNING", "1"))))


def launch(store: RunStore, run_id: str) -> subprocess.Popen:
    """Start a detached trainer for a queued run (`mnist-lab train --run-id ID`, through
    `mnist_lab.processes`); its output goes to the run's train.log.

    The trainer's pid and a first heartbeat are recorded here, by the starter: a trainer that
    dies while importing, before it could record them itself, is then found dead and its run
    failed, instead of holding the queue forever.
    """
    process = processes.start("train", "--run-id", run_id, home=store.home,
                              log=store.artifact(run_id, LOG_FILE))
    store.set_pid(run_id, process.pid)
    return process


def stop(store: RunStore, run_id: str) -> None:
    """Ask a run to stop: a queued one leaves the queue, a running one stops after a batch."""
    run = store.get(run_id)
    if not run.status.active:
        raise ValueError(f"run {run_id} is already {run.status}")
    store.request(run_id, RequestKind.STOP)


def start(store: RunStore, run_id: str) -> subprocess.Popen:
    """Launch a trainer from a long-lived process (the dashboard) and reap it when it ends."""
    return processes.reap(launch(store, run_id), run_id)


def submit(store: RunStore, architecture: Architecture, *, name: str | None = None,
           tags: list[str] | None = None) -> str:
    """Queue a checked config as a new run and start its trainer: how a page starts a run."""
    run_id = store.create_run(architecture.config.to_dict(), name=name, tags=tags)
    start(store, run_id)
    return run_id


def rerun(store: RunStore, run_id: str) -> str:
    """Train a run's config again as a new run, with its name and tags; `ConfigError` when the
    stored config no longer describes a network this version builds."""
    run = store.get(run_id)
    return submit(store, describe(RunConfig.from_dict(run.config)), name=run.name, tags=run.tags)


class _Heartbeat(threading.Thread):
    """Refreshes the run's heartbeat while the trainer lives, also while saving or paused."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        super().__init__(daemon=True, name="heartbeat")
        self.store, self.run_id = store, run_id
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(HEARTBEAT_INTERVAL_S):
            try:
                self.store.heartbeat(self.run_id)
            except Exception as error:  # a busy store must not kill training; try again later
                print(f"heartbeat failed: {error}", file=sys.stderr)


def _wait_for_slot(store: RunStore, run_id: str) -> bool:
    """Block until this run may train; False if it was stopped while waiting."""
    announced = False
    while not store.claim(run_id, os.getpid(), max_running(store)):
        if any(request.kind is RequestKind.STOP for request in store.take_requests(run_id)):
            store.set_status(run_id, RunStatus.STOPPED, error="stopped while queued")
            return False
        if not announced:
            print("queued: waiting for a free training slot", file=sys.stderr, flush=True)
            announced = True
        time.sleep(1.0)
    return True


def execute(store: RunStore, run_id: str, *, data_source: str | None = None,
            console: bool = False, checked: Architecture | None = None) -> RunStatus:
    """Train a queued run in this process, through the same path as every other run.

    Always leaves the run in a final status and returns it: a training error marks it failed
    (the traceback goes to stderr, the run's train.log for a dashboard trainer), SIGTERM marks
    it interrupted, in the queue or while training. Only Ctrl-C propagates, after marking it.
    `checked`: the run's config as its caller already checked it (the CLI); otherwise it is
    read from the store and checked here.
    """
    run = store.get(run_id)
    if run.status is not RunStatus.QUEUED:
        raise ValueError(f"run {run_id} is {run.status}; only a queued run can be trained")
    store.set_pid(run_id, os.getpid())
    return _train_run(store, run_id, lambda: _wait_for_slot(store, run_id),
                      data_source=data_source, console=console, checked=checked)


def serve_study(store: RunStore, study: str, slots: int, *, data_source: str | None = None,
                until=lambda: False) -> int:
    """Train the study's queued trials one after another in this process; return how many.

    A long-lived trainer pays for TensorFlow's import and MNIST's load once, not once per
    trial: for short trials that was most of their time. It takes the study's trial next in
    line whenever fewer than `slots` runs train (the study's trainers), through the same path
    as every other run, and leaves once
    no trial waits and `until()` says the study needs no more.
    """
    trained = 0
    while True:
        run_id = store.claim_next(study, os.getpid(), slots)
        if run_id is None:
            if until():
                return trained
            time.sleep(0.2)
            continue
        status = _train_run(store, run_id, lambda: True, data_source=data_source)
        trained += 1
        if status is RunStatus.INTERRUPTED and store.get(run_id).error == TERMINATED_BY_SIGTERM:
            return trained  # SIGTERM ends the trainer, not only its trial


def mnist(source: str | None):
    """MNIST, loaded once per process and source (a long-lived trainer trains many runs)."""
    return _load_mnist(source or os.environ.get("MNIST_LAB_DATA"))


@functools.lru_cache(maxsize=2)
def _load_mnist(source: str | None):
    from mnist_lab.data import load_mnist

    return load_mnist(source)


def _train_run(store: RunStore, run_id: str, wait_for_slot, *, data_source: str | None,
               console: bool = False, checked: Architecture | None = None) -> RunStatus:
    """Heartbeat, SIGTERM and the run's final status around one training."""
    heartbeat = _Heartbeat(store, run_id)
    heartbeat.start()
    terminate = threading.Event()
    training = False

    def on_sigterm(signum, frame) -> None:
        # Inside model.fit an exception raised here could be swallowed by Keras or
        # TensorFlow; the training callbacks watch `terminate` and end after a batch.
        terminate.set()
        if not training:
            raise Terminated()

    previous_handler = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if not wait_for_slot():
            return RunStatus.STOPPED
        # Imported here, quietly: TensorFlow's thread pools must be set before its first
        # operation, and its start-up lines are noise to a user.
        import_keras()
        from mnist_lab.training.train import configure_threads, train

        # The store is this run's door: its config is checked here, once, and its parent's
        # weights (if it starts from another run) are found here, not inside training.
        architecture = checked or describe(RunConfig.from_dict(store.get(run_id).config))
        parent = architecture.config.init_from
        parent_model = parent_model_path(store, parent) if parent else None
        configure_threads()
        training = True
        train(architecture, store, run_id, mnist(data_source), parent_model=parent_model,
              console=console, terminate=terminate)
    except Terminated:
        store.set_status(run_id, RunStatus.INTERRUPTED, error=f"{TERMINATED_BY_SIGTERM} {WHILE_QUEUED}"
                         if store.get(run_id).status is RunStatus.QUEUED else TERMINATED_BY_SIGTERM)
    except KeyboardInterrupt:
        store.set_status(run_id, RunStatus.INTERRUPTED, error="interrupted (Ctrl-C)")
        raise
    except ConfigError as error:
        store.set_status(run_id, RunStatus.FAILED, error=f"invalid config: {error}")
    except Exception as error:
        store.set_status(run_id, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
        _print_traceback()
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        heartbeat.done.set()
    return store.get(run_id).status


def _print_traceback() -> None:
    """The traceback on stderr (the run's train.log), after the run is marked failed: on a
    full disk the log cannot take it, and the run's status must not depend on it."""
    try:
        traceback.print_exc()
        sys.stderr.flush()
    except OSError:
        pass
