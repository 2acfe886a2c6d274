"""Compare runs by their stored test predictions: per class, confusion, McNemar, ensemble.

The numbers come from `mnist_lab.analysis`; this module lines several runs up against the
same test labels and says which runs could not be compared (no predictions yet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mnist_lab import analysis
from mnist_lab.analysis import significance
from mnist_lab.store import Run, RunStore, artifacts


@dataclass(frozen=True)
class RunPredictions:
    """Test probabilities (N, 10) of one run and the labels they were scored against."""

    label: str
    probabilities: np.ndarray
    y_test: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.y_test


def load_predictions(store: RunStore, runs: list[Run], labels: dict[str, str], *,
                     read: Callable[[Run], tuple[np.ndarray, np.ndarray]] | None = None
                     ) -> tuple[list[RunPredictions], list[str]]:
    """The runs that have test predictions, and one line per run left out saying why.

    `read(run)` returns (probabilities, labels); the default reads the run's file, a page
    passes its cached reader.
    """
    read = read or (lambda run: artifacts.read_predictions(store.run_dir(run.id)))
    loaded, skipped = [], []
    for run in runs:
        try:
            probabilities, y_test = read(run)
        except artifacts.ArtifactError as error:
            skipped.append(f"{labels[run.id]}: {error}")
            continue
        loaded.append(RunPredictions(labels[run.id], probabilities, y_test))
    return loaded, skipped


def check_same_test_set(runs: list[RunPredictions]) -> np.ndarray:
    """The shared test labels; a clear error when runs were scored on different test sets."""
    if not runs:
        raise ValueError("no run has test predictions to compare")
    first = runs[0]
    for other in runs[1:]:
        if other.y_test.shape != first.y_test.shape or not np.array_equal(other.y_test, first.y_test):
            raise ValueError(f"{first.label} and {other.label} were tested on different test sets "
                             f"({len(first.y_test):,} and {len(other.y_test):,} labels)")
    return first.y_test


def per_class_accuracy(runs: list[RunPredictions]) -> pd.DataFrame:
    """Index digit 0..9, one column per run: the share of that digit's test images read right."""
    y_test = check_same_test_set(runs)
    frame = pd.DataFrame({run.label: analysis.per_class_metrics(y_test, run.predicted).recall
                          for run in runs})
    frame.index.name = "digit"
    return frame


def confusion_difference(y_true, predictions_a, predictions_b) -> np.ndarray:
    """Confusion counts of A minus those of B (10, 10).

    Off the diagonal a positive cell is a mistake A makes more often than B; on the
    diagonal a positive cell is a digit A reads right more often.
    """
    return (analysis.confusion_matrix(y_true, predictions_a)
            - analysis.confusion_matrix(y_true, predictions_b))


@dataclass(frozen=True)
class PairComparison:
    """Two runs on the same test set: where they differ and whether it could be chance."""

    a: RunPredictions
    b: RunPredictions
    confusion_difference: np.ndarray
    a_right_b_wrong: np.ndarray
    a_wrong_b_right: np.ndarray
    mcnemar: significance.McNemarResult

    @property
    def accuracy_gap(self) -> float:
        """Accuracy of A minus that of B."""
        return float(self.a.correct.mean() - self.b.correct.mean())

    def text(self) -> str:
        better, worse = (self.a, self.b) if self.accuracy_gap >= 0 else (self.b, self.a)
        lead = (f"{better.label} scores {better.correct.mean():.2%}, {worse.label} "
                f"{worse.correct.mean():.2%} ({abs(self.accuracy_gap) * 100:.2f} points). ")
        return lead + self.mcnemar.text(self.a.label, self.b.label)


def compare_pair(a: RunPredictions, b: RunPredictions) -> PairComparison:
    y_test = check_same_test_set([a, b])
    a_right, b_right = significance.disagreements(y_test, a.predicted, b.predicted)
    return PairComparison(
        a=a, b=b, confusion_difference=confusion_difference(y_test, a.predicted, b.predicted),
        a_right_b_wrong=a_right, a_wrong_b_right=b_right,
        mcnemar=significance.mcnemar(a.correct, b.correct))


def ensemble_rows(runs: list[RunPredictions]) -> tuple[significance.EnsembleResult, list[dict]]:
    """The ensemble of all `runs` (averaged probabilities) and one row per member."""
    y_test = check_same_test_set(runs)
    result = significance.ensemble([run.probabilities for run in runs], y_test,
                               names=[run.label for run in runs])
    rows = [{"run": name, "accuracy alone": accuracy, "adds to the ensemble": contribution}
            for name, accuracy, contribution in zip(
                result.names, result.member_accuracies, result.contributions, strict=True)]
    return result, rows


def ensemble_text(result: significance.EnsembleResult) -> str:
    best = max(result.member_accuracies)
    gain = (result.accuracy - best) * 100
    return (f"The ensemble of {len(result.names)} runs scores {result.accuracy:.2%}, "
            f"{gain:+.2f} points against the best member alone ({best:.2%}).")


def disagreement_examples(pair: PairComparison, a_right: bool, limit: int = 16
                          ) -> tuple[np.ndarray, list[str]]:
    """Up to `limit` test indices where only A (or only B) is right, with short captions."""
    indices = (pair.a_right_b_wrong if a_right else pair.a_wrong_b_right)[:limit]
    captions = [f"#{index} A:{pair.a.predicted[index]} B:{pair.b.predicted[index]}"
                for index in indices]
    return indices, captions
