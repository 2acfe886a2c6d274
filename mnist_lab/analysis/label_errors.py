"""Likely label errors: images whose given label is least plausible, found by cleanlab.

Cleanlab's confident learning needs out-of-sample probabilities: a run's test predictions are
(training never saw the test set), and so are the held-out folds of k fold runs for the
training set. Several runs' probabilities are averaged first, which steadies the ranking.
Everything here takes and returns plain arrays; the store and the pages call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from cleanlab.filter import find_label_issues as cleanlab_label_issues
from cleanlab.rank import get_label_quality_scores

from mnist_lab.analysis.metrics import check_labels, check_probabilities
from mnist_lab.data import fold_pool

# Cleanlab's recommended pairing: prune by the estimated noise rate, rank by the probability
# the given label gets (the label-errors study's own code uses the same).
FILTER_BY = "prune_by_noise_rate"
RANK_BY = "self_confidence"


@dataclass(frozen=True)
class LabelIssues:
    """Every scored image, least plausible label first, with the ones cleanlab flags marked.

    The ranking is cleanlab's label quality score (0: surely wrong, 1: fine), so a review can
    go past the flagged few: published MNIST label errors that a model is unsure of rank high
    without being flagged. `index` locates each image in the scored set (test images, or
    training images); `given` is its label, `suggested` the label the (averaged)
    probabilities favour, `confidence` their probability for it, and `flagged` whether
    cleanlab's confident learning counts it among the likely label errors.
    """

    index: np.ndarray
    given: np.ndarray
    suggested: np.ndarray
    confidence: np.ndarray
    quality: np.ndarray
    flagged: np.ndarray
    scored: int
    source: str

    @property
    def flagged_count(self) -> int:
        return int(self.flagged.sum())

    def rows(self, limit: int | None = None) -> list[dict]:
        """The first `limit` candidates by rank; "flagged" is "yes" for cleanlab's own."""
        return [{"rank": rank, "image": int(image), "given": int(given),
                 "model": int(suggested), "confidence": round(float(confidence), 4),
                 "label quality": round(float(quality), 4), "flagged": "yes" if flagged else ""}
                for rank, (image, given, suggested, confidence, quality, flagged) in enumerate(zip(
                    self.index[:limit], self.given, self.suggested, self.confidence,
                    self.quality, self.flagged, strict=False), 1)]

    def text(self, images: str = "test images", shown: int | None = None) -> str:
        ranked = (f" The {min(shown, self.scored):,} least plausible labels are shown, ranked by "
                  "cleanlab's label quality." if shown else "")
        return (f"Cleanlab flags {self.flagged_count:,} of {self.scored:,} {images} as likely "
                f"label errors, from {self.source}.{ranked}")


def average_probabilities(probabilities: Sequence[np.ndarray], labels: Sequence[np.ndarray],
                          names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The mean of several runs' probabilities for the same images in the same order.

    Returns (labels, mean probabilities); raises ValueError naming two runs whose stored
    labels show that they scored different images, or the same ones in another order.
    """
    if not probabilities:
        raise ValueError("no run with predictions was given")
    first = check_labels(f"the labels of {names[0]}", labels[0])
    for name, other in zip(names[1:], labels[1:], strict=True):
        other = check_labels(f"the labels of {name}", other)
        if len(other) != len(first):
            raise ValueError(f"{names[0]} and {name} were scored on different test sets "
                             f"({len(first):,} and {len(other):,} images)")
        differ = np.flatnonzero(other != first)
        if len(differ):
            at = differ[0]
            raise ValueError(f"{names[0]} and {name} disagree on the test order: image #{at} is "
                             f"a {first[at]} in one and a {other[at]} in the other "
                             f"({len(differ):,} labels differ); their probabilities cannot be "
                             "averaged")
    stacked = np.stack([check_probabilities(values, len(first)) for values in probabilities])
    return first, stacked.mean(axis=0)


def find_label_issues(labels, probabilities, *, index=None,
                      source: str = "one run's probabilities") -> LabelIssues:
    """Rank the images whose given label is least plausible with cleanlab.

    Parameters
    ----------
    labels : array-like of int, shape (n,)
        The given labels, 0..9.
    probabilities : array-like of float, shape (n, 10)
        Out-of-sample probabilities (averaged over runs if there are several).
    index : array-like of int, shape (n,), optional
        Where each image sits in its data set; default 0..n-1.
    source : str, default="one run's probabilities"
        Where the probabilities came from, for the text.

    Returns
    -------
    LabelIssues
        Every image, the least plausible label first, cleanlab's flagged ones marked.
    """
    labels = check_labels("labels", labels)
    probabilities = check_probabilities(probabilities, len(labels))
    index = np.arange(len(labels)) if index is None else np.asarray(index)
    if index.shape != labels.shape:
        raise ValueError(f"index must have one position per label ({len(labels)}), "
                         f"got shape {index.shape}")
    present = np.unique(labels)
    if len(present) < 2:
        raise ValueError("label issues need images of at least two digits")
    # A run on some digits (`classes`) is judged among those digits: cleanlab needs every
    # class it is given to have images, so the other columns go and the rows are renormalized.
    among = probabilities[:, present]
    among = among / np.maximum(among.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    given = np.searchsorted(present, labels)
    flagged = np.asarray(cleanlab_label_issues(given, among, filter_by=FILTER_BY, n_jobs=1),
                         dtype=bool)
    quality = get_label_quality_scores(given, among, method=RANK_BY)
    order = np.argsort(quality, kind="stable")
    suggested = present[among[order].argmax(axis=1)]
    return LabelIssues(index=index[order], given=labels[order], suggested=suggested,
                       confidence=probabilities[order, suggested], quality=quality[order],
                       flagged=flagged[order], scored=len(labels), source=source)


@dataclass(frozen=True)
class SetAsideAccuracy:
    """Accuracy on every image, and with the images marked as label errors set aside."""

    plain: float
    without: float
    set_aside: int
    total: int

    def text(self) -> str:
        if not self.set_aside:
            return f"Accuracy {self.plain:.2%} on all {self.total:,} test images."
        noun = "image" if self.set_aside == 1 else "images"
        return (f"Accuracy {self.plain:.2%} on all {self.total:,} test images; "
                f"{self.without:.2%} with the {self.set_aside:,} {noun} marked "
                "“label wrong” set aside.")


def accuracy_set_aside(labels, predicted, set_aside) -> SetAsideAccuracy:
    """Accuracy of `predicted` against `labels`, plain and without the images `set_aside`."""
    labels, predicted = check_labels("labels", labels), check_labels("predicted", predicted)
    if len(labels) != len(predicted):
        raise ValueError(f"{len(labels)} labels but {len(predicted)} predictions")
    keep = np.ones(len(labels), dtype=bool)
    aside = np.asarray(sorted(set_aside), dtype=np.int64)
    if aside.size and (aside.min() < 0 or aside.max() >= len(labels)):
        raise ValueError(f"images set aside must be positions 0..{len(labels) - 1}")
    keep[aside] = False
    right = predicted == labels
    return SetAsideAccuracy(plain=float(right.mean()) if len(right) else 0.0,
                            without=float(right[keep].mean()) if keep.any() else 0.0,
                            set_aside=int(aside.size), total=len(labels))


@dataclass(frozen=True)
class HeldOutFold:
    """One k-fold run's held-out probabilities, with what says which images it held out."""

    name: str
    folds: int | None
    fold: int | None
    subset: int | None
    seed: int
    index: np.ndarray
    probabilities: np.ndarray
    train_labels: np.ndarray


@dataclass(frozen=True)
class OutOfSample:
    """Out-of-sample probabilities for every training image the folds split, in index order."""

    index: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray


def gather_folds(parts: Sequence[HeldOutFold]) -> OutOfSample:
    """Join the held-out folds of k fold runs into out-of-sample probabilities.

    Raises ValueError naming the problem: a run that is no fold run, a fold missing or given
    twice, runs trained on training images in different orders, or folds that do not cover
    the images they split exactly once.
    """
    if not parts:
        raise ValueError("no fold runs were given")
    first = parts[0]
    for part in parts:
        if part.folds is None or part.fold is None:
            raise ValueError(f"{part.name} is not a k-fold run (its config sets no folds)")
        if part.folds != first.folds:
            raise ValueError(f"{first.name} is one of {first.folds} folds but {part.name} one of "
                             f"{part.folds}")
    by_fold: dict[int, HeldOutFold] = {}
    for part in parts:
        if part.fold in by_fold:
            raise ValueError(f"fold {part.fold} of {part.folds} appears twice: "
                             f"{by_fold[part.fold].name} and {part.name}")
        by_fold[part.fold] = part
    missing = [fold for fold in range(1, first.folds + 1) if fold not in by_fold]
    if missing:
        raise ValueError(f"only {len(by_fold)} of {first.folds} folds: fold "
                         f"{', '.join(map(str, missing))} {'is' if len(missing) == 1 else 'are'} "
                         "missing; every training image needs a run that held it out")
    for part in parts[1:]:
        if (part.train_labels.shape != first.train_labels.shape
                or not np.array_equal(part.train_labels, first.train_labels)):
            raise ValueError(f"{first.name} and {part.name} were trained on different training "
                             "images or the same ones in another order")
    index = np.concatenate([by_fold[fold].index for fold in sorted(by_fold)])
    probabilities = np.concatenate([by_fold[fold].probabilities for fold in sorted(by_fold)])
    order = np.argsort(index, kind="stable")
    index, probabilities = index[order], probabilities[order]
    twice = index[1:][index[1:] == index[:-1]]
    if len(twice):
        raise ValueError(f"training image #{twice[0]} is held out by more than one fold")
    pool = fold_pool(first.train_labels, first.subset, first.seed)
    if not np.array_equal(index, pool):
        raise ValueError(f"the folds hold out {len(index):,} training images, but the "
                         f"{len(pool):,} they split must each be held out once")
    return OutOfSample(index=index, labels=first.train_labels[index].astype(np.int64),
                       probabilities=probabilities)
