"""The Train form in its URL, in AppTest: a reload or a copied link opens the same network; a bad
link gets a message; "Reset to" a preset in one click."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.config import ConvBlock, preset
from mnist_lab.links import decode_config, encode_config
from mnist_lab.model import describe
from tests.fakes import seed_run

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def home(store, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    return store


def open_train(**query) -> AppTest:
    """A new browser session on the Train page, with the URL's query."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    return at.switch_page("pages/train.py").run()


def reload(at: AppTest) -> AppTest:
    """What a browser reload does: a new session with the same URL."""
    return open_train(**{name: at.query_params[name] for name in at.query_params})


def metric(at: AppTest, label: str) -> str:
    return next(item.value for item in at.metric if item.label == label)


def test_the_form_is_in_the_url_and_a_reload_keeps_it(home):
    at = open_train()
    at.number_input(key="cfg_b1_kernel").set_value(3)
    at.number_input(key="cfg_train_epochs").set_value(2)
    at.text_input(key="cfg_name").input("small kernels").run()
    expected = preset("lenet5").replace(epochs=2, preset=None)
    expected.blocks[0].kernel_size = 3
    assert decode_config(at.query_params["config"]) == expected
    assert at.query_params["name"] == "small kernels"

    again = reload(at)
    assert not again.exception
    assert again.number_input(key="cfg_b1_kernel").value == 3
    assert again.number_input(key="cfg_train_epochs").value == 2  # not lenet5's 10
    assert again.text_input(key="cfg_name").value == "small kernels"
    assert metric(again, "Parameters") == f"{describe(expected).params:,}"


def test_a_copied_link_opens_the_same_architecture(home):
    config = preset("keras-convnet").replace(
        blocks=[ConvBlock(filters=8, kernel_size=7), ConvBlock(filters=24, kernel_size=3, convs=2)],
        preset=None)
    at = open_train(config=encode_config(config), name="shared")
    assert not at.exception
    assert at.number_input(key="cfg_blocks").value == 2
    assert at.number_input(key="cfg_b2_convs").value == 2
    assert at.selectbox(key="cfg_train_optimizer").value == "adam"
    assert metric(at, "Parameters") == f"{describe(config).params:,}"
    assert decode_config(at.query_params["config"]) == config


@pytest.mark.parametrize(("value", "reason"), [
    ("garbage", "is not in a format this version reads"),
    (encode_config(preset("lenet5"))[:-30], "is damaged (was it cut short or edited?)"),
])
def test_a_bad_link_gets_a_message_and_the_default_form(home, value, reason):
    at = open_train(config=value)
    assert not at.exception
    assert at.warning[0].value.startswith(f"This link's network cannot be opened: the link's config {reason}")
    assert at.warning[0].value.endswith("The form starts from lenet5 instead.")
    assert metric(at, "Parameters") == "61,706"


def test_reset_to_the_preset_is_one_click(home):
    at = open_train()
    at.selectbox(key="train_start").set_value("preset:keras-convnet").run()
    at.number_input(key="cfg_train_epochs").set_value(3)
    at.number_input(key="cfg_blocks").set_value(1).run()
    assert at.button(key="reset_form").label == "Reset to keras-convnet"
    at.button(key="reset_form").click().run()
    assert at.number_input(key="cfg_blocks").value == 2
    assert at.number_input(key="cfg_train_epochs").value == 15
    assert decode_config(at.query_params["config"]) == preset("keras-convnet")


def test_edits_to_a_run_opened_in_train_survive_a_reload(home, mnist):
    run_id = seed_run(home, mnist.y_test, name="strided base", preset_name="lenet5-strided")
    at = open_train(**{"from": run_id})
    at.number_input(key="cfg_train_epochs").set_value(7).run()
    assert "from" not in at.query_params
    again = reload(at)
    assert again.number_input(key="cfg_train_epochs").value == 7
    assert again.selectbox(key="cfg_b1_down").value == "strided"
