"""Links between pages in AppTest: the run under study follows the user from page to page."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.store import RunStore
from tests.fakes import seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "runs"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return RunStore(tmp_path / "runs")


@pytest.fixture
def two_runs(store, mnist):
    older = seed_run(store, mnist.y_test, name="older")
    newer = seed_run(store, mnist.y_test, name="newer", preset_name="lenet5-strided")
    return older, newer


def open_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(page)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def follow_sidebar(at: AppTest, page: str) -> AppTest:
    """What a sidebar link does: another page, without the query string."""
    at.query_params.clear()
    return at.switch_page(page).run()


@pytest.mark.parametrize("next_page", ["pages/misclassified.py", "pages/inspector.py"])
def test_the_run_under_study_follows_a_sidebar_link(two_runs, next_page):
    older, _ = two_runs
    at = open_page("pages/errors.py", run=older)
    assert at.selectbox(key="run_picker").value.id == older

    at = follow_sidebar(at, next_page)
    assert not at.exception
    assert at.selectbox(key="run_picker").value.id == older
    assert at.query_params["run"] == older


def test_a_run_picked_on_a_page_is_the_one_the_next_page_opens(two_runs):
    older, newer = two_runs
    at = open_page("pages/misclassified.py")
    assert at.selectbox(key="run_picker").value.id == newer  # nothing studied yet: the newest
    at.selectbox(key="run_picker").select_index(1).run()
    at = follow_sidebar(at, "pages/errors.py")
    assert at.selectbox(key="run_picker").value.id == older
