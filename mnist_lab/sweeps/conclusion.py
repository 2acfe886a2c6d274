"""The conclusion of a study, written from its numbers and never beyond them.

It names the winning arm and its lead, and says whether the lead is larger than seed noise:
from the seeds' intervals, from Welch's test of the winner against every other arm with
Holm's correction for making several comparisons, and from McNemar's test on the paired test
predictions of the two best arms. With three or more arms the two best are re-run on fresh
seeds first (the winner's curse: the best of many noisy arms looks better than it is), and
the head-to-head verdict uses those fresh seeds only. "Not distinguishable from seed noise"
is a result like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mnist_lab import analysis
from mnist_lab.analysis import significance
from mnist_lab.sweeps.results import Arm, NoiseFloor
from mnist_lab.sweeps.study import CONFIRM

SIGNIFICANCE = 0.05
ReadPredictions = Callable[[str], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Conclusion:
    lines: tuple[str, ...]
    winner: str | None = None
    real: bool | None = None  # None: the numbers cannot say

    def text(self) -> str:
        return " ".join(self.lines)


def conclude(found_arms: list[Arm], floor: NoiseFloor | None, read: ReadPredictions, *,
             confirming: bool) -> Conclusion:
    """`found_arms` best first (`results.arms`); `read(run_id)` gives (probabilities, labels);
    `confirming` says the best two arms are due a re-run on fresh seeds that has not finished."""
    if not found_arms:
        return Conclusion(("No trial has finished yet.",))
    if len(found_arms) == 1:
        return Conclusion((f"Only one arm ({found_arms[0].label}) has results so far: nothing "
                           "to compare yet.",))
    best, second = found_arms[0], found_arms[1]
    gap = best.interval()[0] - second.interval()[0]
    lines = [f"{best.label} scores best: {best.interval()[0]:.2%} mean test accuracy over "
             f"{_seeds(best.n)}, {gap * 100:.2f} points ahead of {second.label} "
             f"({second.interval()[0]:.2%}, {_seeds(second.n)})."]
    if floor is not None:
        lines.append(f"Seed noise ({floor.source}): sd {floor.sd * 100:.2f} points, so single-seed "
                     f"results spread over about {floor.band * 100:.2f} points.")
    if confirming:
        lines.append(f"The two best of {len(found_arms)} arms are being re-run on fresh seeds "
                     "before a winner is named.")
        return Conclusion(tuple(lines))
    verdict = _seed_verdict(found_arms, lines)
    mcnemar_real = _mcnemar(best, second, read, lines)
    real = verdict if verdict is not None else None
    if verdict is None:
        lines.append(f"Whether {best.label} is really better cannot be told from these seeds.")
    elif verdict and mcnemar_real is not False:
        lines.append(f"{best.label} wins: the lead is larger than seed noise.")
    else:
        real = False
        lines.append(f"The lead of {best.label} is not distinguishable from seed noise.")
    _digits(best, second, read, lines)
    return Conclusion(tuple(lines), winner=best.label if real else None, real=real)


def _seeds(count: int) -> str:
    return "1 seed (n = 1)" if count == 1 else f"{count} seeds"


def _seed_verdict(found_arms: list[Arm], lines: list[str]) -> bool | None:
    """Is the winner ahead of every arm by more than seed noise (Welch + Holm)? None: too few seeds."""
    best, second = found_arms[0], found_arms[1]
    fresh = [arm.interval(CONFIRM) for arm in (best, second)
             if sum(trial.phase == CONFIRM for trial in arm.trials) >= 2]
    if len(fresh) == 2:
        (mean_a, _, low_a, high_a), (mean_b, _, low_b, high_b) = fresh
        lines.append(f"On fresh seeds: {best.label} {mean_a:.2%} (95% interval {low_a:.2%} to "
                     f"{high_a:.2%}), {second.label} {mean_b:.2%} ({low_b:.2%} to {high_b:.2%}).")
    others = [arm for arm in found_arms[1:] if arm.n >= 2]
    if best.n < 2 or second.n < 2:
        lines.append("The two best arms need 2 or more seeds each to be told apart from seed "
                     "noise (use --repeats 3).")
        return None
    phase = CONFIRM if len(fresh) == 2 else None
    p_values = [significance.welch_p_value(_values(best, phase if arm is second else None),
                                           _values(arm, phase if arm is second else None))
                for arm in others]
    adjusted = significance.holm(p_values)
    worst = adjusted[others.index(second)]
    lines.append(f"Welch's test against {second.label}: p = {worst:.3g}"
                 + (f" after Holm's correction for {len(others)} comparisons." if len(others) > 1
                    else "."))
    return worst < SIGNIFICANCE


def _values(arm: Arm, phase: str | None) -> list[float]:
    return [trial.run.summary["test_accuracy"] for trial in arm.trials
            if phase is None or trial.phase == phase]


def _consensus(arm: Arm, read: ReadPredictions) -> tuple[np.ndarray, np.ndarray] | None:
    """The arm's test predictions averaged over its seeds, or None if any are unreadable."""
    try:
        pairs = [read(trial.run.id) for trial in arm.trials]
    except Exception:  # a trial without readable predictions: no paired test for this arm
        return None
    labels = pairs[0][1]
    if any(not np.array_equal(other, labels) for _, other in pairs):
        return None
    return np.mean([probabilities for probabilities, _ in pairs], axis=0), labels


def _mcnemar(best: Arm, second: Arm, read: ReadPredictions, lines: list[str]) -> bool | None:
    both = [_consensus(arm, read) for arm in (best, second)]
    if None in both or not np.array_equal(both[0][1], both[1][1]):
        return None
    labels = both[0][1]
    result = significance.mcnemar(both[0][0].argmax(axis=1) == labels,
                                  both[1][0].argmax(axis=1) == labels)
    lines.append("McNemar's test on their paired test predictions (probabilities averaged over "
                 f"seeds): {result.text(best.label, second.label)}")
    return result.p_value < SIGNIFICANCE


def _digits(best: Arm, second: Arm, read: ReadPredictions, lines: list[str]) -> None:
    both = [_consensus(arm, read) for arm in (best, second)]
    if None in both or not np.array_equal(both[0][1], both[1][1]):
        return
    labels = both[0][1]
    recall = [analysis.per_class_metrics(labels, probabilities.argmax(axis=1)).recall
              for probabilities, _ in both]
    digit = int(np.argmax(np.abs(recall[0] - recall[1])))
    lines.append(f"Digit {digit} changes most: {recall[0][digit]:.2%} of its test images read "
                 f"right with {best.label}, {recall[1][digit]:.2%} with {second.label}.")
