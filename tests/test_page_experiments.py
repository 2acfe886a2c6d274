"""The Experiments page in AppTest: starting studies, bad input at the control, live results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.experiments import studies as experiments
from app.user_text import as_text
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
        "alone does (Welch's test over seeds, p \\< 0.001)."]  # '<' escaped for Markdown
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


def measured_lenet5(store, seconds_per_image: float) -> None:
    """A completed lenet5 run of this machine: its training seconds per image seen."""
    from mnist_lab.store import RunStatus

    run_id = store.create_run(preset("lenet5").to_dict(), name="measured")
    store.set_summary(run_id, {"train_seconds": 54_000 * seconds_per_image, "images_seen": 54_000})
    store.set_status(run_id, RunStatus.COMPLETED)


def test_starting_a_study_while_another_is_shown_switches_to_it_and_says_so(finished_study, store,
                                                                          launched):
    """Start gave no sign: the view stayed on the study shown while the new one trained."""
    measured_lenet5(store, 0.001)  # 1 ms an image: 2.7 s an epoch of 300 images per class
    at = open_page(finished_study)
    assert at.selectbox(key="study").value == finished_study
    at.button(key="quick_pooling-vs-stride").click().run()
    assert launched == [("pooling-vs-stride-quick", None)]
    assert at.selectbox(key="study").value == "pooling-vs-stride-quick"
    assert at.success[0].value == (f"Started study {as_text('pooling-vs-stride-quick')}: 6 trials × "
                                   "4 epochs × 2.7 s an epoch of its base config here: about 1 min "
                                   "05 s with one trainer.")


def test_a_study_estimated_over_ten_minutes_waits_for_a_yes(store, launched):
    measured_lenet5(store, 0.001)  # 54 s an epoch of the full data
    at = open_page()
    at.button(key="full_pooling-vs-stride").click().run()
    assert launched == [] and StudyIndex(store).list() == []  # nothing saved, nothing started
    assert at.warning[0].value == ("This study is long: 6 trials × 10 epochs × 54 s an epoch of "
                                   "its base config here: about 54 min 00 s with one trainer. "
                                   "Start it?")
    at.button(key="start_long").click().run()
    assert launched == [("pooling-vs-stride", None)]
    assert at.selectbox(key="study").value == "pooling-vs-stride"


def test_a_study_never_measured_here_says_its_time_is_unknown(store, launched):
    at = open_page()
    at.button(key="quick_pooling-vs-stride").click().run()
    assert launched == [("pooling-vs-stride-quick", None)]
    assert at.success[0].value.endswith("6 trials × 4 epochs; its time is unknown until a run of "
                                        "its base config has been measured on this machine.")
