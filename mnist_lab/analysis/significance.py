"""Is run A really better than run B? Paired tests, seed spread and ensembles of predictions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from mnist_lab.analysis import check_labels, check_probabilities, check_same_length

# McNemar's chi-square approximation is poor below this many discordant pairs.
EXACT_TEST_BELOW = 25


def _correctness(name, values):
    correct = np.asarray(values)
    if correct.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {correct.shape}")
    if correct.dtype != bool and not np.isin(correct, (0, 1)).all():
        raise ValueError(f"{name} must hold booleans (or 0/1), got dtype {correct.dtype}")
    return correct.astype(bool)


@dataclass(frozen=True)
class McNemarResult:
    """Whether two models' different mistakes on the same test set could be chance."""

    a_right_b_wrong: int
    a_wrong_b_right: int
    p_value: float
    method: str

    def text(self, name_a="A", name_b="B"):
        """One sentence a reader can act on; p < 0.05 counts as unlikely to be chance."""
        if self.a_right_b_wrong + self.a_wrong_b_right == 0:
            return (f"{name_a} and {name_b} are right and wrong on exactly the same digits; "
                    "there is no difference to test.")
        p_value = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        verdict = ("the difference is unlikely to be chance" if self.p_value < 0.05
                   else "the difference could well be chance")
        return (f"{name_a} is right where {name_b} is wrong on {self.a_right_b_wrong:,} "
                f"digits, the reverse on {self.a_wrong_b_right:,}; {p_value}: {verdict}.")


def mcnemar(correct_a, correct_b):
    """McNemar's test: compare two models on the samples where exactly one is right.

    Parameters
    ----------
    correct_a, correct_b : array-like of bool, shape (n_samples,)
        Whether model A (B) got each test sample right.

    Returns
    -------
    McNemarResult
        Two-sided exact binomial p-value when fewer than 25 samples differ, else
        chi-square with continuity correction; 1.0 when none differ.
    """
    correct_a = _correctness("correct_a", correct_a)
    correct_b = _correctness("correct_b", correct_b)
    check_same_length(correct_a=correct_a, correct_b=correct_b)
    b = int(np.sum(correct_a & ~correct_b))
    c = int(np.sum(~correct_a & correct_b))
    if b + c == 0:
        return McNemarResult(b, c, 1.0, "no discordant samples")
    if b + c < EXACT_TEST_BELOW:
        p_value = stats.binomtest(b, b + c, 0.5).pvalue
        return McNemarResult(b, c, float(p_value), "exact binomial")
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    p_value = stats.chi2.sf(statistic, df=1)
    return McNemarResult(b, c, float(p_value), "chi-square with continuity correction")


def mean_with_interval(values, confidence=0.95):
    """Mean of repeated runs (e.g. seeds) with a Student-t confidence interval.

    Parameters
    ----------
    values : array-like of float, shape (n_runs,)
        At least one value.
    confidence : float, default=0.95
        Coverage of the interval, strictly between 0 and 1.

    Returns
    -------
    mean, std, low, high : float
        std is the sample standard deviation (ddof=1); with one value it is 0 and the
        interval is the mean itself.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence, got shape {values.shape}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    mean = float(values.mean())
    if values.size == 1:
        return mean, 0.0, mean, mean
    std = float(values.std(ddof=1))
    half_width = stats.t.ppf((1 + confidence) / 2, df=values.size - 1) * std / math.sqrt(
        values.size)
    return mean, std, mean - float(half_width), mean + float(half_width)


@dataclass(frozen=True)
class AccuracyInterval:
    """Test accuracy over n seeds: the mean, the spread and an interval inside [0, 1].

    `low` and `high` are None for one seed (no interval can be told from one value); an
    interval from two seeds is correct but very wide, and `caution` says so.
    """

    n: int
    mean: float
    sd: float | None
    low: float | None
    high: float | None
    confidence: float = 0.95

    @property
    def caution(self) -> str:
        """Words on how far to trust the interval ("" when nothing needs saying)."""
        if self.n == 1:
            return "n = 1: no interval"
        return "very wide: n = 2" if self.n == 2 else ""


def accuracy_interval(accuracies, confidence: float = 0.95, images: int | None = None) -> AccuracyInterval:
    """The mean of accuracies over seeds with a Student-t interval on the logit scale.

    An accuracy lives in [0, 1], and a plain t interval around 97.4% from two seeds ran past
    100%. On the logit scale the interval is symmetric and maps back inside (0, 1); an
    accuracy of exactly 0 or 1 is moved half an image inside (`images`, 10,000 if unknown).

    Parameters
    ----------
    accuracies : array-like of float in [0, 1], shape (n,)
    confidence : float, default=0.95
    images : int, optional
        How many test images each accuracy was measured on.
    """
    values = np.asarray(accuracies, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"accuracies must be a non-empty 1-D sequence, got shape {values.shape}")
    if not ((values >= 0) & (values <= 1)).all():
        raise ValueError(f"accuracies must lie in [0, 1], got {values.min():g} to {values.max():g}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    mean = float(values.mean())
    if values.size == 1:
        return AccuracyInterval(1, mean, None, None, None, confidence)
    edge = 0.5 / (images or 10_000)
    logits = special.logit(np.clip(values, edge, 1 - edge))
    half_width = stats.t.ppf((1 + confidence) / 2, df=values.size - 1) * logits.std(ddof=1) / math.sqrt(
        values.size)
    centre = logits.mean()
    # Seeds that all hit 100% are clipped half an image inside: the mean stays in its interval.
    low = min(mean, float(special.expit(centre - half_width)))
    high = max(mean, float(special.expit(centre + half_width)))
    return AccuracyInterval(int(values.size), mean, float(values.std(ddof=1)), low, high, confidence)


@dataclass(frozen=True)
class EnsembleResult:
    """How well averaged models do, and what each member adds to the average."""

    names: tuple[str, ...]
    accuracy: float
    member_accuracies: tuple[float, ...]
    contributions: tuple[float, ...]


def ensemble(probabilities_list, y_true, names=None):
    """Average the members' probabilities and measure each member's contribution.

    Parameters
    ----------
    probabilities_list : sequence of array-like, each of shape (n_samples, 10)
        At least two members' outputs on the same samples.
    y_true : array-like of int, shape (n_samples,)
        True labels, 0..9.
    names : sequence of str or None, default=None
        One name per member; None gives "model 1", "model 2", ...

    Returns
    -------
    EnsembleResult
        contributions[i] is the ensemble's accuracy minus that of the ensemble
        without member i (for two members, the other member alone).
    """
    y_true = check_labels("y_true", y_true)
    if len(probabilities_list) < 2:
        raise ValueError(
            f"an ensemble needs at least 2 members, got {len(probabilities_list)}")
    members = [check_probabilities(probabilities, len(y_true))
               for probabilities in probabilities_list]
    if names is None:
        names = [f"model {number}" for number in range(1, len(members) + 1)]
    if len(names) != len(members):
        raise ValueError(f"names has {len(names)} entries for {len(members)} members")

    def accuracy(probabilities):
        return float(np.mean(probabilities.argmax(axis=1) == y_true))

    # The argmax of a sum equals the argmax of the mean, so sums avoid a division.
    total = np.sum(members, axis=0)
    ensemble_accuracy = accuracy(total)
    return EnsembleResult(
        names=tuple(names),
        accuracy=ensemble_accuracy,
        member_accuracies=tuple(accuracy(member) for member in members),
        contributions=tuple(ensemble_accuracy - accuracy(total - member) for member in members),
    )


def disagreements(y_true, predictions_a, predictions_b):
    """Indices where exactly one of two models is right, to look at side by side.

    Parameters
    ----------
    y_true, predictions_a, predictions_b : array-like of int, shape (n_samples,)
        True labels and each model's predicted labels, 0..9.

    Returns
    -------
    a_right_b_wrong, a_wrong_b_right : ndarray of int64
        Ascending indices into the test set.
    """
    y_true = check_labels("y_true", y_true)
    predictions_a = check_labels("predictions_a", predictions_a)
    predictions_b = check_labels("predictions_b", predictions_b)
    check_same_length(y_true=y_true, predictions_a=predictions_a, predictions_b=predictions_b)
    correct_a, correct_b = predictions_a == y_true, predictions_b == y_true
    return np.flatnonzero(correct_a & ~correct_b), np.flatnonzero(~correct_a & correct_b)


def welch_p_value(values_a, values_b):
    """Two-sided p-value of Welch's t-test: could two sets of seed results share one mean?

    Parameters
    ----------
    values_a, values_b : array-like of float
        At least two values each (e.g. test accuracies of one config over seeds).

    Returns
    -------
    p_value : float
        1.0 when both sets have no spread and the same mean; 0.0 when they have no spread
        and different means.
    """
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    if a.size < 2 or b.size < 2:
        raise ValueError(f"Welch's test needs 2 or more values on each side, got {a.size} and {b.size}")
    if a.std() == 0 and b.std() == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def holm(p_values):
    """Holm's step-down correction for testing several hypotheses at once.

    Parameters
    ----------
    p_values : sequence of float
        Unadjusted p-values, one per comparison.

    Returns
    -------
    adjusted : list of float
        In the input's order; each is at least its own p-value and at most 1, and reading
        them against 0.05 keeps the chance of any false "real difference" under 5%.
    """
    order = np.argsort(p_values, kind="stable")
    count = len(p_values)
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * float(p_values[index])))
        adjusted[index] = running
    return adjusted
