"""The learned space on Errors and Compare, in AppTest, over fake runs with known mistakes and
stated vectors: each test image sits at its predicted digit's corner of a 10-d space."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.store import RunStore
from tests.fakes import seed_embeddings, seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "runs"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return RunStore(tmp_path / "runs")


@pytest.fixture
def spaced_run(store, mnist):
    run_id = seed_run(store, mnist.y_test)  # 4→9 ×7, 7→2 ×5, 3→5 ×3
    seed_embeddings(store, run_id)
    return run_id


def open_errors(run_id: str) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.query_params["run"] = run_id
    at.session_state["errors_section"] = "Learned space"
    return at.switch_page("pages/errors.py").run()


def point_count(trace: dict) -> int:
    """How many points a trace holds: Plotly sends arrays as typed, base64 bytes."""
    values = trace["x"]
    return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize


def space_chart(at: AppTest, method: str = "pca"):
    return next(chart for chart in at.get("plotly_chart") if f"_{method}" in chart.proto.id
                and "space" in chart.proto.id)


def click_point(at: AppTest, chart, position: int, true_class: int, read: int) -> AppTest:
    """A click on a point, as the chart reports it to Streamlit (`on_select`)."""
    key = chart.proto.id.split("-", 2)[-1]  # "$$ID-<hash>-<key>"
    at.session_state[key] = {"selection": {"points": [
        {"customdata": [position, true_class, read], "curve_number": 10, "point_index": 0}],
        "point_indices": [0], "box": [], "lasso": []}}
    return at.run()


def test_errors_draws_the_space_by_digit_with_the_15_mistakes_ringed(spaced_run):
    at = open_errors(spaced_run)

    assert not at.exception and not at.error
    figure = json.loads(space_chart(at).proto.spec)
    names = [trace["name"] for trace in figure["data"]]
    assert names == [str(digit) for digit in range(10)] + ["mistakes (15)"]
    assert {trace["type"] for trace in figure["data"]} == {"scattergl"}
    assert sum(point_count(trace) for trace in figure["data"][:10]) == 10_000
    assert any("PCA: the 2 directions of most variance" in caption.value for caption in at.caption)
    assert "Compute t-SNE" not in [button.label for button in at.button]  # PCA needs none


def test_a_mistake_clicked_in_the_space_opens_its_pair_on_errors(spaced_run, mnist):
    at = open_errors(spaced_run)
    seven = int(np.flatnonzero(mnist.y_test == 7)[0])  # the first 7 is one read as 2

    at = click_point(at, space_chart(at), seven, 7, 2)

    assert not at.exception
    assert at.subheader[0].value == "5 test 7s predicted as 2"
    assert at.query_params["cell"] == "7-2"


def test_a_digit_read_right_opens_in_the_inspector(spaced_run, mnist):
    at = open_errors(spaced_run)
    right = int(np.flatnonzero(mnist.y_test == 1)[3])

    at = click_point(at, space_chart(at), right, 1, 1)

    assert not at.exception
    assert at.query_params["image"] == str(right) and at.query_params["run"] == spaced_run
    assert at.title[0].value == "Model inspector"


def test_tsne_is_offered_then_started_in_the_background(spaced_run, monkeypatch):
    from mnist_lab.compare import learned_space

    started = []
    monkeypatch.setattr(learned_space.processes, "start", lambda *args, **kwargs: started.append(args))
    at = open_errors(spaced_run)
    at.radio(key="space_method").set_value("t-SNE").run()

    assert any("t-SNE of 10,000 test images takes" in caption.value for caption in at.caption)
    next(button for button in at.button if button.label == "Compute t-SNE").click().run()

    assert started == [("runs", "embed", spaced_run, "--tsne")]


def test_an_older_run_offers_to_compute_its_space(store, mnist):
    run_id = seed_run(store, mnist.y_test)  # no embeddings file, as before trainers kept it

    at = open_errors(run_id)

    assert not at.exception
    assert any("made before trainers kept the learned space" in caption.value for caption in at.caption)
    assert any(button.label == "Compute the learned space" for button in at.button)


def test_compare_projects_two_runs_side_by_side(store, mnist):
    first = seed_run(store, mnist.y_test, name="first")
    second = seed_run(store, mnist.y_test, name="second", mistakes=((4, 9, 20),))
    for run_id in (first, second):
        seed_embeddings(store, run_id)
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.query_params["run"] = [first, second]
    at.session_state["compare_section"] = "Learned space"
    at = at.switch_page("pages/compare.py").run()

    assert not at.exception
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")
              if "space_" in chart.proto.id]
    assert [figure["data"][-1]["name"] for figure in charts] == ["mistakes (15)", "mistakes (20)"]
