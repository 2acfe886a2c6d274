"""A run's report: what it was (config and layers), how it trained (the curves), and what it
gets wrong (the confusion matrix, its top confused pairs with their digits and why, and every
digit's precision and recall). The numbers come from `analysis`; the run's own files are read
checked, and MNIST is the data the run was scored on."""

from __future__ import annotations

import json
import time

import numpy as np

from mnist_lab import analysis
from mnist_lab.analysis import why
from mnist_lab.config import RunConfig
from mnist_lab.data import Mnist, restricted_to
from mnist_lab.figures.static import confusion_figure, pair_figure
from mnist_lab.figures.training import classic_curves, epoch_history
from mnist_lab.formats import percent
from mnist_lab.model import describe
from mnist_lab.reports.document import Chart, Document, Section
from mnist_lab.store import Run, RunStore, artifacts

PAIRS = 3  # confused pairs explained, most frequent first
EXAMPLES = 6  # mistaken digits shown per pair


def run_document(store: RunStore, run: Run, data: Mnist) -> Document:
    """The report of a finished run (ArtifactError when its predictions are missing or
    damaged; ValueError when its test labels are not those of `data`)."""
    if not run.status.finished:
        raise ValueError(f"run {run.id} is {run.status}; only a finished run has a report")
    probabilities, y_test = artifacts.read_predictions(store.run_dir(run.id))
    data = restricted_to(data, run.config.get("classes"))
    if not np.array_equal(y_test, data.y_test):
        raise ValueError(f"run {run.id} was scored on {len(y_test):,} test labels that do not "
                         f"match the {len(data.y_test):,} MNIST test labels loaded from {data.source}")
    predicted = probabilities.argmax(axis=1)
    summary = run.summary
    created = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at))
    lines = [f"Run {run.id}, {run.status}, created {created}.",
             f"Test accuracy {percent(np.mean(predicted == y_test))} on {len(y_test):,} test images; "
             f"{summary.get('epochs_completed', '?')} epochs in {summary.get('train_seconds', 0):.1f} s."]
    counts = analysis.confusion_matrix(y_test, predicted)
    return Document(f"mnist-lab report: {run.name}", lines, [
        _config_section(run),
        _curves_section(store, run),
        Section("Confusion matrix", ["Rows: the true digit; columns: the digit read."],
                charts=[Chart("confusion", "Test set confusion matrix (scikit-learn)",
                              confusion_figure(counts, "Test set"))]),
        *_pairs_sections(data, y_test, probabilities, counts),
        Section("Per digit", table=analysis.per_class_metrics(y_test, predicted).to_rows()),
    ])


def _config_section(run: Run) -> Section:
    try:
        rows = describe(RunConfig.from_dict(run.config)).rows()
    except ValueError as error:  # a config this version cannot read (ConfigError)
        return Section("Config", [f"The layer table cannot be drawn: {error}"],
                       code=json.dumps(run.config, indent=2))
    return Section("Config and layers", table=rows, code=json.dumps(run.config, indent=2))


def _curves_section(store: RunStore, run: Run) -> Section:
    unfrozen = run.summary.get("unfrozen_at_epoch")
    note = ([f"A fine-tune: the copied layers trained from epoch {unfrozen + 1} on (dashed)."]
            if unfrozen else [])
    return Section("Training curves", note, charts=[Chart(
        "curves", "Loss and accuracy per epoch, training and validation",
        classic_curves(epoch_history(store.metrics(run.id)), unfrozen_at=unfrozen))])


def _pairs_sections(data: Mnist, y_test, probabilities, counts) -> list[Section]:
    """The top ten pairs in a table, then the first few each with its digits and why."""
    pairs = analysis.top_confused_pairs(counts, k=10) if counts.trace() < counts.sum() else []
    if not pairs:
        return [Section("Most confused pairs", ["This run makes no mistakes on the test set."])]
    sections = [Section("Most confused pairs", table=[
        {"true": pair.true_class, "read as": pair.predicted_class, "count": pair.count,
         "share of true": percent(pair.rate_of_true_class)} for pair in pairs])]
    for pair in pairs[:PAIRS]:
        true_class, read = pair.true_class, pair.predicted_class
        evidence = why.explain_pair(data, y_test, probabilities, true_class, read)
        shown = evidence.examples[:EXAMPLES]
        captions = [f"#{index}: {probabilities[index, read]:.0%} {read}" for index in shown]
        sections.append(Section(f"Why {true_class}s are read as {read}", [
            evidence.summary.text(),
            why.difference_in_words(evidence.difference, true_class, read).replace("**", "")],
            charts=[Chart(f"pair-{true_class}-{read}", "The mean training digits, their difference "
                          "(red: more ink in the true digit), and the most confident mistakes",
                          pair_figure(evidence.mean_true, evidence.mean_predicted, evidence.difference,
                                      data.x_test[shown], captions,
                                      true_class=true_class, predicted_class=read))]))
    return sections
