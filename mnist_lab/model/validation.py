"""Every config field checked against its range, with a one-line message naming the field.

`describe` runs these before it walks the layers; what only the walk can tell (a kernel
larger than its feature map) is checked there.
"""

from __future__ import annotations

import re

from mnist_lab.config import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    TRANSFER_MODES,
    ConfigError,
    ConvBlock,
    RunConfig,
)
from mnist_lab.data import NUM_CLASSES

MAX_FOLDS = 20  # k-fold cross-validation: 2..MAX_FOLDS folds
MAX_SEED = 2**32 - 1
PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_ROTATION_DEGREES = 180.0
MAX_SHIFT = 0.5  # translation and zoom, as a share of the image side
# Kinds whose branches are added or concatenated, so every branch must keep the map's size.
BRANCHED_KINDS = ("residual", "inception")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _check_block(number: int, block: ConvBlock) -> None:
    where = f"block {number}"
    _require(block.kind in BLOCK_KINDS,
             f"{where}: kind must be one of {BLOCK_KINDS}, got '{block.kind}'")
    _require(1 <= block.filters <= 1024, f"{where}: filters must be 1..1024, got {block.filters}")
    _require(1 <= block.kernel_size <= 28,
             f"{where}: kernel size must be 1..28, got {block.kernel_size}")
    _require(1 <= block.convs <= 8, f"{where}: convs must be 1..8, got {block.convs}")
    _require(block.activation in ACTIVATIONS,
             f"{where}: unknown activation '{block.activation}'; use one of {ACTIVATIONS}")
    _require(block.padding in PADDINGS,
             f"{where}: padding must be one of {PADDINGS}, got '{block.padding}'")
    _require(block.kind not in BRANCHED_KINDS or block.padding == "same",
             f"{where}: {block.kind} blocks need padding 'same' (their branches are "
             f"{'added' if block.kind == 'residual' else 'concatenated'} at one size), "
             f"got '{block.padding}'")
    _require(block.downsample in DOWNSAMPLING,
             f"{where}: downsample must be one of {DOWNSAMPLING}, got '{block.downsample}'")
    _require(0.0 <= block.dropout < 1.0, f"{where}: dropout must be in [0, 1), got {block.dropout}")


def _check_training(config: RunConfig) -> None:
    _require(0.0 <= config.head_dropout < 1.0,
             f"head dropout must be in [0, 1), got {config.head_dropout}")
    _require(config.optimizer in OPTIMIZERS,
             f"unknown optimizer '{config.optimizer}'; use one of {OPTIMIZERS}")
    _require(config.schedule in SCHEDULES,
             f"unknown schedule '{config.schedule}'; use one of {SCHEDULES}")
    _require(0.0 < config.learning_rate <= 10.0,
             f"learning rate must be in (0, 10], got {config.learning_rate}")
    _require(0.0 <= config.momentum < 1.0, f"momentum must be in [0, 1), got {config.momentum}")
    for name in ("beta_1", "beta_2"):
        value = getattr(config, name)
        _require(0.0 <= value < 1.0, f"{name} must be in [0, 1), got {value}")
    _require(0.0 <= config.weight_decay <= 0.1,
             f"weight decay must be in [0, 0.1], got {config.weight_decay}")
    _require(0.0 <= config.label_smoothing <= 0.5,
             f"label smoothing must be in [0, 0.5], got {config.label_smoothing}")
    _require(1 <= config.epochs <= 1000, f"epochs must be 1..1000, got {config.epochs}")
    _require(1 <= config.batch_size <= 60000,
             f"batch size must be 1..60000, got {config.batch_size}")
    _require(0.0 <= config.validation_split <= 0.5,
             f"validation share must be in [0, 0.5], got {config.validation_split}")
    _require(config.subset is None or 1 <= config.subset <= 6000,
             f"subset must be 1..6000 images per class, got {config.subset}")
    # Training seeds NumPy's legacy generator, which takes 0..2**32 - 1 only.
    _require(0 <= config.seed <= MAX_SEED, f"seed must be 0..{MAX_SEED}, got {config.seed}")
    # A label for people and the Keras model's name, which must not hold a "/".
    _require(config.preset is None or PRESET_NAME.fullmatch(config.preset) is not None,
             f"preset must be a preset's name (1-40 letters, digits, . _ -), got {config.preset!r}")


def _check_data(config: RunConfig) -> None:
    if config.classes is not None:
        digits = config.classes
        _require(all(0 <= digit < NUM_CLASSES for digit in digits),
                 f"classes must be digits 0..9, got {digits}")
        _require(len(set(digits)) == len(digits), f"classes must not repeat a digit, got {digits}")
        _require(len(digits) >= 2, f"classes needs at least two digits to tell apart, got {digits}")
        _require(config.folds is None,
                 "classes: k-fold runs hold out folds of every digit; leave classes or folds unset")
    _require(0.0 <= config.augment_rotation <= MAX_ROTATION_DEGREES,
             f"augment rotation must be 0..{MAX_ROTATION_DEGREES:g} degrees, "
             f"got {config.augment_rotation}")
    for name in ("augment_translation", "augment_zoom"):
        value = getattr(config, name)
        _require(0.0 <= value <= MAX_SHIFT,
                 f"{name.replace('_', ' ')} must be in [0, {MAX_SHIFT:g}] of the image side, "
                 f"got {value}")
    _require(0.0 <= config.augment_elastic <= 1.0,
             f"augment elastic must be in [0, 1], got {config.augment_elastic}")


def _check_transfer(config: RunConfig) -> None:
    _require(config.transfer in TRANSFER_MODES,
             f"transfer must be one of {TRANSFER_MODES}, got '{config.transfer}'")
    _require(config.init_from is None or config.init_from.strip() != "",
             "init from must be a run id, got an empty string")
    _require(config.init_from is None or config.transfer != "freeze-base" or bool(config.blocks),
             "transfer 'freeze-base' needs convolution blocks to freeze; this network has none")


def _check_folds(config: RunConfig) -> None:
    """Both fold fields or neither; a fold of 1..folds; enough images of each digit per fold."""
    folds, fold = config.folds, config.fold
    if folds is None:
        problem = (f"fold: set folds too (how many folds, 2..{MAX_FOLDS}), or leave fold unset"
                   if fold is not None else None)
    elif not 2 <= folds <= MAX_FOLDS:
        problem = f"folds must be 2..{MAX_FOLDS}, got {folds}"
    elif fold is None:
        problem = f"fold: a run of {folds} folds must say which fold it holds out (1..{folds})"
    elif not 1 <= fold <= folds:
        problem = f"fold must be 1..{folds} (one of the {folds} folds), got {fold}"
    elif config.subset is not None and config.subset < folds:
        problem = (f"folds: {folds} folds need at least {folds} images of each digit; "
                   f"raise subset to {folds} or more")
    else:
        problem = None
    if problem:
        raise ConfigError(problem)


def check_fields(config: RunConfig) -> None:
    """Raise `ConfigError` naming the first field outside its range."""
    for number, block in enumerate(config.blocks, 1):
        _check_block(number, block)
    for number, layer in enumerate(config.dense, 1):
        where = f"dense layer {number}"
        _require(1 <= layer.units <= 16384, f"{where}: units must be 1..16384, got {layer.units}")
        _require(layer.activation in ACTIVATIONS,
                 f"{where}: unknown activation '{layer.activation}'; use one of {ACTIVATIONS}")
        _require(0.0 <= layer.dropout < 1.0,
                 f"{where}: dropout must be in [0, 1), got {layer.dropout}")
    _check_training(config)
    _check_folds(config)
    _check_data(config)
    _check_transfer(config)
