"""Predictions drawn: the confusion matrix's cells, probabilities as Plotly charts, digits.

Drawing only: the numbers come from `mnist_lab.analysis`. Nothing here imports Streamlit,
so the CLI and the tests can build the same figures. Training curves live in
`mnist_lab.figures.training`.
"""

from __future__ import annotations

import io
import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import hex_to_rgb, sample_colorscale, unlabel_rgb

from mnist_lab.data import NUM_CLASSES

PREDICTED_COLOUR, TRUE_COLOUR, WRONG_COLOUR, OTHER_COLOUR = "#1f77b4", "#2ca02c", "#d62728", "#c7c7c7"
DIAGONAL_GREY = "#d9d9d9"
CONFUSION_SCALE = "Reds"  # the confusion matrix's colours, from no mistakes to the most
DARK_BELOW = 0.22  # under this luminance, white text has more contrast than the dark text


def matrix_cells(texts, labels, strength, *, scale, title, low, high):
    """A 10x10 matrix as the dashboard's matrix element draws it (`app/confusion_grid`): each
    cell's text, description and colour, decided here so that the browser only lays them out.

    Parameters
    ----------
    texts, labels : nested lists of str, (10, 10)
        What each cell shows, and what it is described as to a pointer or a screen reader.
    strength : array-like of float in [0, 1], (10, 10)
        Where each cell's colour lies on the Plotly colour scale `scale`. The diagonal is grey
        whatever its strength: the mistakes, off it, set the colours.
    scale, title, low, high : str
        The colour scale's name, and the colour bar's title and end labels.

    Returns
    -------
    cells : dict, JSON-ready
        ``classes``; ``cells``, row by row (true class, then predicted class), each with
        ``true``, ``predicted``, ``text``, ``label``, ``colour`` and ``dark`` (light text
        needed); ``scale``: ``title``, ``low``, ``high`` and its ``colours`` from low to high.
    """
    strength = np.clip(np.asarray(strength, dtype=np.float64), 0.0, 1.0)
    colours = np.reshape(sample_colorscale(scale, strength.ravel().tolist()), strength.shape)
    cells = []
    for true in range(NUM_CLASSES):
        for predicted in range(NUM_CLASSES):
            colour = DIAGONAL_GREY if true == predicted else str(colours[true, predicted])
            cells.append({"true": true, "predicted": predicted, "text": texts[true][predicted],
                          "label": labels[true][predicted], "colour": colour,
                          "dark": _luminance(colour) < DARK_BELOW})
    return {"classes": list(range(NUM_CLASSES)), "cells": cells,
            "scale": {"title": title, "low": low, "high": high,
                      "colours": sample_colorscale(scale, [0.0, 0.25, 0.5, 0.75, 1.0])}}


def largest_mistake(matrix) -> float:
    """The largest size of a value off the diagonal, 1 where there is none: the top of a
    matrix's colour scale, which its mistakes set."""
    mistakes = np.abs(np.asarray(matrix)[~np.eye(NUM_CLASSES, dtype=bool)])
    return float(mistakes.max()) if mistakes.max() > 0 else 1.0


def _luminance(colour: str) -> float:
    """Relative luminance (0 black, 1 white) of "#rrggbb" or "rgb(r, g, b)"."""
    rgb = (hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour))
    linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def confusion_cells(cm, *, normalize=False):
    """The confusion matrix's cells (see `matrix_cells`), counts or shares of each true class,
    on Plotly's "Reds" from no mistakes to the most frequent one.

    Parameters
    ----------
    cm : array-like of int, shape (10, 10)
        Counts, row = true class, column = predicted class.
    normalize : bool, default=False
        Show and colour by the share of each true class instead of counts.
    """
    counts = np.asarray(cm)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES) or (counts < 0).any():
        raise ValueError(f"cm must be a (10, 10) matrix of counts >= 0, got shape {counts.shape}")
    row_totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    shown = rates if normalize else counts
    top = largest_mistake(shown)
    classes = range(NUM_CLASSES)
    texts = [[(f"{shown[true, predicted]:.1%}" if shown[true, predicted] else "0") if normalize
              else f"{counts[true, predicted]:,}" for predicted in classes] for true in classes]
    labels = [[f"true {true} → predicted {predicted}: {counts[true, predicted]:,} "
               f"({rates[true, predicted]:.1%} of {true}s)" for predicted in classes] for true in classes]
    return matrix_cells(texts, labels, shown / top, scale=CONFUSION_SCALE,
                        title="share" if normalize else "errors", low="0",
                        high=f"{top:.1%}" if normalize else f"{top:,.0f}")


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


def example_tiles(images, probabilities, *, true_class=None, width=100):
    """Digits, each above its ten class probabilities drawn as small bars: one picture per digit.

    Pictures for `st.image`, not a chart: a browser shows them at once, where each Plotly
    figure on a cell click cost it a draw (about 0.3 s of its main thread).

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28)
        uint8 or float in [0, 1].
    probabilities : array-like of float, shape (n, 10)
        One row per image.
    true_class : int or None, default=None
        The label of every image, when known: its bar is green, a wrong prediction's red.
    width : int, default=100
        Screen pixels (see `enlarged`).

    Returns
    -------
    tiles : list of ndarray of uint8, each (about width * (30 + BAR_HEIGHT) / 28, width, 3)
        The digit, a white gap of 2 rows, then bars 0 to 9 from left to right (full height = 1).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1, NUM_CLASSES)
    if len(images) != len(probabilities):
        raise ValueError(f"got {len(images)} images but {len(probabilities)} probability rows")
    tiles = []
    for image, row in zip(images, probabilities, strict=True):
        digit = np.stack([digit_image(image)] * 3, axis=-1)
        tiles.append(enlarged(np.concatenate([digit, np.full((2, digit.shape[1], 3), 255, np.uint8),
                                              _bar_pixels(row, true_class, digit.shape[1])]), width))
    return tiles


def enlarged(image, width):
    """The picture `width` pixels wide, each pixel drawn as a block (nearest neighbour), the
    height in proportion: a digit stays sharp, where a browser or Streamlit smooths a small
    picture shown large."""
    image = np.asarray(image)
    if not isinstance(width, int) or width < image.shape[1]:
        raise ValueError(f"width must be an integer of at least {image.shape[1]} pixels, got {width!r}")
    height = round(image.shape[0] * width / image.shape[1])
    rows = np.arange(height) * image.shape[0] // height
    columns = np.arange(width) * image.shape[1] // width
    return image[rows[:, None], columns]


def png(picture):
    """A picture as PNG bytes, made once and cached with it: `st.image` given an array
    encodes it again on every rerun (60% of an Errors rerun for its 40 pictures)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(picture, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def digit_tiles(images, *, width=84):
    """Digits as sharp grey pictures for `st.image` (see `enlarged`), whatever scale they came in."""
    return [enlarged(digit_image(image), width) for image in images]


BAR_HEIGHT = 14  # pixels of the probability bars under each example's digit


def _bar_pixels(probabilities, true_class, width):
    """Ten bars on white, `BAR_HEIGHT` pixels for a probability of 1, in the bar chart's colours."""
    picture = np.full((BAR_HEIGHT, width, 3), 255, dtype=np.uint8)
    picture[-1] = 200  # the baseline
    colours = _bar_colours(int(np.argmax(probabilities)), true_class)
    step = width / NUM_CLASSES
    for digit, (probability, colour) in enumerate(zip(probabilities, colours, strict=True)):
        height = int(round(float(probability) * (BAR_HEIGHT - 1)))
        left = int(round(digit * step))
        rgb = [int(colour[index:index + 2], 16) for index in (1, 3, 5)]
        picture[BAR_HEIGHT - 1 - height:BAR_HEIGHT - 1, left:left + max(1, int(step) - 1)] = rgb
    return picture


def montage_figure(tiles, titles, columns, *, row_height):
    """RGB tiles of one shape laid into one go.Image with white gaps and a caption band each."""
    montage, corners = montage_layout(tiles, columns, fill=255)
    height, width = tiles[0].shape[:2]
    annotations = [{"x": left + (width - 1) / 2, "y": top - 0.5, "text": title, "showarrow": False,
                    "yanchor": "bottom", "font": {"size": 11}}
                   for (top, left), title in zip(corners, titles, strict=True)]
    figure = go.Figure(go.Image(z=montage, hoverinfo="skip"))
    figure.update_layout(annotations=annotations, height=row_height * math.ceil(len(tiles) / columns) + 30,
                         margin={"l": 0, "r": 0, "t": 10, "b": 0},
                         xaxis={"visible": False}, yaxis={"visible": False})
    return figure


def montage_layout(tiles, columns, *, fill):
    """Tiles of one shape in one array of `fill` (255: white), a caption band above each:
    (array, corners), each corner a tile's (top, left), where its caption is placed."""
    height, width = tiles[0].shape[:2]
    if any(tile.shape != tiles[0].shape for tile in tiles):
        raise ValueError(f"images must share one shape, got {sorted({tile.shape for tile in tiles})}")
    columns = min(columns, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    gap, band = max(1, width // 14), max(3, round(min(height, width) * 0.3))
    cell_width, cell_height = width + gap, band + height + gap
    montage = np.full((rows * cell_height, columns * cell_width, *tiles[0].shape[2:]), fill,
                      dtype=tiles[0].dtype)
    corners = []
    for number, tile in enumerate(tiles):
        row, column = divmod(number, columns)
        top, left = row * cell_height + band, column * cell_width
        montage[top:top + height, left:left + width] = tile
        corners.append((top, left))
    return montage, corners


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

    The digits are laid into one picture (white gaps between them, a band for each caption)
    drawn as a single go.Image: a grid of Plotly subplots cost 0.3 to 0.8 s to build for
    16 to 32 digits, this a few milliseconds.

    Parameters
    ----------
    images : sequence of ndarray, each (height, width) or (height, width, 1)
        Digits, filters or feature maps of one shape, uint8 or float in [0, 1].
    titles : sequence of str
        One caption per image.
    columns : int, default=8
        Images per row.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One go.Image, one annotation per caption; an empty figure when there are no images.
    """
    if len(images) != len(titles):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    if not len(images):
        return go.Figure()
    tiles = [np.stack([digit_image(image)] * 3, axis=-1) for image in images]
    return montage_figure(tiles, titles, columns, row_height=110)
