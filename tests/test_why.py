"""`why.explain_pair` on tiny hand-made data with known means and neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab.analysis import why
from mnist_lab.data import Mnist


def image(value, row=None):
    pixels = np.zeros((28, 28), dtype=np.uint8)
    if row is None:
        pixels[:] = value
    else:
        pixels[row] = value
    return pixels


@pytest.fixture
def data():
    # Training: 4s are blank or a line on row 5; 9s have a line on row 20 or 21.
    x_train = np.stack([image(0), image(255, 5), image(255, 20), image(255, 21)])
    y_train = np.array([4, 4, 9, 9])
    # Test: two 4s drawn near row 21 (read as 9) and one 9.
    x_test = np.stack([image(255, 21), image(255, 20), image(255, 20)])
    y_test = np.array([4, 4, 9])
    return Mnist(x_train, y_train, x_test, y_test, source="hand-made")


def probabilities(rows):
    table = np.full((len(rows), 10), 0.0)
    for number, (digit, value) in enumerate(rows):
        table[number, digit] = value
        table[number, (digit + 1) % 10] = 1 - value
    return table


def test_explain_pair_gives_means_difference_examples_and_neighbours(data):
    output = probabilities([(9, 0.7), (9, 0.9), (9, 0.99)])

    explanation = why.explain_pair(data, data.y_test, output, 4, 9, neighbors=1)

    assert explanation.mean_true[5, 0] == pytest.approx(0.5)
    assert explanation.mean_predicted[20, 0] == pytest.approx(0.5)
    assert explanation.difference[5, 0] == pytest.approx(0.5)
    assert explanation.difference[21, 0] == pytest.approx(-0.5)
    # Most confident mistake first: test 1 (0.9), then test 0 (0.7).
    assert explanation.examples.tolist() == [1, 0]
    # Their nearest 9s in the training set: the row-20 9 (index 2), the row-21 9 (index 3).
    assert explanation.neighbors.tolist() == [[2], [3]]
    assert explanation.summary.error_count == 2
    assert explanation.summary.text().startswith("2 of 2 test 4s (100.0%) were read as 9.")


def test_explain_pair_refuses_test_labels_from_another_data_set(data):
    with pytest.raises(ValueError, match="do not match the 3 MNIST test labels"):
        why.explain_pair(data, np.array([4, 9, 9]), probabilities([(9, 0.7)] * 3), 4, 9)


def test_colorize_maps_signed_values_to_red_and_blue():
    rgb = why.colorize(np.array([[1.0, -1.0, 0.0]]), signed=True)

    assert rgb.shape == (1, 3, 3) and rgb.dtype == np.uint8
    red, blue, middle = rgb[0]
    assert red[0] > red[2] and blue[2] > blue[0]
    assert abs(int(middle[0]) - int(middle[2])) < 10
