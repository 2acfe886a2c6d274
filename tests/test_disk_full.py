"""A disk that fills up while a run saves: the run fails with the reason, nothing half-written.

Two ways: a real trainer on a 256 KB tmpfs mounted on its run folder (as root, where mounting
works), and, everywhere, a writer that fails with ENOSPC half-way through the model file.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys

import pytest

from mnist_lab.config import preset
from mnist_lab.model import saved
from mnist_lab.store import RunStatus, artifacts, run_folder
from mnist_lab.training import runner

TINY = preset("lenet5").replace(epochs=1, batch_size=64)
TINY.blocks[0].filters, TINY.blocks[1].filters = 4, 8
TINY.dense = TINY.dense[:1]
TINY.dense[0].units = 16
NO_SPACE = os.strerror(errno.ENOSPC)


@pytest.fixture
def small_data(small_npz, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    return small_npz


def assert_nothing_half_written(folder) -> None:
    assert not [path.name for path in folder.iterdir() if path.name.startswith(".tmp-")]
    for name, read in ((artifacts.PREDICTIONS_FILE, artifacts.read_predictions),
                       (artifacts.VALIDATION_FILE, artifacts.read_validation),
                       (artifacts.TRACKED_FILE, artifacts.read_tracked)):
        if (folder / name).exists():
            read(folder)


class FullLog(io.StringIO):
    """A log file on a full disk: every write fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, NO_SPACE)


def test_a_write_that_fails_for_space_fails_the_run_with_the_reason(store, small_data, monkeypatch):
    real = run_folder.write_atomic

    def full_disk(target, write):
        if target.name != artifacts.MODEL_FILE:
            return real(target, write)

        def half_then_full(path):
            write(path)
            with open(path, "r+b") as handle:
                handle.truncate(path.stat().st_size // 2)
            raise OSError(errno.ENOSPC, NO_SPACE)
        return real(target, half_then_full)

    monkeypatch.setattr(run_folder, "write_atomic", full_disk)
    monkeypatch.setattr(sys, "stderr", FullLog())  # the trainer's log is on the full disk too
    run_id = store.create_run(TINY.to_dict(), name="full disk")
    assert runner.execute(store, run_id) is RunStatus.FAILED

    folder = store.run_dir(run_id)
    run = store.get(run_id)
    assert run.error == f"ArtifactWriteError: could not save model.keras in {folder}: {NO_SPACE}"
    assert "\n" not in run.error
    assert not (folder / artifacts.MODEL_FILE).exists()
    assert_nothing_half_written(folder)
    assert len(store.metrics(run_id)) >= 2  # the curves up to the failure are kept


def mount_tmpfs(folder, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the failing-writer test covers the rest")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")


def test_a_real_trainer_on_a_full_tmpfs_fails_its_run_with_the_reason(store, small_data):
    run_id = store.create_run(TINY.to_dict(), name="tmpfs")
    folder = store.run_dir(run_id)
    config = (folder / artifacts.CONFIG_FILE).read_bytes()
    mount_tmpfs(folder, "256k")  # the model (70 KB) fits; the test predictions (360 KB) do not
    try:
        (folder / artifacts.CONFIG_FILE).write_bytes(config)
        process = runner.launch(store, run_id)
        assert process.wait(timeout=600) == 1

        run = store.get(run_id)
        assert run.status is RunStatus.FAILED
        assert run.error == f"ArtifactWriteError: could not save predictions.npz in {folder}: {NO_SPACE}"
        assert_nothing_half_written(folder)
        assert saved.load_model(folder / artifacts.MODEL_FILE).count_params() == 4_298
        assert "Traceback" in (folder / artifacts.LOG_FILE).read_text()
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
