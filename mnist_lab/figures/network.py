"""A network drawn as its feature maps: how they shrink, where they branch and merge again.

Each map-changing layer (convolution, pooling, addition, concatenation) is a node, as large
as its map's side; lines follow the data. Branches sit on their own lanes: an inception
block's four side by side around the main line, a residual block's shortcut below it (an
identity shortcut is a line that jumps the block).
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from mnist_lab.data import IMAGE_SHAPE
from mnist_lab.model import INPUT_NAME, Architecture, LayerInfo

# Layers that keep their input's map: left out of the drawing, their edges passed through.
PASS_THROUGH = ("batch norm", "activation", "dropout", "augmentation")
MERGES = ("add", "concat")
# The node groups, each one trace in the legend: name -> (layer kinds, colour).
GROUPS = {"input": ((), "#7f7f7f"), "convolution": (("conv",), "#1f77b4"),
          "pooling": (("max pool", "avg pool"), "#ff7f0e"), "addition or concatenation": (MERGES, "#2ca02c")}


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    column: int
    lane: float
    shape: tuple[int, int, int]
    text: str


def _lanes(layers: list[LayerInfo]) -> dict[str, float]:
    """Each layer's lane: 0 on the main line; per block, its branches around or below it."""
    lanes = {layer.name: 0.0 for layer in layers}
    for block in {layer.block for layer in layers if layer.branch}:
        inside = [layer for layer in layers if layer.block == block]
        branches = list(dict.fromkeys(layer.branch for layer in inside if layer.branch))
        merge = next(index for index, layer in enumerate(inside) if layer.kind in MERGES)
        # A residual block's main line runs through the block: its shortcut goes below.
        # An inception block has only branches: they are centred on the line.
        main_line = any(not layer.branch for layer in inside[:merge])
        for index, branch in enumerate(branches):
            lane = -1.0 - index if main_line else (len(branches) - 1) / 2 - index
            lanes.update({layer.name: lane for layer in inside if layer.branch == branch})
    return lanes


def network_layout(architecture: Architecture) -> tuple[list[Node], list[tuple[str, str]]]:
    """The drawing's nodes (input first) and edges (from, to) between them.

    A node's column is its depth: one more than the deepest node feeding it.
    """
    spatial = [layer for layer in architecture.layers if len(layer.output_shape) == 3]
    lanes = _lanes(spatial)
    source = {INPUT_NAME: (INPUT_NAME,)}  # layer -> the drawn nodes its output comes from
    column = {INPUT_NAME: 0}
    nodes = [Node(INPUT_NAME, "input", 0, 0.0, IMAGE_SHAPE, "x".join(map(str, IMAGE_SHAPE)))]
    edges: list[tuple[str, str]] = []
    for layer in spatial:
        feeding = tuple(dict.fromkeys(node for name in layer.inputs for node in source[name]))
        if layer.kind in PASS_THROUGH:
            source[layer.name] = feeding
            continue
        source[layer.name] = (layer.name,)
        column[layer.name] = 1 + max(column[node] for node in feeding)
        nodes.append(Node(layer.name, layer.kind, column[layer.name], lanes[layer.name],
                          layer.output_shape, "x".join(map(str, layer.output_shape))))
        edges += [(node, layer.name) for node in feeding]
    return nodes, edges


def _edge_points(start: Node, end: Node) -> tuple[list[float], list[float]]:
    """A line between two nodes; a jump over a block on the main line bends below it."""
    if start.lane == end.lane == 0 and end.column - start.column > 1:
        return ([start.column, start.column + 0.5, end.column - 0.5, end.column],
                [0.0, -1.0, -1.0, 0.0])
    return [start.column, end.column], [start.lane, end.lane]


def feature_map_figure(architecture: Architecture) -> go.Figure:
    """The network's feature maps as a graph: node size follows the map's side.

    Parameters
    ----------
    architecture : Architecture
        From `mnist_lab.model.describe`.

    Returns
    -------
    figure : plotly.graph_objects.Figure
        Grey lines for the edges (one trace), then one trace of nodes per group of
        `GROUPS` present (input, convolution, pooling, addition or concatenation) whose x
        is the column, y the lane, text the map's shape and customdata the layer's name.
    """
    nodes, edges = network_layout(architecture)
    by_name = {node.name: node for node in nodes}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for start, end in edges:
        line_x, line_y = _edge_points(by_name[start], by_name[end])
        xs += [*line_x, None]
        ys += [*line_y, None]
    figure = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                  line={"color": "#9e9e9e", "width": 1.5}))
    for group, (kinds, colour) in GROUPS.items():
        members = [node for node in nodes if node.kind in kinds or node.kind == group]
        if not members:
            continue
        figure.add_trace(go.Scatter(
            x=[node.column for node in members], y=[node.lane for node in members],
            mode="markers+text", name=group, text=[node.text for node in members],
            textposition="top center", customdata=[node.name for node in members],
            hovertemplate="%{customdata}<br>%{text}<extra></extra>",
            marker={"size": [8 + node.shape[0] for node in members], "color": colour,
                    "symbol": "square"},
        ))
    lanes = [node.lane for node in nodes]
    figure.update_layout(
        height=220 + 50 * (max(lanes) - min(lanes)), title="How the feature maps flow and shrink",
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.05},
        xaxis={"visible": False}, yaxis={"visible": False, "range": [min(lanes) - 0.8, max(lanes) + 0.8]},
    )
    return figure
