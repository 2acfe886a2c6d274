"""Every config field checked against its declared rule (`mnist_lab.config.rule`), then what
ties fields together, each with a one-line message naming the field.

`describe` runs these before it walks the layers; what only the walk can tell (a kernel
larger than its feature map) is checked there.
"""

from __future__ import annotations

import re

from mnist_lab.config import ConfigError, ConvBlock, RunConfig, field_info, field_infos
from mnist_lab.data import NUM_CLASSES

PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
# Kinds whose branches are added or concatenated, so every branch must keep the map's size.
BRANCHED_KINDS = ("residual", "inception")
FOLDS = field_info(RunConfig, "folds")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _check_rules(item, where: str = "") -> None:
    """Every field of a config, a block or a dense layer against its declared rule."""
    for info in field_infos(type(item)):
        problem = info.problem(getattr(item, info.name))
        if problem:
            raise ConfigError(where + problem)


def _check_block(number: int, block: ConvBlock) -> None:
    _check_rules(block, f"block {number}: ")
    _require(block.kind not in BRANCHED_KINDS or block.padding == "same",
             f"block {number}: {block.kind} blocks need padding 'same' (their branches are "
             f"{'added' if block.kind == 'residual' else 'concatenated'} at one size), "
             f"got '{block.padding}'")


def _check_data(config: RunConfig) -> None:
    if config.classes is not None:
        digits = config.classes
        _require(all(0 <= digit < NUM_CLASSES for digit in digits),
                 f"classes must be digits 0..9, got {digits}")
        _require(len(set(digits)) == len(digits), f"classes must not repeat a digit, got {digits}")
        _require(len(digits) >= 2, f"classes needs at least two digits to tell apart, got {digits}")
        _require(config.folds is None,
                 "classes: k-fold runs hold out folds of every digit; leave classes or folds unset")
    # A label for people and the Keras model's name, which must not hold a "/".
    _require(config.preset is None or PRESET_NAME.fullmatch(config.preset) is not None,
             f"preset must be a preset's name (1-40 letters, digits, . _ -), got {config.preset!r}")


def _check_transfer(config: RunConfig) -> None:
    _require(config.init_from is None or config.init_from.strip() != "",
             "init from must be a run id, got an empty string")
    _require(config.init_from is None or config.transfer != "freeze-base" or bool(config.blocks),
             "transfer 'freeze-base' needs convolution blocks to freeze; this network has none")
    _require(not config.fine_tunes or config.head_epochs is None or config.head_epochs < config.epochs,
             f"head epochs must be fewer than the {config.epochs} epochs, so that the copied "
             f"layers train too; got {config.head_epochs}")


def _check_folds(config: RunConfig) -> None:
    """Both fold fields or neither; a fold of 1..folds; enough images of each digit per fold
    (the count of folds itself is checked by its rule)."""
    folds, fold = config.folds, config.fold
    if folds is None:
        problem = (f"fold: set folds too (how many folds, {FOLDS.rule.span(True)}), or leave "
                   "fold unset" if fold is not None else None)
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
    """Raise `ConfigError` naming the first field outside its rule, then what ties fields together."""
    for number, block in enumerate(config.blocks, 1):
        _check_block(number, block)
    for number, layer in enumerate(config.dense, 1):
        _check_rules(layer, f"dense layer {number}: ")
    _check_rules(config)
    _check_folds(config)
    _check_data(config)
    _check_transfer(config)
