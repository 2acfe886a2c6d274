"""The conclusion of a study, written from its numbers and never beyond them, for a reader who
knows no statistics.

The headline answers the study's question: which arm gives the highest test accuracy, and is
its lead larger than what changing the seed alone does? That is Welch's test over seeds, with
Holm's correction when the winner is compared with several arms. With three or more arms the
two best are re-run on fresh seeds first (the winner's curse: the best of many noisy arms
looks better than it is), and the head-to-head uses those fresh seeds only, for both arms.

McNemar's test answers another question, shown under the headline as such: do the two best
arms' trained networks make different mistakes on the test images? It sees one pair of
networks, where the headline is about the recipe over seeds, so the two can disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mnist_lab import analysis
from mnist_lab.analysis import significance
from mnist_lab.compare.arms import interval_text
from mnist_lab.formats import p_value as p_text
from mnist_lab.formats import percent, points
from mnist_lab.sweeps.results import Arm, NoiseFloor
from mnist_lab.sweeps.study import CONFIRM, MAIN

SIGNIFICANCE = 0.05
ReadPredictions = Callable[[str], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Words:
    """How a conclusion names what its reader can change: the dashboard speaks the form's
    words, the command line its flags."""

    more_seeds: str
    more_trials: str


DASHBOARD = Words("set Seeds per point to 3 or more", "raise Most trials")
COMMAND_LINE = Words("run it again with --repeats 3", "raise --max-trials")


@dataclass(frozen=True)
class Conclusion:
    """`headline` answers the study's question; `lines` give the numbers behind it;
    `other_question` is McNemar's, with why its answer can differ."""

    headline: str
    lines: tuple[str, ...] = ()
    other_question: tuple[str, ...] = ()
    winner: str | None = None
    real: bool | None = None  # None: the numbers cannot say yet

    def text(self) -> str:
        return " ".join((self.headline, *self.lines, *self.other_question))


def conclude(found_arms: list[Arm], floor: NoiseFloor | None, read: ReadPredictions, *,
             confirming: bool, words: Words = COMMAND_LINE) -> Conclusion:
    """`found_arms` best first (`results.arms`); `read(run_id)` gives (probabilities, labels);
    `confirming` says the best two arms are due a re-run on fresh seeds that has not finished."""
    if not found_arms:
        return Conclusion("No trial has finished yet.")
    if len(found_arms) == 1:
        return Conclusion(f"Only one arm ({found_arms[0].label}) has results so far: nothing to "
                          "compare yet.")
    best, second = found_arms[0], found_arms[1]
    best_mean, second_mean = best.interval().mean, second.interval().mean
    lines = [f"{best.label} scores best: {percent(best_mean)} mean test accuracy over "
             f"{_seeds(best.n)}, {points(best_mean - second_mean)} ahead of {second.label} "
             f"({percent(second_mean)}, {_seeds(second.n)})."]
    if floor is not None:
        lines.append(f"Seed noise: changing only the seed moves a single run's accuracy by about "
                     f"{points(floor.band)} (2 sd; sd {points(floor.sd)}, {floor.source}).")
    if confirming:
        return Conclusion(f"{best.label} leads so far. The two best of {len(found_arms)} arms are "
                          "being re-run on fresh seeds before a winner is named: the best of many "
                          "noisy arms looks better than it is.", tuple(lines))
    verdict, p_value = _seed_verdict(found_arms, lines, words)
    if verdict is None:
        headline = (f"Cannot tell yet: {best.label} leads {second.label}, but each needs 2 or "
                    f"more seeds to tell its lead from seed noise ({words.more_seeds}).")
    elif verdict:
        headline = (f"{best.label} wins: its lead over {second.label} is larger than what "
                    f"changing the seed alone does (Welch's test over seeds, {p_text(p_value)}).")
    else:
        headline = (f"No winner: the lead of {best.label} over {second.label} is no larger than "
                    f"what changing the seed alone does (Welch's test over seeds, "
                    f"{p_text(p_value)}).")
    other = _mcnemar(best, second, read)
    _digits(best, second, read, lines)
    return Conclusion(headline, tuple(lines), other, winner=best.label if verdict else None,
                      real=verdict)


def _seeds(count: int) -> str:
    return "1 seed (n = 1)" if count == 1 else f"{count} seeds"


def _values(arm: Arm, phase: str | None) -> list[float]:
    return [trial.run.summary["test_accuracy"] for trial in arm.trials
            if phase is None or trial.phase == phase]


def _seed_verdict(found_arms: list[Arm], lines: list[str], words: Words) -> tuple[bool | None, float | None]:
    """Is the winner ahead by more than seed noise? (None, None) with too few seeds."""
    best, second = found_arms[0], found_arms[1]
    fresh = [len(_values(arm, CONFIRM)) >= 2 for arm in (best, second)]
    if all(fresh):
        a, b = best.interval(CONFIRM), second.interval(CONFIRM)
        p_value = significance.welch_p_value(_values(best, CONFIRM), _values(second, CONFIRM))
        lines.append(f"On fresh seeds, re-run because the best of many noisy arms looks better "
                     f"than it is: {best.label} {percent(a.mean)} (95% interval {interval_text(a)}), "
                     f"{second.label} {percent(b.mean)} ({interval_text(b)}); Welch's test on these "
                     f"seeds alone, {p_text(p_value)}.")
        return p_value < SIGNIFICANCE, p_value
    phase = None
    if any(arm.seeds(CONFIRM) for arm in found_arms):
        phase = MAIN  # never fresh seeds for one arm against selection seeds for the other
        lines.append(f"The verdict stands on the selection seeds: {second.label} was not re-run "
                     f"on fresh seeds, and the study's trial limit is spent ({words.more_trials} "
                     "and resume it to re-run it).")
    if len(_values(best, phase)) < 2 or len(_values(second, phase)) < 2:
        return None, None
    others = [arm for arm in found_arms[1:] if len(_values(arm, phase)) >= 2]
    p_values = [significance.welch_p_value(_values(best, phase), _values(arm, phase)) for arm in others]
    p_value = significance.holm(p_values)[others.index(second)]
    lines.append(f"Welch's test over seeds against {second.label}: {p_text(p_value)}"
                 + (f", after Holm's correction for {len(others)} comparisons." if len(others) > 1
                    else "."))
    return p_value < SIGNIFICANCE, p_value


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


def _paired(best: Arm, second: Arm, read: ReadPredictions):
    both = [_consensus(arm, read) for arm in (best, second)]
    if None in both or not np.array_equal(both[0][1], both[1][1]):
        return None
    return both


def _mcnemar(best: Arm, second: Arm, read: ReadPredictions) -> tuple[str, ...]:
    both = _paired(best, second, read)
    if both is None:
        return ()
    labels = both[0][1]
    result = significance.mcnemar(both[0][0].argmax(axis=1) == labels,
                                  both[1][0].argmax(axis=1) == labels)
    return (f"Another question: do the two best arms' trained networks make different mistakes "
            f"on these {len(labels):,} test images? McNemar's test on their paired predictions "
            f"(probabilities averaged over each arm's seeds): {result.text(best.label, second.label)}",
            "Why the two answers can differ: McNemar looks at one pair of trained networks on one "
            "test set, so it can find that they make different mistakes while, over seeds, the two "
            "recipes are not told apart; the verdict above is about the recipes.")


def _digits(best: Arm, second: Arm, read: ReadPredictions, lines: list[str]) -> None:
    both = _paired(best, second, read)
    if both is None:
        return
    labels = both[0][1]
    recall = [analysis.per_class_metrics(labels, probabilities.argmax(axis=1)).recall
              for probabilities, _ in both]
    digit = int(np.argmax(np.abs(recall[0] - recall[1])))
    lines.append(f"Digit {digit} changes most: {percent(recall[0][digit])} of its test images read "
                 f"right with {best.label}, {percent(recall[1][digit])} with {second.label}.")
