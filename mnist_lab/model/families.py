"""Each block kind as Keras layers, in the functional API: a tensor in, a tensor out.

Plain blocks are LeNet layers or VGG stacks, residual blocks follow He et al.'s basic block,
inception blocks Szegedy et al.'s module. Layer names and order match `model.blocks`, which
infers the same layers without Keras.
"""

from __future__ import annotations

from keras import layers

from mnist_lab.config import ConvBlock
from mnist_lab.model.blocks import INCEPTION_KERNELS, INCEPTION_POOL
from mnist_lab.model.layer_table import STRIDED_KERNEL


def conv_unit(x, block: ConvBlock, names: tuple[str, str, str], kernel: int, *,
              activate: bool = True):
    """Conv, then batch norm and the activation as separate layers when `batch_norm`."""
    conv, norm, act = names
    linear = block.batch_norm or not activate
    x = layers.Conv2D(block.filters, kernel, padding=block.padding,
                      activation=None if linear else block.activation, name=conv)(x)
    if block.batch_norm:
        x = layers.BatchNormalization(name=norm)(x)
        if activate:
            x = layers.Activation(block.activation, name=act)(x)
    return x


def plain(x, number: int, block: ConvBlock):
    prefix = f"block{number}"
    for index in range(1, block.convs + 1):
        x = conv_unit(x, block, (f"{prefix}_conv{index}", f"{prefix}_bn{index}",
                                 f"{prefix}_act{index}"), block.kernel_size)
    return x


def residual(x, number: int, block: ConvBlock):
    prefix = f"block{number}"
    shortcut = x
    for index in range(1, block.convs + 1):
        x = conv_unit(x, block, (f"{prefix}_conv{index}", f"{prefix}_bn{index}",
                                 f"{prefix}_act{index}"),
                      block.kernel_size, activate=index < block.convs)
    if shortcut.shape[-1] != block.filters:
        # A 1x1 projection brings the input to the block's width so the two can be added.
        shortcut = layers.Conv2D(block.filters, 1, name=f"{prefix}_shortcut")(shortcut)
        if block.batch_norm:
            shortcut = layers.BatchNormalization(name=f"{prefix}_shortcut_bn")(shortcut)
    x = layers.Add(name=f"{prefix}_add")([x, shortcut])
    return layers.Activation(block.activation, name=f"{prefix}_out")(x)


def inception(x, number: int, block: ConvBlock):
    prefix = f"block{number}"
    branches = []
    for kernel in INCEPTION_KERNELS:
        name = f"{prefix}_{kernel}x{kernel}"
        branches.append(conv_unit(x, block, (name, f"{name}_bn", f"{name}_act"), kernel))
    pooled = layers.MaxPooling2D(INCEPTION_POOL, strides=1, padding="same",
                                 name=f"{prefix}_branch_pool")(x)
    branches.append(conv_unit(pooled, block, (f"{prefix}_pool_proj", f"{prefix}_pool_proj_bn",
                                              f"{prefix}_pool_proj_act"), 1))
    return layers.Concatenate(name=f"{prefix}_concat")(branches)


KINDS = {"plain": plain, "residual": residual, "inception": inception}


def conv_block(x, number: int, block: ConvBlock):
    """The block's body by kind, then its downsampling step and its dropout."""
    x = KINDS[block.kind](x, number, block)
    prefix = f"block{number}"
    if block.downsample == "max":
        x = layers.MaxPooling2D(2, name=f"{prefix}_pool")(x)
    elif block.downsample == "avg":
        x = layers.AveragePooling2D(2, name=f"{prefix}_pool")(x)
    elif block.downsample == "strided":
        # A learned downsampling: halves the feature map without pooling.
        x = layers.Conv2D(x.shape[-1], STRIDED_KERNEL, strides=2, padding="same",
                          activation=block.activation, name=f"{prefix}_down")(x)
    if block.dropout:
        x = layers.Dropout(block.dropout, name=f"{prefix}_dropout")(x)
    return x
