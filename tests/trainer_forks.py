"""Trainers that start in milliseconds, for tests that kill many of them.

`python -m tests.trainer_forks HOME DATA` imports Keras and loads the data once, then reads run
ids from stdin and, for each, forks a trainer that runs `runner.execute` (the code path of
every run: claim, heartbeat, train, save, final status) with its output in the run's
train.log, and answers the trainer's pid. As `runner.launch` does, the starter records the pid
and a first heartbeat, so a trainer killed before it claimed its run is found dead.

A fresh `python -m mnist_lab train` spends 8 to 13 s on this machine importing TensorFlow
before it trains; twenty of them would make a test of minutes. The server itself runs no
TensorFlow operation before it forks, so each trainer starts TensorFlow's runtime afresh.
"""

from __future__ import annotations

import os
import signal
import sys


def serve(home: str, data: str) -> None:
    from mnist_lab.model.backend import import_keras
    from mnist_lab.store import RunStore
    from mnist_lab.store.artifacts import LOG_FILE
    from mnist_lab.training import runner

    import_keras()
    import mnist_lab.training.train  # noqa: F401  (imported once, before any fork)

    runner.mnist(data)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended trainers are reaped by the kernel
    store = RunStore(home)
    print("ready", flush=True)
    for line in iter(sys.stdin.readline, ""):
        run_id = line.strip()
        pid = os.fork()
        if pid == 0:
            _train(store, run_id, data, store.artifact(run_id, LOG_FILE))
        store.set_pid(run_id, pid)
        print(pid, flush=True)


def _train(store, run_id: str, data: str, log_path) -> None:
    """The forked trainer: never returns."""
    from mnist_lab.training import runner

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    code = 1
    try:
        runner.execute(store, run_id, data_source=data)
        code = 0
    finally:
        os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
