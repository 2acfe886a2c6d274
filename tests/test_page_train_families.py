"""The Train page with block kinds, augmentation, classes and "Start from run…" (AppTest)."""

from __future__ import annotations

import json

import numpy as np

from mnist_lab import figures
from mnist_lab.config import RunConfig, preset
from mnist_lab.store import artifacts
from tests.fakes import seed_run
from tests.test_page_train import launched, metric, open_train  # noqa: F401 (a fixture)


def table(at) -> dict[str, dict]:
    return {row["layer"]: row for row in at.dataframe[0].value.to_dict("records")}


def test_a_residual_block_is_built_previewed_and_trained(launched, store):  # noqa: F811
    at = open_train()
    at.selectbox(key="cfg_b2_kind").set_value("residual").run()

    assert not at.exception
    assert "cfg_b2_padding" not in [widget.key for widget in at.sidebar.selectbox]  # always 'same'
    rows = table(at)
    # lenet5's block 2 (16 filters on 6 channels) as a residual block: a 1x1 projection shortcut.
    assert rows["block2_add"]["from"] == "block2_conv1 + block2_shortcut"
    assert rows["block2_shortcut"]["params"] == 6 * 16 + 16
    assert rows["block2_add"]["output"] == "14x14x16"
    diagram = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    drawn = {name for trace in diagram[1:] for name in trace["customdata"]}
    assert {"block2_shortcut", "block2_add"} <= drawn
    at.button(key="train").click().run()
    [run] = store.list()
    assert run.config["blocks"][1]["kind"] == "residual" and run.config["blocks"][1]["padding"] == "same"


def test_an_inception_block_has_its_own_fields(launched):  # noqa: F811
    at = open_train()
    at.selectbox(key="cfg_b1_kind").set_value("inception").run()
    at.number_input(key="cfg_b1_filters").set_value(4).run()

    assert not at.exception
    assert [widget.label for widget in at.sidebar.number_input if widget.key.startswith("cfg_b1_")] == [
        "Filters per branch"]
    rows = table(at)
    assert rows["block1_concat"]["output"] == "28x28x16"
    assert rows["block1_concat"]["from"] == "block1_1x1 + block1_3x3 + block1_5x5 + block1_pool_proj"


def test_augmentation_is_in_the_table_and_previewed_on_sample_digits(launched):  # noqa: F811
    at = open_train()
    assert len(at.get("plotly_chart")) == 1  # only the diagram without augmentation
    at.slider(key="cfg_data_rotation").set_value(15.0).run()
    at.slider(key="cfg_data_zoom").set_value(0.1).run()

    assert not at.exception
    rows = table(at)
    assert rows["augment_rotation"]["detail"] == "rotation ±15°, training only"
    assert rows["augment_zoom"]["flops"] == 0
    preview = json.loads(at.get("plotly_chart")[1].proto.spec)
    titles = [annotation["text"] for annotation in preview["layout"]["annotations"]]
    assert titles == ["original"] * 8 + ["draw 1"] * 8 + ["draw 2"] * 8 + ["draw 3"] * 8
    # One picture of 4 rows of 8 digits (image_grid_figure lays a grid into a single image).
    [picture] = preview["data"]
    blank = figures.image_grid_figure([np.zeros((28, 28))] * 32, titles, columns=8).data[0]
    assert [int(side) for side in picture["z"]["shape"].split(",")] == list(np.asarray(blank.z).shape)


def test_classes_reach_the_config(launched, store):  # noqa: F811
    at = open_train()
    at.multiselect(key="cfg_data_classes").select(7).select(1).run()
    at.button(key="train").click().run()

    [run] = store.list()
    assert run.config["classes"] == [1, 7]


def test_start_from_run_loads_its_network_and_rate_and_the_fine_tune_phases(launched, store, mnist):  # noqa: F811
    parent = seed_run(store, mnist.y_test, name="base", preset_name="lenet5-strided")
    store.artifact(parent, artifacts.MODEL_FILE).write_bytes(b"model")  # only its presence counts
    seed_run(store, mnist.y_test, name="no model")
    at = open_train()
    assert list(at.selectbox(key="cfg_transfer_parent").options) == [
        "nothing (random weights)", f"base · {parent}"]

    assert at.number_input(key="cfg_transfer_head").disabled  # no parent: nothing to fine-tune

    at.selectbox(key="cfg_transfer_parent").set_value(parent).run()
    at.number_input(key="cfg_transfer_head").set_value(3).run()
    at.number_input(key="cfg_transfer_share").set_value(0.2).run()
    at.button(key="train").click().run()

    assert not at.exception
    child = next(run for run in store.list() if run.config.get("init_from"))
    config = RunConfig.from_dict(child.config)
    expected = preset("lenet5-strided")
    assert config.blocks == expected.blocks and config.dense == expected.dense
    # The parent's own rate: the fine-tune lowers it itself once the base trains.
    assert config.learning_rate == expected.learning_rate
    assert (config.init_from, config.transfer, child.name) == (parent, "fine-tune", "from base")
    assert (config.head_epochs, config.fine_tune_rate) == (3, 0.2)


def test_what_the_form_cannot_hold_of_the_new_fields_is_brought_near_and_noted():
    from app.train.fit import fit_to_form
    from mnist_lab.config import ConvBlock

    config = preset("lenet5").replace(augment_rotation=90.0, classes=[3, 12, 3], transfer="thaw",
                                      blocks=[ConvBlock(6, 5, kind="dense-net")])
    fitted, notes = fit_to_form(config)

    assert (fitted.augment_rotation, fitted.classes, fitted.transfer, fitted.blocks[0].kind) == (
        45.0, [3], "fine-tune", "plain")
    assert len(notes) == 4 and any(note.startswith("classes [3, 12, 3] (set to [3]") for note in notes)
    from mnist_lab.config import preset_names

    for name in preset_names():  # every preset fits as it is
        assert fit_to_form(preset(name)) == (preset(name), []), name
