"""A study's report: its question, its arms' table, its verdict and the arms' accuracies
with their intervals, from the same `study_report` the CLI and the Experiments page read."""

from __future__ import annotations

from mnist_lab.figures.static import arms_figure
from mnist_lab.reports.document import Chart, Document, Section
from mnist_lab.store import RunStore
from mnist_lab.sweeps.report import study_report
from mnist_lab.sweeps.results import results_rows

TABLE_COLUMNS = ("arm", "n", "test accuracy", "95% interval", "min-max", "sd", "train s", "fields")


def study_document(store: RunStore, name: str) -> Document:
    report = study_report(store, name)
    spec = report.spec
    swept = ", ".join(f"{dimension.field} ({_values(dimension)})" for dimension in spec.dimensions)
    question = (f"Which {swept} gives the highest test accuracy, over {spec.repeats} seed"
                f"{'s' if spec.repeats != 1 else ''} each?")
    counts = ", ".join(f"{count} {state}" for state, count in sorted(report.counts.items())) or "no trials"
    conclusion = report.conclusion
    arms = report.arms
    charts = []
    if arms:
        intervals = [arm.interval() for arm in arms]
        charts.append(Chart("arms", "Each arm's mean test accuracy and 95% interval", arms_figure(
            [arm.label for arm in arms], [interval.mean for interval in intervals],
            [interval.low for interval in intervals], [interval.high for interval in intervals])))
    return Document(f"mnist-lab study report: {name}", [f"Trials: {counts}."], [
        Section("Question", [question, f"Sampler {spec.sampler}; base config: "
                            f"{spec.base.preset or 'a custom network'}."]),
        Section("Arms", table=[{column: row[column] for column in TABLE_COLUMNS}
                               for row in results_rows(arms)], charts=charts),
        Section("Verdict", [conclusion.headline, *conclusion.lines, *conclusion.other_question]),
    ])


def _values(dimension) -> str:
    if dimension.is_range:
        return f"{dimension.low:g} to {dimension.high:g}{', log scale' if dimension.log else ''}"
    return ", ".join(str(value) for value in dimension.values)
