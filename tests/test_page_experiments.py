"""The Experiments page in AppTest: starting studies, bad input at the control, live results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.experiments import studies as experiments
from mnist_lab.config import preset
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import StudySpec
from tests.fakes import seed_run

pytestmark = pytest.mark.usefixtures("page_home")
DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def launched(monkeypatch):
    started = []
    monkeypatch.setattr(experiments, "launch_driver",
                        lambda store, name, ray_address=None: started.append((name, ray_address)))
    return started


def open_page(study=None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    if study:
        at.query_params["study"] = study
    at.run()
    return at.switch_page("pages/experiments.py").run()


@pytest.fixture
def finished_study(store, mnist):
    """A pooling study done: max makes the fake's 15 mistakes, avg 55, on 3 seeds each."""
    spec = StudySpec(name="pooling-test", base=preset("lenet5"), repeats=3,
                     dimensions=[parse_grid("blocks.downsample=max,avg")])
    StudyIndex(store).create(spec.name, spec.to_dict())
    worse = ((4, 9, 27), (7, 2, 25), (3, 5, 3))
    for seed in range(3):
        for mode, mistakes in (("max", None), ("avg", worse)):
            seed_run(store, mnist.y_test, name=f"{mode} {seed}", seed=seed, study=spec.name,
                     trial={"point": {"blocks.downsample": mode}, "seed": seed, "phase": "main"},
                     **({"mistakes": mistakes} if mistakes else {}))
    return spec.name


def test_an_empty_store_offers_the_tutorials_studies(store):
    at = open_page()
    assert not at.exception
    assert at.info[-1].value.startswith("No study yet.")
    assert {button.key for button in at.button} >= {"quick_pooling-vs-stride", "full_filter-size"}


def test_a_quick_builtin_study_starts_in_the_background(store, launched):
    at = open_page()
    at.button(key="quick_pooling-vs-stride").click().run()
    assert launched == [("pooling-vs-stride-quick", None)]
    spec = StudySpec.from_dict(StudyIndex(store).get("pooling-vs-stride-quick").spec)
    assert (spec.budget.subset, spec.budget.epochs, spec.repeats) == (300, 4, 3)
    assert at.query_params["study"] == "pooling-vs-stride-quick"


def test_a_bad_search_space_is_named_at_the_control_and_nothing_starts(store, launched):
    at = open_page()
    at.text_area(key="study_space").set_value("kernel=3,5")
    at.text_input(key="study_name").set_value("mine")
    at.button[-1].click().run()  # the form's Start
    assert any("This study cannot run: unknown field 'kernel'" in error.value for error in at.error)
    assert launched == [] and StudyIndex(store).list() == [] and store.list() == []


def test_a_finished_study_shows_its_arms_conclusion_and_links(finished_study):
    at = open_page(finished_study)
    assert not at.exception
    table = at.dataframe[0].value
    assert table["arm"].tolist() == ["max pooling", "average pooling"]
    assert table["fields"].tolist() == ["blocks.downsample=max", "blocks.downsample=avg"]
    assert table["n"].tolist() == [3, 3]
    assert table["test accuracy"].tolist() == ["99.85%", "99.45%"]
    assert table["sd"].tolist() == ["0.00 points", "0.00 points"]
    assert [element.value for element in at.success] == [
        "max pooling wins: its lead over average pooling is larger than what changing the seed "
        "alone does (Welch's test over seeds, p = 0)."]
    assert any("max pooling scores best: 99.85%" in text.value for text in at.markdown)
    compare = next(link for link in at.get("page_link") if "Compare" in link.proto.label)
    assert compare.proto.query_string.count("run=") == 6
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    effect = next(chart for chart in charts
                  if chart["layout"].get("xaxis", {}).get("title", {}).get("text") == "downsample")
    assert effect["layout"]["xaxis"]["type"] == "category"
    assert {x for trace in effect["data"] for x in trace["x"]} == {"max pooling", "average pooling"}
    assert all("blocks.downsample=" in text for trace in effect["data"] for text in trace["text"])


def test_only_the_open_results_tab_is_computed_and_drawn(finished_study, monkeypatch):
    """The view reruns every few seconds while a study runs: the closed tabs cost nothing."""
    estimated = []
    st.cache_data.clear()  # no importance kept from another test
    monkeypatch.setattr(experiments.search, "importances",
                        lambda *args, **kwargs: estimated.append(args) or [])
    at = open_page(finished_study)
    assert [tab.label for tab in at.tabs] == ["Effect of each field", "Parallel coordinates",
                                               "Importance", "Pareto", "Every trial"]
    assert len(at.get("plotly_chart")) == 1  # the one field's effect
    assert estimated == [] and len(at.dataframe) == 1  # no fANOVA, no trial grid

    at.session_state[experiments.STUDY_SECTION] = "Importance"
    at.run()

    assert estimated == []  # one field: nothing to weigh it against, so nothing is estimated
    assert not at.get("plotly_chart")
    assert at.info[0].value.startswith("This study varies one field (downsample), so there is "
                                       "nothing to weigh it against")

    at.session_state[experiments.STUDY_SECTION] = "Pareto"
    at.run()
    assert len(at.get("plotly_chart")) == 2 and estimated == []


def test_a_ray_address_in_the_page_sends_the_study_to_ray(store, launched):
    at = open_page()
    at.text_input(key="study_ray_address").set_value("10.0.0.5:6379")
    at.button(key="quick_pooling").click().run()
    assert launched == [("pooling-quick", "10.0.0.5:6379")]
