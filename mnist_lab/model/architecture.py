"""Check a config and infer its layer table before anything is built or trained.

`describe(config)` walks the same layer graph that `model.build.build_model` builds and returns
every layer's output shape, parameter count, FLOPs, receptive field and inputs. Impossible
configs raise `ConfigError` naming the block and the numbers. The layer names here are the
Keras layer names, so tests compare the two layer by layer, connections included.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from mnist_lab.config import RunConfig
from mnist_lab.data import NUM_CLASSES
from mnist_lab.model import blocks
from mnist_lab.model.layer_table import INPUT_NAME, OUTPUT_NAME, LayerInfo, Walker
from mnist_lab.model.validation import check_fields

# Augmentation layers, named after their config fields, with how their detail reads.
AUGMENTATIONS = (
    ("augment_rotation", "rotation ±{:g}°"),
    ("augment_translation", "shift ±{:g} of the side"),
    ("augment_zoom", "zoom ±{:g}"),
    ("augment_elastic", "elastic, strength {:g}"),
)


@dataclass(frozen=True)
class Architecture:
    """A checked config and its layer table: only `describe` makes one, so whatever holds an
    Architecture holds a config that passed every check (a copy of it, which later changes
    to the caller's config cannot reach)."""

    layers: list[LayerInfo]
    config: RunConfig

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def flops(self) -> int:
        return sum(layer.flops for layer in self.layers)

    def rows(self) -> list[dict]:
        """The layer table as plain rows; "from" is filled where a layer does not take the row above."""
        rows, previous = [], INPUT_NAME
        for layer in self.layers:
            rows.append({
                "layer": layer.name,
                "kind": layer.kind,
                "detail": layer.detail,
                "output": "x".join(str(size) for size in layer.output_shape),
                "params": layer.params,
                "flops": layer.flops,
                "receptive field": layer.receptive_field,
                "from": "" if layer.inputs == (previous,) else " + ".join(layer.inputs),
            })
            previous = layer.name
        return rows


def augmentation_steps(config: RunConfig) -> list[tuple[str, float, str]]:
    """(layer name, strength, detail) of each augmentation the config turns on, in model order."""
    return [(name, getattr(config, name), detail.format(getattr(config, name)) + ", training only")
            for name, detail in AUGMENTATIONS if getattr(config, name)]


def describe(config: RunConfig) -> Architecture:
    """Validate `config` and return its layer table; raises `ConfigError` if it cannot work."""
    check_fields(config)
    walk = Walker()
    for name, _, detail in augmentation_steps(config):
        # Off at inference, so no FLOPs are counted for a test image.
        walk.add(name, "augmentation", None, 0, 0, detail)
    for number, block in enumerate(config.blocks, 1):
        blocks.describe_block(walk, number, block)
    state = walk.state
    if config.global_pooling:
        features = state.channels
        walk.add("global_pool", "global avg pool", None, 0, state.height * state.width * features,
                 "mean of each channel", shape=(features,))
    else:
        features = state.height * state.width * state.channels
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
    walk.add(OUTPUT_NAME, "dense", None, features * NUM_CLASSES + NUM_CLASSES,
             2 * features * NUM_CLASSES, "10, softmax", shape=(NUM_CLASSES,))
    return Architecture(walk.layers, copy.deepcopy(config))


def checked(config: RunConfig | Architecture) -> Architecture:
    """An Architecture as it is; a bare RunConfig described here, for a caller that comes
    straight to a builder (a notebook, a test). The lab's own doors describe a config once
    and pass the Architecture on."""
    return config if isinstance(config, Architecture) else describe(config)
