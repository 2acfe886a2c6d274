"""A network from its config: validation and the layer table (`architecture`, no Keras) and the
Keras model (`build`, imported only where a model is really built)."""

from mnist_lab.model.architecture import (
    INPUT_SHAPE,
    NUM_CLASSES,
    STRIDED_KERNEL,
    Architecture,
    LayerInfo,
    describe,
)

__all__ = ["INPUT_SHAPE", "NUM_CLASSES", "STRIDED_KERNEL", "Architecture", "LayerInfo", "describe"]
