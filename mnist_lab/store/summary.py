"""What a run's summary may hold: one rule for the trainer's output, archives and the store.

The trainer writes the summary; an archive brings one from outside; the store reads it back
for every listing and page. Each value is checked here for type and range, so a damaged or
hostile value is refused at import, and a damaged row already in the store is flagged and
left out instead of breaking the pages that list it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def _number(kind: type, low: float = 0.0, high: float = math.inf, *, optional: bool = False
            ) -> Callable[[Any], str | None]:
    """A check for an int (or any real number when `kind` is float) in [low, high]."""
    allowed = (int,) if kind is int else (int, float)
    expected = f"{'a whole number' if kind is int else 'a number'} in [{low:g}, {high:g}]"

    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if (isinstance(value, bool) or not isinstance(value, allowed)
                or not _finite(value) or not low <= value <= high):
            return f"must be {expected}{' or null' if optional else ''}, got {quoted(value)}"
        return None
    return check


def _finite(value: int | float) -> bool:
    """Neither NaN nor infinite, nor an int too large to be a float (math.isfinite raises then)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def quoted(value: Any) -> str:
    """A value as a message quotes it: at most 40 characters, for a value from a hostile file."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _rate_changes(value: Any) -> str | None:
    """[[step, new rate], ...]: a step of training and the rate requested there."""
    if not isinstance(value, list) or not all(
            isinstance(pair, list | tuple) and len(pair) == 2
            and _number(int)(pair[0]) is None and _number(float, 1e-12, 10.0)(pair[1]) is None
            for pair in value):
        return f"must be a list of [step, learning rate] pairs, got {str(value)[:80]}"
    return None


def _layer_names(value: Any) -> str | None:
    """The layers a transfer copied or froze: Keras layer names."""
    if not isinstance(value, list) or not all(isinstance(name, str) and len(name) <= 80 for name in value):
        return f"must be a list of layer names, got {str(value)[:80]}"
    return None


# An imported copy's: when the run was first created (its own created_at is the import's
# time). `store.archive` writes it at import, and keeps it through further round trips.
ORIGINAL_CREATED_AT = "original_created_at"

FIELDS: dict[str, Callable[[Any], str | None]] = {
    # Known before the first batch (the live view's progress and ETA).
    "steps_per_epoch": _number(int, 1),
    "epochs": _number(int, 1),
    "train_images": _number(int),
    "params": _number(int),
    "flops": _number(int),
    "copied_layers": _layer_names,  # a run started from another's weights (transfer)
    "frozen_layers": _layer_names,
    "unfrozen_at_epoch": _number(int, 1),  # a fine-tune's: the copied layers train after it
    # Known at the end.
    "test_accuracy": _number(float, 0.0, 1.0),
    "test_images": _number(int, 1),
    "test_loss": _number(float),
    "train_seconds": _number(float),
    "train_cpu_seconds": _number(float),  # the trainer process's CPU over the same time
    "images_seen": _number(int),
    "images_per_second": _number(float),
    "epochs_completed": _number(int),
    "epochs_trained": _number(float),
    "final_accuracy": _number(float, 0.0, 1.0, optional=True),
    "final_val_accuracy": _number(float, 0.0, 1.0, optional=True),
    "best_val_accuracy": _number(float, 0.0, 1.0, optional=True),
    "learning_rate_changes": _rate_changes,
    ORIGINAL_CREATED_AT: _number(float),
}


def summary_problems(summary: Any) -> list[str]:
    """One line per bad field ("summary: test_accuracy must be ..."); empty when all is well."""
    if not isinstance(summary, dict):
        return [f"summary must be an object, got {type(summary).__name__}"]
    problems = [f"summary: unknown field {name!r}" for name in summary if name not in FIELDS]
    for name, value in summary.items():
        problem = FIELDS[name](value) if name in FIELDS else None
        if problem:
            problems.append(f"summary: {name} {problem}")
    return problems


def readable_summary(summary: Any) -> tuple[dict[str, Any], str | None]:
    """The fields of a stored summary that pass their check, and the first problem, if any.

    Runs recorded before `epochs_trained` existed trained whole epochs only, so theirs is
    `epochs_completed`.
    """
    if not isinstance(summary, dict):
        return {}, summary_problems(summary)[0]
    clean = {name: value for name, value in summary.items()
             if name not in FIELDS or FIELDS[name](value) is None}
    if "epochs_trained" not in clean and "epochs_completed" in clean:
        clean["epochs_trained"] = float(clean["epochs_completed"])
    problems = [problem for problem in summary_problems(summary) if "unknown field" not in problem]
    return clean, problems[0] if problems else None
