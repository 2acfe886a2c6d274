"""A study: a base config, a search space, seeds and a budget; its trials are ordinary runs.

`StudySpec` is what was asked, saved in the store's studies table so a study can resume.
`trials` rebuilds what happened from the runs tagged with the study: the store is the only
truth, and a point that finished is never trained again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.store import Run, RunStatus, RunStore, validate_name
from mnist_lab.sweeps.space import (
    Dimension,
    apply_point,
    check_dimensions,
    check_points,
    corner_points,
    grid_points,
)

SAMPLERS = ("grid", "random", "tpe")
MAX_REPEATS = 20
MAIN, CONFIRM = "main", "confirm"  # a trial's phase: the planned grid, or the winner's re-run


@dataclass
class Budget:
    """What a study may spend. Epochs and subset override the base config for every trial."""

    epochs: int | None = None
    subset: int | None = None
    max_trials: int = 100
    time_budget_s: float | None = None
    # The cores each trial trains with: here, cores // cpus_per_trial trainers of that many
    # threads (one per core by default, the fastest layout measured: benchmarks/sweep_share.py);
    # on Ray, the CPU bundle each trial is placed with.
    cpus_per_trial: int = 1


@dataclass
class StudySpec:
    name: str
    base: RunConfig
    dimensions: list[Dimension]
    sampler: str = "grid"
    repeats: int = 1
    budget: Budget = field(default_factory=Budget)
    prune: bool = False
    seed: int = 0
    confirm: bool = True  # re-run the top two of three or more arms on fresh seeds

    def base_config(self) -> RunConfig:
        """The config every trial starts from, with the budget's epochs and subset applied."""
        changes = {name: value for name, value in (("epochs", self.budget.epochs),
                                                   ("subset", self.budget.subset)) if value}
        return self.base.replace(**changes)

    def trial_config(self, point: dict[str, Any], seed: int) -> RunConfig:
        """The trial's own config: no longer a preset, whatever its base was."""
        return apply_point(self.base_config(), point).replace(seed=seed, preset=None)

    def seeds(self, phase: str = MAIN) -> list[int]:
        first = self.base.seed + (self.repeats if phase == CONFIRM else 0)
        return list(range(first, first + max(self.repeats, 2 if phase == CONFIRM else 1)))

    def validate(self) -> None:
        """Raise a one-line ConfigError for anything that cannot run; nothing is queued before."""
        validate_name(self.name)
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"unknown sampler '{self.sampler}'; use one of {SAMPLERS}")
        if not 1 <= self.repeats <= MAX_REPEATS:
            raise ConfigError(f"repeats must be 1..{MAX_REPEATS}, got {self.repeats}")
        if self.budget.max_trials < 1:
            raise ConfigError(f"the trial limit must be at least 1, got {self.budget.max_trials}")
        if self.budget.cpus_per_trial < 1:
            raise ConfigError(f"cpus per trial must be at least 1, got {self.budget.cpus_per_trial}")
        check_dimensions(self.dimensions)
        base = self.base_config()
        if self.sampler == "grid":
            points = grid_points(self.dimensions)
            trials = len(points) * self.repeats
            if trials > self.budget.max_trials:
                raise ConfigError(
                    f"the grid has {trials} trials ({len(points)} points x {self.repeats} seeds) "
                    f"but the limit is {self.budget.max_trials}; raise --max-trials or shrink the grid")
            check_points(base, points)
        else:
            check_points(base, corner_points(self.dimensions))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "base": self.base.to_dict(),
                "dimensions": [dimension.to_dict() for dimension in self.dimensions],
                "sampler": self.sampler, "repeats": self.repeats,
                "budget": vars(self.budget).copy(), "prune": self.prune, "seed": self.seed,
                "confirm": self.confirm}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudySpec:
        return cls(name=data["name"], base=RunConfig.from_dict(data["base"]),
                   dimensions=[Dimension.from_dict(item) for item in data["dimensions"]],
                   sampler=data["sampler"], repeats=data["repeats"], budget=Budget(**data["budget"]),
                   prune=data["prune"], seed=data["seed"], confirm=data["confirm"])

    def same_question(self, other: StudySpec) -> bool:
        """True when only the budget differs: resuming may change the budget, not the question."""
        mine, theirs = self.to_dict(), other.to_dict()
        for data in (mine, theirs):
            data.pop("budget")
        return json.dumps(mine, sort_keys=True) == json.dumps(theirs, sort_keys=True)


class TrialState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    PRUNED = "pruned"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def open(self) -> bool:
        return self in (TrialState.QUEUED, TrialState.RUNNING)


@dataclass(frozen=True)
class Trial:
    """One run of a study, with its point, seed and phase read from the run's trial record."""

    run: Run
    point: dict[str, Any]
    seed: int
    phase: str

    @property
    def key(self) -> tuple[str, int, str]:
        return point_key(self.point), self.seed, self.phase

    @property
    def pruned_at(self) -> int | None:
        return (self.run.trial or {}).get("pruned_at")

    @property
    def state(self) -> TrialState:
        status = self.run.status
        if status is RunStatus.QUEUED:
            return TrialState.QUEUED
        if status.active:
            return TrialState.RUNNING
        if status is RunStatus.COMPLETED:
            return TrialState.DONE
        if status is RunStatus.STOPPED:
            return TrialState.PRUNED if self.pruned_at is not None else TrialState.STOPPED
        return TrialState.FAILED


def point_key(point: dict[str, Any]) -> str:
    """A point's identity, whatever the order of its fields."""
    return json.dumps(point, sort_keys=True)


def trials(store: RunStore, name: str) -> list[Trial]:
    """The study's trials, oldest first (runs without a readable trial record are left out)."""
    found = []
    for run in reversed(store.list(study=name)):
        record = run.trial or {}
        if isinstance(record.get("point"), dict) and isinstance(record.get("seed"), int):
            found.append(Trial(run, record["point"], record["seed"], record.get("phase", MAIN)))
    return found


def latest_by_key(found: list[Trial]) -> dict[tuple[str, int, str], Trial]:
    """The newest trial of each (point, seed, phase): a retry stands for the one it replaced."""
    return {trial.key: trial for trial in found}
