"""Where a run stands, read from its metric rows: what the live view and the Home page show.

Pure functions over the wide metrics frame of `RunStore.metrics` and the run summary the
trainer writes when it starts (`steps_per_epoch`, `epochs`). No Streamlit, no TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from mnist_lab.store import Run, RunStatus
from mnist_lab.training.schedules import learning_rate_factor

# Reference lines on the accuracy chart (test accuracy of published single models).
REFERENCE_ACCURACIES = {"LeNet-5": 0.9905, "best single model": 0.9983}
# A change of the schedule's base rate larger than this is a requested learning-rate change.
_BASE_RATE_TOLERANCE = 0.01


@dataclass(frozen=True)
class Progress:
    """How far a run has trained. `epoch` is 1-based; `batch` counts batches done in it."""

    fraction: float
    epoch: int
    epochs: int
    batch: int
    steps_per_epoch: int
    elapsed_s: float
    eta_s: float | None
    images_per_s: float | None

    @property
    def label(self) -> str:
        return (f"epoch {self.epoch}/{self.epochs} · batch {self.batch:,}/"
                f"{self.steps_per_epoch:,}")


def training_progress(history: pd.DataFrame, *, steps_per_epoch: int | None,
                      epochs: int | None) -> Progress | None:
    """Progress from the newest metric row; None before the trainer has said how long it is.

    Parameters
    ----------
    history : pandas.DataFrame
        Metric rows in the order written, with columns step (batches done so far), wall_s
        (training seconds, pauses excluded) and optionally images_per_s.
    steps_per_epoch, epochs : int or None
        From the run summary; None (or 0) while the run is still queued or loading data.
    """
    if not steps_per_epoch or not epochs:
        return None
    total_steps = steps_per_epoch * epochs
    if len(history):
        last = history.iloc[-1]
        step, elapsed = int(last["step"]), float(last["wall_s"])
        speed = last.get("images_per_s")
        images_per_s = float(speed) if speed is not None and not pd.isna(speed) else None
    else:
        step, elapsed, images_per_s = 0, 0.0, None
    step = min(step, total_steps)
    fraction = step / total_steps
    epoch = max(1, math.ceil(step / steps_per_epoch))
    eta = 0.0 if step >= total_steps else _seconds_left(history, total_steps - step)
    return Progress(fraction=fraction, epoch=epoch, epochs=epochs,
                    batch=step - (epoch - 1) * steps_per_epoch, steps_per_epoch=steps_per_epoch,
                    elapsed_s=elapsed, eta_s=eta, images_per_s=images_per_s)


def _seconds_left(history: pd.DataFrame, steps_left: int) -> float | None:
    """Steps left at the speed measured since the first point; None until it is known.

    The first point's time holds the start-up (building the graph, the first batch), so an
    ETA from it alone read "3 h 38 min" for a run of a few minutes.
    """
    if len(history) < 2:
        return None
    first, last = history.iloc[0], history.iloc[-1]
    steps, seconds = float(last["step"] - first["step"]), float(last["wall_s"] - first["wall_s"])
    if steps <= 0 or seconds <= 0:
        return None
    return steps_left * seconds / steps


def learning_rate_changes(history: pd.DataFrame, *, schedule: str, steps_per_epoch: int,
                          epochs: int, unfrozen_at: int | None = None) -> list[tuple[float, float]]:
    """(epoch, new rate) wherever the rate moved off its schedule, found in the metric rows.

    The trainer logs the rate in force after each recorded batch: the rate its next step
    trains with (the schedule runs inside the optimizer). Dividing it by the schedule's
    factor at that step gives the base rate, which only a requested change moves; the first
    row with a new base marks the change (at most a second late). A fine-tune's planned drop
    after epoch `unfrozen_at` starts a new base, not a change.
    """
    if "learning_rate" not in history.columns or not len(history):
        return []
    total_steps = steps_per_epoch * epochs
    changes: list[tuple[float, float]] = []
    previous_base = None
    phase_step = (unfrozen_at or epochs) * steps_per_epoch
    phase = False
    for row in history.sort_values("step", kind="stable").itertuples():
        if not phase and row.step > phase_step:
            phase, previous_base = True, None  # the second phase's rate: its own base
        factor = learning_rate_factor(schedule, row.step / total_steps)
        if pd.isna(row.learning_rate) or factor < 1e-6:
            continue
        base = row.learning_rate / factor
        if previous_base is not None and abs(base - previous_base) > _BASE_RATE_TOLERANCE * previous_base:
            changes.append((row.step / steps_per_epoch, float(row.learning_rate)))
            # The row of the change holds the requested rate itself, not base x factor, so the
            # next row sets the new base.
            previous_base = None
            continue
        previous_base = base
    return changes


def recorded_learning_rate_changes(summary: dict) -> list[tuple[float, float]]:
    """(epoch, new rate) from a finished run's summary, which records (step, rate) pairs."""
    steps_per_epoch = summary.get("steps_per_epoch")
    if not steps_per_epoch:
        return []
    return [(step / steps_per_epoch, float(rate))
            for step, rate in summary.get("learning_rate_changes", [])]


def queue_position(runs: Sequence[Run], run_id: str) -> int | None:
    """1-based place of a queued run in the line, in the order trainers claim slots."""
    queued = sorted((run for run in runs if run.status is RunStatus.QUEUED),
                    key=lambda run: (run.created_at, run.id))
    ids = [run.id for run in queued]
    return ids.index(run_id) + 1 if run_id in ids else None
