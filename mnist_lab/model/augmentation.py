"""Data augmentation as Keras preprocessing layers at the front of the model.

Keras runs them only in training (`model.fit`); `predict`, `evaluate` and a call with
`training=False` pass images through untouched, so a saved model needs nothing special at
inference. Emptied borders are filled with black, MNIST's background.
"""

from __future__ import annotations

import numpy as np
from keras import layers

from mnist_lab.config import RunConfig
from mnist_lab.model.architecture import augmentation_steps


def _layer(name: str, strength: float, seed: int | None):
    fill = {"fill_mode": "constant", "fill_value": 0.0, "seed": seed, "name": name}
    if name == "augment_rotation":
        return layers.RandomRotation(strength / 360.0, **fill)  # Keras: a share of a full turn
    if name == "augment_translation":
        return layers.RandomTranslation(strength, strength, **fill)
    if name == "augment_zoom":
        return layers.RandomZoom(strength, **fill)
    # Keras's elastic layer clips to its value range: ours is [0, 1].
    # factor (1, 1): distort every image (a single float would be a random probability).
    return layers.RandomElasticTransform(factor=(1.0, 1.0), scale=strength, value_range=(0.0, 1.0),
                                         **fill)


def augmentation_layers(config: RunConfig, seed: int | None = None) -> list[layers.Layer]:
    """One layer per augmentation the config turns on, in the layer table's order."""
    return [_layer(name, strength, None if seed is None else seed + index)
            for index, (name, strength, _) in enumerate(augmentation_steps(config))]


def augment_samples(config: RunConfig, images: np.ndarray, copies: int = 1,
                    seed: int = 0) -> np.ndarray:
    """What training shows the model: `copies` augmented versions of each image.

    Parameters
    ----------
    config : RunConfig
        Its `augment_*` fields; with none set the images come back unchanged.
    images : ndarray, shape (n, 28, 28, 1)
        Float images in [0, 1].
    copies : int, default=1
        Independent draws per image.
    seed : int, default=0
        The same seed gives the same draws.

    Returns
    -------
    augmented : ndarray of float32, shape (copies, n, 28, 28, 1)
    """
    import keras

    keras.utils.set_random_seed(seed)
    stack = augmentation_layers(config, seed)
    draws = []
    for _ in range(copies):
        batch = keras.ops.convert_to_tensor(np.asarray(images, dtype=np.float32))
        for layer in stack:
            batch = layer(batch, training=True)
        draws.append(keras.ops.convert_to_numpy(batch))
    return np.stack(draws).astype(np.float32)
