"""The whole comparison of N runs as titled tables and sentences, for `runs compare`.

Each section is plain data (rows of strings or a sentence), so the CLI only prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mnist_lab import analysis, compare
from mnist_lab.data import NUM_CLASSES
from mnist_lab.formats import cell, percent, points
from mnist_lab.store import Run, RunStore

CURVE_METRICS = ("val_accuracy", "val_loss")
TOP_DIFFERENCES = 8


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _strings(rows: list[dict]) -> list[dict[str, str]]:
    return [{key: cell(value) for key, value in row.items()} for row in rows]


def confusion_difference_rows(pair: compare.PairComparison,
                              top: int = TOP_DIFFERENCES) -> list[dict[str, str]]:
    """The mistakes whose counts differ most between the two runs, largest difference first."""
    counts_b = analysis.confusion_matrix(pair.b.y_test, pair.b.predicted)
    counts_a = counts_b + pair.confusion_difference
    cells = [(true, predicted) for true in range(NUM_CLASSES) for predicted in range(NUM_CLASSES)
             if true != predicted and pair.confusion_difference[true, predicted]]
    cells.sort(key=lambda cell: (-abs(pair.confusion_difference[cell]), cell))
    return [{"mistake": f"{true} read as {predicted}", pair.a.label: f"{counts_a[true, predicted]:,}",
             pair.b.label: f"{counts_b[true, predicted]:,}",
             "difference": f"{pair.confusion_difference[true, predicted]:+,}"}
            for true, predicted in cells[:top]]


def comparison_sections(store: RunStore, runs: list[Run]) -> list[Section]:
    """Config, layers, metrics, curves, then everything the test predictions tell."""
    labels = compare.run_labels(runs)
    configs = {labels[run.id]: run.config for run in runs}
    changes = {labels[run.id]: compare.changes_during_training(run) for run in runs}
    diff = compare.config_diff(configs) + compare.during_training_rows(changes)
    sections = [Section("config differences", _strings(diff),
                        [] if diff else ["(none: the configs are identical)"])]
    lineage = compare.lineage_lines(runs)
    if lineage:
        sections.insert(0, Section("started from another run", lines=lineage))
    try:
        sections.append(Section("layers", _strings(compare.architecture_diff(configs))))
    except ValueError as error:
        sections.append(Section("layers", lines=[str(error)]))
    metrics = compare.metrics_rows(runs)
    for row in metrics:
        row["test accuracy"] = percent(row["test accuracy"])
    load_note = compare.throughput_note(runs, store.list())
    sections.append(Section("metrics", _strings(metrics), [load_note] if load_note else []))
    grouping = compare.group(runs)
    if len(runs) >= 3:
        sections.append(Section("ranking (repeats of one config by their mean)",
                                _strings(compare.ranking_rows(grouping, labels))))
    histories = {labels[run.id]: store.metrics(run.id) for run in runs}
    for metric in CURVE_METRICS:
        curves = compare.aligned_curves(histories, metric)
        if len(curves):
            if metric.endswith("accuracy"):  # accuracies read in percent everywhere
                curves = curves.map(percent)
            sections.append(Section(f"{metric} by epoch",
                                    _strings(curves.reset_index().to_dict("records"))))
    sections.append(Section("repeats of one config", lines=[
        compare.arm_text(arm, labels) for arm in grouping.repeated] or ["(none)"]))
    sections.append(Section("single runs", lines=[
        f"{labels[single.run.id]}: {single.reason}" for single in grouping.singles]))
    return sections + prediction_sections(store, runs, labels, changes)


def prediction_sections(store: RunStore, runs: list[Run], labels: dict[str, str],
                        changes: dict[str, list[str]]) -> list[Section]:
    loaded, skipped = compare.load_predictions(store, runs, labels)
    sections = [Section("left out of the test-set comparison", lines=skipped)] if skipped else []
    if len(loaded) < 2:
        return sections
    try:
        table = compare.per_class_accuracy(loaded)
    except ValueError as error:
        return sections + [Section("test predictions", lines=[str(error)])]
    per_class = [{"digit": str(digit), **{label: percent(value) for label, value in row.items()}}
                 for digit, row in table.iterrows()]
    sections.append(Section("test accuracy per digit", per_class))
    for other in loaded[1:]:  # the first run is the baseline for each pair
        pair = compare.compare_pair(loaded[0], other)
        caveat = compare.confounder_text({label: changes[label] for label in (pair.a.label, pair.b.label)})
        sections.append(Section(f"{pair.a.label} against {pair.b.label}", lines=[
            pair.text(), *([caveat] if caveat else []),
            f"{len(pair.a_right_b_wrong):,} test digits only {pair.a.label} gets right, "
            f"{len(pair.a_wrong_b_right):,} only {pair.b.label} gets right."]))
        sections.append(Section("mistakes that differ most", confusion_difference_rows(pair)))
    result, rows = compare.ensemble_rows(loaded)
    sections.append(Section("ensemble (averaged test probabilities)", [
        {"run": row["run"], "accuracy alone": percent(row["accuracy alone"]),
         "adds to the ensemble": points(row['adds to the ensemble'], signed=True)}
        for row in rows], [compare.ensemble_text(result)]))
    return sections
