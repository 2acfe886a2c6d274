"""A network from its config: validation and the layer table (`architecture`, no Keras) and the
Keras model (`build`, imported only where a model is really built)."""

from mnist_lab.model.architecture import (
    STRIDED_KERNEL,
    Architecture,
    LayerInfo,
    describe,
)

__all__ = ["STRIDED_KERNEL", "Architecture", "LayerInfo", "describe"]
