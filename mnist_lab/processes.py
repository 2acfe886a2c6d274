"""Every process the lab starts: trainers, a study's workers and its driver, one way.

A background process is `python -m mnist_lab ARGS`, run `MNIST_LAB_NICE` (10 unless set)
nicer than its starter so that pages and the shell still answer while it uses every core,
with the store and this project in its environment and its output appended to a log file.
One that must outlive its starter (a trainer, a driver) gets its own session, and a starter
that lives long (the dashboard) reaps it when it ends. TensorFlow must never be forked once
imported, so every start is a fresh interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NICE_ENV = "MNIST_LAB_NICE"
BACKGROUND_NICENESS = 10
HOME_ENV = "MNIST_LAB_HOME"


def niceness() -> int:
    """How much nicer than its starter a background process runs (`MNIST_LAB_NICE`, 0..19)."""
    value = os.environ.get(NICE_ENV, str(BACKGROUND_NICENESS))
    if not value.isdigit() or int(value) > 19:
        raise ValueError(f"{NICE_ENV} must be a whole number from 0 to 19, got {value!r}")
    return int(value)


def lab_command(*args: str) -> list[str]:
    """`python -m mnist_lab ARGS` under `nice`, so that the whole process, every thread from
    its first, runs nicer; as it is where the system has no `nice` command."""
    level = niceness()
    nice = ["nice", "-n", str(level)] if level and shutil.which("nice") else []
    return [*nice, sys.executable, "-m", "mnist_lab", *args]


def lab_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a background process: the store and this project, importable."""
    return {**os.environ, HOME_ENV: str(home.resolve()),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
            **extra}


def start(*args: str, home: Path, log: Path, detach: bool = True, **env: str) -> subprocess.Popen:
    """Start `mnist-lab ARGS` in the background with its output appended to `log`.

    `detach`: in its own session, so that it outlives its starter (a trainer, a driver);
    otherwise it stays in its starter's session, which waits for it (a study's workers).
    """
    with open(log, "ab") as output:
        return subprocess.Popen(
            lab_command(*args), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=detach, env=lab_env(home, **env), cwd=PROJECT_ROOT)


def reap(process: subprocess.Popen, what: str) -> subprocess.Popen:
    """Wait for `process` in a thread, so that a long-lived starter (the dashboard) never
    keeps a finished one as a defunct process; whether a run lives is still decided by the
    store's heartbeat, not by this handle."""
    threading.Thread(target=process.wait, daemon=True, name=f"reap {what}").start()
    return process
