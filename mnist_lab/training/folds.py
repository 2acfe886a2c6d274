"""k-fold cross-validation over the training images, as k ordinary runs.

Run i of k holds fold i out of the training images it draws from (all 60,000, or the config's
subset), trains on the rest and saves the fold's probabilities; together the k runs give
out-of-sample probabilities for every training image (`analysis.label_errors.gather_folds`).
A study that launches them needs only `fold_configs`.
"""

from __future__ import annotations

from mnist_lab.config import RunConfig
from mnist_lab.model import describe


def fold_configs(base: RunConfig, folds: int) -> list[RunConfig]:
    """The `folds` configs of a k-fold study of `base`, fold 1 first.

    They differ only in `fold`, so validating the first validates them all.

    Raises ConfigError naming the field when `base` or the number of folds cannot work.
    """
    first = base.replace(folds=folds, fold=1)
    describe(first)  # the one validator: a bad base or number of folds is named here
    return [first] + [base.replace(folds=folds, fold=fold) for fold in range(2, folds + 1)]
