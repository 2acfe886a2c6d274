"""The Train page's preview of augmentation: sample training digits as the network will see them.

The draws come from the same Keras layers that training puts in front of the model, so the
preview cannot drift from what trains. Keras is imported only when a preview is drawn.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.readers import mnist
from mnist_lab import figures
from mnist_lab.config import RunConfig
from mnist_lab.data import normalize, of_classes
from mnist_lab.model.architecture import AUGMENTATIONS

SAMPLES = 8
DRAWS = 3


@st.cache_data(max_entries=8, show_spinner="Augmenting sample digits…")
def _draws(strengths: tuple[float, ...], classes: tuple[int, ...] | None) -> tuple[np.ndarray, np.ndarray]:
    """(originals (n, 28, 28, 1), draws (DRAWS, n, 28, 28, 1)) for these augmentation settings."""
    from mnist_lab.model.augmentation import augment_samples

    data = mnist()
    positions = of_classes(data.y_train, list(classes) if classes else None)[:SAMPLES]
    originals = normalize(data.x_train[positions])
    config = RunConfig(**dict(zip([name for name, _ in AUGMENTATIONS], strengths, strict=True)))
    return originals, augment_samples(config, originals, copies=DRAWS, seed=0)


def augmentation_figure(config: RunConfig):
    """The originals in the first row, then one row per draw."""
    strengths = tuple(float(getattr(config, name)) for name, _ in AUGMENTATIONS)
    originals, draws = _draws(strengths, tuple(config.classes) if config.classes else None)
    images = [*originals, *draws.reshape(-1, *originals.shape[1:])]
    titles = ["original"] * len(originals) + [f"draw {row + 1}" for row in range(DRAWS)
                                              for _ in range(len(originals))]
    return figures.image_grid_figure(images, titles, columns=len(originals))
