"""A study's results drawn: accuracy against each swept field, importance, Pareto fronts.

Every accuracy plot shows the noise floor: a grey band as wide as the spread of single-seed
results (`results.NoiseFloor.band`) under the best arm, so an arm inside it is not told apart
from the best. The numbers come from `mnist_lab.sweeps`; nothing here imports Streamlit.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

SEED_COLOUR, MEAN_COLOUR, FRONT_COLOUR, BAND_COLOUR = "#9aa5b1", "#3b5bdb", "#d62728", "rgba(150,150,150,0.2)"


def _value_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _noise_band(figure: go.Figure, best_mean: float, band: float | None) -> None:
    if band:
        figure.add_hrect(y0=best_mean - band, y1=best_mean, fillcolor=BAND_COLOUR, line_width=0,
                         annotation_text="within seed noise of the best",
                         annotation_position="bottom left")


def field_effect_figure(arms, field: str, band: float | None) -> go.Figure:
    """Test accuracy against one swept field: each seed as a dot, each arm's mean with its
    95% interval; other fields' values are in the hover text."""
    figure = go.Figure()
    for arm in arms:
        x = _value_text(arm.point[field])
        mean, _, low, high = arm.interval()
        figure.add_trace(go.Scatter(
            x=[x] * arm.n, y=arm.accuracies, mode="markers", showlegend=False,
            marker={"color": SEED_COLOUR, "size": 7},
            hovertemplate=f"{arm.label}<br>seed: %{{y:.2%}}<extra></extra>"))
        figure.add_trace(go.Scatter(
            x=[x], y=[mean], mode="markers", showlegend=False, marker={"color": MEAN_COLOUR, "size": 12,
                                                                          "symbol": "diamond"},
            error_y={"type": "data", "symmetric": False, "array": [high - mean], "arrayminus": [mean - low]},
            hovertemplate=f"{arm.label}<br>mean of {arm.n}: %{{y:.2%}}<extra></extra>"))
    if arms:
        _noise_band(figure, arms[0].interval()[0], band)
    figure.update_layout(height=340, xaxis={"title": field, "type": "category"},
                         yaxis={"title": "test accuracy", "tickformat": ".2%"},
                         margin={"t": 30, "l": 60, "r": 20, "b": 50})
    return figure


def importance_figure(importances, evaluator: str, objective: str) -> go.Figure:
    """Each field's importance with its bootstrap interval; the title names the evaluator."""
    names = [item.field for item in importances][::-1]
    values = [item.importance for item in importances][::-1]
    figure = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=MEAN_COLOUR,
        error_x={"type": "data", "symmetric": False,
                 "array": [item.high - item.importance for item in importances][::-1],
                 "arrayminus": [item.importance - item.low for item in importances][::-1]}))
    figure.update_layout(height=120 + 40 * len(names), xaxis={"title": "importance", "range": [0, 1]},
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
    points = [(arm.mean_of(cost), arm.interval()[0]) for arm in shown]
    front = sorted(pareto_front(points), key=lambda index: points[index][0])
    figure = go.Figure([
        go.Scatter(x=[cost_value for cost_value, _ in points], y=[accuracy for _, accuracy in points],
                   mode="markers", name="arms", marker={"color": SEED_COLOUR, "size": 10},
                   text=[arm.label for arm in shown],
                   hovertemplate="%{text}<br>%{x:,.4g}: %{y:.2%}<extra></extra>"),
        go.Scatter(x=[points[index][0] for index in front], y=[points[index][1] for index in front],
                   mode="lines+markers", name="Pareto front", marker={"color": FRONT_COLOUR, "size": 10}),
    ])
    if shown:
        _noise_band(figure, max(accuracy for _, accuracy in points), band)
    figure.update_layout(height=340, xaxis={"title": title, "type": "log" if cost == "params" else "linear"},
                         yaxis={"title": "mean test accuracy", "tickformat": ".2%"},
                         legend={"orientation": "h", "y": -0.25}, margin={"t": 30, "l": 60, "r": 20, "b": 50})
    return figure


def parallel_figure(study) -> go.Figure:
    """Optuna's parallel-coordinates plot of an in-memory study (`sweeps.search.scored_study`)."""
    from optuna.visualization import plot_parallel_coordinate

    figure = plot_parallel_coordinate(study, target_name="test accuracy")
    figure.update_layout(height=380, title=None, margin={"t": 30, "l": 60, "r": 40, "b": 40})
    return figure
