"""Matplotlib figures for reports: drawn offline to PNG and SVG, with no browser (Plotly's
static export needs Kaleido and a Chrome of its own). Through `Figure` alone, never pyplot,
so no GUI backend is picked; the numbers come from `analysis`, `compare` and `sweeps`."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from mnist_lab.data import NUM_CLASSES


def confusion_figure(counts: np.ndarray, title: str = "") -> Figure:
    """scikit-learn's confusion-matrix display of a (10, 10) count matrix."""
    counts = np.asarray(counts)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"counts must have shape (10, 10), got {counts.shape}")
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    axes = figure.subplots()
    ConfusionMatrixDisplay(counts, display_labels=list(range(NUM_CLASSES))).plot(
        ax=axes, cmap="Reds", colorbar=False, values_format="d")
    axes.set_title(title)
    return figure


def pair_figure(mean_true, mean_predicted, difference, examples, captions, *,
                true_class: int, predicted_class: int) -> Figure:
    """The two digits' mean training images and their difference, above the mistaken
    digits (float or uint8 images, 28x28), each with its caption."""
    columns = max(3, len(examples))
    figure = Figure(figsize=(1.3 * columns, 3.0), layout="constrained")
    grid = figure.subplots(2, columns, squeeze=False)
    for axes in grid.ravel():
        axes.set_axis_off()
    means = ((mean_true, f"mean {true_class}", "gray_r", (0, 1)),
             (mean_predicted, f"mean {predicted_class}", "gray_r", (0, 1)),
             (difference, f"{true_class} − {predicted_class}", "RdBu_r", (-1, 1)))
    for axes, (image, title, colours, (low, high)) in zip(grid[0], means, strict=False):
        axes.imshow(image, cmap=colours, vmin=low, vmax=high)
        axes.set_title(title, fontsize=8)
    for axes, image, caption in zip(grid[1], examples, captions, strict=False):
        axes.imshow(image, cmap="gray_r")
        axes.set_title(caption, fontsize=7)
    return figure


def arms_figure(labels: list[str], means: list[float], lows: list[float | None],
                highs: list[float | None], title: str = "") -> Figure:
    """Each arm's mean test accuracy with its 95% interval (none for a single seed)."""
    figure = Figure(figsize=(7, 0.5 * len(labels) + 1.5), layout="constrained")
    axes = figure.subplots()
    positions = np.arange(len(labels))[::-1]
    below = [mean - low if low is not None else 0.0 for mean, low in zip(means, lows, strict=True)]
    above = [high - mean if high is not None else 0.0 for mean, high in zip(means, highs, strict=True)]
    errors = np.array([below, above])
    axes.errorbar(np.asarray(means) * 100, positions, xerr=errors * 100, fmt="o", capsize=4)
    axes.set_yticks(positions, labels)
    axes.set_xlabel("test accuracy (%), with the 95% interval")
    axes.grid(True, axis="x", alpha=0.3)
    axes.set_title(title)
    return figure
