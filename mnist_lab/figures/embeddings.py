"""The learned space as a WebGL scatter: one trace per true digit, the mistakes ringed in the
colour of what the network read, each point carrying its test image's position so that a
click can open it. The projection comes from `analysis.embeddings`."""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from mnist_lab.data import NUM_CLASSES

DIGIT_COLOURS = px.colors.qualitative.D3  # ten distinct colours, one per digit
MISTAKES = "mistakes"  # the name of the ringed trace


def space_figure(points, y_true, predicted, *, title: str = "", height: int = 520) -> go.Figure:
    """Each test image at its point, coloured by its true digit; mistakes ringed in the colour
    of the digit read. `customdata` holds (position in the test set, true, predicted)."""
    points = np.asarray(points, dtype=np.float32)
    y_true, predicted = np.asarray(y_true), np.asarray(predicted)
    if points.shape != (len(y_true), 2) or predicted.shape != y_true.shape:
        raise ValueError(f"points must be (n, 2) beside n labels and predictions, got "
                         f"{points.shape}, {y_true.shape} and {predicted.shape}")
    positions = np.arange(len(y_true))
    traces = []
    for digit in range(NUM_CLASSES):
        mine = y_true == digit
        if mine.any():
            traces.append(go.Scattergl(
                x=points[mine, 0], y=points[mine, 1], mode="markers", name=str(digit),
                marker={"size": 4, "color": DIGIT_COLOURS[digit], "opacity": 0.7},
                customdata=np.column_stack([positions[mine], y_true[mine], predicted[mine]]),
                hovertemplate="#%{customdata[0]}: digit %{customdata[1]}, "
                              "read %{customdata[2]}<extra></extra>"))
    wrong = y_true != predicted
    traces.append(go.Scattergl(
        x=points[wrong, 0], y=points[wrong, 1], mode="markers",
        name=f"{MISTAKES} ({int(wrong.sum()):,})",
        marker={"size": 10, "symbol": "circle-open", "line": {"width": 2},
                "color": [DIGIT_COLOURS[digit] for digit in predicted[wrong]]},
        customdata=np.column_stack([positions[wrong], y_true[wrong], predicted[wrong]]),
        hovertemplate="#%{customdata[0]}: digit %{customdata[1]} read as "
                      "%{customdata[2]}<extra></extra>"))
    figure = go.Figure(traces)
    figure.update_layout(
        title=title, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"},
        legend={"title": "true digit", "itemsizing": "constant", "y": 0.9}, clickmode="event+select",
        dragmode="pan")
    return figure


def clicked_image(selection) -> tuple[int, int, int] | None:
    """(position in the test set, true digit, digit read) of the point a chart event chose:
    Streamlit's `on_select` state, `{"selection": {"points": [...]}}`."""
    points = ((selection or {}).get("selection") or {}).get("points") or []
    for point in points:
        data = point.get("customdata")
        if data is not None and len(data) == 3:
            return int(data[0]), int(data[1]), int(data[2])
    return None
