"""A study's results, grouped honestly: one arm per point, its seeds never averaged silently.

An arm holds every finished trial of one point (its config without the seed): n, mean, a 95%
interval and the min-max of test accuracy. Pruned trials stay out of the numbers; they are
shown in the grid view with the epoch at which they stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mnist_lab.analysis import significance
from mnist_lab.sweeps.space import point_label
from mnist_lab.sweeps.study import CONFIRM, StudySpec, Trial, TrialState, latest_by_key, point_key


@dataclass(frozen=True)
class Arm:
    """The finished trials of one point of the search space."""

    point: dict[str, Any]
    trials: tuple[Trial, ...]
    is_base: bool

    @property
    def key(self) -> str:
        return point_key(self.point)

    @property
    def label(self) -> str:
        return point_label(self.point)

    @property
    def accuracies(self) -> list[float]:
        return [trial.run.summary["test_accuracy"] for trial in self.trials]

    @property
    def n(self) -> int:
        return len(self.trials)

    def interval(self, phase: str | None = None) -> tuple[float, float, float, float]:
        """(mean, sd, low, high) of test accuracy over seeds, the interval kept within [0, 1];
        with one seed sd is 0 and the interval is the value itself (the table says so)."""
        values = [trial.run.summary["test_accuracy"] for trial in self.trials
                  if phase is None or trial.phase == phase]
        mean, sd, low, high = significance.mean_with_interval(values)
        return mean, sd, max(0.0, low), min(1.0, high)

    def mean_of(self, key: str) -> float | None:
        values = [trial.run.summary.get(key) for trial in self.trials]
        values = [value for value in values if value is not None]
        return sum(values) / len(values) if values else None


def arms(spec: StudySpec, found: list[Trial]) -> list[Arm]:
    """One arm per point with a finished trial, best mean test accuracy first."""
    base_key = point_key({dimension.field: _base_value(spec, dimension.field)
                          for dimension in spec.dimensions})
    grouped: dict[str, list[Trial]] = {}
    for trial in latest_by_key(found).values():
        if trial.state is TrialState.DONE and "test_accuracy" in trial.run.summary:
            grouped.setdefault(point_key(trial.point), []).append(trial)
    result = [Arm(members[0].point, tuple(sorted(members, key=lambda trial: trial.seed)),
                  key == base_key) for key, members in grouped.items()]
    return sorted(result, key=lambda arm: -arm.interval()[0])


def _base_value(spec: StudySpec, field: str) -> Any:
    """What the base config holds for a swept field (None when the path has no single value)."""
    parts = field.split(".")
    config = spec.base_config()
    if field == "filters_scale":
        return 1.0
    if parts[0] in ("blocks", "dense"):
        items = getattr(config, parts[0])
        if len(parts) == 3:
            index = int(parts[1])
            return getattr(items[index], parts[2]) if index < len(items) else None
        values = {getattr(item, parts[1]) for item in items}
        return values.pop() if len(values) == 1 else None
    return getattr(config, field)


@dataclass(frozen=True)
class NoiseFloor:
    """How much test accuracy moves between seeds of one config: differences below it are noise."""

    sd: float
    seeds: int
    source: str

    @property
    def band(self) -> float:
        """Two standard deviations: the spread of about 95% of single-seed results."""
        return 2 * self.sd


def noise_floor(found_arms: list[Arm]) -> NoiseFloor | None:
    """The base config's spread over seeds, else the spread pooled over every arm's seeds."""
    base = next((arm for arm in found_arms if arm.is_base and arm.n >= 2), None)
    if base is not None:
        return NoiseFloor(base.interval()[1], base.n, f"the base config over {base.n} seeds")
    repeated = [arm for arm in found_arms if arm.n >= 2]
    if not repeated:
        return None
    squares = sum((arm.n - 1) * arm.interval()[1] ** 2 for arm in repeated)
    freedom = sum(arm.n - 1 for arm in repeated)
    return NoiseFloor(math.sqrt(squares / freedom), sum(arm.n for arm in repeated),
                      f"pooled over the seeds of {len(repeated)} arms")


def results_rows(found_arms: list[Arm]) -> list[dict[str, Any]]:
    """The results table: each arm's fields, n, mean and interval, spread, size and time."""
    rows = []
    for arm in found_arms:
        mean, sd, low, high = arm.interval()
        accuracies = arm.accuracies
        rows.append({
            **{name: value for name, value in arm.point.items()},
            "n": arm.n,
            "test accuracy": mean,
            "95% interval": (f"{low:.2%} to {high:.2%}" if arm.n >= 2
                             else "n = 1: no interval"),
            "min-max": f"{min(accuracies):.2%} to {max(accuracies):.2%}",
            "sd": sd if arm.n >= 2 else None,
            "val accuracy": arm.mean_of("final_val_accuracy"),
            "params": arm.mean_of("params"),
            "FLOPs": arm.mean_of("flops"),
            "train s": arm.mean_of("train_seconds"),
            "base": arm.is_base,
            "confirm seeds": sum(trial.phase == CONFIRM for trial in arm.trials),
        })
    return rows


def grid_rows(spec: StudySpec, found: list[Trial]) -> list[dict[str, Any]]:
    """Every trial slot (point x seed x phase) with its state; retried and pruned are named."""
    tries: dict[tuple, list[Trial]] = {}
    for trial in found:
        tries.setdefault(trial.key, []).append(trial)
    rows = []
    for (_, seed, phase), attempts in tries.items():
        latest = attempts[-1]
        state = str(latest.state)
        if latest.state is TrialState.PRUNED:
            state += f" at epoch {latest.pruned_at}"
        if len(attempts) > 1:
            state += f" (retried {len(attempts) - 1}x)"
        rows.append({"point": point_label(latest.point), "seed": seed, "phase": phase,
                     "state": state, "run": latest.run.id})
    return rows
