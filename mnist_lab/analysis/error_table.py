"""The misclassified-digit browser's table: every error of a run, filtered, sorted, paged."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_lab.analysis.metrics import check_class, check_labels, check_probabilities, sample_losses

ERROR_SORT_COLUMNS = ("confidence", "loss")


def errors_table(y_true, probabilities):
    """One row per misclassified sample, for the browser of mistakes.

    Parameters
    ----------
    y_true : array-like of int, shape (n_samples,)
        True labels, 0..9.
    probabilities : array-like of float, shape (n_samples, 10)
        Model output; the prediction is the argmax.

    Returns
    -------
    table : pandas.DataFrame
        Columns index (position in the test set), true, predicted, confidence
        (probability of the prediction), true_probability, loss (-log of
        true_probability, clipped at 1e-7) and top3 (tuple of (class, probability)).
    """
    y_true = check_labels("y_true", y_true)
    probabilities = check_probabilities(probabilities, len(y_true))
    predictions = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predictions != y_true)
    rows = probabilities[wrong]
    true_probability = rows[np.arange(len(wrong)), y_true[wrong]]
    top3_classes = np.argsort(-rows, axis=1, kind="stable")[:, :3]
    return pd.DataFrame({
        "index": wrong.astype(np.int64),
        "true": y_true[wrong],
        "predicted": predictions[wrong].astype(np.int64),
        "confidence": rows[np.arange(len(wrong)), predictions[wrong]],
        "true_probability": true_probability,
        "loss": sample_losses(true_probability),
        "top3": pd.Series([
            tuple((int(digit), float(row[digit])) for digit in classes)
            for row, classes in zip(rows, top3_classes, strict=True)
        ], dtype=object),
    })


def filter_errors(table, *, true_class=None, predicted_class=None, min_confidence=0.0,
                  max_confidence=1.0, sort_by="confidence", descending=True):
    """Narrow and order an `errors_table` the way the browser's controls ask.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by `errors_table`.
    true_class, predicted_class : int or None, default=None
        Keep only rows with this class; None keeps all.
    min_confidence, max_confidence : float, default=0.0 and 1.0
        Inclusive bounds on the confidence of the wrong prediction.
    sort_by : {"confidence", "loss"}, default="confidence"
        Column to order by; ties keep test-set order.
    descending : bool, default=True
        Largest first.

    Returns
    -------
    filtered : pandas.DataFrame
        The matching rows, re-indexed from 0.
    """
    if sort_by not in ERROR_SORT_COLUMNS:
        raise ValueError(f"sort_by must be one of {ERROR_SORT_COLUMNS}, got {sort_by!r}")
    if not 0.0 <= min_confidence <= max_confidence <= 1.0:
        raise ValueError("confidence bounds must satisfy 0 <= min_confidence <= "
                         f"max_confidence <= 1, got {min_confidence} and {max_confidence}")
    keep = table["confidence"].between(min_confidence, max_confidence)
    if true_class is not None:
        keep &= table["true"] == check_class("true_class", true_class)
    if predicted_class is not None:
        keep &= table["predicted"] == check_class("predicted_class", predicted_class)
    return table[keep].sort_values(
        [sort_by, "index"], ascending=[not descending, True], kind="stable"
    ).reset_index(drop=True)


def page(table, page_number, page_size):
    """Cut a table into pages for display; pages are numbered from 1.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows to page through.
    page_number : int
        1..page_count. An empty table has one empty page.
    page_size : int
        Rows per page, at least 1.

    Returns
    -------
    rows : pandas.DataFrame
        The rows on that page.
    page_count : int
        Number of pages.
    """
    if not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, got {page_size!r}")
    page_count = max(1, math.ceil(len(table) / page_size))
    if not isinstance(page_number, int) or not 1 <= page_number <= page_count:
        raise ValueError(f"page_number {page_number!r} is out of range: there are "
                         f"{page_count} pages of {page_size} rows, numbered from 1")
    start = (page_number - 1) * page_size
    return table.iloc[start:start + page_size], page_count
