"""The Misclassified page in AppTest: the fake run's 15 errors, filtered and paged."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.fakes import seed_run

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "misclassified.py")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "runs"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return tmp_path / "runs"


@pytest.fixture
def fake_run(home, mnist):
    from mnist_lab.store import RunStore

    return seed_run(RunStore(home), mnist.y_test)


def open_page(run_id=None):
    at = AppTest.from_file(PAGE, default_timeout=60)
    if run_id:
        at.query_params["run"] = run_id
    return at.run()


def tiles(at):
    """Tile captions in reading order: the grid's columns are filled left to right, row by row."""
    grid = [[caption for image in column.image for caption in image.captions]
            for column in at.columns if len(column.image)]
    return [column[row] for row in range(max(map(len, grid), default=0))
            for column in grid if row < len(column)]


def test_an_empty_store_says_there_is_nothing_to_browse(home):
    at = open_page()

    assert not at.exception
    assert "No finished runs yet" in at.info[0].value


def test_every_error_of_the_run_is_a_tile_with_top3(fake_run):
    at = open_page(fake_run)

    assert not at.exception
    assert at.subheader[0].value == "15 of 15 errors"
    captions = tiles(at)
    assert len(captions) == 15
    assert sum("true 4, predicted 9" in caption for caption in captions) == 7
    # Each tile lists three probabilities, the prediction's first; most confident tile first.
    assert all(caption.count(": 0.") == 3 for caption in captions)
    confidences = [float(caption.split("(", 1)[1].split(": ", 1)[1].split(" ", 1)[0])
                   for caption in captions]
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[0] > confidences[-1]  # the fake's confidences differ, so order is visible


def test_filters_narrow_the_grid(fake_run):
    at = open_page(fake_run)
    at.selectbox(key="true_class").set_value(7).run()

    assert at.subheader[0].value == "5 of 15 errors"
    assert all("true 7, predicted 2" in caption for caption in tiles(at))

    at.selectbox(key="predicted_class").set_value(9).run()

    assert at.subheader[0].value == "0 of 15 errors"
    assert "No errors match these filters" in at.info[0].value


def test_the_confidence_range_and_loss_sort(fake_run, mnist):
    from mnist_lab.analysis import error_table
    from tests.fakes import fake_probabilities

    table = error_table.errors_table(mnist.y_test, fake_probabilities(mnist.y_test))
    lowest_loss = table.sort_values("loss").iloc[0]["index"]
    at = open_page(fake_run)
    at.slider(key="confidence").set_value((0.0, 0.05)).run()

    assert at.subheader[0].value == "0 of 15 errors"

    at.slider(key="confidence").set_value((0.0, 1.0)).run()
    at.radio(key="sort_by").set_value("loss").run()
    at.toggle(key="descending").set_value(False).run()

    assert not at.exception
    assert len(tiles(at)) == 15
    assert tiles(at)[0].startswith(f"#{lowest_loss}: ")


def test_a_large_run_is_paged(home, mnist):
    from mnist_lab.store import RunStore

    run_id = seed_run(RunStore(home), mnist.y_test, mistakes=((4, 9, 30),))
    at = open_page(run_id)

    assert at.subheader[0].value == "30 of 30 errors"
    assert len(tiles(at)) == 24
    at.number_input[0].set_value(2).run()
    assert len(tiles(at)) == 6
