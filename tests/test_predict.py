"""predict_batches: the same numbers as `model.predict`, one compiled call per batch."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from mnist_lab.model.predict import predict_batches


@pytest.fixture(scope="module")
def two_outputs():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    hidden = keras.layers.Dense(8, activation="relu")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, [keras.layers.Dense(10, activation="softmax")(hidden), hidden])


def test_it_predicts_what_model_predict_does_over_a_partial_last_batch(two_outputs):
    images = np.random.default_rng(0).random((25, 28, 28, 1), dtype=np.float32)
    one_output = keras.Model(two_outputs.inputs, two_outputs.outputs[0])

    found = predict_batches(one_output, images, batch_size=10)  # 10, 10 and 5
    both = predict_batches(two_outputs, images, batch_size=10)

    np.testing.assert_allclose(found, one_output.predict(images, verbose=0), atol=1e-6)
    assert [part.shape for part in both] == [(25, 10), (25, 8)]
    for part, expected in zip(both, two_outputs.predict(images, verbose=0), strict=True):
        np.testing.assert_allclose(part, expected, atol=1e-6)


def test_no_images_is_an_error_not_an_empty_guess(two_outputs):
    with pytest.raises(ValueError, match="no images"):
        predict_batches(two_outputs, np.zeros((0, 28, 28, 1), dtype=np.float32))
