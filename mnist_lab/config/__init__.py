"""The typed config of a run (`RunConfig`, its blocks and dense layers), each field's rules
declared once with the field (`rule`, `field_infos`), fields named by path (`field_at`,
`with_values`), and the named presets."""

from mnist_lab.config._paths import (
    FILTERS_SCALE,
    LISTS,
    field_at,
    field_paths,
    parse_classes,
    parse_setting,
    parse_value,
    point_words,
    value_words,
    with_values,
)
from mnist_lab.config._presets import PRESET_DESCRIPTIONS, preset, preset_names
from mnist_lab.config._rules import ConfigError, FieldInfo, Rule, field_info, field_infos
from mnist_lab.config._run import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    TRANSFER_MODES,
    ConvBlock,
    DenseLayer,
    RunConfig,
)

__all__ = [
    "ACTIVATIONS", "BLOCK_KINDS", "DOWNSAMPLING", "FILTERS_SCALE", "LISTS", "OPTIMIZERS", "PADDINGS",
    "PRESET_DESCRIPTIONS", "SCHEDULES", "TRANSFER_MODES", "ConfigError", "ConvBlock", "DenseLayer",
    "FieldInfo", "Rule", "RunConfig", "field_at", "field_info", "field_infos", "field_paths",
    "parse_classes", "parse_setting", "parse_value", "point_words", "preset", "preset_names",
    "value_words", "with_values",
]
