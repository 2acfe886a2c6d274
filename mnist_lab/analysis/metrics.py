"""Numbers computed from a model's test-set predictions; `mnist_lab.figures` draws them.

Everything here returns plain numpy arrays, pandas tables or frozen dataclasses, and
checks its inputs at the door so that a page shows a message naming the bad value
instead of a numpy broadcasting error.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from sklearn import metrics

from mnist_lab.data import NUM_CLASSES

# Probabilities are clipped here before the log so a confident error has a finite loss.
MIN_PROBABILITY = 1e-7


def check_labels(name, values):
    labels = np.asarray(values)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels, got dtype {labels.dtype}")
    outside = labels[(labels < 0) | (labels >= NUM_CLASSES)]
    if outside.size:
        raise ValueError(f"{name} must hold labels 0..9, found {outside[0]}")
    return labels.astype(np.int64)


def check_probabilities(values, sample_count):
    probabilities = np.asarray(values, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"probabilities must have shape (n_samples, 10), got {probabilities.shape}"
        )
    if probabilities.shape[0] != sample_count:
        raise ValueError(
            f"probabilities has {probabilities.shape[0]} rows but y_true has "
            f"{sample_count} labels"
        )
    return probabilities


def check_same_length(**arrays):
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise ValueError(f"inputs must have the same length: {described}")


def check_class(name, value):
    if not isinstance(value, int | np.integer) or not 0 <= value < NUM_CLASSES:
        raise ValueError(f"{name} must be a class 0..9, got {value!r}")
    return int(value)


def sample_losses(true_probability):
    """Each sample's cross-entropy: -log of the probability its true class got, clipped at
    `MIN_PROBABILITY` so a confident mistake has a finite loss."""
    return -np.log(np.clip(np.asarray(true_probability, dtype=np.float64), MIN_PROBABILITY, 1.0))


def cross_entropy(probabilities, y_true):
    """Mean cross-entropy of `probabilities` (n, 10) against labels `y_true` (n,), as a float."""
    y_true = check_labels("y_true", y_true)
    probabilities = check_probabilities(probabilities, len(y_true))
    return float(np.mean(sample_losses(probabilities[np.arange(len(y_true)), y_true])))


def _row_normalized(matrix):
    row_totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, row_totals, out=np.zeros(matrix.shape), where=row_totals > 0)


def confusion_matrix(y_true, y_pred, *, normalize=None):
    """Count how often each true digit was predicted as each digit.

    Parameters
    ----------
    y_true : array-like of int, shape (n_samples,)
        True labels, 0..9.
    y_pred : array-like of int, shape (n_samples,)
        Predicted labels, 0..9.
    normalize : {None, "true"}, default=None
        None gives counts; "true" divides each row by the number of samples of that
        true class (rows with no samples stay 0).

    Returns
    -------
    matrix : ndarray of shape (10, 10)
        Row = true class, column = predicted class; int64 counts or float64 rates.
    """
    if normalize not in (None, "true"):
        raise ValueError(f'normalize must be None or "true", got {normalize!r}')
    y_true, y_pred = check_labels("y_true", y_true), check_labels("y_pred", y_pred)
    check_same_length(y_true=y_true, y_pred=y_pred)
    counts = metrics.confusion_matrix(y_true, y_pred, labels=range(NUM_CLASSES))
    return _row_normalized(counts) if normalize == "true" else counts.astype(np.int64)


@dataclass(frozen=True)
class ConfusedPair:
    """One off-diagonal cell of a confusion matrix: a kind of mistake and how common it is."""

    true_class: int
    predicted_class: int
    count: int
    rate_of_true_class: float


def top_confused_pairs(cm, k=10):
    """List the most frequent mistakes, the places worth looking at first.

    Parameters
    ----------
    cm : array-like of int, shape (10, 10)
        Confusion matrix of counts, as returned by `confusion_matrix`.
    k : int, default=10
        Largest number of pairs to return.

    Returns
    -------
    pairs : list of ConfusedPair
        At most k off-diagonal cells with a non-zero count, by count descending, then
        rate of the true class descending, then true class and predicted class ascending.
    """
    counts = np.asarray(cm)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"cm must have shape (10, 10), got {counts.shape}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    rates = _row_normalized(counts)
    pairs = [
        ConfusedPair(true_class, predicted_class, int(counts[true_class, predicted_class]),
                     float(rates[true_class, predicted_class]))
        for true_class in range(NUM_CLASSES)
        for predicted_class in range(NUM_CLASSES)
        if true_class != predicted_class and counts[true_class, predicted_class] > 0
    ]
    pairs.sort(key=lambda pair: (-pair.count, -pair.rate_of_true_class,
                                 pair.true_class, pair.predicted_class))
    return pairs[:k]


@dataclass(frozen=True, eq=False)
class ClassMetrics:
    """Precision, recall, F1 and support per digit; arrays of length 10 indexed by class."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    def to_rows(self):
        """One dict per digit (keys class, precision, recall, f1, support) for a table."""
        return [
            {"class": digit, "precision": float(self.precision[digit]),
             "recall": float(self.recall[digit]), "f1": float(self.f1[digit]),
             "support": int(self.support[digit])}
            for digit in range(NUM_CLASSES)
        ]


def per_class_metrics(y_true, y_pred):
    """Score each digit separately, since overall accuracy hides a weak class.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        True and predicted labels, 0..9.

    Returns
    -------
    ClassMetrics
        A class never predicted (or never present) scores 0 rather than warning.
    """
    y_true, y_pred = check_labels("y_true", y_true), check_labels("y_pred", y_pred)
    check_same_length(y_true=y_true, y_pred=y_pred)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=range(NUM_CLASSES), zero_division=0
    )
    return ClassMetrics(precision, recall, f1, support)


def pair_indices(y_true, probabilities, true_class, predicted_class):
    """Find the test samples behind one confusion-matrix cell, most confident first.

    Parameters
    ----------
    y_true : array-like of int, shape (n_samples,)
        True labels, 0..9.
    probabilities : array-like of float, shape (n_samples, 10)
        Model output; the prediction is the argmax, as in the confusion matrix.
    true_class, predicted_class : int
        The cell, 0..9 each (equal classes give the correctly read samples).

    Returns
    -------
    indices : ndarray of int64, shape (cell count,)
        Sorted by the probability of `predicted_class`, descending; ties by index.
    """
    y_true = check_labels("y_true", y_true)
    probabilities = check_probabilities(probabilities, len(y_true))
    true_class = check_class("true_class", true_class)
    predicted_class = check_class("predicted_class", predicted_class)
    predictions = probabilities.argmax(axis=1)
    indices = np.flatnonzero((y_true == true_class) & (predictions == predicted_class))
    confidence = probabilities[indices, predicted_class]
    return indices[np.lexsort((indices, -confidence))]


@dataclass(frozen=True)
class PairSummary:
    """The figures a reader needs to judge one kind of mistake."""

    true_class: int
    predicted_class: int
    error_count: int
    true_class_count: int
    share_of_true_class: float
    median_confidence: float
    second_choice_count: int
    mean_true_probability: float

    def text(self):
        """A short plain-English summary written from these figures only."""
        true_digits = f"test {self.true_class}s"
        if self.true_class_count == 0:
            return f"There are no {true_digits} in this set."
        if self.error_count == 0:
            return (f"None of the {self.true_class_count:,} {true_digits} "
                    f"were read as {self.predicted_class}.")
        verb = "was" if self.error_count == 1 else "were"
        second_share = self.second_choice_count / self.error_count
        return (
            f"{self.error_count:,} of {self.true_class_count:,} {true_digits} "
            f"({self.share_of_true_class:.1%}) {verb} read as {self.predicted_class}. "
            f"Median confidence in the wrong answer: {self.median_confidence:.2f}. "
            f"The true digit was the second choice in {self.second_choice_count:,} of "
            f"{self.error_count:,} ({second_share:.0%}). Mean probability given to "
            f"{self.true_class}: {self.mean_true_probability:.2f}."
        )


def summarize_pair(y_true, probabilities, true_class, predicted_class):
    """Describe how the model reads `true_class` as `predicted_class`.

    Parameters
    ----------
    y_true : array-like of int, shape (n_samples,)
        True labels, 0..9.
    probabilities : array-like of float, shape (n_samples, 10)
        Model output; the prediction is the argmax.
    true_class, predicted_class : int
        Two different classes, 0..9.

    Returns
    -------
    PairSummary
        With no errors, median_confidence and mean_true_probability are NaN.
    """
    if true_class == predicted_class:
        raise ValueError(
            f"true_class and predicted_class are both {true_class!r}; a pair summary "
            "describes mistakes, so pick two different classes"
        )
    y_true = check_labels("y_true", y_true)
    probabilities = check_probabilities(probabilities, len(y_true))
    indices = pair_indices(y_true, probabilities, true_class, predicted_class)
    true_class_count = int(np.sum(y_true == true_class))
    summary = PairSummary(
        true_class=int(true_class),
        predicted_class=int(predicted_class),
        error_count=len(indices),
        true_class_count=true_class_count,
        share_of_true_class=len(indices) / true_class_count if true_class_count else 0.0,
        median_confidence=math.nan,
        second_choice_count=0,
        mean_true_probability=math.nan,
    )
    if not len(indices):
        return summary
    wrong = probabilities[indices]
    second_choice = np.argsort(-wrong, axis=1, kind="stable")[:, 1]
    return dataclasses.replace(
        summary,
        median_confidence=float(np.median(wrong[:, predicted_class])),
        second_choice_count=int(np.sum(second_choice == true_class)),
        mean_true_probability=float(wrong[:, true_class].mean()),
    )
