"""The layer table's vocabulary: one layer (`LayerInfo`) and the `Walker` that infers them.

The walker follows the feature map through a network path by path: its size, channels,
jump (the stride so far) and receptive field. Branches save its state and restore it;
`merge` joins them again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mnist_lab.config import ConfigError
from mnist_lab.data import IMAGE_SHAPE

INPUT_NAME = "input"
OUTPUT_NAME = "output"  # the softmax layer: the classifier of the run's own digits
STRIDED_KERNEL = 3


@dataclass(frozen=True)
class LayerInfo:
    """One Keras layer: name, what it does, output shape, parameters, FLOPs, receptive field.

    `inputs` names the layers feeding it ("input" for the image); `branch` names the side
    path a layer sits on inside a block ("shortcut", "3x3", ...), empty on the main path.
    """

    name: str
    kind: str
    block: int | None
    output_shape: tuple[int, ...]
    params: int
    flops: int
    receptive_field: int
    detail: str = ""
    inputs: tuple[str, ...] = ()
    branch: str = ""


@dataclass(frozen=True)
class MapState:
    """Where a path through the network stands: its map, jump, receptive field, last layer."""

    height: int
    width: int
    channels: int
    jump: int
    receptive_field: int
    last: str


class Walker:
    """Walks the layers one path at a time; `state` is saved and restored around branches."""

    def __init__(self) -> None:
        self.state = MapState(*IMAGE_SHAPE, jump=1, receptive_field=1, last=INPUT_NAME)
        self.layers: list[LayerInfo] = []

    @property
    def side(self) -> int:
        return min(self.state.height, self.state.width)

    def add(self, name, kind, block, params, flops, detail="", shape=None, inputs=None,
            branch="") -> None:
        state = self.state
        shape = shape or (state.height, state.width, state.channels)
        self.layers.append(LayerInfo(name, kind, block, shape, params, flops, state.receptive_field,
                                     detail, tuple(inputs or (state.last,)), branch))
        self.state = replace(state, last=name)

    def conv(self, name, block, filters, kernel, stride, padding, activation, *, check_fit=True,
             branch="") -> None:
        if check_fit and kernel > self.side:
            raise ConfigError(
                f"block {block}: {kernel}x{kernel} kernel on a {self.side}x{self.side} feature map; "
                f"use a kernel of {self.side} or less, or remove a downsampling step"
            )
        state = self.state
        if padding == "valid":
            height, width = (state.height - kernel) // stride + 1, (state.width - kernel) // stride + 1
        else:
            height, width = -(-state.height // stride), -(-state.width // stride)
        params = kernel * kernel * state.channels * filters + filters
        flops = 2 * kernel * kernel * state.channels * filters * height * width
        self.state = replace(state, height=height, width=width, channels=filters,
                             receptive_field=state.receptive_field + (kernel - 1) * state.jump,
                             jump=state.jump * stride)
        stride_note = f", stride {stride}" if stride > 1 else ""
        self.add(name, "conv", block, params, flops,
                 f"{filters}@{kernel}x{kernel} {padding}{stride_note}, {activation}", branch=branch)

    def pool(self, name, block, mode, *, size=2, stride=2, branch="") -> None:
        """A `size`x`size` pooling: 'valid' when it halves the map, 'same' at stride 1."""
        if stride > 1 and self.side < size:
            raise ConfigError(
                f"block {block}: {mode} pooling cannot halve a "
                f"{self.state.height}x{self.state.width} feature map; set downsample to 'none'"
            )
        state = self.state
        self.state = replace(state, height=state.height // stride, width=state.width // stride,
                             receptive_field=state.receptive_field + (size - 1) * state.jump,
                             jump=state.jump * stride)
        out = self.state.height * self.state.width * self.state.channels
        detail = f"{size}x{size}" + (f", stride {stride}" if stride != size else "")
        self.add(name, f"{mode} pool", block, 0, size * size * out, detail, branch=branch)

    def elementwise(self, name, kind, block, params=0, detail="", branch="") -> None:
        state = self.state
        self.add(name, kind, block, params, state.height * state.width * state.channels, detail,
                 branch=branch)

    def merge(self, name, kind, block, ends: list[MapState], channels: int, detail="") -> None:
        """Join branches that kept the map's size: `add` sums them, `concat` stacks channels."""
        first = ends[0]
        self.state = replace(first, channels=channels,
                             receptive_field=max(end.receptive_field for end in ends))
        flops = first.height * first.width * channels * (len(ends) - 1) if kind == "add" else 0
        self.add(name, kind, block, 0, flops, detail, inputs=[end.last for end in ends])
