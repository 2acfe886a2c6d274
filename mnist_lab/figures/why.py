"""Why a pair is confused, drawn: saliency laid over each digit, with a colour scale to read it.

Drawing only; the maps come from `mnist_lab.analysis.inspection.saliency` and the words from
`mnist_lab.analysis.why`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from mnist_lab.figures.predictions import digit_image, montage_figure, montage_layout

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
        A go.Image of the digits and a go.Heatmap of the maps over it, with its colour bar;
        one caption annotation per digit.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if not len(images) == len(maps) == len(titles):
        raise ValueError(f"got {len(images)} images, {len(maps)} maps and {len(titles)} titles")
    if not len(images):
        return go.Figure()
    # One picture of the dimmed digits and one heatmap over it (empty between the digits): a
    # grid of subplots, an image and a heatmap each, was the slowest chart to draw on Errors.
    tiles = [np.stack([digit_image(image) // 2] * 3, axis=-1) for image in images]
    figure = montage_figure(tiles, titles, columns, row_height=190)
    layer, _ = montage_layout(list(maps), columns, fill=np.nan)
    figure.add_trace(go.Heatmap(
        z=layer, zmin=0.0, zmax=1.0, colorscale=SALIENCY_SCALE, hoverongaps=False,
        colorbar={"title": {"text": f"pull towards {predicted_class}<br>(1 = strongest pixel)"},
                  "len": 0.9}, hovertemplate="pull %{z:.2f}<extra></extra>"))
    return figure
