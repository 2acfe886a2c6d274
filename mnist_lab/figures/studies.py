"""A study's results drawn: accuracy against each swept field, importance, Pareto fronts.

Every accuracy plot shows the noise floor: a grey band as wide as the spread of single-seed
results (`results.NoiseFloor.band`) under the best arm, so an arm inside it is not told apart
from the best. The numbers come from `mnist_lab.sweeps`; nothing here imports Streamlit.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from mnist_lab.config import field_at, point_words

SEED_COLOUR, MEAN_COLOUR, FRONT_COLOUR, BAND_COLOUR = "#9aa5b1", "#3b5bdb", "#d62728", "rgba(150,150,150,0.2)"
PALETTE = ("#3b5bdb", "#e8590c", "#2f9e44", "#ae3ec9", "#1098ad", "#f08c00")


def _noise_band(figure: go.Figure, best_mean: float, band: float | None) -> None:
    if band:
        figure.add_hrect(y0=best_mean - band, y1=best_mean, fillcolor=BAND_COLOUR, line_width=0,
                         annotation_text="within seed noise of the best",
                         annotation_position="bottom left")


def _numeric(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(value, int | float) and not isinstance(value, bool)
                                for value in values)


def _log_axis(dimension, values: list[Any]) -> bool:
    """A log axis where the range was searched on one, or listed values span 100x or more."""
    return dimension.log or (_numeric(values) and min(values) > 0 and max(values) >= 100 * min(values))


def field_effect_figure(arms, dimension, band: float | None) -> go.Figure:
    """Test accuracy against one swept field: each seed as a dot, each arm's mean with its 95%
    interval. A number is drawn on a number axis (a log one where it was searched on one);
    arms that share the field's value are told apart by colour and legend, named by the other
    fields' values; every point names its arm on hover, in words and by path."""
    field = dimension.field
    info = field_at(field)
    values = [arm.point[field] for arm in arms]
    numeric = _numeric(values)
    others: dict[str, list] = {}
    for arm in arms:
        rest = point_words({name: value for name, value in arm.point.items() if name != field})
        others.setdefault(rest, []).append(arm)
    figure = go.Figure()
    for number, (rest, members) in enumerate(others.items()):
        colour = PALETTE[number % len(PALETTE)]
        x = [arm.point[field] if numeric else info.words(arm.point[field]) for arm in members]
        seeds_x = [value for value, arm in zip(x, members, strict=True) for _ in range(arm.n)]
        figure.add_trace(go.Scatter(
            x=seeds_x, y=[accuracy for arm in members for accuracy in arm.accuracies], mode="markers",
            name=f"{rest or 'one seed'}: one seed", legendgroup=rest, showlegend=False, offsetgroup=rest,
            marker={"color": colour, "size": 7, "opacity": 0.45},
            text=[f"{arm.label}<br>{arm.path}" for arm in members for _ in range(arm.n)],
            hovertemplate="%{text}<br>one seed: %{y:.2%}<extra></extra>"))
        intervals = [arm.interval() for arm in members]
        figure.add_trace(go.Scatter(
            x=x, y=[interval.mean for interval in intervals], mode="markers", legendgroup=rest,
            name=rest or "mean with its 95% interval", offsetgroup=rest,
            marker={"color": colour, "size": 12, "symbol": "diamond"},
            error_y={"type": "data", "symmetric": False,
                     "array": [(i.high if i.high is not None else i.mean) - i.mean for i in intervals],
                     "arrayminus": [i.mean - (i.low if i.low is not None else i.mean) for i in intervals]},
            text=[f"{arm.label}<br>{arm.path}<br>mean of {arm.n} seeds" for arm in members],
            hovertemplate="%{text}: %{y:.2%}<extra></extra>"))
    if arms:
        _noise_band(figure, arms[0].interval().mean, band)
    axis = {"title": info.noun}
    if numeric:
        axis.update(type="log" if _log_axis(dimension, values) else "linear", tickvals=sorted(set(values)))
    else:
        axis.update(type="category")
    figure.update_layout(height=360, xaxis=axis, scattermode="group",
                         yaxis={"title": "test accuracy", "tickformat": ".2%"},
                         title={"text": "◆ mean of the seeds, bars: 95% interval; ● one seed",
                                "font": {"size": 12}},
                         legend={"orientation": "h", "y": -0.3, "title": {"text": "other fields"}},
                         showlegend=len(others) > 1, margin={"t": 40, "l": 60, "r": 20, "b": 50})
    return figure


def importance_figure(importances, evaluator: str, objective: str) -> go.Figure:
    """Each field's importance with its 90% bootstrap interval, said on the axis; the title
    names the evaluator. Fields read in words, their paths on hover."""
    names = [field_at(item.field).noun for item in importances][::-1]
    values = [item.importance for item in importances][::-1]
    figure = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=MEAN_COLOUR,
        customdata=[[item.field, item.low, item.high] for item in importances][::-1],
        hovertemplate="%{customdata[0]}: %{x:.2f} (90% interval %{customdata[1]:.2f} to "
                      "%{customdata[2]:.2f})<extra></extra>",
        error_x={"type": "data", "symmetric": False,
                 "array": [item.high - item.importance for item in importances][::-1],
                 "arrayminus": [item.importance - item.low for item in importances][::-1]}))
    figure.update_layout(height=120 + 40 * len(names),
                         xaxis={"title": "share of the variance explained; bars: 90% bootstrap interval",
                                "range": [0, 1], "tickformat": ".0%"},
                         title={"text": f"{evaluator}; objective: {objective}", "font": {"size": 13}},
                         margin={"t": 50, "l": 160, "r": 20, "b": 40})
    return figure


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both counts (lower cost, higher accuracy)."""
    return [index for index, (cost, accuracy) in enumerate(points)
            if not any(other_cost <= cost and other_accuracy >= accuracy
                       and (other_cost, other_accuracy) != (cost, accuracy)
                       for other_cost, other_accuracy in points)]


def pareto_figure(arms, cost: str, title: str, band: float | None) -> go.Figure:
    """Each arm's mean test accuracy against a cost (`params` or `train_seconds`); the Pareto
    front drawn as a line."""
    shown = [arm for arm in arms if arm.mean_of(cost) is not None]
    points = [(arm.mean_of(cost), arm.interval().mean) for arm in shown]
    front = sorted(pareto_front(points), key=lambda index: points[index][0])
    figure = go.Figure([
        go.Scatter(x=[cost_value for cost_value, _ in points], y=[accuracy for _, accuracy in points],
                   mode="markers", name="arms", marker={"color": SEED_COLOUR, "size": 10},
                   text=[arm.label for arm in shown],
                   hovertemplate="%{text}<br>%{x:,.4g}: %{y:.2%}<extra></extra>"),
        go.Scatter(x=[points[index][0] for index in front], y=[points[index][1] for index in front],
                   mode="lines+markers", name="Pareto front", marker={"color": FRONT_COLOUR, "size": 10},
                   text=[shown[index].label for index in front],
                   hovertemplate="%{text}<br>%{x:,.4g}: %{y:.2%}<extra></extra>"),
    ])
    if shown:
        _noise_band(figure, max(accuracy for _, accuracy in points), band)
    figure.update_layout(height=340, xaxis={"title": title, "type": "log" if cost == "params" else "linear"},
                         yaxis={"title": "mean test accuracy", "tickformat": ".2%"},
                         legend={"orientation": "h", "y": -0.25}, margin={"t": 30, "l": 60, "r": 20, "b": 50})
    return figure


def parallel_figure(study) -> go.Figure:
    """Optuna's parallel-coordinates plot of an in-memory study (`sweeps.search.scored_study`)
    whose values are test accuracies in percent, as in every other view."""
    from optuna.visualization import plot_parallel_coordinate

    figure = plot_parallel_coordinate(study, target_name="test accuracy (%)")
    figure.update_layout(height=380, title=None, margin={"t": 30, "l": 60, "r": 40, "b": 40})
    return figure
