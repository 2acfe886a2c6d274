"""The Errors page's cached pieces: per run and pair, what took seconds to compute or draw.

Profiled on a switch of run and on a cell click: the mean images, the saliency and the charts
were rebuilt on every rerun. The means are the same for every run and computed once; the rest
is keyed by run id, file time and pair. A run on some digits (`classes`) was scored on the
test images of those digits only, so its indices are read against them.
"""

from __future__ import annotations

import streamlit as st

from app.readers import mnist, model_by_id, predictions
from mnist_lab import analysis, figures
from mnist_lab.analysis import inspection, why
from mnist_lab.data import restricted_to


@st.cache_resource(show_spinner=False)
def mean_digits():
    """The mean training image of each digit: the same for every run, computed once."""
    return analysis.mean_images(mnist().x_train, mnist().y_train)


@st.cache_resource(show_spinner=False)
def saliency_scale():
    """The saliency colour scale as a PNG: the same for every pair."""
    return figures.png(figures.saliency_scale())


@st.cache_data(max_entries=32, show_spinner="Comparing with the training images…")
def explanation(run_id, mtime, classes, true_class, predicted_class):
    probabilities, y_test = predictions(run_id, mtime)
    return why.explain_pair(restricted_to(mnist(), classes), y_test, probabilities, true_class,
                            predicted_class, means=mean_digits())


@st.cache_data(max_entries=32, show_spinner=False)
def saliency_view(run_id, model_mtime, classes, true_class, predicted_class, examples):
    """Each example's stroke region, its saliency picture (PNG) and caption, per run and pair
    (raises ModelError)."""
    images = restricted_to(mnist(), classes).x_test[list(examples)]
    maps = inspection.saliency(model_by_id(run_id, model_mtime), images, predicted_class)
    regions = why.stroke_regions(maps, images)
    captions = [f"#{index}: {region}" for index, region in zip(examples, regions, strict=True)]
    return regions, [figures.png(tile) for tile in figures.saliency_tiles(images, maps)], captions


@st.cache_data(max_entries=64, show_spinner=False)
def examples_view(run_id, mtime, classes, true_class, predicted_class, shown):
    """The shown digits of a cell above their probabilities (PNG), and their captions ("#123: 87% 9")."""
    probabilities = predictions(run_id, mtime)[0]
    captions = [f"#{index}: {probabilities[index, predicted_class]:.0%} {predicted_class}"
                for index in shown]
    images = restricted_to(mnist(), classes).x_test[list(shown)]
    tiles = figures.example_tiles(images, probabilities[list(shown)], true_class=true_class)
    return [figures.png(tile) for tile in tiles], captions


@st.cache_data(max_entries=32, show_spinner=False)
def neighbours_view(run_id, mtime, classes, true_class, predicted_class):
    """Per mistaken example of the pair: it and its nearest training digits of the predicted
    class (PNG), with their captions."""
    evidence = explanation(run_id, mtime, classes, true_class, predicted_class)
    data = restricted_to(mnist(), classes)
    rows = []
    for number, index in enumerate(evidence.examples):
        nearest = data.x_train[evidence.neighbors[number]]
        tiles = figures.digit_tiles([data.x_test[index], *nearest])
        rows.append(([figures.png(tile) for tile in tiles],
                     [f"test #{index}"] + [f"nearest {predicted_class}"] * len(nearest)))
    return rows
