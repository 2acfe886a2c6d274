"""Why does a model read one digit as another? The data side of the answer, without TensorFlow.

`explain_pair` gathers, for one (true, predicted) pair, what the Errors page shows next
to the model's saliency maps: the average image of each digit and their difference,
the training images of the predicted digit that the mistaken test digits most resemble,
and a summary written from figures only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps

from mnist_lab import analysis
from mnist_lab.data import Mnist


@dataclass(frozen=True, eq=False)
class PairExplanation:
    """Evidence for one kind of mistake; images are float32 in [0, 1], differences in [-1, 1]."""

    summary: analysis.PairSummary
    mean_true: np.ndarray
    mean_predicted: np.ndarray
    difference: np.ndarray
    examples: np.ndarray
    neighbors: np.ndarray


def explain_pair(data: Mnist, y_test, probabilities, true_class, predicted_class, *,
                 max_examples=8, neighbors=3, means=None):
    """Collect the data-side evidence for `true_class` being read as `predicted_class`.

    Parameters
    ----------
    data : Mnist
        The full data set; its test labels must be those the run was scored on.
    y_test : array-like of int, shape (n_test,)
        The run's test labels.
    probabilities : array-like of float, shape (n_test, 10)
        The run's test output.
    true_class, predicted_class : int
        Two different classes, 0..9.
    max_examples : int, default=8
        The most confident mistakes to find neighbours for.
    neighbors : int, default=3
        Training images of `predicted_class` per example, nearest in pixels first.
    means : ndarray of shape (10, 28, 28) or None, default=None
        The training set's mean image per class (`analysis.mean_images`); computed for the
        two classes when not given. They do not depend on the run, so a page computes them
        once (averaging 12,000 training images took half a second of every new pair).

    Returns
    -------
    PairExplanation
        examples are test indices (most confident first); neighbors[i] are indices
        into data.x_train for examples[i].
    """
    y_test = np.asarray(y_test)
    if y_test.shape != data.y_test.shape or not np.array_equal(y_test, data.y_test):
        raise ValueError(f"the run was scored on {len(y_test):,} test labels that do not match "
                         f"the {len(data.y_test):,} MNIST test labels loaded from {data.source}")
    summary = analysis.summarize_pair(y_test, probabilities, true_class, predicted_class)
    if means is None:
        pair = np.isin(data.y_train, (true_class, predicted_class))
        means = analysis.mean_images(data.x_train[pair], data.y_train[pair])
    examples = analysis.pair_indices(y_test, probabilities, true_class, predicted_class)
    examples = examples[:max_examples]
    references = np.flatnonzero(data.y_train == predicted_class)
    nearest = (analysis.nearest_neighbors(data.x_test[examples], data.x_train[references],
                                          k=neighbors)
               if len(examples) else np.empty((0, neighbors), dtype=np.int64))
    return PairExplanation(
        summary=summary,
        mean_true=means[true_class],
        mean_predicted=means[predicted_class],
        difference=means[true_class] - means[predicted_class],
        examples=examples,
        neighbors=references[nearest],
    )


def colorize(values, *, signed=False):
    """Colour a map for `st.image`: signed values on a red-blue scale, others on a heat scale.

    Parameters
    ----------
    values : ndarray, shape (height, width)
        In [0, 1], or in [-1, 1] when `signed` (red where positive, blue where negative).

    Returns
    -------
    rgb : ndarray of uint8, shape (height, width, 3)
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2-D map, got shape {values.shape}")
    if signed:
        scale = np.abs(values).max() or 1.0
        rgba = colormaps["RdBu_r"]((values / scale + 1) / 2)
    else:
        rgba = colormaps["inferno"](np.clip(values, 0.0, 1.0))
    return np.round(rgba[..., :3] * 255).astype(np.uint8)


ROWS, COLUMNS = ("top", "middle", "bottom"), ("left", "centre", "right")
INK = 0.2  # a pixel brighter than this, on [0, 1], is part of a stroke
DIGIT_BOX = slice(4, 24)


def region_name(weights) -> str:
    """Where most of a map's positive mass lies, as a reader says it: "top left", "top", "centre".

    The map (for a 28x28 map, the central 20x20 where MNIST puts the digit) is cut into a 3x3
    grid; the cell holding the largest share names the region.

    Parameters
    ----------
    weights : ndarray, shape (height, width)
        Negative values count as zero.
    """
    weights = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    if weights.ndim != 2 or not weights.any():
        raise ValueError("weights must be a 2-D map with some positive value")
    if weights.shape == (28, 28):
        weights = weights[DIGIT_BOX, DIGIT_BOX]  # MNIST fits each digit in the central 20x20
    rows = np.array_split(np.arange(weights.shape[0]), 3)
    columns = np.array_split(np.arange(weights.shape[1]), 3)
    mass = np.array([[weights[np.ix_(r, c)].sum() for c in columns] for r in rows])
    row_index, column_index = np.unravel_index(mass.argmax(), mass.shape)
    row, column = ROWS[row_index], COLUMNS[column_index]
    if column == "centre":
        return "centre" if row == "middle" else row
    return column if row == "middle" else f"{row} {column}"


def difference_in_words(difference, true_class, predicted_class) -> str:
    """Where two digits' mean images differ most, in words a reader can check against them.

    Parameters
    ----------
    difference : ndarray, shape (28, 28)
        Mean image of `true_class` minus that of `predicted_class`.
    """
    difference = np.asarray(difference, dtype=np.float64)
    parts = []
    for digit, other, extra in ((true_class, predicted_class, difference),
                                (predicted_class, true_class, -difference)):
        if (extra > 0).any():
            parts.append(f"{digit}s have more ink at the {region_name(extra)}, a stroke most "
                         f"{other}s lack")
    if not parts:
        return f"The average {true_class} and {predicted_class} look the same."
    return f"Where the average {true_class} and {predicted_class} differ most: " + "; ".join(parts) + "."


def stroke_regions(maps, images) -> list[str]:
    """For each example, where its saliency falls on its own strokes: the stroke that drives it.

    Parameters
    ----------
    maps : ndarray, shape (n, 28, 28)
        Saliency in [0, 1].
    images : ndarray, shape (n, 28, 28)
        The digits, uint8 or float in [0, 1].
    """
    images = np.asarray(images, dtype=np.float64)
    images = images / 255.0 if images.max(initial=0.0) > 1.0 else images
    regions = []
    for saliency, image in zip(np.asarray(maps, dtype=np.float64), images, strict=True):
        on_ink = saliency * (image > INK)
        regions.append(region_name(on_ink if on_ink.any() else saliency + 1e-12))
    return regions


def saliency_in_words(regions: list[str], predicted_class: int) -> str:
    """"The pixels that pull these digits towards 9 lie on strokes at the top (5 of 8), ..."."""
    if not regions:
        return ""
    counts = sorted(((regions.count(name), name) for name in set(regions)),
                    key=lambda item: (-item[0], item[1]))
    where = ", ".join(f"the {name} ({count} of {len(regions)})" for count, name in counts)
    return f"The pixels that pull these digits towards {predicted_class} lie on strokes at {where}."
