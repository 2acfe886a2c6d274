"""One damaged run never breaks a listing or a page: it is flagged, and the others are shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.cli import main
from mnist_lab.store import RunStore
from tests.fakes import seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGES = ("pages/home.py", "pages/train.py", "pages/runs.py", "pages/compare.py", "pages/errors.py",
         "pages/misclassified.py", "pages/inspector.py")
DAMAGE = {
    "summary of wrong types": ("summary_json", '{"test_accuracy": "99%", "epochs_completed": "3"}',
                               "summary: test_accuracy must be a number in [0, 1], got '99%'"),
    "summary not JSON": ("summary_json", "{oops", "its summary is not a JSON dict"),
    "config not JSON": ("config_json", "[1, 2", "its config is not a JSON dict"),
    "tags not a list": ("tags_json", '"a"', "its tags is not a JSON list"),
    "unknown status": ("status", "exploded", "unknown status 'exploded'"),
}


def damage(store: RunStore, run_id: str, column: str, value: str) -> None:
    with sqlite3.connect(store.db_path) as connection:
        connection.execute(f"UPDATE runs SET {column} = ? WHERE id = ?", (value, run_id))


@pytest.fixture
def damaged_store(tmp_path, monkeypatch, mnist, request):
    """A store of two good runs and one damaged as the test's parameter says."""
    store = RunStore(tmp_path / "runs")
    good = [seed_run(store, mnist.y_test, name=name) for name in ("good one", "good two")]
    bad = seed_run(store, mnist.y_test, name="damaged")
    column, value, problem = DAMAGE[request.param]
    damage(store, bad, column, value)
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    return store, good, bad, problem


@pytest.mark.parametrize("damaged_store", list(DAMAGE), indirect=True)
def test_the_store_lists_every_run_and_flags_the_damaged_one(damaged_store):
    store, good, bad, problem = damaged_store
    runs = {run.id: run for run in store.list()}
    assert set(runs) == {*good, bad}
    assert problem in runs[bad].problem
    assert all(runs[run_id].problem is None for run_id in good)
    assert store.get(bad).problem == runs[bad].problem


@pytest.mark.parametrize("damaged_store", list(DAMAGE), indirect=True)
def test_runs_list_shows_the_others_and_names_the_damage(damaged_store, capsys):
    store, good, bad, problem = damaged_store
    assert main(["--home", str(store.home), "runs", "list"]) == 0
    output = capsys.readouterr().out
    assert all(run_id in output for run_id in (*good, bad))
    assert problem in output


@pytest.mark.parametrize("damaged_store", ["summary of wrong types", "config not JSON"],
                         indirect=True)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_a_damaged_run_in_the_store(damaged_store, page):
    store, good, bad, _ = damaged_store
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.query_params["run"] = bad
    at.run()
    at = at.switch_page(page).run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("damaged_store", ["summary of wrong types"], indirect=True)
def test_the_runs_table_names_the_damage_beside_the_good_runs(damaged_store):
    store, good, bad, problem = damaged_store
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run().switch_page("pages/runs.py").run()
    table = at.dataframe[0].value.set_index("name")
    assert problem in table.loc["damaged", "problem"]
    assert table.loc["good one", "test accuracy"] == pytest.approx(0.9985)
