"""Check a config and infer its layer table before anything is built or trained.

`describe(config)` walks the same layer sequence that `model.build.build_model` builds and returns
every layer's output shape, parameter count, FLOPs and receptive field. Impossible configs
raise `ConfigError` naming the block and the numbers. The layer names here are the Keras
layer names, so tests compare the two layer by layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mnist_lab.config import (
    ACTIVATIONS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    ConfigError,
    RunConfig,
)
from mnist_lab.data import IMAGE_SHAPE, NUM_CLASSES

STRIDED_KERNEL = 3
MAX_FOLDS = 20  # k-fold cross-validation: 2..MAX_FOLDS folds
MAX_SEED = 2**32 - 1
PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


@dataclass(frozen=True)
class LayerInfo:
    """One Keras layer: its name, what it does, output shape, parameters, FLOPs, receptive field."""

    name: str
    kind: str
    block: int | None
    output_shape: tuple[int, ...]
    params: int
    flops: int
    receptive_field: int
    detail: str = ""


@dataclass(frozen=True)
class Architecture:
    layers: list[LayerInfo]

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def flops(self) -> int:
        return sum(layer.flops for layer in self.layers)

    def rows(self) -> list[dict]:
        """The layer table as plain rows, for printing or a dataframe."""
        return [
            {
                "layer": layer.name,
                "kind": layer.kind,
                "detail": layer.detail,
                "output": "x".join(str(size) for size in layer.output_shape),
                "params": layer.params,
                "flops": layer.flops,
                "receptive field": layer.receptive_field,
            }
            for layer in self.layers
        ]


class _Walker:
    """Tracks the feature map (height, width, channels), jump and receptive field."""

    def __init__(self) -> None:
        self.height, self.width, self.channels = IMAGE_SHAPE
        self.jump = 1
        self.receptive_field = 1
        self.layers: list[LayerInfo] = []

    def add(self, name, kind, block, params, flops, detail="", shape=None) -> None:
        shape = shape or (self.height, self.width, self.channels)
        self.layers.append(
            LayerInfo(name, kind, block, shape, params, flops, self.receptive_field, detail)
        )

    def conv(self, name, block, filters, kernel, stride, padding, activation, check_fit=True):
        size = min(self.height, self.width)
        if check_fit and kernel > size:
            raise ConfigError(
                f"block {block}: {kernel}x{kernel} kernel on a {size}x{size} feature map; "
                f"use a kernel of {size} or less, or remove a downsampling step"
            )
        if padding == "valid":
            self.height = (self.height - kernel) // stride + 1
            self.width = (self.width - kernel) // stride + 1
        else:
            self.height = -(-self.height // stride)
            self.width = -(-self.width // stride)
        params = kernel * kernel * self.channels * filters + filters
        flops = 2 * kernel * kernel * self.channels * filters * self.height * self.width
        self.receptive_field += (kernel - 1) * self.jump
        self.jump *= stride
        self.channels = filters
        stride_note = f", stride {stride}" if stride > 1 else ""
        self.add(name, "conv", block, params, flops,
                 f"{filters}@{kernel}x{kernel} {padding}{stride_note}, {activation}")

    def pool(self, name, block, mode) -> None:
        if min(self.height, self.width) < 2:
            raise ConfigError(
                f"block {block}: {mode} pooling cannot halve a "
                f"{self.height}x{self.width} feature map; set downsample to 'none'"
            )
        self.height //= 2
        self.width //= 2
        self.receptive_field += self.jump
        self.jump *= 2
        self.add(name, f"{mode} pool", block, 0, 4 * self.height * self.width * self.channels,
                 "2x2")

    def elementwise(self, name, kind, block, params=0, detail="") -> None:
        self.add(name, kind, block, params, self.height * self.width * self.channels, detail)


def _check_fields(config: RunConfig) -> None:
    def require(condition: bool, message: str) -> None:
        if not condition:
            raise ConfigError(message)

    for number, block in enumerate(config.blocks, 1):
        where = f"block {number}"
        require(1 <= block.filters <= 1024, f"{where}: filters must be 1..1024, got {block.filters}")
        require(1 <= block.kernel_size <= 28,
                f"{where}: kernel size must be 1..28, got {block.kernel_size}")
        require(1 <= block.convs <= 8, f"{where}: convs must be 1..8, got {block.convs}")
        require(block.activation in ACTIVATIONS,
                f"{where}: unknown activation '{block.activation}'; use one of {ACTIVATIONS}")
        require(block.padding in PADDINGS,
                f"{where}: padding must be one of {PADDINGS}, got '{block.padding}'")
        require(block.downsample in DOWNSAMPLING,
                f"{where}: downsample must be one of {DOWNSAMPLING}, got '{block.downsample}'")
        require(0.0 <= block.dropout < 1.0, f"{where}: dropout must be in [0, 1), got {block.dropout}")
    for number, layer in enumerate(config.dense, 1):
        where = f"dense layer {number}"
        require(1 <= layer.units <= 16384, f"{where}: units must be 1..16384, got {layer.units}")
        require(layer.activation in ACTIVATIONS,
                f"{where}: unknown activation '{layer.activation}'; use one of {ACTIVATIONS}")
        require(0.0 <= layer.dropout < 1.0, f"{where}: dropout must be in [0, 1), got {layer.dropout}")
    require(0.0 <= config.head_dropout < 1.0,
            f"head dropout must be in [0, 1), got {config.head_dropout}")
    require(config.optimizer in OPTIMIZERS,
            f"unknown optimizer '{config.optimizer}'; use one of {OPTIMIZERS}")
    require(config.schedule in SCHEDULES,
            f"unknown schedule '{config.schedule}'; use one of {SCHEDULES}")
    require(0.0 < config.learning_rate <= 10.0,
            f"learning rate must be in (0, 10], got {config.learning_rate}")
    require(0.0 <= config.momentum < 1.0, f"momentum must be in [0, 1), got {config.momentum}")
    require(0.0 <= config.weight_decay <= 0.1,
            f"weight decay must be in [0, 0.1], got {config.weight_decay}")
    require(1 <= config.epochs <= 1000, f"epochs must be 1..1000, got {config.epochs}")
    require(1 <= config.batch_size <= 60000, f"batch size must be 1..60000, got {config.batch_size}")
    require(0.0 <= config.validation_split <= 0.5,
            f"validation share must be in [0, 0.5], got {config.validation_split}")
    require(config.subset is None or 1 <= config.subset <= 6000,
            f"subset must be 1..6000 images per class, got {config.subset}")
    # Training seeds NumPy's legacy generator, which takes 0..2**32 - 1 only.
    require(0 <= config.seed <= MAX_SEED, f"seed must be 0..{MAX_SEED}, got {config.seed}")
    # A label for people and the Keras model's name, which must not hold a "/".
    require(config.preset is None or PRESET_NAME.fullmatch(config.preset) is not None,
            f"preset must be a preset's name (1-40 letters, digits, . _ -), got {config.preset!r}")
    _check_folds(config)



def _check_folds(config: RunConfig) -> None:
    """Both fold fields or neither; a fold of 1..folds; enough images of each digit per fold."""
    folds, fold = config.folds, config.fold
    if folds is None:
        problem = (f"fold: set folds too (how many folds, 2..{MAX_FOLDS}), or leave fold unset"
                   if fold is not None else None)
    elif not 2 <= folds <= MAX_FOLDS:
        problem = f"folds must be 2..{MAX_FOLDS}, got {folds}"
    elif fold is None:
        problem = f"fold: a run of {folds} folds must say which fold it holds out (1..{folds})"
    elif not 1 <= fold <= folds:
        problem = f"fold must be 1..{folds} (one of the {folds} folds), got {fold}"
    elif config.subset is not None and config.subset < folds:
        problem = (f"folds: {folds} folds need at least {folds} images of each digit; "
                   f"raise subset to {folds} or more")
    else:
        problem = None
    if problem:
        raise ConfigError(problem)


def describe(config: RunConfig) -> Architecture:
    """Validate `config` and return its layer table; raises `ConfigError` if it cannot work."""
    _check_fields(config)
    walk = _Walker()
    for number, block in enumerate(config.blocks, 1):
        prefix = f"block{number}"
        for index in range(1, block.convs + 1):
            activation = "linear" if block.batch_norm else block.activation
            walk.conv(f"{prefix}_conv{index}", number, block.filters, block.kernel_size, 1,
                      block.padding, activation)
            if block.batch_norm:
                walk.elementwise(f"{prefix}_bn{index}", "batch norm", number, 4 * block.filters)
                walk.elementwise(f"{prefix}_act{index}", "activation", number,
                                 detail=block.activation)
        if block.downsample in ("max", "avg"):
            walk.pool(f"{prefix}_pool", number, block.downsample)
        elif block.downsample == "strided":
            if min(walk.height, walk.width) < 2:
                raise ConfigError(
                    f"block {number}: a stride-2 convolution cannot halve a "
                    f"{walk.height}x{walk.width} feature map; set downsample to 'none'"
                )
            walk.conv(f"{prefix}_down", number, block.filters, STRIDED_KERNEL, 2, "same",
                      block.activation, check_fit=False)
        if block.dropout:
            walk.elementwise(f"{prefix}_dropout", "dropout", number, detail=f"{block.dropout:g}")
    features = walk.height * walk.width * walk.channels
    walk.add("flatten", "flatten", None, 0, 0, shape=(features,))
    for number, layer in enumerate(config.dense, 1):
        walk.add(f"dense{number}", "dense", None, features * layer.units + layer.units,
                 2 * features * layer.units, f"{layer.units}, {layer.activation}",
                 shape=(layer.units,))
        features = layer.units
        if layer.dropout:
            walk.add(f"dense{number}_dropout", "dropout", None, 0, features,
                     f"{layer.dropout:g}", shape=(features,))
    if config.head_dropout:
        walk.add("head_dropout", "dropout", None, 0, features, f"{config.head_dropout:g}",
                 shape=(features,))
    walk.add("output", "dense", None, features * NUM_CLASSES + NUM_CLASSES,
             2 * features * NUM_CLASSES, "10, softmax", shape=(NUM_CLASSES,))
    return Architecture(walk.layers)
