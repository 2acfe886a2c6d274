"""Numbers about a model's predictions and why it errs, computed apart from any drawing.

The metrics (confusion, confused pairs, per-class scores) and the pixel-space means and
neighbours are this package's own names; `error_table`, `significance`, `why`, `inspection`
(needs Keras), `drawn_digits`, `label_errors` (cleanlab) and `forgetting` are its modules.
"""

from mnist_lab.analysis.metrics import (
    MIN_PROBABILITY,
    ClassMetrics,
    ConfusedPair,
    PairSummary,
    check_class,
    check_labels,
    check_probabilities,
    check_same_length,
    confusion_matrix,
    cross_entropy,
    pair_indices,
    per_class_metrics,
    sample_losses,
    summarize_pair,
    top_confused_pairs,
)
from mnist_lab.analysis.pixel_space import mean_difference, mean_images, nearest_neighbors

__all__ = [
    "MIN_PROBABILITY", "ClassMetrics", "ConfusedPair", "PairSummary",
    "check_class", "check_labels", "check_probabilities", "check_same_length",
    "confusion_matrix", "cross_entropy", "mean_difference", "mean_images", "nearest_neighbors",
    "pair_indices",
    "per_class_metrics", "sample_losses", "summarize_pair", "top_confused_pairs",
]
