"""The one typed config of a run: architecture and training settings, and its JSON round trip.

Every entry point (the CLI, the Train page, sweeps) produces a `RunConfig`, and every run
stores it. `mnist_lab.model.describe` checks a config and infers its layer table.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from mnist_lab.config._rules import ConfigError, choices_of, rule

ACTIVATION_CHOICES = ("relu", "tanh", "sigmoid", "elu", "gelu", "swish")
FILTERS_HELP = "output channels of each convolution (of each branch, in an inception block)"


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

    filters: int = rule(32, low=1, high=1024, label="Filters", help=FILTERS_HELP,
                        flag="--filters", counts=True, say="{v} filters")
    kernel_size: int = rule(3, low=1, high=28, label="Kernel", say="kernel {v}×{v}",
                            help="the side of each convolution's square kernel, in pixels",
                            flag="--kernel")
    convs: int = rule(1, low=1, high=8, label="Convs", flag="--convs", say="{v} convolutions",
                      help="convolutions in a row: one is a LeNet layer, several a VGG stack")
    activation: str = rule("relu", choices=ACTIVATION_CHOICES, names=True, flag="--activation",
                           help="the activation after every convolution and dense layer")
    padding: str = rule("same", choices=("same", "valid"), flag="--padding",
                        help="'same' keeps the map's size; 'valid' shrinks it by the kernel less one")
    downsample: str = rule("max", choices={"max": "max pooling", "avg": "average pooling",
                                           "strided": "stride-2 convolution", "none": "none"},
                           label="Halve the map by", flag="--downsample", value_word="mode",
                           help="2x2 max or average pooling, a 3x3 stride-2 convolution, or none")
    batch_norm: bool = rule(False, label="Batch norm", flag="--batch-norm",
                            help="batch norm between every convolution and its activation")
    dropout: float = rule(0.0, low=0.0, high=1.0, open_high=True, step=0.05, flag="--dropout",
                          help="dropout after the block")
    kind: str = rule("plain", choices={"plain": "plain (VGG stack)", "residual": "residual",
                                       "inception": "inception"}, flag="--kind",
                     help="plain convolutions, a residual block or an inception module")
    # `kind` comes last, so that positional construction keeps its meaning


@dataclass
class DenseLayer:
    """One hidden dense layer of the head."""

    units: int = rule(128, low=1, high=16384, flag="--dense", counts=True, say="{v} units",
                      help="the layer's units")
    activation: str = rule("relu", choices=ACTIVATION_CHOICES, names=True, flag="--activation",
                           help="the layer's activation")
    dropout: float = rule(0.0, low=0.0, high=1.0, open_high=True, step=0.05,
                          help="dropout after the layer")


SHARE_OF_SIDE = "of the image side"


@dataclass
class RunConfig:
    """Everything a run needs. Defaults are the classic recipe's training settings.

    Augmentation (`augment_*`) runs inside the model, only while training: rotation in
    degrees (up to either side), translation and zoom as a share of the image side, and
    `augment_elastic` the strength (0 to 1) of Keras's RandomElasticTransform.
    `global_pooling` averages each channel over the last map (GlobalAveragePooling2D)
    instead of flattening it. `classes` restricts training, validation and test to those
    digits (the output keeps 10 units). `init_from` names a saved run whose weights start
    this one: "fine-tune" copies every layer whose name and weight shapes match, trains the
    dense head for `head_epochs` with the copied convolution blocks frozen, then everything at
    `fine_tune_rate` times the rate, as Keras's transfer-learning guide does; "freeze-base"
    copies only the matching convolution blocks, freezes them and trains a new dense head.
    """

    blocks: list[ConvBlock] = rule(factory=list, help="the convolution blocks, in order")
    dense: list[DenseLayer] = rule(factory=list, help="the hidden dense layers, in order")
    head_dropout: float = rule(0.0, low=0.0, high=1.0, open_high=True, step=0.05,
                               label="Dropout before the output",
                               help="dropout before the output layer")
    global_pooling: bool = rule(
        False, label="Average each channel instead of flattening (global pooling)",
        help="average each channel of the last map instead of flattening it")
    optimizer: str = rule("sgd", choices=("sgd", "adam"), names=True,
                          help="SGD with momentum, or Adam with its betas")
    learning_rate: float = rule(0.01, low=0.0, high=10.0, open_low=True, form_low=1e-6, step=0.001,
                                help="the base learning rate; the schedule scales it")
    momentum: float = rule(0.9, low=0.0, high=1.0, open_high=True, step=0.01,
                           help="SGD's momentum")
    beta_1: float = rule(0.9, low=0.0, high=1.0, open_high=True, step=0.001, noun="beta_1",
                         label="Adam beta 1", help="Adam's first-moment decay")
    beta_2: float = rule(0.999, low=0.0, high=1.0, open_high=True, step=0.0001, noun="beta_2",
                         label="Adam beta 2", help="Adam's second-moment decay")
    weight_decay: float = rule(0.0, low=0.0, high=0.1, step=0.0001,
                               help="decoupled weight decay (0 for none)")
    label_smoothing: float = rule(0.0, low=0.0, high=0.5, step=0.05,
                                  help="label smoothing of the cross-entropy loss (0 for none)")
    schedule: str = rule("constant", choices=("constant", "step", "cosine", "one-cycle"), names=True,
                         help="the rate over training: constant; step (a tenth from half-way, a "
                         "hundredth from three quarters); cosine; one-cycle")
    epochs: int = rule(10, low=1, high=1000, help="passes over the training images")
    batch_size: int = rule(32, low=1, high=60000, help="images per training step")
    # Keras's default: larger networks gained nothing measurable from more (1.03-1.1x, within
    # the noise), and a stop waits for the call it comes in to end.
    steps_per_execution: int = rule(
        1, low=1, high=1000, label="Steps per call",
        help="training steps per call into TensorFlow: fewer Python round trips for small, fast "
        "steps; stop, pause and batch points act between calls; the math is the same")
    validation_split: float = rule(0.1, low=0.0, high=0.5, step=0.05, noun="validation share",
                                   help="share of the training images held out for validation")
    subset: int | None = rule(None, low=1, high=6000, unit="images per class",
                              label="Images per class (0: all)",
                              help="train on this many images of each digit (none: all)")
    classes: list[int] | None = rule(None, label="Digits (none: all ten)",
                                     help="learn and test these digits only, e.g. 0-4 or 1,7")
    augment_rotation: float = rule(0.0, low=0.0, high=180.0, unit="degrees", form_high=45.0,
                                   step=1.0, label="Rotation (degrees either way)",
                                   help="random rotation while training, degrees either way")
    augment_translation: float = rule(0.0, low=0.0, high=0.5, unit=SHARE_OF_SIDE, step=0.02,
                                      label="Shift (share of the side)",
                                      help="random shift while training")
    augment_zoom: float = rule(0.0, low=0.0, high=0.5, unit=SHARE_OF_SIDE, step=0.02,
                               label="Zoom (share of the side)", help="random zoom while training")
    augment_elastic: float = rule(0.0, low=0.0, high=1.0, step=0.05,
                                  label="Elastic distortion (strength)",
                                  help="strength of Keras's random elastic distortion while training")
    init_from: str | None = rule(None, noun="init from", label="Start from run…",
                                 help="a finished run whose saved weights start this one")
    transfer: str = rule("fine-tune", choices={"fine-tune": "fine-tune everything",
                                               "freeze-base": "freeze the base, train a new head"},
                         help="with init_from: train every copied layer, or freeze the copied blocks")
    head_epochs: int | None = rule(None, low=1, high=1000, label="Head alone for (epochs, 0: half)",
                                   help="fine-tune: epochs that train the dense head with the copied "
                                   "convolution blocks frozen, before everything trains (default: "
                                   "half the epochs)")
    fine_tune_rate: float = rule(0.1, low=0.0, high=1.0, open_low=True, step=0.01,
                                 label="Then the rate ×",
                                 help="fine-tune: the rate once everything trains, as a share of "
                                 "the rate it would have had")
    seed: int = rule(0, low=0, high=2**32 - 1,
                     help="seeds the weights, the shuffling, the split and the subset")
    # k-fold cross-validation: this run holds fold `fold` (1..folds) of the training images out
    # and saves their probabilities, so k such runs give out-of-sample probabilities for all.
    folds: int | None = rule(None, low=2, high=20, help="k-fold runs: how many folds (with fold)")
    fold: int | None = rule(None, help="k-fold runs: the fold (1..folds) this run holds out")
    preset: str | None = rule(None, flag="", help="the preset this config started from: a label, "
                              "not a setting")

    @property
    def fine_tunes(self) -> bool:
        """Starts from a saved run's weights and trains the copied layers too (in two phases)."""
        return self.init_from is not None and self.transfer == "fine-tune"

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


# The choices of each choice field, as the rules list them.
ACTIVATIONS = choices_of(ConvBlock, "activation")
DOWNSAMPLING = choices_of(ConvBlock, "downsample")
PADDINGS = choices_of(ConvBlock, "padding")
BLOCK_KINDS = choices_of(ConvBlock, "kind")
OPTIMIZERS = choices_of(RunConfig, "optimizer")
SCHEDULES = choices_of(RunConfig, "schedule")
TRANSFER_MODES = choices_of(RunConfig, "transfer")
