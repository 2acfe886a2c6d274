"""How long a study will take on this machine, said before it starts: its trials × its epochs
× the seconds an epoch of its base config took here, or "unknown" until one was measured.

The seconds come from the store: completed runs of the same network and batch size (whatever
their seed, epochs, subset or learning rate), whose training seconds per image seen are
scaled to the study's images per epoch. Nothing is trained to find out.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

from mnist_lab.config import RunConfig
from mnist_lab.data import NUM_CLASSES, TRAIN_IMAGES
from mnist_lab.formats import format_duration
from mnist_lab.store import RunStatus, RunStore
from mnist_lab.sweeps.space import grid_points
from mnist_lab.sweeps.study import CONFIRM, StudySpec

# What does not change the cost of one image's training step: the recipe's numbers, the
# length of training and the labels a run carries.
NOT_THE_COST = ("seed", "epochs", "subset", "validation_split", "preset", "learning_rate", "momentum",
                "beta_1", "beta_2", "weight_decay", "label_smoothing", "schedule", "init_from",
                "transfer", "folds", "fold", "classes")
LONG_S = 10 * 60  # a study estimated longer than this asks to be confirmed


def _cost_key(config: dict) -> str:
    try:
        config = RunConfig.from_dict(config).to_dict()
    except ValueError:
        pass
    return json.dumps({name: value for name, value in config.items() if name not in NOT_THE_COST},
                      sort_keys=True)


def images_per_epoch(config: RunConfig) -> int:
    """The training images one epoch of `config` sees (its subset, less the validation share)."""
    pool = config.subset * NUM_CLASSES if config.subset else TRAIN_IMAGES
    return round(pool * (1 - config.validation_split))


def seconds_per_image(store: RunStore, config: RunConfig) -> float | None:
    """The median training seconds per image of this machine's completed runs of the same
    network and batch size; None when there is none yet."""
    key = _cost_key(config.to_dict())
    measured = [run.summary["train_seconds"] / run.summary["images_seen"]
                for run in store.list(statuses=(RunStatus.COMPLETED,))
                if run.summary.get("images_seen") and run.summary.get("train_seconds")
                and _cost_key(run.config) == key]
    return statistics.median(measured) if measured else None


def planned_trials(spec: StudySpec) -> int:
    """The trials the study plans: a grid's points × seeds (and the re-run of its two best on
    fresh seeds when it has three arms or more), a search's trial limit."""
    if spec.sampler != "grid":
        return spec.budget.max_trials
    points = len(grid_points(spec.dimensions))
    confirm = 2 * len(spec.seeds(CONFIRM)) if spec.confirm and points >= 3 else 0
    return min(points * spec.repeats, spec.budget.max_trials) + confirm


@dataclass(frozen=True)
class Estimate:
    trials: int
    epochs: int
    epoch_s: float | None  # one epoch of the base config here; None: not measured yet

    @property
    def seconds(self) -> float | None:
        return None if self.epoch_s is None else self.trials * self.epochs * self.epoch_s

    @property
    def long(self) -> bool:
        return self.seconds is not None and self.seconds > LONG_S

    def text(self) -> str:
        work = f"{self.trials} trials × {self.epochs} epochs"
        if self.epoch_s is None:
            return (f"{work}; its time is unknown until a run of its base config has been "
                    "measured on this machine")
        epoch = f"{self.epoch_s:.1f} s" if self.epoch_s < 10 else format_duration(self.epoch_s)
        return (f"{work} × {epoch} an epoch of its base config here: about "
                f"{format_duration(self.seconds)} with one trainer")


def estimate(store: RunStore, spec: StudySpec) -> Estimate:
    base = spec.base_config()
    per_image = seconds_per_image(store, base)
    return Estimate(planned_trials(spec), base.epochs,
                    None if per_image is None else per_image * images_per_epoch(base))
