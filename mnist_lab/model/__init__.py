"""A network from its config: validation and the layer table (`architecture`, `blocks`,
`layer_table`, `validation`: no Keras) and the Keras model (`build`, `families`,
`augmentation`: imported only where a model is really built)."""

from mnist_lab.model.architecture import Architecture, augmentation_steps, checked, describe
from mnist_lab.model.layer_table import INPUT_NAME, OUTPUT_NAME, STRIDED_KERNEL, LayerInfo

__all__ = ["INPUT_NAME", "OUTPUT_NAME", "STRIDED_KERNEL", "Architecture", "LayerInfo", "augmentation_steps",
           "checked", "describe"]
