"""Hardest and forgotten training examples, from the labels predicted after every epoch.

A forgetting event is an image read right after one epoch and wrong after the next
(Toneva et al., "An Empirical Study of Example Forgetting during Deep Neural Network
Learning", 2019). An image is learned at the first epoch from which it stays right to the
end, learned late when that is after the first epoch, and never learned when it is wrong
after every epoch. Plain arrays in, plain arrays and rows out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_lab.analysis.metrics import check_labels
from mnist_lab.data import NUM_CLASSES

EXAMPLE_KINDS = ("never learned", "learned late", "forgotten")


@dataclass(frozen=True, eq=False)
class ForgettingRecord:
    """What each tracked image went through: `correct` is (epochs, images).

    `learned_epoch` is the 1-based epoch from which an image stays right (0: wrong after the
    last epoch); `events` counts its forgetting events.
    """

    index: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
    correct: np.ndarray
    learned_epoch: np.ndarray
    events: np.ndarray

    @property
    def epochs(self) -> int:
        return self.correct.shape[0]

    @property
    def never_learned(self) -> np.ndarray:
        """Positions (in the tracked sample) of images wrong after every epoch, in order."""
        return np.flatnonzero(~self.correct.any(axis=0))

    @property
    def learned_late(self) -> np.ndarray:
        """Images learned after the first epoch, the latest first."""
        late = np.flatnonzero(self.learned_epoch > 1)
        return late[np.lexsort((late, -self.events[late], -self.learned_epoch[late]))]

    @property
    def forgotten(self) -> np.ndarray:
        """Images with a forgetting event, the most events first, then those still wrong at
        the end, then those learned latest."""
        forgotten = np.flatnonzero(self.events > 0)
        still_wrong = self.learned_epoch[forgotten] == 0
        return forgotten[np.lexsort((forgotten, -self.learned_epoch[forgotten], ~still_wrong,
                                     -self.events[forgotten]))]

    def examples(self, kind: str, limit: int = 32) -> tuple[np.ndarray, list[str]]:
        """Up to `limit` positions (in the tracked sample) of one kind of example, ranked, with
        short captions: "#1234 7→1" (training image, label, label after the last epoch) and
        when it was learned or how often forgotten."""
        if kind not in EXAMPLE_KINDS:
            raise ValueError(f"kind must be one of {EXAMPLE_KINDS}, got {kind!r}")
        positions = {"never learned": self.never_learned, "learned late": self.learned_late,
                     "forgotten": self.forgotten}[kind][:limit]
        captions = []
        for position in positions:
            caption = f"#{self.index[position]} {self.labels[position]}→{self.predicted[-1, position]}"
            if kind == "learned late":
                caption += f" ep {self.learned_epoch[position]}"
            elif kind == "forgotten":
                caption += f" ×{self.events[position]}"
            captions.append(caption)
        return positions, captions

    def counts(self) -> dict[str, int]:
        """The headline numbers, as the Compare page and the report show them."""
        return {"tracked images": len(self.labels), "epochs": self.epochs,
                "forgettable": int((self.events > 0).sum()),
                "forgetting events": int(self.events.sum()),
                "never learned": len(self.never_learned),
                "learned late": int((self.learned_epoch > 1).sum())}

    def per_digit(self) -> list[dict]:
        """One row per digit: how many were tracked, never learned, learned late, forgotten."""
        rows = []
        for digit in range(NUM_CLASSES):
            mine = self.labels == digit
            learned = mine & (self.learned_epoch > 0)
            rows.append({
                "digit": digit, "tracked": int(mine.sum()),
                "never learned": int((mine & ~self.correct.any(axis=0)).sum()),
                "learned late": int((mine & (self.learned_epoch > 1)).sum()),
                "forgettable": int((mine & (self.events > 0)).sum()),
                "forgetting events": int(self.events[mine].sum()),
                "mean epoch learned": (round(float(self.learned_epoch[learned].mean()), 2)
                                       if learned.any() else None),
            })
        return rows


def forgetting(predicted, labels, index=None) -> ForgettingRecord:
    """Forgetting events and learning epochs of tracked images.

    Parameters
    ----------
    predicted : array-like of int, shape (epochs, n)
        The label predicted for each image after each whole epoch.
    labels : array-like of int, shape (n,)
        The given labels.
    index : array-like of int, shape (n,), optional
        Where each image sits in the training images; default 0..n-1.

    Returns
    -------
    ForgettingRecord
    """
    labels = check_labels("labels", labels)
    predicted = np.asarray(predicted)
    if predicted.ndim != 2 or predicted.shape[1] != len(labels) or predicted.shape[0] < 1:
        raise ValueError(f"predicted must be (epochs, {len(labels)}) labels with at least one "
                         f"epoch, got shape {predicted.shape}")
    check_labels("predicted", predicted.reshape(-1))
    index = np.arange(len(labels)) if index is None else np.asarray(index)
    if index.shape != labels.shape:
        raise ValueError(f"index must have one position per label ({len(labels)}), "
                         f"got shape {index.shape}")
    correct = predicted == labels
    events = (correct[:-1] & ~correct[1:]).sum(axis=0)
    # The last wrong epoch, counted from the end; right at the end means learned after it.
    wrong_from_end = np.argmax(~correct[::-1], axis=0)
    always_right = correct.all(axis=0)
    learned_epoch = np.where(always_right, 1, correct.shape[0] - wrong_from_end + 1)
    learned_epoch = np.where(correct[-1], learned_epoch, 0)
    return ForgettingRecord(index=index, labels=labels, predicted=predicted, correct=correct,
                            learned_epoch=learned_epoch.astype(np.int64), events=events.astype(np.int64))
