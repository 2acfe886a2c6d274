"""A study's results, grouped honestly: one arm per point, its seeds never averaged silently.

An arm is the trials of one point that are repeats of one config by the lab's one definition
(`mnist_lab.compare.arms`): completed as configured, each seed once. Its n, mean, a 95%
interval that stays inside [0, 100%] and the min-max of test accuracy are shown in percent,
its spread in points. Pruned, stopped and failed trials stay out of every number; the grid
view lists them with the epoch at which they stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mnist_lab.analysis.significance import AccuracyInterval, accuracy_interval
from mnist_lab.compare.arms import TEST_IMAGES, group, interval_text
from mnist_lab.config import point_words
from mnist_lab.formats import MISSING, percent, points
from mnist_lab.sweeps.space import point_label
from mnist_lab.sweeps.study import CONFIRM, StudySpec, Trial, TrialState, latest_by_key, point_key


@dataclass(frozen=True)
class Arm:
    """The trials of one point of the search space that are repeats of one config."""

    point: dict[str, Any]
    trials: tuple[Trial, ...]
    is_base: bool

    @property
    def key(self) -> str:
        return point_key(self.point)

    @property
    def label(self) -> str:
        """The arm in words, as the form says it: "max pooling", "kernel 5×5"."""
        return point_words(self.point)

    @property
    def path(self) -> str:
        """The arm as the command line names it: `blocks.downsample=max`."""
        return point_label(self.point)

    @property
    def accuracies(self) -> list[float]:
        return [trial.run.summary["test_accuracy"] for trial in self.trials]

    @property
    def n(self) -> int:
        return len(self.trials)

    def seeds(self, phase: str | None = None) -> list[int]:
        return [trial.seed for trial in self.trials if phase is None or trial.phase == phase]

    def interval(self, phase: str | None = None) -> AccuracyInterval:
        """Test accuracy over the arm's seeds (of one phase, if named), its interval in [0, 1]."""
        values = [trial.run.summary["test_accuracy"] for trial in self.trials
                  if phase is None or trial.phase == phase]
        return accuracy_interval(values, images=self.trials[0].run.summary.get(TEST_IMAGES))

    def mean_of(self, key: str) -> float | None:
        values = [trial.run.summary.get(key) for trial in self.trials]
        values = [value for value in values if value is not None]
        return sum(values) / len(values) if values else None


def arms(spec: StudySpec, found: list[Trial]) -> list[Arm]:
    """One arm per point with a trial completed as configured, best mean test accuracy first.

    A retried slot counts once (its newest trial); the trials of one point are grouped by the
    lab's one definition of repeats, keyed by the point, which decides their config."""
    base_key = point_key({dimension.field: _base_value(spec, dimension.field)
                          for dimension in spec.dimensions})
    latest = {trial.run.id: trial for trial in latest_by_key(found).values()}
    grouping = group([trial.run for trial in latest.values()],
                     key=lambda run: point_key(latest[run.id].point), seed=lambda run: latest[run.id].seed)
    result = []
    for arm in grouping.arms:
        trials = tuple(sorted((latest[run.id] for run in arm.runs), key=lambda trial: trial.seed))
        result.append(Arm(trials[0].point, trials, arm.key == base_key))
    return result


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
        return NoiseFloor(base.interval().sd, base.n, f"the base config over {base.n} seeds")
    repeated = [arm for arm in found_arms if arm.n >= 2]
    if not repeated:
        return None
    squares = sum((arm.n - 1) * arm.interval().sd ** 2 for arm in repeated)
    freedom = sum(arm.n - 1 for arm in repeated)
    return NoiseFloor(math.sqrt(squares / freedom), sum(arm.n for arm in repeated),
                      f"pooled over the seeds of {len(repeated)} arms")


def results_rows(found_arms: list[Arm]) -> list[dict[str, Any]]:
    """The results table, in the form's words: each arm, n, mean and interval in percent, the
    spread in points, size and time, and the seeds of its re-run on fresh seeds."""
    rows = []
    for arm in found_arms:
        interval = arm.interval()
        accuracies = arm.accuracies
        rows.append({
            "arm": arm.label,
            "n": arm.n,
            "test accuracy": percent(interval.mean),
            "95% interval": interval_text(interval),
            "min-max": f"{percent(min(accuracies))} to {percent(max(accuracies))}",
            "sd": points(interval.sd),
            "val accuracy": percent(arm.mean_of("final_val_accuracy")),
            "params": arm.mean_of("params"),
            "FLOPs": arm.mean_of("flops"),
            "train s": arm.mean_of("train_seconds"),
            "base": arm.is_base,
            "fresh seeds": ", ".join(map(str, arm.seeds(CONFIRM))) or MISSING,
            "fields": arm.path,
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
        accuracy = latest.run.summary.get("test_accuracy")
        rows.append({"arm": point_words(latest.point), "seed": seed, "phase": phase,
                     "state": state, "test accuracy": percent(accuracy) if latest.state is
                     TrialState.DONE else MISSING, "run": latest.run.id})
    return rows
