"""Predictions drawn as Plotly figures: the clickable confusion matrix, probabilities, digits.

Drawing only: the numbers come from `mnist_lab.analysis`. Nothing here imports Streamlit,
so the CLI and the tests can build the same figures. Training curves live in
`mnist_lab.figures.training`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mnist_lab.data import NUM_CLASSES

PREDICTED_COLOUR, TRUE_COLOUR, WRONG_COLOUR, OTHER_COLOUR = "#1f77b4", "#2ca02c", "#d62728", "#c7c7c7"
DIAGONAL_GREY = "#d9d9d9"
CONFUSION_CELL_RANGE = [-0.5, NUM_CLASSES - 0.5]


def confusion_figure(cm, *, normalize=False, title=None):
    """A clickable confusion matrix in which the mistakes, not the diagonal, set the colours.

    The diagonal is left out of the colour scale (its cells show the grey plot
    background, with their counts as text), so a few hundred errors stay visible
    next to thousands of correct answers. Heatmap cells cannot be selected in
    `st.plotly_chart`, so an invisible scatter of the 100 cell centres lies on top:
    it is trace index 1, and a selected point has x = predicted class, y = true class.

    Parameters
    ----------
    cm : array-like of int, shape (10, 10)
        Counts, row = true class, column = predicted class.
    normalize : bool, default=False
        Show and colour by the share of each true class instead of counts.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Trace 0 is the heatmap (diagonal z is NaN), trace 1 the clickable scatter.
    """
    counts = np.asarray(cm)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES) or (counts < 0).any():
        raise ValueError(f"cm must be a (10, 10) matrix of counts >= 0, got shape {counts.shape}")
    row_totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    shown = rates if normalize else counts
    colour = shown.astype(np.float64)
    np.fill_diagonal(colour, np.nan)
    largest_error = np.nanmax(colour)
    classes = list(range(NUM_CLASSES))
    hover = [[f"true {true} → predicted {predicted}: {counts[true, predicted]:,} "
              f"({rates[true, predicted]:.1%} of {true}s)" for predicted in classes]
             for true in classes]
    text = [[(f"{value:.1%}" if value else "0") if normalize else f"{value:,}" for value in row]
            for row in shown]
    heatmap = go.Heatmap(
        z=colour, x=classes, y=classes, text=text, texttemplate="%{text}",
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale="Reds", zmin=0, zmax=largest_error if largest_error > 0 else 1,
        colorbar={"title": {"text": "share" if normalize else "errors"}},
    )
    cell_centres = go.Scatter(
        x=np.tile(classes, NUM_CLASSES), y=np.repeat(classes, NUM_CLASSES), mode="markers",
        marker={"symbol": "square", "size": 36, "opacity": 0.01, "color": "black"},
        customdata=np.ravel(hover), hovertemplate="%{customdata}<extra></extra>",
        showlegend=False,
    )
    figure = go.Figure([heatmap, cell_centres])
    ticks = {"tickmode": "array", "tickvals": classes, "ticktext": [str(c) for c in classes]}
    figure.update_layout(
        title=title, plot_bgcolor=DIAGONAL_GREY, width=560, height=520,
        xaxis={"title": {"text": "Predicted"}, "range": CONFUSION_CELL_RANGE,
               "constrain": "domain", "showgrid": False, "zeroline": False, **ticks},
        # A reversed range puts 0 on top; autorange="reversed" would ignore the fixed range.
        yaxis={"title": {"text": "True"}, "range": CONFUSION_CELL_RANGE[::-1],
               "scaleanchor": "x", "scaleratio": 1, "constrain": "domain",
               "showgrid": False, "zeroline": False, **ticks},
    )
    return figure


def probability_bars(probabilities, *, true_class=None):
    """The ten class probabilities for one digit, predicted and true bars marked.

    Parameters
    ----------
    probabilities : array-like of float, shape (10,)
        Model output for one image.
    true_class : int or None, default=None
        The label, when known. A correct prediction's bar is green; a wrong one's is
        red next to the green true bar; without a label the prediction is blue.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One bar trace, y axis fixed to [0, 1].
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (NUM_CLASSES,):
        raise ValueError(f"probabilities must have shape (10,), got {probabilities.shape}")
    if true_class is not None and true_class not in range(NUM_CLASSES):
        raise ValueError(f"true_class must be a class 0..9 or None, got {true_class!r}")
    predicted = int(probabilities.argmax())
    colours = _bar_colours(predicted, true_class)
    title = f"predicted {predicted} ({probabilities[predicted]:.0%})"
    if true_class is not None:
        title += f", true {true_class}"
    figure = go.Figure(go.Bar(x=list(range(NUM_CLASSES)), y=probabilities, marker_color=colours,
                              hovertemplate="digit %{x}: %{y:.3f}<extra></extra>"))
    figure.update_layout(title=title, height=220, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         yaxis={"range": [0, 1]},
                         xaxis={"tickmode": "array", "tickvals": list(range(NUM_CLASSES))})
    return figure


def _bar_colours(predicted, true_class):
    colours = [OTHER_COLOUR] * NUM_CLASSES
    if true_class is None:
        colours[predicted] = PREDICTED_COLOUR
    else:
        colours[predicted] = WRONG_COLOUR
        colours[true_class] = TRUE_COLOUR
    return colours


def examples_figure(images, probabilities, titles, *, true_class=None, columns=4):
    """Digits, each above its ten class probabilities, in one figure (one element to draw).

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28)
        uint8 or float in [0, 1].
    probabilities : array-like of float, shape (n, 10)
        One row per image.
    titles : sequence of str
        One caption per image, above it.
    true_class : int or None, default=None
        The label of every image, when known: its bar is green, a wrong prediction's red.
    columns : int, default=4
        Examples per row.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Per example a go.Image and, below it, a go.Bar with the y axis fixed to [0, 1].
    """
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1, NUM_CLASSES)
    if not len(images) == len(probabilities) == len(titles):
        raise ValueError(f"got {len(images)} images, {len(probabilities)} probability rows and "
                         f"{len(titles)} titles")
    if not len(images):
        return go.Figure()
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    grid_titles = []
    for row in range(rows):
        shown = list(titles[row * columns:(row + 1) * columns])
        grid_titles += shown + [""] * (columns - len(shown)) + [""] * columns
    figure = make_subplots(rows=2 * rows, cols=columns, subplot_titles=grid_titles,
                           row_heights=[1.0, 0.55] * rows, horizontal_spacing=0.03,
                           vertical_spacing=0.25 / rows)
    classes = list(range(NUM_CLASSES))
    for number, (image, row_probabilities) in enumerate(zip(images, probabilities, strict=True)):
        row, column = 2 * (number // columns) + 1, number % columns + 1
        pixels = digit_image(image)
        figure.add_trace(go.Image(z=np.stack([pixels] * 3, axis=-1), hoverinfo="skip"),
                         row=row, col=column)
        colours = _bar_colours(int(row_probabilities.argmax()), true_class)
        figure.add_trace(go.Bar(x=classes, y=row_probabilities, marker_color=colours, showlegend=False,
                                hovertemplate="digit %{x}: %{y:.3f}<extra></extra>"),
                         row=row + 1, col=column)
        figure.update_xaxes(tickmode="array", tickvals=classes, tickfont_size=9, row=row + 1, col=column)
        figure.update_yaxes(range=[0, 1], visible=False, row=row + 1, col=column)
        figure.update_xaxes(visible=False, row=row, col=column)
        figure.update_yaxes(visible=False, row=row, col=column)
    figure.update_annotations(font_size=11)
    figure.update_layout(height=200 * rows + 20, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                         bargap=0.15)
    return figure


def digit_image(image):
    """A digit as uint8 pixels for `st.image`, whatever scale it came in.

    Parameters
    ----------
    image : ndarray, shape (28, 28) or (28, 28, 1)
        uint8 is kept as it is; floats are read as [0, 1] and clipped.

    Returns
    -------
    pixels : ndarray of uint8, shape (28, 28)
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"image must have shape (height, width) or (height, width, 1), "
                         f"got {image.shape}")
    if image.dtype == np.uint8:
        return image
    return np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


def image_grid_figure(images, titles, columns=8):
    """Small digits in a grid with a caption each, e.g. the samples behind a confusion cell.

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28) or (28, 28, 1)
        Digits, uint8 or float in [0, 1].
    titles : sequence of str
        One caption per image.
    columns : int, default=8
        Images per row.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One go.Image per digit; an empty figure when there are no images.
    """
    if len(images) != len(titles):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    if not len(images):
        return go.Figure()
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=list(titles),
                           horizontal_spacing=0.01, vertical_spacing=min(0.08, 0.5 / rows))
    for number, image in enumerate(images):
        pixels = digit_image(image)
        figure.add_trace(go.Image(z=np.stack([pixels] * 3, axis=-1), hoverinfo="skip"),
                         row=number // columns + 1, col=number % columns + 1)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_annotations(font_size=11)
    figure.update_layout(height=110 * rows + 30, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    return figure
