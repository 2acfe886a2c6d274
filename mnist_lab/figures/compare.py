"""Plotly figures for comparing runs; the numbers come from `mnist_lab.compare`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from mnist_lab.data import NUM_CLASSES
from mnist_lab.figures.text import plotly_text


def confusion_difference_figure(difference, label_a: str, label_b: str) -> go.Figure:
    """A diverging heatmap of A's confusion counts minus B's, diagonal left grey.

    Red cells are mistakes A makes more often, blue cells mistakes B makes more often.
    """
    counts = np.asarray(difference)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"difference must have shape (10, 10), got {counts.shape}")
    colour = counts.astype(np.float64)
    np.fill_diagonal(colour, np.nan)
    largest = float(np.nanmax(np.abs(colour))) or 1.0
    classes = list(range(NUM_CLASSES))
    label_a, label_b = plotly_text(label_a), plotly_text(label_b)
    hover = [[f"true {true} → predicted {predicted}: {label_a} {counts[true, predicted]:+,} "
              f"against {label_b}" for predicted in classes] for true in classes]
    figure = go.Figure(go.Heatmap(
        z=colour, x=classes, y=classes, text=[[f"{value:+,}" if value else "" for value in row]
                                             for row in counts],
        texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale="RdBu", reversescale=True, zmin=-largest, zmax=largest,
        colorbar={"title": {"text": f"{label_a}<br>minus {label_b}"}}))
    figure.update_layout(
        xaxis={"title": "predicted", "tickvals": classes, "side": "top"},
        yaxis={"title": "true", "tickvals": classes, "autorange": "reversed"},
        height=460, margin={"t": 60})
    return figure


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
