"""Config -> keras.Model: a plain Sequential that reads like the architecture diagram.

Layer names match `model.architecture.describe`, which validates the config first, so an
impossible config fails with our message and never deep inside Keras.
"""

from __future__ import annotations

import keras
from keras import layers

from mnist_lab.config import ConvBlock, RunConfig
from mnist_lab.data import IMAGE_SHAPE, NUM_CLASSES
from mnist_lab.model import STRIDED_KERNEL, describe


def _conv_block(number: int, block: ConvBlock) -> list[keras.layers.Layer]:
    prefix = f"block{number}"
    stack: list[keras.layers.Layer] = []
    for index in range(1, block.convs + 1):
        stack.append(layers.Conv2D(
            block.filters, block.kernel_size, padding=block.padding,
            activation=None if block.batch_norm else block.activation,
            name=f"{prefix}_conv{index}",
        ))
        if block.batch_norm:
            stack.append(layers.BatchNormalization(name=f"{prefix}_bn{index}"))
            stack.append(layers.Activation(block.activation, name=f"{prefix}_act{index}"))
    if block.downsample == "max":
        stack.append(layers.MaxPooling2D(2, name=f"{prefix}_pool"))
    elif block.downsample == "avg":
        stack.append(layers.AveragePooling2D(2, name=f"{prefix}_pool"))
    elif block.downsample == "strided":
        # A learned downsampling: halves the feature map without pooling.
        stack.append(layers.Conv2D(
            block.filters, STRIDED_KERNEL, strides=2, padding="same",
            activation=block.activation, name=f"{prefix}_down",
        ))
    if block.dropout:
        stack.append(layers.Dropout(block.dropout, name=f"{prefix}_dropout"))
    return stack


def build_model(config: RunConfig) -> keras.Model:
    """An uncompiled Keras model for `config`; raises `ConfigError` for an impossible one."""
    describe(config)
    stack: list[keras.layers.Layer] = [keras.Input(shape=IMAGE_SHAPE)]
    for number, block in enumerate(config.blocks, 1):
        stack += _conv_block(number, block)
    stack.append(layers.Flatten(name="flatten"))
    for number, dense in enumerate(config.dense, 1):
        stack.append(layers.Dense(dense.units, activation=dense.activation, name=f"dense{number}"))
        if dense.dropout:
            stack.append(layers.Dropout(dense.dropout, name=f"dense{number}_dropout"))
    if config.head_dropout:
        stack.append(layers.Dropout(config.head_dropout, name="head_dropout"))
    stack.append(layers.Dense(NUM_CLASSES, activation="softmax", name="output"))
    return keras.Sequential(stack, name=config.preset or "mnist_lab_cnn")
