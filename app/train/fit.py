"""What the Train form's widgets hold, and a config brought to the nearest the form can show.

Each widget's limits and choices come from its field's rule (`mnist_lab.config.rule`): the
range, one step inside an open end, and where the rule says the form stops sooner. A config
the lab accepts may still lie beyond a widget (a momentum of 0.995, ten blocks, a k-fold run
from the command line) or carry a value the lab refuses (a link edited by hand). Such a
config is loaded at the nearest values the form holds, with a note for each change, so the
page says what changed instead of changing it silently or failing.
"""

from __future__ import annotations

import copy
import math

from mnist_lab.config import FieldInfo, RunConfig, field_info, field_infos
from mnist_lab.data import NUM_CLASSES

MAX_BLOCKS, MAX_DENSE = 6, 4
# Fields without a widget of their own: the lists (a widget per item), the k-fold pair (runs
# the CLI starts), the preset's name (a label) and the parent run (a picker of runs).
NO_WIDGET = {"blocks", "dense", "folds", "fold", "preset", "init_from", "classes"}


def bounds(cls: type, name: str) -> tuple[float, float]:
    """(lowest, highest) of the widget of `cls`'s field `name`."""
    return field_info(cls, name).form_bounds()


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
        notes += _fit(block, f"block {number} ")
    for number, layer in enumerate(config.dense, 1):
        notes += _fit(layer, f"dense layer {number} ")
    notes += _fit(config, "")
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


def _fit(item, where: str) -> list[str]:
    notes = []
    for info in field_infos(type(item)):
        if info.name in NO_WIDGET:
            continue
        note = _fit_field(item, info, where)
        if note:
            notes.append(note)
    return notes


def _fit_field(item, info: FieldInfo, where: str) -> str | None:
    value = getattr(item, info.name)
    name = f"{where}{info.name.replace('_', ' ') if info.rule.choices is None else info.name}"
    if info.rule.choices is not None:
        if value in info.rule.choices:
            return None
        first = next(iter(info.rule.choices))
        setattr(item, info.name, first)
        return f"{name} {str(value)[:20]!r} (set to {first!r})"
    if info.rule.low is None or value is None:
        return None
    low, high = info.form_bounds()
    if low <= value <= high:
        return None
    nearest = low if math.isnan(value) else min(max(value, low), high)
    setattr(item, info.name, nearest)
    return f"{name} {_number(value)} (set to {nearest:g}, the form holds {low:g} to {high:g})"


def _number(value: float) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 20 else text[:19] + "…"
