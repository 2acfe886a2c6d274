"""The run store: round trips, requests, atomic artifacts, validation and dead trainers."""

import os
import subprocess
import sys
import time

import pytest

from mnist_lab.store import RequestKind, RunNotFoundError, RunStatus, RunStore, validate_run_id


def test_create_get_list_update_round_trip(store):
    run_id = store.create_run({"epochs": 1, "preset": "lenet5"}, tags=["quick"])
    run = store.get(run_id)
    assert run.name == "lenet5" and run.status is RunStatus.QUEUED
    assert run.config == {"epochs": 1, "preset": "lenet5"} and run.tags == ["quick"]
    store.update(run_id, name="my run", tags=["a", "b"], notes="first try")
    store.set_summary(run_id, {"test_accuracy": 0.99})
    run = store.get(run_id)
    assert (run.name, run.tags, run.notes) == ("my run", ["a", "b"], "first try")
    assert run.summary == {"test_accuracy": 0.99}
    assert [item.id for item in store.list()] == [run_id]
    assert store.list(statuses=(RunStatus.COMPLETED,)) == []


def test_metrics_are_read_incrementally(store):
    run_id = store.create_run({})
    store.log_metrics(run_id, "batch", 1, 10, 0.5, {"loss": 2.0, "accuracy": 0.3})
    store.log_metrics(run_id, "epoch", 1, 20, 1.0, {"loss": 1.0, "val_accuracy": 0.8})
    frame = store.metrics(run_id)
    assert list(frame["kind"]) == ["batch", "epoch"]
    assert frame.loc[1, "val_accuracy"] == 0.8 and frame.loc[0, "loss"] == 2.0
    newer = store.metrics(run_id, after_id=int(frame["id"].iloc[0]))
    assert list(newer["step"]) == [20]
    assert store.metrics(run_id, after_id=int(frame["id"].iloc[-1])).empty


def test_requests_are_taken_once_in_order(store):
    run_id = store.create_run({})
    store.request(run_id, RequestKind.PAUSE)
    store.request(run_id, RequestKind.SET_LEARNING_RATE, 0.001)
    taken = store.take_requests(run_id)
    assert [(request.kind, request.value) for request in taken] == [
        (RequestKind.PAUSE, None), (RequestKind.SET_LEARNING_RATE, 0.001)]
    assert store.take_requests(run_id) == []


def test_claim_is_fifo_and_respects_the_slot_count(store):
    first, second = store.create_run({}), store.create_run({})
    assert not store.claim(second, os.getpid(), max_running=1)  # not next in line
    assert store.claim(first, os.getpid(), max_running=1)
    assert not store.claim(second, os.getpid(), max_running=1)  # the slot is taken
    assert store.claim(second, os.getpid(), max_running=2)
    assert store.get(second).status is RunStatus.RUNNING


def test_artifacts_are_all_or_nothing(store):
    run_id = store.create_run({})

    def broken_writer(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match=f"could not save model.keras in {store.run_dir(run_id)}: disk full"):
        store.write_artifact(run_id, "model.keras", broken_writer)
    assert not store.artifact(run_id, "model.keras").exists()
    assert [path.name for path in store.run_dir(run_id).iterdir()] == ["config.json"]
    store.write_artifact(run_id, "model.keras", lambda path: path.write_text("whole"))
    assert store.artifact(run_id, "model.keras").read_text() == "whole"


@pytest.mark.parametrize("bad", ["../x", "20261125-120000-abcdef/..", "a/b", "", "x" * 300,
                                 "20261125-120000-abcdef\x00"])
def test_ids_that_could_escape_the_store_are_refused(store, bad):
    with pytest.raises(ValueError, match="invalid run id"):
        store.run_dir(bad)


@pytest.mark.parametrize("bad", ["../../etc", "a/b", "nul\x00byte", "x" * 81, "..", "   "])
def test_bad_names_are_refused(store, bad):
    with pytest.raises(ValueError, match="invalid run name"):
        store.create_run({}, name=bad)


def test_artifact_names_cannot_be_paths(store):
    run_id = store.create_run({})
    with pytest.raises(ValueError, match="invalid artifact name"):
        store.artifact(run_id, "../index.sqlite")


def test_unknown_run(store):
    with pytest.raises(RunNotFoundError, match="no run with id"):
        store.get("20200101-000000-000000")
    assert validate_run_id("20200101-000000-000000") == "20200101-000000-000000"


def test_delete_removes_rows_and_folder(store):
    run_id = store.create_run({})
    store.log_metrics(run_id, "epoch", 1, 1, 1.0, {"loss": 1.0})
    folder = store.run_dir(run_id)
    store.delete(run_id)
    assert not folder.exists()
    with pytest.raises(RunNotFoundError):
        store.get(run_id)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_dead_trainer_is_reported_interrupted_and_others_are_untouched(store):
    dead_id, alive_id = store.create_run({}), store.create_run({})
    assert store.claim(dead_id, dead_pid(), max_running=1)
    store.set_pid(alive_id, os.getpid())
    store.log_metrics(dead_id, "epoch", 1, 5, 1.0, {"loss": 0.5})
    run = store.get(dead_id)
    assert run.status is RunStatus.INTERRUPTED and "ended unexpectedly" in run.error
    assert store.get(alive_id).status is RunStatus.QUEUED
    assert list(store.metrics(dead_id)["loss"]) == [0.5]


def test_a_queued_run_whose_trainer_died_fails_with_its_last_words_and_frees_the_queue(store):
    orphan, waiting = store.create_run({}), store.create_run({})
    store.set_pid(orphan, dead_pid())  # the starter recorded it; the trainer died importing
    store.artifact(orphan, "train.log").write_text(
        "Traceback (most recent call last):\n  ...\nModuleNotFoundError: No module named 'x'\n")
    store.set_pid(waiting, os.getpid())

    assert store.claim(waiting, os.getpid(), max_running=1)  # no longer behind the orphan
    run = store.get(orphan)
    assert run.status is RunStatus.FAILED
    assert run.error == ("the trainer process ended before training started; it last wrote: "
                         "ModuleNotFoundError: No module named 'x'")


def test_a_queued_run_no_process_ever_claimed_fails_after_the_stale_time(store, monkeypatch):
    run_id = store.create_run({})
    assert store.reap_stale() == []  # just created: its trainer may still be starting
    monkeypatch.setattr(time, "time", lambda: 10**10)
    assert store.reap_stale() == [run_id]
    assert store.get(run_id).error == "no trainer process was started for it"


def test_a_stale_heartbeat_is_reported_interrupted(store, monkeypatch):
    run_id = store.create_run({})
    store.set_pid(run_id, os.getpid())
    monkeypatch.setattr(time, "time", lambda: 10**10)
    assert store.reap_stale() == [run_id]


def test_two_stores_on_one_folder_see_each_other(tmp_path):
    writer, reader = RunStore(tmp_path), RunStore(tmp_path)
    run_id = writer.create_run({"a": 1})
    writer.log_metrics(run_id, "batch", 1, 1, 0.1, {"loss": 1.0})
    assert reader.get(run_id).config == {"a": 1}
    assert len(reader.metrics(run_id)) == 1


def test_a_store_from_an_earlier_version_gains_the_trial_column(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "index.sqlite") as connection:
        connection.execute(
            "CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,"
            " created_at REAL NOT NULL, started_at REAL, ended_at REAL, heartbeat_at REAL,"
            " pid INTEGER, config_json TEXT NOT NULL, summary_json TEXT NOT NULL DEFAULT '{}',"
            " tags_json TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '', sweep_id TEXT,"
            " error TEXT)")
        connection.execute("INSERT INTO runs (id, name, status, created_at, config_json) VALUES"
                           " ('20260101-000000-aaaaaa', 'old', 'completed', 1.0, '{}')")
    store = RunStore(tmp_path)
    assert store.get("20260101-000000-aaaaaa").trial is None
    run_id = store.create_run({}, sweep_id="pooling", trial={"point": {"x": 1}, "seed": 0},
                              pid=os.getpid())
    assert store.get(run_id).trial == {"point": {"x": 1}, "seed": 0}
    assert [run.id for run in store.list(study="pooling")] == [run_id]
