"""What the Train form's widgets hold, and a config brought to the nearest the form can show.

A config the lab accepts may still lie beyond a widget (a momentum of 0.995, ten blocks, a
k-fold run from the command line) or carry a value the lab refuses (a link edited by hand).
Such a config is loaded at the nearest values the form holds, with a note for each change,
so the page says what changed instead of changing it silently or failing.
"""

from __future__ import annotations

import copy
import math

from mnist_lab.config import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    TRANSFER_MODES,
    RunConfig,
)
from mnist_lab.data import NUM_CLASSES
from mnist_lab.model.validation import MAX_SEED, MAX_SHIFT

MAX_BLOCKS, MAX_DENSE = 6, 4
# field -> (lowest, highest) of its widget
BLOCK_LIMITS = {"filters": (1, 1024), "kernel_size": (1, 28), "convs": (1, 8), "dropout": (0.0, 0.95)}
DENSE_LIMITS = {"units": (1, 16384), "dropout": (0.0, 0.95)}
RUN_LIMITS = {"head_dropout": (0.0, 0.95), "learning_rate": (1e-6, 10.0), "momentum": (0.0, 0.99),
              "weight_decay": (0.0, 0.1), "epochs": (1, 1000), "batch_size": (1, 60000),
              "subset": (0, 6000), "seed": (0, MAX_SEED), "validation_split": (0.0, 0.5),
              "beta_1": (0.0, 0.999), "beta_2": (0.0, 0.9999), "label_smoothing": (0.0, 0.5),
              "augment_rotation": (0.0, 45.0), "augment_translation": (0.0, MAX_SHIFT),
              "augment_zoom": (0.0, MAX_SHIFT), "augment_elastic": (0.0, 1.0)}
BLOCK_CHOICES = {"kind": BLOCK_KINDS, "activation": ACTIVATIONS, "padding": PADDINGS,
                 "downsample": DOWNSAMPLING}
DENSE_CHOICES = {"activation": ACTIVATIONS}
RUN_CHOICES = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "transfer": TRANSFER_MODES}


def fit_to_form(config: RunConfig) -> tuple[RunConfig, list[str]]:
    """A copy of `config` that every widget of the form can hold, and a note per change."""
    config = copy.deepcopy(config)
    notes: list[str] = []
    for items, limit, what in ((config.blocks, MAX_BLOCKS, "conv blocks"),
                               (config.dense, MAX_DENSE, "dense layers")):
        if len(items) > limit:
            notes.append(f"{len(items)} {what} (the form holds {limit}; the last "
                         f"{len(items) - limit} are left out)")
            del items[limit:]
    for number, block in enumerate(config.blocks, 1):
        notes += _fit(block, BLOCK_LIMITS, BLOCK_CHOICES, f"block {number} ")
    for number, layer in enumerate(config.dense, 1):
        notes += _fit(layer, DENSE_LIMITS, DENSE_CHOICES, f"dense layer {number} ")
    notes += _fit(config, RUN_LIMITS, RUN_CHOICES, "")
    if config.classes is not None:
        digits = sorted({digit for digit in config.classes
                         if isinstance(digit, int) and 0 <= digit < NUM_CLASSES})
        if digits != config.classes:
            notes.append(f"classes {_number(str(config.classes))} (set to {digits or 'all ten'})")
            config.classes = digits or None
    if config.folds is not None or config.fold is not None:
        notes.append(f"k-fold settings (fold {config.fold} of {config.folds}; start such runs with "
                     "`mnist-lab train --folds K --fold N`)")
        config.folds = config.fold = None
    return config, notes


def _fit(item, limits: dict, choices: dict, where: str) -> list[str]:
    notes = []
    for name, (low, high) in limits.items():
        value = getattr(item, name)
        if value is not None and not low <= value <= high:
            nearest = low if math.isnan(value) else min(max(value, low), high)
            setattr(item, name, nearest)
            notes.append(f"{where}{name.replace('_', ' ')} {_number(value)} (set to {nearest:g}, "
                         f"the form holds {low:g} to {high:g})")
    for name, options in choices.items():
        value = getattr(item, name)
        if value not in options:
            setattr(item, name, options[0])
            notes.append(f"{where}{name} {str(value)[:20]!r} (set to {options[0]!r})")
    return notes


def _number(value: float) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 20 else text[:19] + "…"
