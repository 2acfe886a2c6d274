"""Trainers killed with SIGKILL at random moments, saves included, twenty times over.

After every kill: the store opens, every run is in a final status, no temporary file is left,
and every artifact in the run's folder reads whole through the store's own readers. Most kills
come after a random delay; a few wait for the model's or the test predictions' temporary file
to appear, so that a kill in the middle of each of those saves is certain, not left to luck.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from mnist_lab.atomic import TEMP_PREFIX
from mnist_lab.config import RunConfig, preset
from mnist_lab.store import RunStatus, RunStore, artifacts
from mnist_lab.store.liveness import pid_alive
from mnist_lab.store.run_folder import METRICS_FILE, RECORD_FILE

ROOT = Path(__file__).resolve().parent.parent
KILLS = 20
# Kills timed by a save (the rest after a random delay): the model's and the predictions'.
AT_SAVE = {3: "model", 7: "predictions", 11: "model", 15: "predictions"}
RANDOM_DELAY_S = (0.0, 3.0)  # a trainer lives about 3 s: start, an epoch, the test set, saves
TINY = preset("lenet5").replace(epochs=1, subset=20, batch_size=32)  # 200 images


def temporary(folder: Path, suffix: str) -> bool:
    return any(name.startswith(TEMP_PREFIX) and name.endswith(suffix) for name in os.listdir(folder))


def saving(folder: Path, what: str) -> bool:
    """Whether the save has begun: its temporary file, or the file itself (where a writer
    that does not go through a temporary name would be writing it)."""
    if what == "model":
        return temporary(folder, ".keras") or (folder / artifacts.MODEL_FILE).exists()
    return (folder / artifacts.MODEL_FILE).exists() and (
        temporary(folder, ".npz") or (folder / artifacts.PREDICTIONS_FILE).exists())


def wait_for_the_save(store: RunStore, run_id: str, what: str, timeout: float = 60.0) -> None:
    """Return as soon as the save has begun (its temporary file exists) or the run has ended."""
    folder, deadline = store.run_dir(run_id), time.monotonic() + timeout
    for polls in range(10**9):
        if saving(folder, what):
            return
        if (polls % 200 == 0 and not store.get(run_id).status.active) or time.monotonic() > deadline:
            return
        time.sleep(0.0005)


def interrupted_saves(folder: Path) -> list[str]:
    """What the killed trainer was writing: its temporary files, named by the artifact."""
    saves = []
    for name in os.listdir(folder):
        if name.startswith(TEMP_PREFIX):
            suffix = Path(name).suffix
            if suffix == ".npz":
                saves.append(artifacts.PREDICTIONS_FILE if (folder / artifacts.MODEL_FILE).exists()
                              and not (folder / artifacts.PREDICTIONS_FILE).exists()
                              else "validation or tracked .npz")
            else:
                saves.append({".keras": artifacts.MODEL_FILE, ".png": artifacts.CURVES_FILE}.get(
                    suffix, name))
    return saves


def read_everything(folder: Path) -> list[str]:
    """Read every artifact in the folder through the readers pages use; the names read."""
    from mnist_lab.model import saved

    readers = {
        artifacts.CONFIG_FILE: lambda path: RunConfig.from_dict(json.loads(path.read_text())),
        artifacts.PREDICTIONS_FILE: lambda path: artifacts.read_predictions(folder),
        artifacts.VALIDATION_FILE: lambda path: artifacts.read_validation(folder),
        artifacts.TRACKED_FILE: lambda path: artifacts.read_tracked(folder),
        artifacts.MODEL_FILE: lambda path: saved.load_model(path, compile=False),
        artifacts.CURVES_FILE: lambda path: Image.open(path).verify(),
        RECORD_FILE: lambda path: json.loads(path.read_text()),
        METRICS_FILE: lambda path: json.loads(path.read_text()),
    }
    read = []
    for name, reader in readers.items():
        if (folder / name).exists():
            reader(folder / name)
            read.append(name)
    return read


@pytest.fixture
def trainers(store, small_npz):
    """The fork server (tests/trainer_forks.py): send a run id, get its trainer's pid."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MNIST_LAB_THREADS": "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    server = subprocess.Popen([sys.executable, "-m", "tests.trainer_forks", str(store.home),
                               str(small_npz)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT, env=env)
    assert server.stdout.readline().strip() == "ready"

    def start(run_id: str) -> int:
        server.stdin.write(run_id + "\n")
        server.stdin.flush()
        return int(server.stdout.readline())

    yield start
    server.kill()
    server.wait()


@pytest.mark.slow
def test_twenty_trainers_killed_at_random_moments_leave_a_store_that_reads(store, trainers):
    seed = int(os.environ.get("MNIST_LAB_KILL_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    said = f"(seed {seed}; MNIST_LAB_KILL_SEED={seed} repeats the delays)"
    interrupted, statuses, read = Counter(), Counter(), Counter()
    started = time.monotonic()
    for kill in range(KILLS):
        run_id = store.create_run(TINY.to_dict(), name=f"kill {kill}")
        folder = store.run_dir(run_id)
        pid = trainers(run_id)
        if kill in AT_SAVE:
            wait_for_the_save(store, run_id, AT_SAVE[kill])
        else:
            time.sleep(rng.uniform(*RANDOM_DELAY_S))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it had finished: a kill after the end
        while pid_alive(pid):
            time.sleep(0.01)
        interrupted.update(interrupted_saves(folder))

        reopened = RunStore(store.home)  # the store opens, and its listing reaps the dead
        runs = reopened.list()
        assert not [run.id for run in runs if run.status.active], f"kill {kill} {said}"
        run = reopened.get(run_id)
        statuses[run.status] += 1
        assert run.status in (RunStatus.COMPLETED, RunStatus.INTERRUPTED, RunStatus.FAILED), said
        assert not [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX)], said
        read.update(read_everything(folder))
        if run.status is RunStatus.COMPLETED:
            assert {artifacts.MODEL_FILE, artifacts.PREDICTIONS_FILE} <= set(os.listdir(folder))

    print(f"\n{KILLS} kills in {time.monotonic() - started:.0f} s {said}; saves interrupted: "
          f"{dict(interrupted)}; final statuses: {dict(statuses)}; artifacts read whole: {dict(read)}")
    assert interrupted[artifacts.MODEL_FILE] >= 1 and interrupted[artifacts.PREDICTIONS_FILE] >= 1, (
        f"no kill landed in the model's or the predictions' save: {dict(interrupted)} {said}")
    assert sum(statuses.values()) == KILLS
