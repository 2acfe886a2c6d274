"""The store under faults: a corrupted index and `runs reindex`, a run folder deleted by hand,
leftovers of a killed writer, and the record each run folder keeps for a rebuild."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from app.live_server import live_routes
from mnist_lab.cli import main
from mnist_lab.config import preset
from mnist_lab.store import LabelMark, RunStatus, RunStore, artifacts
from mnist_lab.store.reindex import NO_RECORD
from mnist_lab.store.run_folder import METRICS_FILE, RECORD_FILE
from mnist_lab.store.studies import StudyIndex
from tests.fakes import fake_probabilities, log_batch, seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = ("pages/home.py", "pages/train.py", "pages/experiments.py", "pages/runs.py",
         "pages/compare.py", "pages/errors.py", "pages/misclassified.py", "pages/inspector.py")


def dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.fixture
def killed_run(store, mnist):
    """A run whose trainer saved its predictions and was then killed: it never wrote a record.
    Its trainer is a sleeping child, killed by the test when it wants."""
    trainer = subprocess.Popen(["sleep", "600"])
    run_id = store.create_run(preset("lenet5").to_dict(), name="killed")
    assert store.claim(run_id, trainer.pid, max_running=9)
    log_batch(store, run_id, 50)
    store.write_artifact(run_id, artifacts.PREDICTIONS_FILE, lambda path: np.savez_compressed(
        path, probabilities=fake_probabilities(mnist.y_test), y_test=mnist.y_test))
    yield run_id, trainer
    trainer.kill()
    trainer.wait()


@pytest.fixture
def populated(store, mnist, killed_run):
    """Two finished runs (one tagged, annotated and marked, one in a study), and a run whose
    trainer is still alive until the test kills it."""
    tagged = seed_run(store, mnist.y_test, name="tagged")
    store.update(tagged, tags=["keep", "best"], notes="my notes")
    store.set_label_marks(tagged, {2462: LabelMark.LABEL_WRONG})
    StudyIndex(store).create("kernels", {"name": "kernels", "anything": [1, 2]})
    trial = seed_run(store, mnist.y_test, name="trial", study="kernels",
                     trial={"point": {"kernel": 3}, "seed": 1, "phase": "main"})
    return tagged, trial, killed_run


def corrupt(db_path: Path, where: str) -> None:
    """Overwrite 200 bytes of the index file: its header, or the first page of its runs table
    (after a checkpoint, so the page is read from the file and not from the WAL)."""
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    with open(db_path, "r+b") as handle:
        handle.seek(0 if where == "header" else (root - 1) * page_size)
        handle.write(b"\xa5" * 200)


def snapshot(store: RunStore) -> dict:
    """What a person sees of every run, its curves and marks."""
    return {run.id: (run.name, run.status, run.summary, run.tags, run.notes, run.sweep_id, run.trial,
                     run.error, len(store.metrics(run.id)), store.label_marks(run.id))
            for run in store.list()}


@pytest.mark.parametrize("where", ["header", "a page of the runs table"])
def test_a_corrupted_index_is_named_and_reindex_rebuilds_it_from_the_folders(store, populated, where,
                                                                             capsys):
    tagged, trial, (killed, trainer) = populated
    before = snapshot(store)
    trainer.kill()
    trainer.wait()
    corrupt(store.db_path, where)

    assert main(["--home", str(store.home), "runs", "list"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"mnist-lab: error: the run index {store.db_path} is damaged (")
    assert ("file is not a database" if where == "header" else "disk image is malformed") in error
    assert error.endswith("rebuild the index from them with `mnist-lab runs reindex`")
    assert len(error.splitlines()) == 1

    assert main(["--home", str(store.home), "runs", "reindex"]) == 0
    output = capsys.readouterr().out
    assert "runs restored from their folder record: 2" in output
    assert "runs without a record, restored as interrupted" in output and "curves): 1" in output
    assert "studies restored: 1" in output
    backups = list(store.home.glob("index.sqlite.before-reindex-*"))
    assert len(backups) == 1 and f"kept as {backups[0]}" in output

    after = snapshot(store)
    assert {run_id: after[run_id] for run_id in (tagged, trial)} == {
        run_id: before[run_id] for run_id in (tagged, trial)}
    name, status, summary, *_, error, points, _ = after[killed]
    assert (name, status, error, points) == ("lenet5", RunStatus.INTERRUPTED, NO_RECORD, 0)
    assert summary["test_accuracy"] == pytest.approx(before[tagged][2]["test_accuracy"])
    assert StudyIndex(store).get("kernels").spec == {"name": "kernels", "anything": [1, 2]}


def test_reindex_refuses_while_a_trainer_uses_the_index(store, capsys):
    run_id = store.create_run(preset("lenet5").to_dict())
    assert store.claim(run_id, os.getpid(), max_running=1)
    assert main(["--home", str(store.home), "runs", "reindex"]) == 2
    assert f"run {run_id} is still training (pid {os.getpid()})" in capsys.readouterr().err
    assert store.get(run_id).status is RunStatus.RUNNING


def test_the_dashboard_and_the_live_feed_say_the_index_is_damaged(store, populated, monkeypatch):
    tagged, *_ = populated
    corrupt(store.db_path, "header")
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    for page in PAGES:
        at = AppTest.from_file(DASHBOARD, default_timeout=60).run().switch_page(page).run()
        assert not at.exception, page
        assert [error.value for error in at.error] == [
            f"The runs cannot be shown: the run index {store.db_path} is damaged (file is not a "
            "database); the run folders beside it are intact: rebuild the index from them with "
            "`mnist-lab runs reindex`"], page

    feed = live_routes(lambda: RunStore(store.home))[0].endpoint
    response = feed(Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                             "query_string": b"", "path_params": {"run_id": tagged}}))
    assert response.status_code == 503
    assert "is damaged" in json.loads(response.body)["error"]


def test_a_run_folder_deleted_by_hand_is_flagged_and_the_rest_works(store, mnist, monkeypatch, capsys):
    good = seed_run(store, mnist.y_test, name="good")
    gone = seed_run(store, mnist.y_test, name="gone")
    shutil.rmtree(store.run_dir(gone))

    runs = {run.id: run for run in store.list()}
    assert runs[gone].problem == f"its folder {store.run_dir(gone)} is missing"
    assert runs[good].problem is None
    assert main(["--home", str(store.home), "runs", "list"]) == 0
    assert f"its folder {store.run_dir(gone)} is missing" in capsys.readouterr().out

    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    for page in PAGES:
        at = AppTest.from_file(DASHBOARD, default_timeout=90)
        at.query_params["run"] = gone
        at = at.run().switch_page(page).run()
        assert not at.exception, page
    errors = AppTest.from_file(DASHBOARD, default_timeout=90)
    errors.query_params["run"] = gone
    errors = errors.run().switch_page("pages/errors.py").run()
    assert [error.value for error in errors.error] == [
        f"predictions.npz is missing from {store.run_dir(gone)}"]
    compare = AppTest.from_file(DASHBOARD, default_timeout=90)
    compare.query_params["run"] = [good, gone]
    compare = compare.run().switch_page("pages/compare.py").run()
    assert not compare.exception
    assert compare.dataframe[0].value["name"].tolist() == ["good", "gone"]  # the metrics table
    assert any(f"predictions.npz is missing from {store.run_dir(gone)}" in warning.value
               for warning in compare.warning)
    capsys.readouterr()
    assert main(["--home", str(store.home), "runs", "compare", good, gone]) == 0
    assert "predictions.npz is missing" in capsys.readouterr().out

    assert main(["--home", str(store.home), "runs", "delete", gone]) == 0
    assert [run.id for run in store.list()] == [good]


def test_a_reaped_run_loses_what_its_killed_writer_left_and_keeps_a_record(store):
    run_id = store.create_run(preset("lenet5").to_dict())
    assert store.claim(run_id, dead_pid(), max_running=1)
    log_batch(store, run_id, 50)
    half = store.run_dir(run_id) / ".tmp-abc123.keras"
    half.write_bytes(b"PK half a model")

    assert store.reap_stale() == [run_id]
    assert not half.exists()
    record = json.loads((store.run_dir(run_id) / RECORD_FILE).read_text())
    assert (record["status"], record["error"]) == ("interrupted", "the training process ended unexpectedly")
    assert len(json.loads((store.run_dir(run_id) / METRICS_FILE).read_text())) == 1


def test_a_run_folder_record_follows_renames_tags_notes_and_marks(store, mnist):
    run_id = seed_run(store, mnist.y_test, name="before")
    store.update(run_id, name="after", tags=["a"], notes="<b>n</b>")
    store.set_label_marks(run_id, {7: LabelMark.AMBIGUOUS})
    record = json.loads((store.run_dir(run_id) / RECORD_FILE).read_text())
    assert (record["name"], record["tags"], record["notes"]) == ("after", ["a"], "<b>n</b>")
    assert record["label_marks"] == [{"image": 7, "mark": "ambiguous"}]
    assert record["summary"] == store.get(run_id).summary
    assert json.loads((store.run_dir(run_id) / artifacts.CONFIG_FILE).read_text()) == store.get(run_id).config

    queued = store.create_run(preset("lenet5").to_dict(), name="queued")
    assert (store.run_dir(queued) / artifacts.CONFIG_FILE).is_file()  # from the moment it is queued
    assert not (store.run_dir(queued) / RECORD_FILE).exists()


def test_an_index_row_is_never_lost_to_a_record_that_cannot_be_written(store, mnist, capsys):
    run_id = seed_run(store, mnist.y_test)
    (store.run_dir(run_id) / RECORD_FILE).unlink()
    (store.run_dir(run_id) / RECORD_FILE / "in the way").mkdir(parents=True)  # no rename onto it
    store.update(run_id, notes="kept in the index")
    assert store.get(run_id).notes == "kept in the index"
    error = capsys.readouterr().err
    assert f"mnist-lab: the folder record of run {run_id} was not saved: could not save record.json" in error
