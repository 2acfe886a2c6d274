"""The one typed config of a run: architecture and training settings, and its JSON round trip.

Every entry point (the CLI, the Train page, sweeps) produces a `RunConfig`, and every run
stores it. `mnist_lab.model.describe` checks a config and infers its layer table.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu", "swish")
DOWNSAMPLING = ("max", "avg", "strided", "none")
PADDINGS = ("same", "valid")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "step", "cosine", "one-cycle")
BLOCK_KINDS = ("plain", "residual", "inception")
TRANSFER_MODES = ("fine-tune", "freeze-base")


class ConfigError(ValueError):
    """A config that cannot be built or trained; the message names the field and the fix."""


@dataclass
class ConvBlock:
    """One block of a network: its body by `kind`, then one way to halve the map, then dropout.

    - "plain": `convs` convolutions in a row (a VGG stack when more than one).
    - "residual": `convs` convolutions (two in a ResNet basic block) with a shortcut around
      them, added before the last activation: the identity when the channels match, else a
      1x1 convolution (a projection). Needs padding "same".
    - "inception": four branches side by side, concatenated: 1x1, 3x3 and 5x5 convolutions
      and a 3x3 max pool followed by a 1x1 convolution, `filters` each (so 4 x `filters`
      channels out). `kernel_size` and `convs` are not used. Needs padding "same".

    `downsample`: "max" or "avg" pooling (2x2), "strided" (a 3x3 convolution with stride 2
    in place of pooling) or "none". `batch_norm` puts batch norm between every convolution
    and its activation, in every kind.
    """

    filters: int = 32
    kernel_size: int = 3
    convs: int = 1
    activation: str = "relu"
    padding: str = "same"
    downsample: str = "max"
    batch_norm: bool = False
    dropout: float = 0.0
    kind: str = "plain"  # last, so that positional construction keeps its meaning


@dataclass
class DenseLayer:
    units: int = 128
    activation: str = "relu"
    dropout: float = 0.0


@dataclass
class RunConfig:
    """Everything a run needs. Defaults are the classic recipe's training settings.

    Augmentation (`augment_*`) runs inside the model, only while training: rotation in
    degrees (up to either side), translation and zoom as a share of the image side, and
    `augment_elastic` the strength (0 to 1) of Keras's RandomElasticTransform.
    `global_pooling` averages each channel over the last map (GlobalAveragePooling2D)
    instead of flattening it. `classes` restricts training, validation and test to those
    digits (the output keeps 10 units). `init_from` names a saved run whose weights start
    this one: "fine-tune" copies every layer whose name and weight shapes match and trains
    everything (at this config's learning rate: give it a lower one); "freeze-base" copies
    only the matching convolution blocks, freezes them and trains a new dense head.
    """

    blocks: list[ConvBlock] = field(default_factory=list)
    dense: list[DenseLayer] = field(default_factory=list)
    head_dropout: float = 0.0
    global_pooling: bool = False
    optimizer: str = "sgd"
    learning_rate: float = 0.01
    momentum: float = 0.9
    beta_1: float = 0.9
    beta_2: float = 0.999
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    schedule: str = "constant"
    epochs: int = 10
    batch_size: int = 32
    validation_split: float = 0.1
    subset: int | None = None
    classes: list[int] | None = None
    augment_rotation: float = 0.0
    augment_translation: float = 0.0
    augment_zoom: float = 0.0
    augment_elastic: float = 0.0
    init_from: str | None = None
    transfer: str = "fine-tune"
    seed: int = 0
    # k-fold cross-validation: this run holds fold `fold` (1..folds) of the training images out
    # and saves their probabilities, so k such runs give out-of-sample probabilities for all.
    folds: int | None = None
    fold: int | None = None
    preset: str | None = None

    @property
    def augmented(self) -> bool:
        return any((self.augment_rotation, self.augment_translation, self.augment_zoom,
                    self.augment_elastic))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """Build from plain data, refusing unknown fields and wrong types by name."""
        if not isinstance(data, dict):
            raise ConfigError(f"a config must be a JSON object, got {type(data).__name__}")
        values = _checked_fields(cls, data, "config")
        values["blocks"] = [
            ConvBlock(**_checked_fields(ConvBlock, item, f"block {number}"))
            for number, item in enumerate(_as_list(values.get("blocks", []), "blocks"), 1)
        ]
        values["dense"] = [
            DenseLayer(**_checked_fields(DenseLayer, item, f"dense layer {number}"))
            for number, item in enumerate(_as_list(values.get("dense", []), "dense"), 1)
        ]
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"the config is not valid JSON: {error}") from None
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> RunConfig:
        """A deep copy with some top-level fields changed."""
        updated = copy.deepcopy(self)
        for name, value in changes.items():
            if name not in {item.name for item in fields(self)}:
                raise ConfigError(f"unknown config field '{name}'")
            setattr(updated, name, value)
        return updated


_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str": (str,),
    "int | None": (int, type(None)),
    "str | None": (str, type(None)),
    "list[int] | None": (list, type(None)),
}
# Fields holding lists: the type their items must have.
_ITEM_TYPES: dict[str, type] = {"list[int] | None": int}


def _checked_fields(cls: type, data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be an object, got {type(data).__name__}")
    known = {item.name: item for item in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: unknown field '{unknown[0]}'; known fields: {', '.join(known)}"
        )
    for name, value in data.items():
        allowed = _TYPES.get(str(known[name].type))
        wrong_bool = isinstance(value, bool) and bool not in (allowed or ())
        item_type = _ITEM_TYPES.get(str(known[name].type))
        wrong_item = isinstance(value, list) and item_type is not None and any(
            isinstance(item, bool) or not isinstance(item, item_type) for item in value)
        if allowed is not None and (wrong_bool or wrong_item or not isinstance(value, allowed)):
            raise ConfigError(
                f"{where}: {name} must be {known[name].type}, got {value!r}"
            )
    return dict(data)


def _as_list(value: Any, name: str) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{name} must be a list, got {type(value).__name__}")
    return value
