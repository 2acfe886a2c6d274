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
                 max_examples=8, neighbors=3):
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
        difference=analysis.mean_difference(data.x_train[pair], data.y_train[pair],
                                            true_class, predicted_class),
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
