"""Configs: JSON round trip, validation messages, and the inferred layer table against Keras."""

import numpy as np
import pytest

from mnist_lab.config import ConfigError, ConvBlock, DenseLayer, RunConfig, preset, preset_names
from mnist_lab.model import INPUT_NAME, describe
from mnist_lab.model.build import build_model

CONFIGS = {
    **{name: preset(name) for name in preset_names()},
    "vgg-bn-avg": RunConfig(
        blocks=[ConvBlock(16, 3, convs=2, batch_norm=True, downsample="avg", dropout=0.25),
                ConvBlock(32, 3, convs=2, batch_norm=True, downsample="strided"),
                ConvBlock(64, 3, padding="valid", downsample="none")],
        dense=[DenseLayer(64, "gelu", dropout=0.3)], head_dropout=0.2),
    "odd-maps": RunConfig(blocks=[ConvBlock(4, 4, padding="valid", downsample="max"),
                                  ConvBlock(4, 2, padding="valid", downsample="strided"),
                                  ConvBlock(4, 3, downsample="max")]),
    "dense-only": RunConfig(dense=[DenseLayer(32)]),
    # Every block kind, with and without batch norm, dropout and each way to downsample.
    "residual-identity-and-projection": RunConfig(blocks=[
        ConvBlock(8, 3, downsample="none"),
        ConvBlock(8, 3, kind="residual", convs=2, downsample="avg"),
        ConvBlock(16, 5, kind="residual", convs=3, batch_norm=True, downsample="strided",
                  dropout=0.2, activation="gelu"),
        ConvBlock(16, 3, kind="residual", convs=1, downsample="max")]),
    "inception-bn-and-plain": RunConfig(blocks=[
        ConvBlock(6, 3, kind="inception", batch_norm=True, dropout=0.1),
        ConvBlock(4, kind="inception", downsample="strided")], global_pooling=True,
        dense=[DenseLayer(16)]),
    "augmented-mixed": RunConfig(
        blocks=[ConvBlock(8, 5, kind="inception", downsample="none"),
                ConvBlock(8, 3, kind="residual", convs=2, batch_norm=True),
                ConvBlock(8, 3, convs=2, batch_norm=True, padding="valid")],
        augment_rotation=10, augment_translation=0.1, augment_zoom=0.1, augment_elastic=0.5),
}


def keras_inputs(layer) -> tuple[str, ...]:
    """The names of the layers whose outputs Keras feeds into `layer`."""
    return tuple(tensor._keras_history.operation.name
                 for tensor in layer._inbound_nodes[0].input_tensors)


@pytest.mark.parametrize("name", CONFIGS)
def test_inferred_shapes_params_and_connections_match_keras(name):
    config = CONFIGS[name]
    architecture = describe(config)
    model = build_model(config)
    assert architecture.params == model.count_params()
    assert sorted(layer.name for layer in architecture.layers) == sorted(
        layer.name for layer in model.layers if layer.name != INPUT_NAME)
    for info in architecture.layers:
        layer = model.get_layer(info.name)
        assert tuple(layer.output.shape[1:]) == info.output_shape, info.name
        assert layer.count_params() == info.params, info.name
        assert keras_inputs(layer) == info.inputs, info.name


def footprint(model, layer_name: str) -> int:
    """The receptive field Keras really has: the rows of input pixels that reach the centre unit."""
    import keras
    import tensorflow as tf

    probe = keras.Model(model.inputs, model.get_layer(layer_name).output)
    image = tf.convert_to_tensor(np.random.default_rng(0).uniform(size=(1, 28, 28, 1)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(image)
        out = probe(image, training=False)
        centre = tf.reduce_sum(out[0, out.shape[1] // 2, out.shape[2] // 2])
    rows = np.flatnonzero(np.abs(tape.gradient(centre, image).numpy()[0, :, :, 0]).sum(axis=1))
    return int(rows[-1] - rows[0] + 1)


def test_receptive_fields_of_branches_match_the_gradient_footprint():
    # tanh and average pooling pass a gradient from every pixel they see (a max pool only
    # from its maximum, so the inception block's pool branch is not probed alone).
    config = RunConfig(blocks=[ConvBlock(4, 3, kind="residual", convs=2, activation="tanh",
                                         downsample="avg"),
                               ConvBlock(4, kind="inception", activation="tanh", downsample="none")])
    model = build_model(config)
    fields = {layer.name: layer.receptive_field for layer in describe(config).layers}
    assert fields["block1_add"] == 5 and fields["block2_concat"] == 5 + 1 + 2 * 4
    for name in ("block1_conv1", "block1_add", "block1_pool", "block2_3x3", "block2_5x5",
                 "block2_concat"):
        assert footprint(model, name) == fields[name], name


def test_lenet5_is_the_classic_size():
    architecture = describe(preset("lenet5"))
    assert architecture.params == 61_706
    assert architecture.layers[-1].output_shape == (10,)
    assert [layer.output_shape for layer in architecture.layers[:4]] == [
        (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16)]
    # 5x5 conv, 2x2 pool, 5x5 conv, 2x2 pool: 5 -> 6 -> 6 + 4*2 = 14 -> 14 + 2 = 16
    assert architecture.layers[3].receptive_field == 16
    # first convolution: 2 * 5*5*1*6 * 28*28 FLOPs
    assert architecture.layers[0].flops == 2 * 25 * 6 * 28 * 28


def test_strided_preset_halves_every_map_without_pooling():
    architecture = describe(preset("lenet5-strided"))
    kinds = [layer.kind for layer in architecture.layers]
    assert not any("pool" in kind for kind in kinds)
    shapes = {layer.name: layer.output_shape for layer in architecture.layers}
    assert shapes["block1_down"] == (14, 14, 6)
    assert shapes["block2_down"] == (5, 5, 16)


@pytest.mark.parametrize("name", CONFIGS)
def test_json_round_trip(name):
    assert RunConfig.from_json(CONFIGS[name].to_json()) == CONFIGS[name]


@pytest.mark.parametrize("name", ["vgg-small", "resnet-small", "inception-small"])
def test_family_presets_are_small_and_of_their_kind(name):
    config = preset(name)
    kinds = {block.kind for block in config.blocks}
    assert {"vgg-small": "plain", "resnet-small": "residual", "inception-small": "inception"}[name] in kinds
    assert 10_000 <= describe(config).params <= 300_000


def test_a_config_stored_before_block_kinds_loads_with_the_defaults():
    stored = {"blocks": [{"filters": 6, "kernel_size": 5, "convs": 1, "activation": "relu",
                          "padding": "same", "downsample": "max", "batch_norm": False,
                          "dropout": 0.0}],
              "dense": [{"units": 120, "activation": "relu", "dropout": 0.0}],
              "head_dropout": 0.0, "optimizer": "sgd", "learning_rate": 0.03, "momentum": 0.9,
              "weight_decay": 0.0, "schedule": "step", "epochs": 10, "batch_size": 32,
              "validation_split": 0.1, "subset": None, "seed": 0, "preset": "lenet5"}
    config = RunConfig.from_dict(stored)
    assert config.blocks[0].kind == "plain" and config.classes is None and config.init_from is None
    assert not config.augmented and config.label_smoothing == 0.0 and not config.global_pooling


@pytest.mark.parametrize(("config", "message"), [
    (RunConfig(blocks=[ConvBlock(8, 3)] * 3 + [ConvBlock(8, 7)]),
     "block 4: 7x7 kernel on a 3x3 feature map; use a kernel of 3 or less"),
    (RunConfig(blocks=[ConvBlock(8, 3)] * 4 + [ConvBlock(8, 1)]),
     "block 5: max pooling cannot halve a 1x1 feature map; set downsample to 'none'"),
    (RunConfig(blocks=[ConvBlock(0, 3)]), "block 1: filters must be 1..1024, got 0"),
    (RunConfig(blocks=[ConvBlock(8, 3, downsample="median")]), "block 1: downsample must be one of"),
    (RunConfig(blocks=[ConvBlock(8, 3, activation="relu6")]), "block 1: unknown activation 'relu6'"),
    (RunConfig(dense=[DenseLayer(10, dropout=1.0)]), r"dense layer 1: dropout must be in \[0, 1\)"),
    (RunConfig(learning_rate=0), "learning rate must be in"),
    (RunConfig(optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
    (RunConfig(epochs=0), "epochs must be 1..1000, got 0"),
    (RunConfig(validation_split=0.9), "validation share"),
    (RunConfig(blocks=[ConvBlock(8, kind="dense")]), "block 1: kind must be one of"),
    (RunConfig(blocks=[ConvBlock(8, kind="residual", padding="valid")]),
     "block 1: residual blocks need padding 'same' .their branches are added"),
    (RunConfig(blocks=[ConvBlock(8, kind="inception", padding="valid")]),
     "block 1: inception blocks need padding 'same' .their branches are concatenated"),
    (RunConfig(blocks=[ConvBlock(8)] * 3 + [ConvBlock(8, kind="inception")]),
     "block 4: an inception block needs a map of at least 5x5 for its 5x5 branch, got 3x3"),
    (RunConfig(label_smoothing=0.7), r"label smoothing must be in \[0, 0.5\], got 0.7"),
    (RunConfig(beta_1=1.0), r"beta_1 must be in \[0, 1\)"),
    (RunConfig(classes=[3, 12]), r"classes must be digits 0..9, got \[3, 12\]"),
    (RunConfig(classes=[3, 3]), "classes must not repeat a digit"),
    (RunConfig(classes=[3]), "classes needs at least two digits"),
    (RunConfig(classes=[3, 4], folds=5, fold=1), "classes: k-fold runs hold out folds of every digit"),
    (RunConfig(augment_rotation=200), "augment rotation must be 0..180 degrees, got 200"),
    (RunConfig(augment_zoom=-0.1), r"augment zoom must be in \[0, 0.5\] of the image side"),
    (RunConfig(augment_translation=0.6), "augment translation must be in"),
    (RunConfig(augment_elastic=2), r"augment elastic must be in \[0, 1\], got 2"),
    (RunConfig(transfer="copy"), "transfer must be one of"),
    (RunConfig(init_from=" "), "init from must be a run id"),
    (RunConfig(init_from="20260101-120000-a1b2c3", transfer="freeze-base"),
     "transfer 'freeze-base' needs convolution blocks to freeze"),
])
def test_impossible_configs_are_refused_by_name(config, message):
    with pytest.raises(ConfigError, match=message):
        describe(config)


def test_bad_config_never_reaches_keras():
    with pytest.raises(ConfigError, match="block 3: 9x9 kernel on a 7x7"):
        build_model(RunConfig(blocks=[ConvBlock(8, 9)] * 3))


@pytest.mark.parametrize(("data", "message"), [
    ({"blocks": [{"filter": 3}]}, "block 1: unknown field 'filter'; known fields: filters"),
    ({"epochs": "ten"}, "epochs must be int, got 'ten'"),
    ({"epochs": True}, "epochs must be int, got True"),
    ({"blocks": {"filters": 3}}, "blocks must be a list"),
    ({"dense": [7]}, "dense layer 1 must be an object, got int"),
    ({"classes": [5, "6"]}, r"classes must be list\[int\] \| None, got \[5, '6'\]"),
    ({"classes": [True, 2]}, r"classes must be list\[int\] \| None"),
    ({"classes": 5}, r"classes must be list\[int\] \| None, got 5"),
    ({"augment_rotation": "10"}, "augment_rotation must be float, got '10'"),
    ({"blocks": [{"kind": 3}]}, "block 1: kind must be str, got 3"),
    ({"init_from": 7}, r"init_from must be str \| None, got 7"),
    ([1, 2], "a config must be a JSON object, got list"),
])
def test_malformed_config_data_is_named(data, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_dict(data)


def test_invalid_json_text():
    with pytest.raises(ConfigError, match="not valid JSON"):
        RunConfig.from_json("{blocks: ")


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown preset 'lenet6'; choose one of: lenet5"):
        preset("lenet6")
