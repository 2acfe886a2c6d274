"""Likely label errors from what the store holds: test images from one or more runs' stored
probabilities (averaged), training images from the held-out folds of k fold runs, and the
accuracy with the images people marked as label errors set aside."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mnist_lab.analysis.label_errors import (
    HeldOutFold,
    LabelIssues,
    SetAsideAccuracy,
    accuracy_set_aside,
    average_probabilities,
    find_label_issues,
    gather_folds,
)
from mnist_lab.compare.predictions import load_predictions
from mnist_lab.compare.runs import config_diff, run_labels
from mnist_lab.store import LabelMark, Run, RunStore, artifacts

FOLD_FIELD = "fold"


def issues_in_test_set(store: RunStore, runs: list[Run], *,
                      read: Callable[[Run], tuple[np.ndarray, np.ndarray]] | None = None
                      ) -> LabelIssues:
    """The test images cleanlab flags, from the runs' averaged test probabilities.

    Raises ValueError naming a run without predictions, or two runs whose stored labels show
    a different test set or order. `read(run)` is a page's cached reader.
    """
    if not runs:
        raise ValueError("give at least one run")
    labels = run_labels(runs)
    loaded, skipped = load_predictions(store, runs, labels, read=read)
    if skipped:
        raise ValueError(f"no test predictions for {skipped[0]}")
    y_test, probabilities = average_probabilities(
        [run.probabilities for run in loaded], [run.y_test for run in loaded],
        [run.label for run in loaded])
    source = ("one run's probabilities" if len(loaded) == 1
              else f"the averaged probabilities of {len(loaded)} runs")
    return find_label_issues(y_test, probabilities, source=source)


def fold_runs(runs: list[Run], run: Run) -> list[Run]:
    """The finished k-fold runs of `run`'s study: configs equal to its own but for the fold,
    the newest run of each fold, in fold order (empty when `run` is no fold run)."""
    if run.config.get("folds") is None:
        return []
    key = _without_fold(run.config)
    newest: dict[int, Run] = {}
    for other in sorted(runs, key=lambda item: item.created_at, reverse=True):
        if other.status.finished and _without_fold(other.config) == key:
            newest.setdefault(other.config.get(FOLD_FIELD), other)
    return [newest[fold] for fold in sorted(newest, key=lambda fold: (fold is None, fold))]


def issues_in_training_set(store: RunStore, runs: list[Run]) -> LabelIssues:
    """The training images cleanlab flags, from the held-out folds of k fold runs.

    Raises ValueError naming the problem: runs of different configs, a run without held-out
    predictions, a missing or repeated fold, or folds that disagree on the training images.
    """
    if not runs:
        raise ValueError("give the runs of every fold")
    labels = run_labels(runs)
    for run in runs:
        if run.config.get("folds") is None:
            raise ValueError(f"{labels[run.id]} is not a k-fold run (its config sets no folds)")
    differences = config_diff({labels[run.id]: _without_fold(run.config) for run in runs})
    if differences:
        raise ValueError(f"fold runs must share one config but for the fold; "
                         f"{differences[0]['field']} differs")
    parts = []
    for run in runs:
        try:
            heldout = artifacts.read_heldout(store.run_dir(run.id))
        except artifacts.ArtifactError as error:
            raise ValueError(f"{labels[run.id]} has no held-out predictions: {error}") from None
        config = run.config
        parts.append(HeldOutFold(name=labels[run.id], folds=config.get("folds"),
                                 fold=config.get(FOLD_FIELD), subset=config.get("subset"),
                                 seed=config.get("seed", 0), index=heldout.index,
                                 probabilities=heldout.probabilities,
                                 train_labels=heldout.train_labels))
    out = gather_folds(parts)
    return find_label_issues(out.labels, out.probabilities, index=out.index,
                             source=f"the held-out folds of {len(runs)} fold runs")


def marked_accuracy(store: RunStore, run: Run, probabilities: np.ndarray,
                    y_test: np.ndarray) -> SetAsideAccuracy:
    """The run's test accuracy, plain and with the images marked "label wrong" set aside."""
    wrong = [image for image, mark in store.label_marks(run.id).items()
             if mark is LabelMark.LABEL_WRONG and image < len(y_test)]
    return accuracy_set_aside(y_test, probabilities.argmax(axis=1), wrong)


def _without_fold(config: dict) -> dict:
    return {name: value for name, value in config.items() if name != FOLD_FIELD}
