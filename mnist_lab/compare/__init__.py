"""Several runs side by side, from what the store holds: repeats of one config (`arms`, the
one definition every comparison uses), configs, layers and metrics (`runs`), test predictions
(`predictions`), the whole report for the CLI (`report`), the Runs page's table
(`run_table`), forgettable training examples (`forgetting`) and likely label errors from
several runs' probabilities or k fold runs (`label_issues`)."""

from mnist_lab.compare.arms import Arm, Grouping, Single, arm_text, group, ranking_rows
from mnist_lab.compare.forgetting import (
    forgettable_in_all,
    forgetting_records,
    forgetting_rows,
)
from mnist_lab.compare.label_issues import (
    fold_runs,
    issues_in_test_set,
    issues_in_training_set,
    marked_accuracy,
)
from mnist_lab.compare.predictions import (
    PairComparison,
    RunPredictions,
    check_same_test_set,
    compare_pair,
    confusion_difference,
    disagreement_examples,
    ensemble_rows,
    ensemble_text,
    load_predictions,
    per_class_accuracy,
)
from mnist_lab.compare.runs import (
    DURING_TRAINING,
    METRIC_COLUMNS,
    aligned_curves,
    architecture_diff,
    architecture_of,
    architecture_summary,
    changes_during_training,
    config_diff,
    confounder_text,
    during_training_rows,
    flatten_config,
    lineage_lines,
    metrics_rows,
    pair_choice,
    run_labels,
    throughput_note,
    trained_alongside,
)

__all__ = [
    "DURING_TRAINING", "METRIC_COLUMNS", "Arm", "Grouping", "PairComparison", "RunPredictions",
    "Single", "aligned_curves", "architecture_diff", "architecture_of", "architecture_summary",
    "arm_text", "changes_during_training", "check_same_test_set", "compare_pair", "config_diff",
    "confounder_text", "confusion_difference", "disagreement_examples", "during_training_rows",
    "ensemble_rows", "ensemble_text", "flatten_config", "fold_runs", "forgettable_in_all",
    "forgetting_records", "forgetting_rows", "group", "issues_in_test_set", "issues_in_training_set",
    "lineage_lines", "load_predictions", "marked_accuracy", "metrics_rows", "pair_choice",
    "per_class_accuracy", "ranking_rows", "run_labels", "throughput_note", "trained_alongside",
]
