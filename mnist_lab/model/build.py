"""Config -> keras.Model: image in, augmentation, blocks, head, ten probabilities out.

The model is functional, so residual shortcuts and inception branches are plain tensors.
Layer names match `model.architecture.describe`, whose checked config it builds, so an
impossible config fails with our message and never deep inside Keras.
"""

from __future__ import annotations

import keras
from keras import layers

from mnist_lab.config import RunConfig
from mnist_lab.data import IMAGE_SHAPE, NUM_CLASSES
from mnist_lab.model import INPUT_NAME, OUTPUT_NAME, Architecture, checked
from mnist_lab.model.augmentation import augmentation_layers
from mnist_lab.model.families import conv_block


def build_model(config: RunConfig | Architecture) -> keras.Model:
    """An uncompiled Keras model for a checked config (a bare one is checked first and
    raises `ConfigError` when impossible)."""
    config = checked(config).config
    inputs = keras.Input(shape=IMAGE_SHAPE, name=INPUT_NAME)
    x = inputs
    # Augmentation: active in model.fit only, the identity at inference.
    for layer in augmentation_layers(config):
        x = layer(x)
    for number, block in enumerate(config.blocks, 1):
        x = conv_block(x, number, block)
    if config.global_pooling:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = layers.Flatten(name="flatten")(x)
    for number, dense in enumerate(config.dense, 1):
        x = layers.Dense(dense.units, activation=dense.activation, name=f"dense{number}")(x)
        if dense.dropout:
            x = layers.Dropout(dense.dropout, name=f"dense{number}_dropout")(x)
    if config.head_dropout:
        x = layers.Dropout(config.head_dropout, name="head_dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name=OUTPUT_NAME)(x)
    return keras.Model(inputs, outputs, name=config.preset or "mnist_lab_cnn")
