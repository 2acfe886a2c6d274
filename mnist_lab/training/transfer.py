"""Transfer learning: start a model from a saved run's weights.

Layers are matched by name (the names follow the config, so `block2_conv1` is the same layer
in both) and copied only when every weight has the same shape. The output layer always
starts new: it is the parent's classifier of its own digits, and a copied one kept
predicting them (0% on 5-9 after 16 fine-tuning steps from a 0-4 parent).

Both modes copy the base (the convolution blocks), freeze it (batch norm then keeps its
learned statistics) and train a new dense head, as Keras's transfer-learning guide does.
"freeze-base" stops there; "fine-tune" then unfreezes the base and trains everything at a
fraction of the rate, copied batch norm staying in inference mode. Fine-tuning in one phase
at one low rate, every matching layer copied, scored worst in the transfer demo (91-96% on
5-9 against a frozen base's 97-98%, and 0% in the benchmark's quick mode); copying the dense
layers too, in two phases, still scored below the frozen base (96.4-97.3%): a dense layer
tuned to tell 0-4 apart is a worse start for 5-9 than a new one. A fine-tune of one epoch
has no second phase and copies every matching layer but the output.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import keras

from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.model import OUTPUT_NAME, describe, saved


@dataclass(frozen=True)
class Transfer:
    """What came from the parent: layers copied, layers frozen, layers left new."""

    parent: str
    copied: tuple[str, ...]
    frozen: tuple[str, ...]
    new: tuple[str, ...]

    def summary(self) -> dict:
        return {"copied_layers": list(self.copied), "frozen_layers": list(self.frozen)}


def head_epochs(config: RunConfig) -> int | None:
    """The epochs a fine-tune trains its head alone, before the copied base trains too
    (the config's, else half the epochs); None for a run that trains in one phase."""
    if not config.fine_tunes or config.epochs < 2:
        return None
    return config.head_epochs or max(1, config.epochs // 2)


def unfreeze(model: keras.Model, transfer: Transfer) -> list[str]:
    """Let the copied layers train, except batch norm, which keeps its statistics and runs
    in inference mode (the guide's advice: updating them wrecks what was learned)."""
    thawed = []
    for name in transfer.frozen:
        layer = model.get_layer(name)
        if not isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = True
            thawed.append(name)
    return thawed


def base_layers(config: RunConfig) -> set[str]:
    """The names of the layers inside convolution blocks: the base that "freeze-base" freezes."""
    return {layer.name for layer in describe(config).layers if layer.block is not None}


def copy_matching(model: keras.Model, parent: keras.Model, config: RunConfig,
                  parent_id: str = "") -> Transfer:
    """Copy `parent`'s weights into `model` where names and shapes match, and freeze the copied
    base: for good with "freeze-base", until `unfreeze` with "fine-tune"."""
    # A single-phase fine-tune (one epoch) keeps the old rule: every matching layer, none frozen.
    base_only = config.transfer == "freeze-base" or head_epochs(config) is not None
    candidates = base_layers(config) if base_only else {
        layer.name for layer in model.layers if layer.name != OUTPUT_NAME}
    parent_layers = {layer.name: layer for layer in parent.layers}
    copied, new = [], []
    for layer in model.layers:
        if not layer.weights:
            continue
        source = parent_layers.get(layer.name)
        shapes = [tuple(weight.shape) for weight in layer.weights]
        if layer.name in candidates and source is not None and shapes == [
                tuple(weight.shape) for weight in source.weights]:
            layer.set_weights(source.get_weights())
            copied.append(layer.name)
        else:
            new.append(layer.name)
    frozen = copied if base_only else []
    for name in frozen:
        model.get_layer(name).trainable = False
    return Transfer(parent_id, tuple(copied), tuple(frozen), tuple(new))


def initialize(model: keras.Model, config: RunConfig, parent_model: Path | None) -> Transfer | None:
    """Start `model` from `parent_model`, the saved model of the run `config.init_from` names
    (found by whoever starts the training); None when it starts fresh."""
    if config.init_from is None:
        return None
    if parent_model is None:
        raise ConfigError(f"init from: run {config.init_from}'s saved model was not given to train")
    parent = saved.load_model(parent_model, compile=False)
    transfer = copy_matching(model, parent, config, config.init_from)
    print(f"started from run {transfer.parent} ({config.transfer}): copied "
          f"{', '.join(transfer.copied) or 'nothing'}; frozen {', '.join(transfer.frozen) or 'nothing'}; "
          f"new {', '.join(transfer.new) or 'nothing'}", file=sys.stderr, flush=True)
    return transfer
