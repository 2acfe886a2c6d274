"""`why.explain_pair` on tiny hand-made data with known means and neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab import analysis
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


def bar(rows=slice(None), columns=slice(None)):
    """A 28x28 image with ink only in the given rows and columns."""
    image = np.zeros((28, 28))
    image[rows, columns] = 1.0
    return image


@pytest.mark.parametrize(("image", "name"), [
    (bar(slice(4, 8), slice(10, 18)), "top"), (bar(slice(18, 24), slice(4, 8)), "bottom left"),
    (bar(slice(10, 18), slice(20, 24)), "right"), (bar(slice(12, 16), slice(12, 16)), "centre"),
    (bar(slice(4, 8), slice(19, 24)), "top right"),
])
def test_region_names_say_where_the_ink_is(image, name):
    assert why.region_name(image) == name


@pytest.mark.parametrize(("true_class", "predicted_class", "true_region", "predicted_region"), [
    (9, 4, "top", "left"),  # a 9 closes its loop at the top; a 4 has its open arm on the left
    (5, 6, "top right", "bottom"),  # a 5's top bar; a 6's loop at the bottom
    (7, 2, "top", "bottom left"),  # a 7's bar; a 2's base
])
def test_the_mean_images_differ_where_a_reader_expects(mnist, true_class, predicted_class,
                                                       true_region, predicted_region):
    difference = analysis.mean_difference(mnist.x_train, mnist.y_train, true_class, predicted_class)
    assert why.difference_in_words(difference, true_class, predicted_class) == (
        f"Where the average {true_class} and {predicted_class} differ most: {true_class}s have more "
        f"ink at the {true_region}, a stroke most {predicted_class}s lack; {predicted_class}s have "
        f"more ink at the {predicted_region}, a stroke most {true_class}s lack.")


def test_saliency_names_the_stroke_it_falls_on():
    # Saliency over the whole image, strongest in the top rows; the first digit's ink is a top bar
    # and a left bar: the stroke the saliency falls on is the top bar.
    images = np.stack([bar(slice(4, 8), slice(10, 18)) + bar(slice(10, 24), slice(4, 8)),
                       bar(slice(18, 24), slice(4, 8))])
    maps = np.stack([bar(slice(0, 10)) * 0.9 + 0.1, bar(slice(16, 28)) * 0.8])
    regions = why.stroke_regions(maps, (images * 255).astype(np.uint8))
    assert regions == ["top", "bottom left"]
    assert why.saliency_in_words(regions + ["top"], 9) == (
        "The pixels that pull these digits towards 9 lie on strokes at the top (2 of 3), "
        "the bottom left (1 of 3).")
