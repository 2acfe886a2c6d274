"""Command-line overrides of a config: `--epochs 3 --filters 32,64 --downsample strided`.

A comma list sets one value per convolution block (`--filters 32,64,128` makes three blocks,
new ones copying the last); a single value sets every block.
"""

from __future__ import annotations

import argparse
import copy
from typing import Any

from mnist_lab.config import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    SCHEDULES,
    TRANSFER_MODES,
    ConfigError,
    ConvBlock,
    DenseLayer,
    RunConfig,
)

OVERRIDE_FLAGS: dict[str, dict[str, Any]] = {
    "--epochs": {"type": int, "help": "training epochs"},
    "--batch-size": {"type": int, "help": "images per batch"},
    "--subset": {"type": int, "help": "train on N images per class (stratified)"},
    "--learning-rate": {"type": float, "help": "base learning rate"},
    "--optimizer": {"choices": OPTIMIZERS},
    "--weight-decay": {"type": float, "help": "decoupled weight decay (0 for none)"},
    "--schedule": {"choices": SCHEDULES, "help": "learning-rate schedule"},
    "--seed": {"type": int},
    "--validation-split": {"type": float, "help": "share of training images held out"},
    "--folds": {"type": int, "help": "k-fold cross-validation: how many folds (with --fold)"},
    "--fold": {"type": int, "help": "the fold (1..folds) this run holds out and scores"},
    "--filters": {"help": "filters per block, e.g. 32,64 (sets the number of blocks)"},
    "--kernel": {"help": "kernel size, one for all blocks or one per block, e.g. 5,3"},
    "--downsample": {"help": f"one of {'|'.join(DOWNSAMPLING)}, for all blocks or per block"},
    "--activation": {"choices": ACTIVATIONS, "help": "activation of every layer"},
    "--batch-norm": {"action": argparse.BooleanOptionalAction, "default": None},
    "--dropout": {"type": float, "help": "dropout after every convolution block"},
    "--dense": {"help": "hidden dense layer sizes, e.g. 120,84 (0 for none)"},
    "--kind": {"help": f"block kind, one of {'|'.join(BLOCK_KINDS)}, for all blocks or per block"},
    "--global-pooling": {"action": argparse.BooleanOptionalAction, "default": None,
                         "help": "average each channel instead of flattening the last map"},
    "--beta-1": {"type": float, "help": "Adam's first-moment decay"},
    "--beta-2": {"type": float, "help": "Adam's second-moment decay"},
    "--label-smoothing": {"type": float, "help": "label smoothing of the loss (0 for none)"},
    "--classes": {"help": "train and evaluate on these digits only, e.g. 0-4 or 1,7"},
    "--augment-rotation": {"type": float, "help": "random rotation, degrees either way"},
    "--augment-translation": {"type": float, "help": "random shift, share of the side"},
    "--augment-zoom": {"type": float, "help": "random zoom, share of the side"},
    "--augment-elastic": {"type": float, "help": "elastic distortion strength, 0..1"},
    "--init-from": {"metavar": "RUN_ID", "help": "start from this saved run's weights"},
    "--transfer": {"choices": TRANSFER_MODES, "help": "with --init-from: fine-tune all or freeze the base"},
}
_SCALARS = ("epochs", "batch_size", "subset", "learning_rate", "optimizer", "weight_decay",
            "schedule", "seed", "validation_split", "folds", "fold", "global_pooling", "beta_1",
            "beta_2", "label_smoothing", "augment_rotation", "augment_translation", "augment_zoom",
            "augment_elastic", "init_from", "transfer")


def _split(text: str, flag: str, kind: type) -> list:
    try:
        return [kind(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: expected comma-separated {kind.__name__} values, got '{text}'") from None


def parse_classes(text: str) -> list[int]:
    """`0-4` -> [0, 1, 2, 3, 4]; `1,7` -> [1, 7]; ranges and digits may be mixed."""
    digits: list[int] = []
    for part in filter(None, (item.strip() for item in text.split(","))):
        low, _, high = part.partition("-")
        try:
            digits += list(range(int(low), int(high or low) + 1))
        except ValueError:
            raise ConfigError(f"--classes: expected digits or ranges like 0-4, got '{part}'") from None
    return digits


def _per_block(blocks: list[ConvBlock], values: list, field: str, flag: str) -> None:
    if len(values) not in (1, len(blocks)):
        raise ConfigError(f"{flag}: give one value or one per block ({len(blocks)}), got {len(values)}")
    for index, block in enumerate(blocks):
        setattr(block, field, values[0] if len(values) == 1 else values[index])


def apply_overrides(config: RunConfig, args: argparse.Namespace) -> RunConfig:
    """A copy of `config` with every override given on the command line applied."""
    config = copy.deepcopy(config)
    for name in _SCALARS:
        if getattr(args, name, None) is not None:
            setattr(config, name, getattr(args, name))
    if args.filters:
        filters = _split(args.filters, "--filters", int)
        template = config.blocks[-1] if config.blocks else ConvBlock()
        config.blocks = [copy.deepcopy(config.blocks[index] if index < len(config.blocks) else template)
                         for index in range(len(filters))]
        _per_block(config.blocks, filters, "filters", "--filters")
    if args.kernel:
        _per_block(config.blocks, _split(args.kernel, "--kernel", int), "kernel_size", "--kernel")
    if args.downsample:
        modes = _split(args.downsample, "--downsample", str)
        unknown = [mode for mode in modes if mode not in DOWNSAMPLING]
        if unknown:
            raise ConfigError(f"--downsample: unknown mode '{unknown[0]}'; use one of {DOWNSAMPLING}")
        _per_block(config.blocks, modes, "downsample", "--downsample")
    if args.kind:
        kinds = _split(args.kind, "--kind", str)
        unknown = [kind for kind in kinds if kind not in BLOCK_KINDS]
        if unknown:
            raise ConfigError(f"--kind: unknown kind '{unknown[0]}'; use one of {BLOCK_KINDS}")
        _per_block(config.blocks, kinds, "kind", "--kind")
    if args.classes is not None:
        config.classes = parse_classes(args.classes) or None
    if args.batch_norm is not None:
        _per_block(config.blocks, [args.batch_norm], "batch_norm", "--batch-norm")
    if args.dropout is not None:
        _per_block(config.blocks, [args.dropout], "dropout", "--dropout")
    if args.dense is not None:
        units = [size for size in _split(args.dense, "--dense", int) if size]
        activation = config.dense[0].activation if config.dense else "relu"
        config.dense = [DenseLayer(units=size, activation=activation) for size in units]
    if args.activation:
        for layer in [*config.blocks, *config.dense]:
            layer.activation = args.activation
    return config
