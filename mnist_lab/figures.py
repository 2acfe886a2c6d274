"""Analysis results drawn as Plotly figures for the pages and Matplotlib figures for files.

Drawing only: the numbers come from `mnist_lab.analysis` or the run store. Nothing here
imports Streamlit, so the trainer and the tests can build the same figures. Matplotlib
is used through `Figure` alone, never pyplot, so no GUI backend is ever picked.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from plotly.subplots import make_subplots

NUM_CLASSES = 10
BATCH_KIND = "batch"
EPOCH_KIND = "epoch"
X_AXIS_TITLES = {"epoch": "Epoch", "step": "Step", "wall_s": "Seconds"}
METRIC_TITLES = {"loss": "Loss", "accuracy": "Accuracy", "val_loss": "Validation loss",
                 "val_accuracy": "Validation accuracy", "learning_rate": "Learning rate"}
TRAIN_COLOUR, VALIDATION_COLOUR = "#1f77b4", "#ff7f0e"
PREDICTED_COLOUR, TRUE_COLOUR, WRONG_COLOUR, OTHER_COLOUR = "#1f77b4", "#2ca02c", "#d62728", "#c7c7c7"
DIAGONAL_GREY = "#d9d9d9"
# Weight of the newest batch in the moving average drawn through noisy batch losses.
BATCH_SMOOTHING = 0.3
CONFUSION_CELL_RANGE = [-0.5, NUM_CLASSES - 0.5]


def confusion_figure(cm, *, normalize=False, title=None):
    """A clickable confusion matrix in which the mistakes, not the diagonal, set the colours.

    The diagonal is left out of the colour scale (its cells show the grey plot
    background, with their counts as text), so a few hundred errors stay visible
    next to thousands of correct answers. Heatmap cells cannot be selected in
    `st.plotly_chart`, so an invisible scatter of the 100 cell centres lies on top:
    it is trace index 1, and a selected point has x = predicted class, y = true class.

    Parameters
    ----------
    cm : array-like of int, shape (10, 10)
        Counts, row = true class, column = predicted class.
    normalize : bool, default=False
        Show and colour by the share of each true class instead of counts.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Trace 0 is the heatmap (diagonal z is NaN), trace 1 the clickable scatter.
    """
    counts = np.asarray(cm)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES) or (counts < 0).any():
        raise ValueError(f"cm must be a (10, 10) matrix of counts >= 0, got shape {counts.shape}")
    row_totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    shown = rates if normalize else counts
    colour = shown.astype(np.float64)
    np.fill_diagonal(colour, np.nan)
    largest_error = np.nanmax(colour)
    classes = list(range(NUM_CLASSES))
    hover = [[f"true {true} → predicted {predicted}: {counts[true, predicted]:,} "
              f"({rates[true, predicted]:.1%} of {true}s)" for predicted in classes]
             for true in classes]
    text = [[(f"{value:.1%}" if value else "0") if normalize else f"{value:,}" for value in row]
            for row in shown]
    heatmap = go.Heatmap(
        z=colour, x=classes, y=classes, text=text, texttemplate="%{text}",
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale="Reds", zmin=0, zmax=largest_error if largest_error > 0 else 1,
        colorbar={"title": {"text": "share" if normalize else "errors"}},
    )
    cell_centres = go.Scatter(
        x=np.tile(classes, NUM_CLASSES), y=np.repeat(classes, NUM_CLASSES), mode="markers",
        marker={"symbol": "square", "size": 36, "opacity": 0.01, "color": "black"},
        customdata=np.ravel(hover), hovertemplate="%{customdata}<extra></extra>",
        showlegend=False,
    )
    figure = go.Figure([heatmap, cell_centres])
    ticks = {"tickmode": "array", "tickvals": classes, "ticktext": [str(c) for c in classes]}
    figure.update_layout(
        title=title, plot_bgcolor=DIAGONAL_GREY, width=560, height=520,
        xaxis={"title": {"text": "Predicted"}, "range": CONFUSION_CELL_RANGE,
               "constrain": "domain", "showgrid": False, "zeroline": False, **ticks},
        # A reversed range puts 0 on top; autorange="reversed" would ignore the fixed range.
        yaxis={"title": {"text": "True"}, "range": CONFUSION_CELL_RANGE[::-1],
               "scaleanchor": "x", "scaleratio": 1, "constrain": "domain",
               "showgrid": False, "zeroline": False, **ticks},
    )
    return figure


def _check_x(x):
    if x not in X_AXIS_TITLES:
        raise ValueError(f"x must be one of {tuple(X_AXIS_TITLES)}, got {x!r}")


def _rows_of_kind(history, kind):
    if "kind" not in history.columns:
        # Without a kind column every row is an epoch summary.
        return history if kind == EPOCH_KIND else history.iloc[:0]
    return history[history["kind"] == kind]


def _column(rows, name):
    """The column's non-missing values, or None when there are none to draw."""
    if name not in rows.columns:
        return None
    values = rows[name].dropna()
    return values if len(values) else None


def curves_figure(history, *, x="epoch", reference_lines=None, lr_changes=None):
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

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Batch rows as a thin moving-average line, epoch rows as markers and lines.
    """
    _check_x(x)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
    figure.update_xaxes(title_text=X_AXIS_TITLES[x])
    figure.update_yaxes(title_text="Loss", col=1)
    figure.update_yaxes(title_text="Accuracy", col=2)
    figure.update_layout(height=380, legend={"orientation": "h", "y": -0.2})
    if len(history) and x not in history.columns:
        raise ValueError(f"history has no {x!r} column; its columns are {list(history.columns)}")
    batches = _rows_of_kind(history, BATCH_KIND)
    epochs = _rows_of_kind(history, EPOCH_KIND)
    batch_x = "epoch_progress" if x == "epoch" and "epoch_progress" in batches.columns else x
    for column, metric in ((1, "loss"), (2, "accuracy")):
        values = _column(batches, metric)
        if values is not None:
            figure.add_trace(go.Scatter(
                x=batches.loc[values.index, batch_x], y=values.ewm(alpha=BATCH_SMOOTHING).mean(),
                mode="lines", name="train (batches)", legendgroup="batches",
                showlegend=column == 1, opacity=0.5,
                line={"width": 1, "color": TRAIN_COLOUR}), row=1, col=column)
        for name, label, colour in ((metric, "train", TRAIN_COLOUR),
                                    (f"val_{metric}", "validation", VALIDATION_COLOUR)):
            values = _column(epochs, name)
            if values is not None:
                figure.add_trace(go.Scatter(
                    x=epochs.loc[values.index, x], y=values, mode="markers+lines", name=label,
                    legendgroup=label, showlegend=column == 1,
                    line={"color": colour}), row=1, col=column)
        if next(figure.select_traces(row=1, col=column), None) is None:
            # Plotly draws no axes for a subplot without traces; an empty one keeps them.
            figure.add_trace(go.Scatter(x=[], y=[], name="no data", showlegend=False),
                             row=1, col=column)
    # Alternate label positions so that nearby lines (99.05% and 99.83%) stay readable.
    label_positions = ("bottom right", "top left", "bottom left", "top right")
    for number, (label, accuracy) in enumerate((reference_lines or {}).items()):
        figure.add_hline(y=accuracy, line_dash="dash", line_color="grey", line_width=1,
                         annotation_text=f"{label} ({accuracy:.2%})",
                         annotation_position=label_positions[number % len(label_positions)],
                         row=1, col=2, exclude_empty_subplots=False)
    change_line = {"line_dash": "dot", "line_color": "grey", "line_width": 1, "row": 1,
                   "exclude_empty_subplots": False}
    for change_x, learning_rate in lr_changes or []:
        figure.add_vline(x=change_x, col=1, annotation_text=f"lr → {learning_rate:g}",
                         **change_line)
        figure.add_vline(x=change_x, col=2, **change_line)
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
                                        mode="markers+lines", name=label))
    figure.update_layout(xaxis_title=X_AXIS_TITLES[x],
                         yaxis_title=METRIC_TITLES.get(metric, metric), height=380)
    return figure


def classic_curves(history):
    """The Keras tutorial's figure: loss and accuracy per epoch, saved with every run.

    Parameters
    ----------
    history : dict of str to list of float
        Keras' `History.history`: loss and accuracy, optionally val_loss and
        val_accuracy; other keys are ignored and missing ones are not drawn, so a
        run stopped before its first epoch still gets (empty) axes.

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
        if axes.lines:
            axes.legend()
    return figure


def save_figure_png(fig, path):
    """Write a Matplotlib figure as PNG whole or not at all, so readers never see half a file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    path : str or pathlib.Path
        Destination; its folder must exist.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        fig.savefig(temp_name, format="png")
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def probability_bars(probabilities, *, true_class=None):
    """The ten class probabilities for one digit, predicted and true bars marked.

    Parameters
    ----------
    probabilities : array-like of float, shape (10,)
        Model output for one image.
    true_class : int or None, default=None
        The label, when known. A correct prediction's bar is green; a wrong one's is
        red next to the green true bar; without a label the prediction is blue.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One bar trace, y axis fixed to [0, 1].
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (NUM_CLASSES,):
        raise ValueError(f"probabilities must have shape (10,), got {probabilities.shape}")
    if true_class is not None and true_class not in range(NUM_CLASSES):
        raise ValueError(f"true_class must be a class 0..9 or None, got {true_class!r}")
    predicted = int(probabilities.argmax())
    colours = [OTHER_COLOUR] * NUM_CLASSES
    if true_class is None:
        colours[predicted] = PREDICTED_COLOUR
    else:
        colours[predicted] = WRONG_COLOUR
        colours[true_class] = TRUE_COLOUR
    title = f"predicted {predicted} ({probabilities[predicted]:.0%})"
    if true_class is not None:
        title += f", true {true_class}"
    figure = go.Figure(go.Bar(x=list(range(NUM_CLASSES)), y=probabilities, marker_color=colours,
                              hovertemplate="digit %{x}: %{y:.3f}<extra></extra>"))
    figure.update_layout(title=title, height=220, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         yaxis={"range": [0, 1]},
                         xaxis={"tickmode": "array", "tickvals": list(range(NUM_CLASSES))})
    return figure


def digit_image(image):
    """A digit as uint8 pixels for `st.image`, whatever scale it came in.

    Parameters
    ----------
    image : ndarray, shape (28, 28) or (28, 28, 1)
        uint8 is kept as it is; floats are read as [0, 1] and clipped.

    Returns
    -------
    pixels : ndarray of uint8, shape (28, 28)
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"image must have shape (height, width) or (height, width, 1), "
                         f"got {image.shape}")
    if image.dtype == np.uint8:
        return image
    return np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


def image_grid_figure(images, titles, columns=8):
    """Small digits in a grid with a caption each, e.g. the samples behind a confusion cell.

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28) or (28, 28, 1)
        Digits, uint8 or float in [0, 1].
    titles : sequence of str
        One caption per image.
    columns : int, default=8
        Images per row.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        One go.Image per digit; an empty figure when there are no images.
    """
    if len(images) != len(titles):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    if not len(images):
        return go.Figure()
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=list(titles),
                           horizontal_spacing=0.01, vertical_spacing=min(0.08, 0.5 / rows))
    for number, image in enumerate(images):
        pixels = digit_image(image)
        figure.add_trace(go.Image(z=np.stack([pixels] * 3, axis=-1), hoverinfo="skip"),
                         row=number // columns + 1, col=number % columns + 1)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_annotations(font_size=11)
    figure.update_layout(height=110 * rows + 30, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    return figure
