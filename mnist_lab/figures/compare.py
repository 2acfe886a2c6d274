"""Figures for comparing runs; the numbers come from `mnist_lab.compare`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from mnist_lab.data import NUM_CLASSES
from mnist_lab.figures.predictions import largest_mistake, matrix_cells
from mnist_lab.figures.text import plotly_text

DIFFERENCE_SCALE = "RdBu_r"  # blue where B errs more, white for no difference, red where A does


def confusion_difference_cells(difference, label_a: str, label_b: str) -> dict:
    """A's confusion counts minus B's as the matrix element's cells (`matrix_cells`), on a
    diverging scale: red, mistakes A makes more often; blue, mistakes B makes more often."""
    counts = np.asarray(difference)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"difference must have shape (10, 10), got {counts.shape}")
    largest = largest_mistake(counts)
    classes = range(NUM_CLASSES)
    texts = [[f"{counts[true, predicted]:+,}" if counts[true, predicted] else "" for predicted in classes]
             for true in classes]
    labels = [[f"true {true} → predicted {predicted}: {label_a} {counts[true, predicted]:+,} "
               f"against {label_b}" for predicted in classes] for true in classes]
    return matrix_cells(texts, labels, (counts / largest + 1) / 2, scale=DIFFERENCE_SCALE,
                        title=f"{label_a} minus {label_b}", low=f"{-largest:+,.0f}",
                        high=f"{largest:+,.0f}")


def per_class_accuracy_figure(table: pd.DataFrame) -> go.Figure:
    """Grouped bars: each digit's test accuracy, one bar per run (columns of `table`)."""
    figure = go.Figure([
        go.Bar(x=list(table.index), y=table[label], name=plotly_text(label),
               hovertemplate=f"{plotly_text(label)}<br>digit %{{x}}: %{{y:.2%}}<extra></extra>")
        for label in table.columns])
    lowest = float(np.nanmin(table.to_numpy())) if table.size else 0.0
    figure.update_layout(
        barmode="group", height=360, yaxis={"title": "accuracy", "tickformat": ".0%",
                                            "range": [max(0.0, lowest - 0.02), 1.0]},
        xaxis={"title": "digit", "tickvals": list(range(NUM_CLASSES))},
        legend={"orientation": "h", "y": -0.2})
    return figure
