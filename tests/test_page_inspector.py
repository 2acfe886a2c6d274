"""The Inspector page in AppTest: no model, then a tiny real LeNet-5 with uploads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Column

from app.user_text import as_text
from tests.fakes import seed_run

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "inspector.py")


@pytest.fixture(scope="module")
def trained_home(tmp_path_factory, mnist):
    """A store holding one finished tiny LeNet-5 (5 images per class, 1 epoch), with its model."""
    from mnist_lab.config import preset
    from mnist_lab.store import RunStore
    from mnist_lab.training.train import train

    home = tmp_path_factory.mktemp("trained") / "runs"
    store = RunStore(home)
    config = preset("lenet5").replace(subset=5, epochs=1, batch_size=16)
    train(config, store, store.create_run(config.to_dict(), name="tiny"), mnist)
    return home


def use_store(monkeypatch, home):
    monkeypatch.setenv("MNIST_LAB_HOME", str(home))
    st.cache_resource.clear()
    st.cache_data.clear()


def open_page():
    return AppTest.from_file(PAGE, default_timeout=60).run()


def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_empty_store_says_there_is_nothing_to_inspect(tmp_path, monkeypatch):
    use_store(monkeypatch, tmp_path / "runs")

    at = open_page()

    assert not at.exception
    assert "No finished runs yet" in at.info[0].value


def test_a_run_without_a_model_gets_a_clear_note(tmp_path, monkeypatch, mnist):
    from mnist_lab.store import RunStore

    use_store(monkeypatch, tmp_path / "runs")
    seed_run(RunStore(tmp_path / "runs"), mnist.y_test)

    at = open_page()

    assert not at.exception
    assert at.info[0].value.startswith("This run has no model to inspect: model.keras is missing")
    assert not at.tabs


def test_filters_and_feature_maps_of_a_trained_model(trained_home, monkeypatch):
    use_store(monkeypatch, trained_home)

    at = open_page()

    assert not at.exception
    assert at.selectbox(key="filter_layer").options == ["block1_conv1", "block2_conv1"]
    assert at.caption[0].value.startswith("6 filters of 5x5 over 1 input channels")
    at.selectbox(key="filter_layer").set_value("block2_conv1").run()
    assert at.caption[0].value.startswith("16 filters of 5x5 over 6 input channels")
    layers = [markdown.value for markdown in at.markdown if markdown.value.startswith("**block")]
    assert layers == ["**block1_conv1**: 6 maps of 28x28", "**block1_pool**: 6 maps of 14x14",
                      "**block2_conv1**: 16 maps of 10x10", "**block2_pool**: 16 maps of 5x5"]
    assert "Test digit #0 is a 7." in [markdown.value for markdown in at.markdown]
    # Small titled grids and bars: a toolbar of downloads only (no zoom buttons over their
    # titles), each file named for its chart.
    configs = [json.loads(chart.proto.config or "{}") for chart in at.get("plotly_chart")]
    assert configs and all(config["modeBarButtons"] == [["toImage"]] for config in configs)
    assert {config["toImageButtonOptions"]["filename"] for config in configs} >= {
        "mnist-lab-filters", "mnist-lab-maps_block1_conv1"}


@pytest.mark.parametrize(("image", "shown", "warned"), [
    ("123", "Test digit #123 is a 6.", False),
    ("10000", "Test digit #0 is a 7.", True),  # past the test set: named, then the first digit
])
def test_a_link_to_a_test_digit_opens_on_its_feature_maps(trained_home, monkeypatch, image, shown, warned):
    use_store(monkeypatch, trained_home)

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["image"] = image
    at.run()

    assert not at.exception
    assert shown in [markdown.value for markdown in at.markdown]
    tabs = next(block for block in at.main.children.values()
                if block.type == "tab_container" and len(block.children) == 3)
    assert tabs.proto.tab_container.default_tab_index == 1  # "Feature maps" opens
    assert bool(at.warning) is warned
    if warned:
        assert "not an image number from 0 to 9,999" in at.warning[0].value


def test_an_uploaded_digit_is_prepared_and_classified(trained_home, monkeypatch, mnist):
    from mnist_lab.analysis import drawn_digits, inspection
    from mnist_lab.model import saved
    from mnist_lab.store.artifacts import MODEL_FILE

    use_store(monkeypatch, trained_home)
    # A test 3, black on white and four times larger, as a photo of paper would be.
    pixels = 255 - np.kron(mnist.x_test[mnist.y_test == 3][0], np.ones((4, 4), np.uint8))
    model = saved.load_model(next(Path(trained_home).rglob(MODEL_FILE)))
    expected = inspection.predict(model, drawn_digits.to_mnist(pixels))[0].argmax()
    at = open_page()
    at.radio(key="source").set_value("Upload").run()

    at.file_uploader(key="upload").upload("three.png", png(pixels), "image/png").run()

    assert not at.exception
    assert [metric.value for metric in at.metric][-1] == str(expected)
    assert "what the model sees (28x28)" in [c for image in at.image for c in image.captions]


def test_a_bad_upload_is_named_not_traced(trained_home, monkeypatch):
    use_store(monkeypatch, trained_home)
    at = open_page()
    at.radio(key="source").set_value("Upload").run()

    at.file_uploader(key="upload").upload("notes.txt", b"not an image at all").run()

    assert not at.exception
    assert at.error[0].value.startswith(f"{as_text('notes.txt')} cannot be used: the file is not an image")


@pytest.fixture(scope="module")
def branched_home(tmp_path_factory, mnist):
    """A store holding a tiny trained network with a residual and an inception block."""
    from mnist_lab.config import ConvBlock, RunConfig
    from mnist_lab.store import RunStore
    from mnist_lab.training.train import train

    home = tmp_path_factory.mktemp("branched") / "runs"
    store = RunStore(home)
    config = RunConfig(blocks=[ConvBlock(4, 3, kind="residual", convs=2),
                               ConvBlock(2, kind="inception", downsample="none")],
                       subset=5, epochs=1, batch_size=16)
    train(config, store, store.create_run(config.to_dict(), name="branched"), mnist)
    return home


def test_branches_share_a_row_and_merges_name_their_inputs(branched_home, monkeypatch):
    use_store(monkeypatch, branched_home)

    at = open_page()

    assert not at.exception
    layers = [markdown.value for markdown in at.markdown if markdown.value.startswith("**block")]
    assert "**block1_add** ← block1_conv2 + block1_shortcut: 4 maps of 28x28" in layers
    assert ("**block2_concat** ← block2_1x1 + block2_3x3 + block2_5x5 + block2_pool_proj: "
            "8 maps of 14x14") in layers
    # The four branches and the residual block's first convolution beside its projection.
    rows = [[markdown.value.split("**")[1] for column in row.children.values()
             for markdown in column.markdown]
            for row in at.main if getattr(row, "type", None) == "flex_container"
            and any(isinstance(child, Column) for child in row.children.values())]
    assert ["block1_conv1", "block1_shortcut"] in rows
    assert sorted(["block2_branch_pool", "block2_1x1", "block2_3x3", "block2_5x5"]) in [
        sorted(row) for row in rows]
    assert ["block1_add"] in rows
