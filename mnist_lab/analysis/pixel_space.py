"""Digits compared as pixels: the mean image of each class, and the nearest training images.

The data side of "why is this 4 read as a 9": no model involved, so it works from a run's
predictions and MNIST alone.
"""

from __future__ import annotations

import numpy as np

from mnist_lab.analysis.metrics import check_class, check_labels, check_same_length
from mnist_lab.data import NUM_CLASSES


def _unit_float_images(name, images):
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"{name} must have shape (n, height, width) or "
                         f"(n, height, width, 1), got {images.shape}")
    scale = 1 / 255 if images.dtype == np.uint8 else 1.0
    return images.astype(np.float32) * np.float32(scale)


def mean_images(images, labels):
    """Average the images of each digit: the model's 'typical' 0, 1, ... 9.

    Parameters
    ----------
    images : ndarray, shape (n, height, width) or (n, height, width, 1)
        uint8 images are scaled to [0, 1]; float images are used as they are.
    labels : array-like of int, shape (n,)
        Class of each image, 0..9.

    Returns
    -------
    means : ndarray of float32, shape (10, height, width)
        A class with no images gets an all-zero mean.
    """
    images = _unit_float_images("images", images)
    labels = check_labels("labels", labels)
    check_same_length(images=images, labels=labels)
    means = np.zeros((NUM_CLASSES, *images.shape[1:]), dtype=np.float32)
    for digit in range(NUM_CLASSES):
        members = images[labels == digit]
        if len(members):
            means[digit] = members.mean(axis=0)
    return means


def mean_difference(images, labels, class_a, class_b):
    """Mean image of `class_a` minus that of `class_b`: where the two digits differ.

    Parameters
    ----------
    images, labels
        As for `mean_images`.
    class_a, class_b : int
        Classes 0..9, each with at least one image.

    Returns
    -------
    difference : ndarray of float32, shape (height, width)
        Positive where `class_a` has more ink on average.
    """
    class_a, class_b = check_class("class_a", class_a), check_class("class_b", class_b)
    labels = check_labels("labels", labels)
    for name, digit in (("class_a", class_a), ("class_b", class_b)):
        if not np.any(labels == digit):
            raise ValueError(f"{name} {digit} has no images to average")
    means = mean_images(images, labels)
    return means[class_a] - means[class_b]


def nearest_neighbors(queries, reference_images, k=5, *, chunk_elements=2**24):
    """Find the training images closest in pixels to each query, to explain a prediction.

    Distances use ||q||^2 - 2 q.r + ||r||^2 in float32; ||q||^2 is the same for every
    reference so it is left out of the ranking. Queries are processed in chunks of
    about `chunk_elements` distances so 60,000 references stay within memory.

    Parameters
    ----------
    queries : ndarray, shape (n_queries, height, width) or with a trailing channel of 1
        uint8 images are scaled to [0, 1], like `reference_images`.
    reference_images : ndarray, shape (n_references, height, width) or with a channel
        Images to search.
    k : int, default=5
        Neighbours per query, at most n_references.
    chunk_elements : int, default=2**24
        Distances held in memory at once (64 MiB in float32).

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
        Indices into `reference_images`, nearest first; ties go to the lower index.
    """
    queries = _unit_float_images("queries", queries)
    references = _unit_float_images("reference_images", reference_images)
    if queries.shape[1:] != references.shape[1:]:
        raise ValueError(f"queries are {queries.shape[1:]} images but reference_images "
                         f"are {references.shape[1:]}")
    if not isinstance(k, int) or not 1 <= k <= len(references):
        raise ValueError(f"k must be between 1 and {len(references)} (the number of "
                         f"reference images), got {k!r}")
    queries = queries.reshape(len(queries), -1)
    references = references.reshape(len(references), -1)
    reference_norms = np.einsum("ij,ij->i", references, references)
    rows_per_chunk = max(1, chunk_elements // len(references))
    neighbors = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), rows_per_chunk):
        distances = reference_norms - 2 * queries[start:start + rows_per_chunk] @ references.T
        kth_smallest = np.partition(distances, k - 1, axis=1)[:, k - 1]
        for offset, (row, limit) in enumerate(zip(distances, kth_smallest, strict=True)):
            candidates = np.flatnonzero(row <= limit)
            order = np.lexsort((candidates, row[candidates]))
            neighbors[start + offset] = candidates[order[:k]]
    return neighbors
