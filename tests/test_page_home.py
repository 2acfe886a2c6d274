"""The Home page in AppTest: data facts, runs in progress and recent runs, one-click presets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.config import preset
from mnist_lab.store import RunStatus
from mnist_lab.training import runner
from tests.fakes import seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


class FakeProcess:
    """Stands for a trainer that was started; the reaper thread's wait returns at once."""

    def wait(self):
        return 0


@pytest.fixture
def launched(store, small_npz, monkeypatch):
    """Run ids the page asked to start, over `store` and the small data file."""
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    st.cache_resource.clear()
    st.cache_data.clear()
    started: list[str] = []
    monkeypatch.setattr(runner, "launch", lambda _store, run_id: started.append(run_id) or FakeProcess())
    return started


def open_home() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=60).run()


def links(at: AppTest) -> dict[str, str]:
    return {link.value: link.proto.query_string for link in at.get("page_link")}


def test_an_empty_store_shows_the_data_and_the_presets(launched, small_npz):
    at = open_home()

    assert not at.exception
    assert at.title[0].value == "mnist-lab"
    assert (f"Data: MNIST from **npz:{small_npz}**: 500 training and 10,000 test images"
            in at.caption[0].value)
    assert [info.value for info in at.info][:2] == [
        "Nothing is training. Start a preset below or design a network on the Train page.",
        "No finished runs yet."]
    assert [button.label for button in at.button] == [
        "Train lenet5", "Train lenet5-strided", "Train keras-convnet", "Train vgg-small",
        "Train resnet-small", "Train inception-small", "Train fast", "Train best"]
    assert "LeNet-5 with each pooling replaced by a stride-2 convolution" in [
        markdown.value for markdown in at.markdown]


def test_runs_in_progress_and_recent_runs_link_to_the_train_page(launched, store, mnist):
    done = seed_run(store, mnist.y_test, name="baseline")
    training = store.create_run(preset("lenet5").to_dict(), name="in progress")
    assert store.claim(training, os.getpid(), max_running=1)
    store.set_summary(training, {"steps_per_epoch": 100, "epochs": 10})
    store.log_metrics(training, "batch", 3, 250, 12.0, {"loss": 0.3, "images_per_s": 900.0})
    failed = store.create_run(preset("lenet5").to_dict(), name="broken")
    store.set_status(failed, RunStatus.FAILED, error="boom")

    at = open_home()

    labels = links(at)
    progress_label = next(label for label in labels if label.startswith("in progress"))
    assert progress_label.startswith("in progress · epoch 3/10 · batch 50/100")
    assert labels[progress_label] == f"run={training}"
    done_label = next(label for label in labels if label.startswith("baseline"))
    assert done_label.startswith("baseline · completed · 99.85% test accuracy")
    assert labels[done_label] == f"run={done}"
    assert any(label.startswith("broken · failed · no test accuracy") for label in labels)


def test_a_preset_button_queues_the_preset_and_opens_the_train_page(launched, store):
    at = open_home()
    at.button(key="preset_keras-convnet").click().run()

    [run] = store.list()
    assert launched == [run.id]
    assert (run.name, run.status, run.config) == (
        "keras-convnet", RunStatus.QUEUED, preset("keras-convnet").to_dict())
    assert at.query_params["run"] == run.id
    assert at.title[0].value == "Train"  # switched to the Train page, which shows the run
    assert [json.loads(view.proto.json)["status"] for view in at.get("bidi_component")
            if view.proto.component_name.endswith("live_run")] == ["queued"]  # its live view


def test_missing_data_is_a_warning_not_a_traceback(launched, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_DATA", str(tmp_path / "nowhere.npz"))
    at = open_home()

    assert not at.exception
    assert at.warning[0].value.startswith("MNIST is not available yet, so runs cannot train:")
    assert "nowhere.npz" in at.warning[0].value
