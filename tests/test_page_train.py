"""The Train page in AppTest: preview, impossible configs, starting, queueing, the run controls.

Trainers are not started here (the registry's `launch` is replaced) except in the last test,
where a real tiny trainer obeys the Stop button.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.config import preset
from mnist_lab.store import RequestKind, RunStatus
from mnist_lab.training import runner
from tests.fakes import running_run, seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


class FakeProcess:
    """Stands for a trainer that was started; the reaper thread's wait returns at once."""

    def wait(self):
        return 0


@pytest.fixture
def launched(store, monkeypatch):
    """Run ids the page asked to start; `store` is the store the page sees."""
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    started: list[str] = []
    monkeypatch.setattr(runner, "launch", lambda _store, run_id: started.append(run_id) or FakeProcess())
    return started


def open_train(run_id: str | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    if run_id:
        at.query_params["run"] = run_id
    at.run()
    return at.switch_page("pages/train.py").run()


def metric(at: AppTest, label: str) -> str:
    return next(item.value for item in at.metric if item.label == label)


def live_views(at: AppTest) -> dict[str, dict]:
    """Run id -> the arguments of its live view, the component that polls the live feed."""
    views = [json.loads(element.proto.json) for element in at.get("bidi_component")
             if element.proto.component_name.endswith("live_run")]
    return {args["run_id"]: args for args in views}


def other_runs(at: AppTest) -> dict[str, str]:
    """Run id -> status of the runs linked under "Other runs of this session"."""
    links = [link for link in at.get("page_link") if link.proto.query_string.startswith("run=")
             and link.proto.page.endswith("train")]
    return {link.proto.query_string[4:]: link.proto.label.split(" · ")[1] for link in links}


def scroll_targets(at: AppTest) -> int:
    """How many places the page asks the browser to scroll to."""
    return sum(element.proto.component_name.endswith("scroll_into_view")
               for element in at.get("bidi_component"))


def curve_annotations(at: AppTest) -> list[str]:
    """Texts on the loss/accuracy chart (the last Plotly chart): titles, references, lr marks."""
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    return [annotation.get("text") for annotation in spec["layout"]["annotations"]]


def test_an_empty_store_previews_lenet5_and_can_train(launched):
    at = open_train()

    assert not at.exception
    assert metric(at, "Parameters") == "61,706"
    assert metric(at, "FLOPs per image") == "839,344"
    assert at.dataframe[0].value["output"].tolist()[:2] == ["28x28x6", "14x14x6"]
    assert not at.button(key="train").disabled
    assert "No run in progress" in at.info[0].value


def test_the_preview_follows_the_controls(launched):
    at = open_train()
    at.number_input(key="cfg_b1_filters").set_value(12).run()

    # 5x5x1x12 + 12 weights in the first convolution; the second sees 12 channels.
    assert at.dataframe[0].value["params"].tolist()[:1] == [312]
    assert metric(at, "Parameters") == "64,262"  # 61,706 + 156 + 5x5x6x16 more in block 2


def test_an_impossible_config_names_the_block_and_disables_train(launched):
    at = open_train()
    at.number_input(key="cfg_blocks").set_value(5).run()
    for block in range(1, 6):
        at.number_input(key=f"cfg_b{block}_kernel").set_value(7)
    at.run()

    message = "block 3: 7x7 kernel on a 4x4 feature map"
    assert any(message in error.value for error in at.sidebar.error)  # next to block 3
    assert any(message in error.value for error in at.main.error)
    assert at.button(key="train").disabled


def test_a_bad_run_name_is_refused_before_training(launched):
    at = open_train()
    at.text_input(key="cfg_name").input("../etc").run()

    assert any("invalid run name '../etc'" in error.value for error in at.error)
    assert at.button(key="train").disabled


def test_train_queues_a_run_with_the_form_config_and_starts_it(launched, store):
    at = open_train()
    at.number_input(key="cfg_train_epochs").set_value(2)
    at.number_input(key="cfg_train_subset").set_value(20)
    at.text_input(key="cfg_name").input("tiny lenet")
    at.text_input(key="cfg_tags").input("quick, demo")
    at.run()
    at.button(key="train").click().run()

    [run] = store.list()
    assert launched == [run.id]
    assert (run.name, run.tags, run.status) == ("tiny lenet", ["quick", "demo"], RunStatus.QUEUED)
    assert run.config == preset("lenet5").replace(epochs=2, subset=20, preset=None).to_dict()
    assert at.query_params["run"] == run.id
    assert live_views(at)[run.id]["status"] == "queued"


def test_a_second_run_waits_its_turn(launched, store):
    first = running_run(store)
    second = store.create_run(preset("lenet5").to_dict())

    at = open_train(second)

    assert {run_id: args["status"] for run_id, args in live_views(at).items()} == {second: "queued"}
    assert other_runs(at) == {first: "running"}  # linked, not drawn: one live view per page


def test_the_page_keeps_the_current_run_and_links_the_others(launched, store, mnist):
    finished = seed_run(store, mnist.y_test, name="earlier")
    at = open_train(finished)
    assert metric(at, "Test accuracy") == "99.85%"
    at.button(key="train").click().run()  # a new run becomes the current one
    [new] = launched
    assert list(live_views(at)) == [new]
    assert not [element for element in at.metric if element.label == "Test accuracy"]
    assert "Other runs of this session (1)" in [expander.label for expander in at.expander]
    assert other_runs(at) == {finished: "completed"}


def test_after_train_the_new_run_is_scrolled_into_view_once(launched, store):
    at = open_train()
    assert scroll_targets(at) == 0
    at.button(key="train").click().run()
    assert scroll_targets(at) == 1
    at.run()  # any later rerun leaves the page where the user put it
    assert scroll_targets(at) == 0


def test_the_concurrency_setting_is_saved(launched, store):
    at = open_train()
    at.number_input(key="max_running").set_value(2).run()

    assert runner.max_running(store) == 2


def test_a_saved_run_can_be_the_starting_point(launched, store, mnist):
    run_id = seed_run(store, mnist.y_test, name="three epochs", epochs=3)
    at = open_train()
    at.selectbox(key="train_start").set_value(f"run:{run_id}").run()

    assert at.number_input(key="cfg_train_epochs").value == 3
    assert at.text_input(key="cfg_name").value == "three epochs"


def test_a_finished_run_shows_accuracy_curves_and_links(launched, store, mnist):
    run_id = seed_run(store, mnist.y_test, epochs=3)
    at = open_train(run_id)

    assert not at.exception
    assert metric(at, "Test accuracy") == "99.85%"  # 15 mistakes in 10,000
    assert metric(at, "Training time") == "6 s"
    assert metric(at, "Epochs") == "3/3"
    assert curve_annotations(at) == ["Loss", "Accuracy", "LeNet-5 (99.05%)", "best single model (99.83%)"]
    links = {link.value: link.proto.query_string for link in at.get("page_link")}
    assert links["Its errors"] == f"run={run_id}"
    assert links["Compare with other runs"] == f"run={run_id}"


def test_a_failed_run_shows_why(launched, store):
    run_id = store.create_run(preset("lenet5").to_dict())
    store.set_status(run_id, RunStatus.FAILED, error="ValueError: out of memory")
    at = open_train(run_id)

    assert "This run failed: ValueError: out of memory" in [error.value for error in at.error]


def test_a_running_run_shows_progress_and_its_controls_write_requests(launched, store):
    run_id = running_run(store)
    at = open_train()  # re-attaches without ?run=: every active run is shown

    view = live_views(at)[run_id]  # what it shows comes from the feed: tests/test_live_feed.py
    assert view["status"] == "running"
    assert [trace["name"] for trace in view["figure"]["data"][:3]] == [
        "train (batches)", "train", "validation"]
    at.button(key=f"pause_{run_id}").click().run()
    at.number_input(key=f"lr_{run_id}").set_value(0.002)
    at.button(key=f"apply_lr_{run_id}").click().run()
    at.button(key=f"stop_{run_id}").click().run()

    requests = [(request.kind, request.value) for request in store.take_requests(run_id)]
    assert requests == [(RequestKind.PAUSE, None), (RequestKind.SET_LEARNING_RATE, 0.002),
                        (RequestKind.STOP, None)]


def test_a_run_watched_live_stays_on_the_page_when_it_ends(launched, store, mnist):
    """Started elsewhere (Home), found on Train, left through the sidebar: its end is still shown."""
    run_id = running_run(store)
    at = open_train()
    assert at.query_params["run"] == run_id  # a reload comes back to it
    at.query_params.clear()  # the sidebar's links carry no ?run=
    finished = seed_run(store, mnist.y_test)
    store.set_status(run_id, RunStatus.COMPLETED)
    store.set_summary(run_id, store.get(finished).summary)
    at = at.switch_page("pages/home.py").run().switch_page("pages/train.py").run()

    assert not live_views(at)
    assert metric(at, "Test accuracy") == "99.85%"


def test_a_paused_run_offers_resume(launched, store):
    run_id = running_run(store)
    store.set_status(run_id, RunStatus.PAUSED)
    at = open_train()

    assert any(warning.value.startswith("Paused") for warning in at.warning)
    at.button(key=f"resume_{run_id}").click().run()
    assert [request.kind for request in store.take_requests(run_id)] == [RequestKind.RESUME]


def test_stop_ends_a_real_trainer_as_stopped(store, small_npz, monkeypatch):
    """A real tiny trainer (50 images, up to 1000 epochs) obeys the page's Stop button."""
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    run_id = store.create_run(preset("lenet5").replace(subset=5, epochs=1000).to_dict(), name="stop me")
    process = subprocess.Popen([sys.executable, "-m", "mnist_lab", "train", "--run-id", run_id],
                               env=os.environ.copy(), stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not len(store.metrics(run_id)) and time.monotonic() < deadline:
            assert process.poll() is None, "the trainer ended before training"
            time.sleep(0.5)
        at = open_train(run_id)
        at.button(key=f"stop_{run_id}").click().run()
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()

    run = store.get(run_id)
    assert run.status is RunStatus.STOPPED
    assert 1 <= run.summary["epochs_completed"] < 1000
    at.run()
    assert any(warning.value.startswith("Stopped on request after") for warning in at.warning)


def test_open_in_train_link_loads_the_run_config(launched, store, mnist):
    """The Runs page's "Open in Train" links to ?from=ID: the form starts from that run."""
    run_id = seed_run(store, mnist.y_test, name="strided base", preset_name="lenet5-strided")
    store.update(run_id, tags=["base"])
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["from"] = run_id
    at.run()
    at = at.switch_page("pages/train.py").run()
    assert at.text_input(key="cfg_name").value == "strided base"
    assert at.text_input(key="cfg_tags").value == "base"
    assert metric(at, "Parameters") == "64,356"


def test_clearing_start_from_keeps_the_form(launched, store, mnist):
    run_id = seed_run(store, mnist.y_test, name="three epochs", epochs=3)
    at = open_train()
    at.selectbox(key="train_start").set_value(f"run:{run_id}").run()
    at.selectbox(key="train_start").set_value(None).run()

    assert not at.exception
    assert at.number_input(key="cfg_train_epochs").value == 3  # the loaded config stays
