"""Inspection against a tiny real LeNet-5 (5 images per class, 1 epoch), saved and reloaded."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab.analysis import inspection
from mnist_lab.config import preset
from mnist_lab.model import describe, saved
from mnist_lab.store import artifacts


@pytest.fixture(scope="module")
def config():
    return preset("lenet5").replace(subset=5, epochs=1, batch_size=16)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, mnist, config):
    from mnist_lab.store import RunStore
    from mnist_lab.training.train import train

    store = RunStore(tmp_path_factory.mktemp("runs"))
    run_id = store.create_run(config.to_dict(), name="tiny")
    train(config, store, run_id, mnist)
    return store.artifact(run_id, artifacts.MODEL_FILE)


@pytest.fixture(scope="module")
def model(model_path):
    return saved.load_model(model_path)


def test_saliency_has_one_finite_unit_map_per_image(model, mnist):
    maps = inspection.saliency(model, mnist.x_test[:3], [4, 9, 0])

    assert maps.shape == (3, 28, 28)
    assert np.isfinite(maps).all()
    assert maps.min() >= 0.0
    assert np.allclose(maps.max(axis=(1, 2)), 1.0)


def test_saliency_is_the_gradient_of_the_target_probability(mnist):
    """Against the closed form for a softmax over a linear map, where d p_t / d x is
    p_t (W_t - sum_k p_k W_k) exactly: one target per image, scaled to each map's peak."""
    import keras

    rng = np.random.default_rng(0)
    weights, bias = rng.normal(0, 0.05, (784, 10)), rng.normal(0, 0.1, 10)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.layers[-1].set_weights([weights, bias])
    images, targets = mnist.x_test[:4], np.array([3, 7, 0, 9])

    pixels = images.reshape(4, -1).astype(np.float64) / 255
    logits = pixels @ weights + bias
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    chosen = probabilities[np.arange(4), targets]
    gradients = np.abs(chosen[:, None] * (weights[:, targets].T - probabilities @ weights.T))
    expected = (gradients / gradients.max(axis=1, keepdims=True)).reshape(4, 28, 28)

    np.testing.assert_allclose(inspection.saliency(model, images, targets), expected, atol=1e-4)


def test_an_images_saliency_is_the_same_in_any_batch(model, mnist):
    maps = inspection.saliency(model, mnist.x_test[:5], 3)
    for count in (1, 2):
        np.testing.assert_allclose(inspection.saliency(model, mnist.x_test[:count], 3), maps[:count],
                                   atol=1e-5)


def test_saliency_refuses_a_class_outside_0_to_9(model, mnist):
    with pytest.raises(ValueError, match="0..9"):
        inspection.saliency(model, mnist.x_test[:1], 10)


def test_filters_are_the_conv_kernels_of_lenet5(model):
    filters = inspection.conv_filters(model)

    assert [(layer.name, layer.values.shape) for layer in filters] == [
        ("block1_conv1", (5, 5, 1, 6)), ("block2_conv1", (5, 5, 6, 16))]


def test_feature_maps_have_the_shapes_describe_infers(model, mnist, config):
    expected = [(layer.name, layer.output_shape) for layer in describe(config).layers
                if layer.kind == "conv" or layer.kind.endswith("pool")]

    maps = inspection.feature_maps(model, mnist.x_test[0])

    assert [(layer.name, layer.values.shape) for layer in maps] == expected
    assert expected[0][1] == (28, 28, 6)


def test_feature_maps_of_a_branched_model_follow_its_graph(mnist):
    from mnist_lab.config import ConvBlock, RunConfig
    from mnist_lab.model.build import build_model

    config = RunConfig(blocks=[ConvBlock(4, 3, kind="residual", convs=2, batch_norm=True),
                               ConvBlock(4, kind="inception", downsample="none")],
                       augment_rotation=10)
    expected = {layer.name: (layer.output_shape, layer.inputs) for layer in describe(config).layers
                if layer.kind in ("conv", "max pool", "add", "concat")}

    maps = inspection.feature_maps(build_model(config), mnist.x_test[0])

    assert {layer.name: (layer.values.shape, layer.inputs) for layer in maps} == expected
    assert expected["block1_add"][1] == ("block1_bn2", "block1_shortcut_bn")
    assert len(expected["block2_concat"][1]) == 4


def test_predict_gives_probabilities_that_sum_to_one(model, mnist):
    probabilities = inspection.predict(model, mnist.x_test[0] / 255.0)

    assert probabilities.shape == (1, 10)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_safe_mode_refuses_a_model_with_a_lambda_layer(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    path = tmp_path / "model.keras"
    model.save(path)

    with pytest.raises(saved.ModelError, match="could not be opened safely.*Lambda"):
        saved.load_model(path)


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(saved.ModelError, match="model.keras is missing"):
        saved.load_model(tmp_path / "model.keras")


def test_filter_and_channel_images_are_unit_scaled_one_per_filter(model, mnist):
    second_conv = inspection.conv_filters(model)[1]
    first_map = inspection.feature_maps(model, mnist.x_test[0])[0]

    filters = inspection.filter_images(second_conv)
    channels = inspection.channel_images(first_map, limit=4)

    assert len(filters) == 16 and filters[0].shape == (5, 5)
    assert min(image.min() for image in filters) == 0.0
    assert max(image.max() for image in filters) == 1.0
    assert len(channels) == 4 and channels[0].shape == (28, 28)


def test_feature_maps_of_a_sequential_model_saved_before_block_kinds(tmp_path, mnist):
    import keras

    old = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(6, 5, name="block1_conv1"),
                            keras.layers.MaxPooling2D(2, name="block1_pool"),
                            keras.layers.Flatten(name="flatten"), keras.layers.Dense(10, name="output")])
    old.save(tmp_path / "model.keras")

    maps = inspection.feature_maps(saved.load_model(tmp_path / "model.keras"), mnist.x_test[0])

    assert [(layer.name, layer.values.shape, layer.inputs) for layer in maps] == [
        ("block1_conv1", (24, 24, 6), ("input",)), ("block1_pool", (12, 12, 6), ("block1_conv1",))]
