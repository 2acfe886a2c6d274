"""Training drawn as figures: live curves, curves of several runs, the classic Matplotlib
figure.

Drawing only, no Streamlit: the trainer, the CLI and the tests build the same figures.
Matplotlib is used through `Figure` alone, never pyplot, so no GUI backend is picked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from plotly.subplots import make_subplots

from mnist_lab.figures.text import plotly_text

BATCH_KIND = "batch"
EPOCH_KIND = "epoch"
METRIC_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")  # what training records
X_AXIS_TITLES = {"epoch": "Epoch", "step": "Step", "wall_s": "Seconds"}
METRIC_TITLES = {"loss": "Loss", "accuracy": "Accuracy", "val_loss": "Validation loss",
                 "val_accuracy": "Validation accuracy", "learning_rate": "Learning rate"}
TRAIN_COLOUR, VALIDATION_COLOUR = "#1f77b4", "#ff7f0e"
# Weight of the newest batch in the moving average drawn through noisy batch losses.
BATCH_SMOOTHING = 0.3
# Pixels right of the accuracy plot for the reference lines' labels ("best single model").
REFERENCE_MARGIN = 150
# Batch accuracy is drawn from this far into the first epoch: its climb from 10% would stretch
# the accuracy axis over 0-100% and squash the 98-99% where runs differ (the loss shows it).
BATCH_ACCURACY_FROM_EPOCH = 0.5


def _check_x(x):
    if x not in X_AXIS_TITLES:
        raise ValueError(f"x must be one of {tuple(X_AXIS_TITLES)}, got {x!r}")


def _rows_of_kind(history, kind):
    if "kind" not in history.columns:
        # Without a kind column every row is an epoch summary.
        return history if kind == EPOCH_KIND else history.iloc[:0]
    return history[history["kind"] == kind]


def _column(rows, name):
    """The column's finite values, or None when there are none to draw.

    A diverged loss (NaN or infinite) ends its line there rather than poisoning the moving
    average of every later batch.
    """
    if name not in rows.columns:
        return None
    values = rows[name].replace([np.inf, -np.inf], np.nan).dropna()
    return values if len(values) else None


@dataclass(frozen=True)
class Curve:
    """One line of the loss/accuracy chart: the rows it draws, its metric, its subplot."""

    kind: str
    metric: str
    name: str
    column: int
    colour: str

    @property
    def smoothed(self) -> bool:
        return self.kind == BATCH_KIND


# The chart's lines in trace order: the live view appends new points to them by index.
CURVES = tuple(
    curve for column, metric in ((1, "loss"), (2, "accuracy")) for curve in (
        Curve(BATCH_KIND, metric, "train (batches)", column, TRAIN_COLOUR),
        Curve(EPOCH_KIND, metric, "train", column, TRAIN_COLOUR),
        Curve(EPOCH_KIND, f"val_{metric}", "validation", column, VALIDATION_COLOUR),
    )
)


def curve_points(history, curve: Curve, x="epoch"):
    """(x, y) of one curve, both indexed by the history rows they come from.

    Batch rows sit at `epoch_progress` on an epoch axis when that column exists, and their
    values are a moving average: noisy batch losses read as a trend. Batch accuracy starts
    `BATCH_ACCURACY_FROM_EPOCH` into training, so the accuracy axis zooms to where it matters,
    unless the run never got that far.
    """
    rows = _rows_of_kind(history, curve.kind)
    values = _column(rows, curve.metric)
    if values is None:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    x_column = "epoch_progress" if curve.smoothed and x == "epoch" and "epoch_progress" in rows else x
    y = values.ewm(alpha=BATCH_SMOOTHING).mean() if curve.smoothed else values
    if curve.smoothed and curve.metric == "accuracy" and "epoch_progress" in rows:
        later = y[rows.loc[y.index, "epoch_progress"] >= BATCH_ACCURACY_FROM_EPOCH]
        y = later if len(later) else y  # a run stopped early: its climb is all there is to see
    return rows.loc[y.index, x_column], y


def curves_figure(history, *, x="epoch", reference_lines=None, lr_changes=None, live=False,
                  unfrozen_at=None):
    """Loss and accuracy side by side while a run trains, batches under epochs.

    Parameters
    ----------
    history : pandas.DataFrame
        Wide metric rows with columns among epoch, step, wall_s, kind ("batch" or
        "epoch"; absent means all rows are epochs), loss, accuracy, val_loss,
        val_accuracy, learning_rate and optionally epoch_progress.
    x : {"epoch", "step", "wall_s"}, default="epoch"
        The horizontal axis. With "epoch", batch rows sit at `epoch_progress` when
        that column exists, else at `epoch` (fractional epochs).
    reference_lines : dict of str to float or None, default=None
        Label -> accuracy, drawn dashed across the accuracy plot.
    lr_changes : sequence of (float, float) or None, default=None
        (x, new learning rate) pairs, drawn as dotted vertical lines.
    live : bool, default=False
        Keep every line of `CURVES`, in that order, even those without points yet, so
        that a live chart can append points to them by index.
    unfrozen_at : float or None, default=None
        A fine-tune's epoch where its copied layers began to train: a dashed line (with
        x="epoch").

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Batch rows as a thin moving-average line, epoch rows as markers and lines.
    """
    _check_x(x)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
    figure.update_xaxes(title_text=X_AXIS_TITLES[x])
    figure.update_yaxes(title_text="Loss", col=1)
    figure.update_yaxes(title_text="Accuracy", tickformat=".1%", col=2)
    figure.update_layout(height=380, legend={"orientation": "h", "y": -0.2})
    if len(history) and x not in history.columns:
        raise ValueError(f"history has no {x!r} column; its columns are {list(history.columns)}")
    for curve in CURVES:
        xs, ys = curve_points(history, curve, x)
        if not len(ys) and not live:
            continue
        style = ({"mode": "lines", "opacity": 0.5, "line": {"width": 1, "color": curve.colour}}
                 if curve.smoothed else {"mode": "markers+lines", "line": {"color": curve.colour}})
        figure.add_trace(go.Scatter(x=xs.tolist(), y=ys.tolist(), name=curve.name, legendgroup=curve.name,
                                    showlegend=curve.column == 1, **style), row=1, col=curve.column)
    for column in (1, 2):
        if next(figure.select_traces(row=1, col=column), None) is None:
            # Plotly draws no axes for a subplot without traces; an empty one keeps them.
            figure.add_trace(go.Scatter(x=[], y=[], name="no data", showlegend=False),
                             row=1, col=column)
    if reference_lines:
        # The axis fits the data and always reaches the reference lines, whose labels stand in
        # the margin right of the plot: inside it they lay over the curves.
        figure.update_yaxes(autorangeoptions={"include": list(reference_lines.values())}, col=2)
        figure.update_layout(margin={"r": REFERENCE_MARGIN})
    for label, accuracy in (reference_lines or {}).items():
        figure.add_hline(y=accuracy, line_dash="dash", line_color="grey", line_width=1,
                         annotation_text=f"{label} ({accuracy:.2%})", annotation_position="right",
                         annotation_font={"size": 10, "color": "grey"},
                         row=1, col=2, exclude_empty_subplots=False)
    change_line = {"line_dash": "dot", "line_color": "grey", "line_width": 1, "row": 1,
                   "exclude_empty_subplots": False}
    for change_x, learning_rate in lr_changes or []:
        figure.add_vline(x=change_x, col=1, annotation_text=f"lr → {learning_rate:g}",
                         **change_line)
        figure.add_vline(x=change_x, col=2, **change_line)
    if unfrozen_at is not None:
        for column in (1, 2):
            figure.add_vline(x=unfrozen_at, col=column, **{**change_line, "line_dash": "dash"},
                             annotation_text="base unfrozen" if column == 2 else None,
                             annotation_position="bottom right")
    return figure


def overlay_curves_figure(histories, *, metric="val_accuracy", x="epoch"):
    """One metric for several runs on shared axes, to compare them epoch by epoch.

    Parameters
    ----------
    histories : dict of str to pandas.DataFrame
        Run label -> history in the `curves_figure` format. Runs without any value
        for `metric` (e.g. no validation yet) are left out.
    metric : str, default="val_accuracy"
        Column to draw from the epoch rows.
    x : {"epoch", "step", "wall_s"}, default="epoch"
        The horizontal axis.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One markers+lines trace per run, named by its label.
    """
    _check_x(x)
    figure = go.Figure()
    for label, history in histories.items():
        epochs = _rows_of_kind(history, EPOCH_KIND)
        values = _column(epochs, metric)
        if values is not None:
            figure.add_trace(go.Scatter(x=epochs.loc[values.index, x], y=values,
                                        mode="markers+lines", name=plotly_text(label)))
    # The legend under the plot, as wide as it: beside it, run labels took half the width.
    figure.update_layout(xaxis_title=X_AXIS_TITLES[x], height=380,
                         yaxis_title=METRIC_TITLES.get(metric, metric),
                         legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
                         margin={"t": 30, "r": 10})
    if metric.endswith("accuracy"):
        figure.update_yaxes(tickformat=".1%")
    return figure


def epoch_history(history) -> dict[str, list[float]]:
    """A run's metric rows (the `curves_figure` format) as Keras's `History.history`: each
    metric's epoch values in order, what `classic_curves` draws."""
    epochs = _rows_of_kind(history, EPOCH_KIND)
    return {metric: epochs[metric].dropna().tolist()
            for metric in METRIC_KEYS if metric in epochs.columns}


def classic_curves(history, *, unfrozen_at=None):
    """The Keras tutorial's figure: loss and accuracy per epoch, saved with every run.

    Parameters
    ----------
    history : dict of str to list of float
        Keras' `History.history`: loss and accuracy, optionally val_loss and
        val_accuracy; other keys are ignored and missing ones are not drawn, so a
        run stopped before its first epoch still gets (empty) axes.
    unfrozen_at : int or None, default=None
        A fine-tune's epoch after which its copied layers trained too: a dashed line.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two axes, loss then accuracy, each with a train and a validation line.
    """
    figure = Figure(figsize=(10, 4), layout="constrained")
    for axes, metric, title in zip(figure.subplots(1, 2), ("loss", "accuracy"),
                                   ("Loss", "Accuracy"), strict=True):
        for key, label in ((metric, "train"), (f"val_{metric}", "validation")):
            values = history.get(key) or []
            if len(values):
                axes.plot(range(1, len(values) + 1), values, marker="o", label=label)
        axes.set_title(title)
        axes.set_xlabel("Epoch")
        axes.set_ylabel(title)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, alpha=0.3)
        if unfrozen_at:
            axes.axvline(unfrozen_at + 0.5, color="grey", linestyle="--", linewidth=1,
                         label="base unfrozen")
        if axes.lines:
            axes.legend()
    return figure
