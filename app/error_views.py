"""The Errors page's cached pieces: per run and pair, what took seconds to compute or draw.

Profiled on a switch of run and on a cell click: the mean images, the saliency and the charts
were rebuilt on every rerun. The means are the same for every run and computed once; the rest
is keyed by run id, file time and pair. A run on some digits (`classes`) was scored on the
test images of those digits only, so its indices are read against them.
"""

from __future__ import annotations

import streamlit as st

from app.common import get_store, mnist, model_by_id, predictions
from mnist_lab import analysis, figures
from mnist_lab.analysis import inspection, why
from mnist_lab.data import restricted_to
from mnist_lab.store import artifacts


@st.cache_data(max_entries=8, show_spinner=False)
def validation(run_id, mtime):
    return artifacts.read_validation(get_store().run_dir(run_id))


@st.cache_resource(show_spinner=False)
def mean_digits():
    """The mean training image of each digit: the same for every run, computed once."""
    return analysis.mean_images(mnist().x_train, mnist().y_train)


@st.cache_data(max_entries=32, show_spinner="Comparing with the training images…")
def explanation(run_id, mtime, classes, true_class, predicted_class):
    probabilities, y_test = artifacts.read_predictions(get_store().run_dir(run_id))
    return why.explain_pair(restricted_to(mnist(), classes), y_test, probabilities, true_class,
                            predicted_class, means=mean_digits())


@st.cache_data(max_entries=32, show_spinner=False)
def saliency_view(run_id, model_mtime, classes, true_class, predicted_class, examples):
    """Each example's stroke region, its saliency picture and caption, per run and pair
    (raises ModelError)."""
    images = restricted_to(mnist(), classes).x_test[list(examples)]
    maps = inspection.saliency(model_by_id(run_id, model_mtime), images, predicted_class)
    regions = why.stroke_regions(maps, images)
    captions = [f"#{index}: {region}" for index, region in zip(examples, regions, strict=True)]
    return regions, figures.saliency_tiles(images, maps), captions


@st.cache_data(max_entries=64, show_spinner=False)
def examples_view(run_id, mtime, classes, true_class, predicted_class, shown):
    """The shown digits of a cell above their probabilities, and their captions ("#123: 87% 9")."""
    probabilities = predictions(run_id, mtime)[0]
    captions = [f"#{index}: {probabilities[index, predicted_class]:.0%} {predicted_class}"
                for index in shown]
    images = restricted_to(mnist(), classes).x_test[list(shown)]
    return figures.example_tiles(images, probabilities[list(shown)], true_class=true_class), captions
