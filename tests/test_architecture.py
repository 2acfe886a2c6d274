"""Configs: JSON round trip, validation messages, and the inferred layer table against Keras."""

import pytest

from mnist_lab.config import ConfigError, ConvBlock, DenseLayer, RunConfig, preset
from mnist_lab.model import describe
from mnist_lab.model.build import build_model

CONFIGS = {
    "lenet5": preset("lenet5"),
    "lenet5-strided": preset("lenet5-strided"),
    "keras-convnet": preset("keras-convnet"),
    "vgg-bn-avg": RunConfig(
        blocks=[ConvBlock(16, 3, convs=2, batch_norm=True, downsample="avg", dropout=0.25),
                ConvBlock(32, 3, convs=2, batch_norm=True, downsample="strided"),
                ConvBlock(64, 3, padding="valid", downsample="none")],
        dense=[DenseLayer(64, "gelu", dropout=0.3)], head_dropout=0.2),
    "odd-maps": RunConfig(blocks=[ConvBlock(4, 4, padding="valid", downsample="max"),
                                  ConvBlock(4, 2, padding="valid", downsample="strided"),
                                  ConvBlock(4, 3, downsample="max")]),
    "dense-only": RunConfig(dense=[DenseLayer(32)]),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_inferred_shapes_and_params_match_keras(name):
    config = CONFIGS[name]
    architecture = describe(config)
    model = build_model(config)
    assert architecture.params == model.count_params()
    assert [layer.name for layer in architecture.layers] == [layer.name for layer in model.layers]
    for info in architecture.layers:
        layer = model.get_layer(info.name)
        assert tuple(layer.output.shape[1:]) == info.output_shape, info.name
        assert layer.count_params() == info.params, info.name


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


def test_json_round_trip():
    config = CONFIGS["vgg-bn-avg"]
    assert RunConfig.from_json(config.to_json()) == config


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
