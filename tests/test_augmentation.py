"""Augmentation changes images, never labels or shapes, and is off at inference; `classes`."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from mnist_lab.config import ConvBlock, DenseLayer, RunConfig
from mnist_lab.data import normalize, prepare
from mnist_lab.model import describe
from mnist_lab.model.augmentation import augment_samples, augmentation_layers
from mnist_lab.model.build import build_model

AUGMENTED = RunConfig(blocks=[ConvBlock(4, 3)], dense=[DenseLayer(8)], augment_rotation=15,
                      augment_translation=0.1, augment_zoom=0.1, augment_elastic=0.5)


@pytest.fixture(scope="module")
def digits(mnist):
    return normalize(mnist.x_test[:16])


@pytest.mark.parametrize("field", ["augment_rotation", "augment_translation", "augment_zoom",
                                   "augment_elastic"])
def test_each_augmentation_moves_pixels_and_keeps_the_shape_and_range(digits, field):
    config = RunConfig(**{field: getattr(AUGMENTED, field)})
    augmented = augment_samples(config, digits, copies=2, seed=3)[0]
    assert augmented.shape == digits.shape and augmented.dtype == np.float32
    changed = np.abs(augmented - digits).max(axis=(1, 2, 3)) > 0.05
    assert changed.mean() > 0.5, f"{field} changed only {changed.sum()} of 16 digits"
    assert augmented.min() >= -1e-6 and augmented.max() <= 1 + 1e-6


def test_the_same_seed_gives_the_same_draws_and_no_augmentation_none(digits):
    first = augment_samples(AUGMENTED, digits, copies=2, seed=5)
    assert np.array_equal(first, augment_samples(AUGMENTED, digits, copies=2, seed=5))
    assert not np.array_equal(first[0], first[1])
    assert np.array_equal(augment_samples(RunConfig(), digits)[0], digits)


def test_augmentation_leaves_labels_untouched(digits, mnist):
    labels = keras.utils.to_categorical(mnist.y_test[:16], 10)
    for layer in augmentation_layers(AUGMENTED, seed=0):
        out = layer({"images": digits, "labels": labels}, training=True)
        assert np.array_equal(keras.ops.convert_to_numpy(out["labels"]), labels), layer.name
        assert tuple(out["images"].shape) == digits.shape


def test_augmentation_is_off_at_inference(digits):
    keras.utils.set_random_seed(0)
    augmented_model = build_model(AUGMENTED)
    plain_model = build_model(AUGMENTED.replace(augment_rotation=0.0, augment_translation=0.0,
                                                augment_zoom=0.0, augment_elastic=0.0))
    for layer in plain_model.layers:  # the same weights in both
        layer.set_weights(augmented_model.get_layer(layer.name).get_weights())

    assert np.array_equal(augmented_model.predict(digits, verbose=0),
                          plain_model.predict(digits, verbose=0))
    assert np.array_equal(augmented_model(digits, training=False), plain_model(digits, training=False))
    assert not np.allclose(augmented_model(digits, training=True), plain_model(digits, training=True))


def test_the_layer_table_lists_augmentation_first_without_cost():
    layers = describe(AUGMENTED).layers
    assert [layer.name for layer in layers[:4]] == ["augment_rotation", "augment_translation",
                                                     "augment_zoom", "augment_elastic"]
    assert layers[0].detail == "rotation ±15°, training only"
    assert all(layer.params == layer.flops == 0 for layer in layers[:4])
    assert layers[4].inputs == ("augment_elastic",)


def test_classes_keep_only_those_digits_in_every_split(mnist):
    splits = prepare(mnist, validation_split=0.2, subset=30, classes=[5, 6, 7, 8, 9], seed=0)
    assert set(splits.y_train) | set(splits.y_val) == {5, 6, 7, 8, 9}
    assert np.bincount(splits.y_train, minlength=10).tolist() == [0] * 5 + [24] * 5
    assert np.bincount(splits.y_val, minlength=10).tolist() == [0] * 5 + [6] * 5
    assert set(mnist.y_train[splits.val_index]) == {5, 6, 7, 8, 9}
    expected = np.isin(mnist.y_test, [5, 6, 7, 8, 9])
    assert len(splits.y_test) == expected.sum() and set(splits.y_test) == {5, 6, 7, 8, 9}
    assert np.array_equal(splits.x_test, normalize(mnist.x_test[expected]))


def test_without_classes_the_splits_are_as_before(mnist):
    from mnist_lab.data import split_validation, stratified_subset

    splits = prepare(mnist, validation_split=0.1, subset=20, seed=3)
    pool = stratified_subset(mnist.y_train, 20, 3)
    _, val = split_validation(mnist.y_train[pool], 0.1, 3)
    assert np.array_equal(splits.val_index, pool[val]) and len(splits.y_test) == 10_000


def test_a_run_on_some_classes_is_trained_and_scored_on_them_only(store, small_npz, monkeypatch):
    from mnist_lab.data import load_mnist
    from mnist_lab.store import artifacts
    from mnist_lab.training.train import train

    data = load_mnist(str(small_npz))
    config = RunConfig(blocks=[ConvBlock(4, 3)], classes=[1, 7], epochs=1, batch_size=16)
    run_id = store.create_run(config.to_dict())
    summary = train(config, store, run_id, data)

    probabilities, y_test = artifacts.read_predictions(store.run_dir(run_id))
    assert set(y_test) == {1, 7} and len(y_test) == np.isin(data.y_test, [1, 7]).sum()
    assert summary["train_images"] == 90  # 50 of each digit, 10% held out
    assert summary["test_accuracy"] == pytest.approx(np.mean(probabilities.argmax(axis=1) == y_test))
    assert set(artifacts.read_validation(store.run_dir(run_id)).y_val) == {1, 7}
