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
    DOWNSAMPLING,
    OPTIMIZERS,
    SCHEDULES,
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
}
_SCALARS = ("epochs", "batch_size", "subset", "learning_rate", "optimizer", "weight_decay",
            "schedule", "seed", "validation_split", "folds", "fold")


def _split(text: str, flag: str, kind: type) -> list:
    try:
        return [kind(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: expected comma-separated {kind.__name__} values, got '{text}'") from None


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
