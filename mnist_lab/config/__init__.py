"""The typed config of a run (`RunConfig`, its blocks and dense layers, the choices each
field allows) and the named presets."""

from mnist_lab.config._presets import PRESET_DESCRIPTIONS, preset, preset_names
from mnist_lab.config._run import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    TRANSFER_MODES,
    ConfigError,
    ConvBlock,
    DenseLayer,
    RunConfig,
)

__all__ = [
    "ACTIVATIONS", "BLOCK_KINDS", "DOWNSAMPLING", "OPTIMIZERS", "PADDINGS", "PRESET_DESCRIPTIONS",
    "SCHEDULES", "TRANSFER_MODES", "ConfigError", "ConvBlock", "DenseLayer", "RunConfig", "preset",
    "preset_names",
]
