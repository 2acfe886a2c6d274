"""Optuna does a study's searching: the order of a grid, new points, pruning and importance.

Optuna's own study is never the record: each call builds an in-memory one from the trials the
run store holds (`create_trial` + `add_trial`), asks it one question, and drops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState, create_trial

from mnist_lab.sweeps.space import Dimension, grid_points
from mnist_lab.sweeps.study import point_key

optuna.logging.set_verbosity(optuna.logging.WARNING)
DIRECTION = "maximize"  # the objective: validation accuracy after the last epoch
IMPORTANCE_EVALUATOR = "fANOVA (Optuna's FanovaImportanceEvaluator, 16 trees)"


def distributions(dimensions: list[Dimension]) -> dict[str, BaseDistribution]:
    found: dict[str, BaseDistribution] = {}
    for dimension in dimensions:
        if not dimension.is_range:
            found[dimension.field] = CategoricalDistribution(dimension.values)
        elif dimension.integer:
            found[dimension.field] = IntDistribution(int(dimension.low), int(dimension.high),
                                                     log=dimension.log)
        else:
            found[dimension.field] = FloatDistribution(dimension.low, dimension.high, log=dimension.log)
    return found


def grid_order(dimensions: list[Dimension], seed: int) -> list[dict[str, Any]]:
    """Every grid point once, in the random order Optuna's GridSampler visits them.

    Running the grid in this order (each seed round over all points) shows every factor's
    effect early; the same seed gives the same order, so a resumed study keeps its plan.
    """
    points = grid_points(dimensions)
    space = {dimension.field: list(dimension.values) for dimension in dimensions}
    study = optuna.create_study(sampler=optuna.samplers.GridSampler(space, seed=seed))
    order = [study.ask(distributions(dimensions)).params for _ in points]
    return [{dimension.field: params[dimension.field] for dimension in dimensions} for params in order]


def propose(dimensions: list[Dimension], sampler: str, seed: int,
            finished: list[tuple[dict[str, Any], float]], taken: set[str]) -> dict[str, Any] | None:
    """A new point from the random or TPE sampler, given the arms scored so far; None when
    no untried point is left (a small categorical space)."""
    space = distributions(dimensions)
    # A new seed per proposal: a study rebuilt after a restart must not replay old points.
    make = optuna.samplers.TPESampler if sampler == "tpe" else optuna.samplers.RandomSampler
    study = optuna.create_study(direction=DIRECTION, sampler=make(seed=seed + len(taken)))
    for point, value in finished:
        study.add_trial(create_trial(params=point, distributions=space, value=value))
    for _ in range(100):
        trial = study.ask(space)
        if point_key(trial.params) not in taken:
            return dict(trial.params)
        study.tell(trial, state=TrialState.FAIL)
    return None


def should_prune(finished: list[dict[int, float]], running: dict[int, float],
                 warmup_epochs: int = 1) -> bool:
    """Optuna's MedianPruner on per-epoch validation accuracy: is this trial below the median
    of the finished trials at its latest epoch?"""
    study = optuna.create_study(direction=DIRECTION, pruner=optuna.pruners.MedianPruner(
        n_startup_trials=2, n_warmup_steps=warmup_epochs))
    for curve in finished:
        if curve:
            study.add_trial(create_trial(value=curve[max(curve)], intermediate_values=curve))
    trial = study.ask()
    for epoch, value in sorted(running.items()):
        trial.report(value, epoch)
    return trial.should_prune()


def scored_study(dimensions: list[Dimension], scored: list[tuple[dict[str, Any], float]]
                 ) -> optuna.Study:
    """An in-memory Optuna study of finished trials (point, value), for Optuna's plots."""
    space = distributions(dimensions)
    study = optuna.create_study(direction=DIRECTION)
    for point, value in scored:
        study.add_trial(create_trial(params={name: point[name] for name in space},
                                     distributions=space, value=value))
    return study


@dataclass(frozen=True)
class Importance:
    """A field's share of the objective's variance, with a bootstrap interval over trials."""

    field: str
    importance: float
    low: float
    high: float


def importances(dimensions: list[Dimension], scored: list[tuple[dict[str, Any], float]],
                *, resamples: int = 20, seed: int = 0) -> list[Importance]:
    """fANOVA importance of each swept field, with a 90% bootstrap interval (trials resampled).

    Needs at least two fields' worth of variety: a field with one value has no importance, and
    with a single field the answer is 1 by definition (returned as such).
    """
    varied = [dimension for dimension in dimensions
              if len({point_key({"v": point[dimension.field]}) for point, _ in scored}) > 1]
    if not varied or len(scored) < 3:
        return []
    if len(varied) == 1:
        return [Importance(varied[0].field, 1.0, 1.0, 1.0)]
    rng = np.random.default_rng(seed)

    def estimate(sample) -> dict[str, float]:
        evaluator = optuna.importance.FanovaImportanceEvaluator(n_trees=16, seed=seed)
        return optuna.importance.get_param_importances(scored_study(varied, sample),
                                                       evaluator=evaluator)

    full = estimate(scored)
    draws = []
    for _ in range(resamples):
        sample = [scored[index] for index in rng.integers(0, len(scored), len(scored))]
        try:
            draws.append(estimate(sample))
        except (RuntimeError, ValueError):  # a resample with one value of some field
            continue
    result = []
    for name, value in full.items():
        values = [draw.get(name, 0.0) for draw in draws] or [value]
        low, high = np.percentile(values, [5, 95])
        result.append(Importance(name, float(value), float(low), float(high)))
    return sorted(result, key=lambda item: -item.importance)
