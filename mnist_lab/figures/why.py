"""Why a pair is confused, drawn: saliency laid over each digit, with a colour scale to read it.

Drawing only; the maps come from `mnist_lab.analysis.inspection.saliency` and the words from
`mnist_lab.analysis.why`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mnist_lab.figures.predictions import digit_image

# Transparent where a pixel does not matter, then orange to yellow: the digit shows through.
SALIENCY_SCALE = [[0.0, "rgba(255,60,0,0)"], [0.15, "rgba(255,60,0,0)"],
                  [0.4, "rgba(255,90,0,0.55)"], [1.0, "rgba(255,235,0,0.95)"]]


def saliency_figure(images, maps, titles, *, predicted_class, columns=4):
    """Each digit in grey with its saliency on top, large enough to see which stroke matters.

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28)
        The digits, uint8 or float in [0, 1].
    maps : ndarray, shape (n, 28, 28)
        Saliency in [0, 1] (1: the pixel that changes the score most).
    titles : sequence of str
        One per digit.
    predicted_class : int
        The class whose score the saliency is of, named on the colour scale.
    columns : int, default=4
        Digits per row.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Per digit a go.Image and a go.Heatmap over it; one colour bar for all.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if not len(images) == len(maps) == len(titles):
        raise ValueError(f"got {len(images)} images, {len(maps)} maps and {len(titles)} titles")
    if not len(images):
        return go.Figure()
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=list(titles),
                           horizontal_spacing=0.02, vertical_spacing=0.12 / rows)
    for number, (image, saliency) in enumerate(zip(images, maps, strict=True)):
        row, column = number // columns + 1, number % columns + 1
        pixels = digit_image(image) // 2  # dimmed, so the colours on top stand out
        figure.add_trace(go.Image(z=np.stack([pixels] * 3, axis=-1), hoverinfo="skip"), row=row, col=column)
        figure.add_trace(go.Heatmap(
            z=saliency, zmin=0.0, zmax=1.0, colorscale=SALIENCY_SCALE, showscale=number == 0,
            colorbar={"title": {"text": f"pull towards {predicted_class}<br>(1 = strongest pixel)"},
                      "len": 0.9}, hovertemplate="pull %{z:.2f}<extra></extra>"),
            row=row, col=column)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)  # an image trace keeps its axes square, row 0 on top
    figure.update_annotations(font_size=12)
    figure.update_layout(height=190 * rows + 40, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                         plot_bgcolor="black")
    return figure
