"""The learned space of digits: what a network's last hidden layer makes of each test image,
kept small and drawn in two dimensions.

A network's penultimate layer (what its output layer reads) is the space where it separates
the digits; TensorBoard's projector draws it with PCA and t-SNE. Here the vectors are kept
as float16, and a layer wider than `MAX_DIMS` is reduced to its first `MAX_DIMS` principal
components first: t-SNE itself starts from the first 50 (scikit-learn's advice), and the
file stays a few MB. Plain arrays in and out; the trainer, the CLI and the pages call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

MAX_DIMS = 256  # kept per image: a wider layer keeps its first 256 principal components
TSNE_INPUT_DIMS = 50  # t-SNE runs on the first 50 principal components
METHODS = ("pca", "tsne")


def compress(vectors: np.ndarray) -> np.ndarray:
    """The vectors as float16, reduced to `MAX_DIMS` principal components when wider."""
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    if vectors.shape[1] > MAX_DIMS:
        vectors = PCA(n_components=MAX_DIMS, random_state=0).fit_transform(vectors)
    return vectors.astype(np.float16)


@dataclass(frozen=True)
class Projection:
    """Each image's place in two dimensions, and how it was found."""

    points: np.ndarray  # (n, 2) float32
    method: str
    note: str


def project(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> Projection:
    """PCA (instant) or t-SNE (about a minute for 10,000 images on 2 cores) of the vectors."""
    if method not in METHODS:
        raise ValueError(f"unknown projection '{method}'; use one of {METHODS}")
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) < 3:
        raise ValueError(f"a projection needs 3 or more vectors, got shape {vectors.shape}")
    components = min(vectors.shape[1], len(vectors))
    if method == "pca":
        pca = PCA(n_components=min(2, components), random_state=seed).fit(vectors)
        points = _two_columns(pca.transform(vectors))
        share = float(pca.explained_variance_ratio_.sum())
        return Projection(points, "pca", f"PCA: the 2 directions of most variance, "
                                         f"{share:.0%} of it")
    reduced = (PCA(n_components=min(TSNE_INPUT_DIMS, components), random_state=seed)
               .fit_transform(vectors) if vectors.shape[1] > TSNE_INPUT_DIMS else vectors)
    points = TSNE(n_components=2, init="pca", perplexity=_perplexity(len(vectors)),
                  random_state=seed, learning_rate="auto").fit_transform(reduced)
    return Projection(_two_columns(points), "tsne", tsne_note(len(vectors)))


def _perplexity(count: int) -> float:
    """scikit-learn's default, 30, or less for a few points (it must stay below n)."""
    return min(30.0, (count - 1) / 3)


def tsne_note(count: int) -> str:
    return (f"t-SNE (perplexity {_perplexity(count):g}): neighbours stay neighbours; "
            "distances between clusters mean little")


def _two_columns(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float32)
    if points.shape[1] == 1:  # a one-dimensional space (a single unit)
        points = np.column_stack([points[:, 0], np.zeros(len(points), dtype=np.float32)])
    return points
