"""The Train form's widgets, part by part: each block by its kind, the dense head, training,
data and augmentation, and the run to start from. Each function draws its widgets, seeded
from the chosen config, and returns that part of the config.
"""

from __future__ import annotations

import streamlit as st

from app.common import get_store
from app.form_limits import BLOCK_LIMITS, DENSE_LIMITS, RUN_LIMITS
from mnist_lab.config import (
    ACTIVATIONS,
    BLOCK_KINDS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    TRANSFER_MODES,
    ConvBlock,
    DenseLayer,
    RunConfig,
)
from mnist_lab.data import NUM_CLASSES
from mnist_lab.store import FINISHED, artifacts

PREFIX = "cfg_"
DOWNSAMPLE_LABELS = {"max": "max pooling", "avg": "average pooling",
                     "strided": "stride-2 convolution", "none": "none"}
KIND_LABELS = {"plain": "plain (VGG stack)", "residual": "residual", "inception": "inception"}
TRANSFER_LABELS = {"fine-tune": "fine-tune everything", "freeze-base": "freeze the base, train a new head"}
NO_PARENT = ""


def seed(key: str, value) -> str:
    """A widget key whose first value comes from the chosen config."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _plain(key: str, block: ConvBlock) -> dict:
    left, middle, right = st.columns(3)
    return {"filters": left.number_input("Filters", *BLOCK_LIMITS["filters"],
                                         key=seed(key + "filters", block.filters)),
            "kernel_size": middle.number_input("Kernel", *BLOCK_LIMITS["kernel_size"],
                                               key=seed(key + "kernel", block.kernel_size)),
            "convs": right.number_input("Convs", *BLOCK_LIMITS["convs"],
                                        key=seed(key + "convs", block.convs)),
            "padding": st.selectbox("Padding", PADDINGS, key=seed(key + "padding", block.padding))}


def _residual(key: str, block: ConvBlock) -> dict:
    left, middle, right = st.columns(3)
    fields = {"filters": left.number_input("Filters", *BLOCK_LIMITS["filters"],
                                           key=seed(key + "filters", block.filters)),
              "kernel_size": middle.number_input("Kernel", *BLOCK_LIMITS["kernel_size"],
                                                 key=seed(key + "kernel", block.kernel_size)),
              "convs": right.number_input("Convs", *BLOCK_LIMITS["convs"],
                                          key=seed(key + "convs", block.convs)),
              "padding": "same"}
    st.caption("The shortcut is the identity when the channels match, else a 1x1 convolution; "
               "it is added before the last activation. Padding is 'same'.")
    return fields


def _inception(key: str, block: ConvBlock) -> dict:
    filters = st.number_input("Filters per branch", *BLOCK_LIMITS["filters"],
                              key=seed(key + "filters", block.filters))
    st.caption(f"Four branches of {int(filters)} filters, concatenated ({4 * int(filters)} channels): "
               "1x1, 3x3 and 5x5 convolutions and a 3x3 max pool with a 1x1 convolution.")
    return {"filters": filters, "padding": "same"}


_KINDS = {"plain": _plain, "residual": _residual, "inception": _inception}


def block(number: int, chosen: ConvBlock, slots: dict) -> ConvBlock:
    """One convolution block: its kind's widgets, then what every kind shares."""
    key = f"{PREFIX}b{number}_"
    with st.expander(f"Conv block {number}", expanded=number == 1):
        slots[f"block {number}"] = st.empty()
        kind = st.selectbox("Kind", BLOCK_KINDS, format_func=KIND_LABELS.get,
                            key=seed(key + "kind", chosen.kind))
        fields = {"kernel_size": chosen.kernel_size, "convs": chosen.convs, **_KINDS[kind](key, chosen)}
        activation = st.selectbox("Activation", ACTIVATIONS, key=seed(key + "act", chosen.activation))
        downsample = st.selectbox("Halve the map by", DOWNSAMPLING, format_func=DOWNSAMPLE_LABELS.get,
                                  key=seed(key + "down", chosen.downsample))
        batch_norm = st.checkbox("Batch norm", key=seed(key + "bn", chosen.batch_norm))
        dropout = st.slider("Dropout", *BLOCK_LIMITS["dropout"], step=0.05,
                            key=seed(key + "drop", chosen.dropout))
    return ConvBlock(filters=int(fields["filters"]), kernel_size=int(fields["kernel_size"]),
                     convs=int(fields["convs"]), activation=activation, padding=fields["padding"],
                     downsample=downsample, batch_norm=batch_norm, dropout=dropout, kind=kind)


def dense(number: int, layer: DenseLayer, slots: dict) -> DenseLayer:
    key = f"{PREFIX}d{number}_"
    slots[f"dense layer {number}"] = st.empty()
    left, middle, right = st.columns(3)
    units = left.number_input(f"Dense {number} units", *DENSE_LIMITS["units"],
                              key=seed(key + "units", layer.units))
    activation = middle.selectbox("Activation", ACTIVATIONS, key=seed(key + "act", layer.activation))
    dropout = right.slider("Dropout", *DENSE_LIMITS["dropout"], step=0.05,
                           key=seed(key + "drop", layer.dropout))
    return DenseLayer(int(units), activation, dropout)


def training(chosen: RunConfig) -> dict:
    key = PREFIX + "train_"
    left, right = st.columns(2)
    optimizer = left.selectbox("Optimizer", OPTIMIZERS, key=seed(key + "optimizer", chosen.optimizer))
    schedule = right.selectbox("Schedule", SCHEDULES, key=seed(key + "schedule", chosen.schedule))
    learning_rate = left.number_input("Learning rate", *RUN_LIMITS["learning_rate"], format="%g",
                                      step=0.001,
                                      key=seed(key + "lr", chosen.learning_rate))
    momentum = right.number_input("Momentum", *RUN_LIMITS["momentum"], step=0.05,
                                  disabled=optimizer == "adam",
                                  key=seed(key + "momentum", chosen.momentum))
    beta_1 = left.number_input("Adam beta 1", *RUN_LIMITS["beta_1"], format="%g", step=0.05,
                               disabled=optimizer != "adam", key=seed(key + "beta_1", chosen.beta_1))
    beta_2 = right.number_input("Adam beta 2", *RUN_LIMITS["beta_2"], format="%g", step=0.001,
                                disabled=optimizer != "adam", key=seed(key + "beta_2", chosen.beta_2))
    weight_decay = left.number_input("Weight decay", *RUN_LIMITS["weight_decay"], format="%g", step=0.0001,
                                     key=seed(key + "weight_decay", chosen.weight_decay))
    label_smoothing = right.number_input("Label smoothing", *RUN_LIMITS["label_smoothing"], step=0.05,
                                         key=seed(key + "smoothing", chosen.label_smoothing))
    epochs = left.number_input("Epochs", *RUN_LIMITS["epochs"], key=seed(key + "epochs", chosen.epochs))
    batch_size = right.number_input("Batch size", *RUN_LIMITS["batch_size"],
                                    key=seed(key + "batch", chosen.batch_size))
    subset = left.number_input("Images per class (0: all)", *RUN_LIMITS["subset"],
                               key=seed(key + "subset", chosen.subset or 0))
    seed_value = right.number_input("Seed", *RUN_LIMITS["seed"], key=seed(key + "seed", chosen.seed))
    validation = st.slider("Validation share", *RUN_LIMITS["validation_split"], step=0.05,
                           key=seed(key + "val", chosen.validation_split))
    return {"optimizer": optimizer, "learning_rate": float(learning_rate), "momentum": float(momentum),
            "beta_1": float(beta_1), "beta_2": float(beta_2), "weight_decay": float(weight_decay),
            "label_smoothing": float(label_smoothing), "schedule": schedule, "epochs": int(epochs),
            "batch_size": int(batch_size), "validation_split": float(validation),
            "subset": int(subset) or None, "seed": int(seed_value)}


def data(chosen: RunConfig) -> dict:
    """Which digits, and how training images are augmented (off at inference)."""
    key = PREFIX + "data_"
    classes = st.multiselect("Digits (none: all ten)", list(range(NUM_CLASSES)),
                             key=seed(key + "classes", chosen.classes or []))
    rotation = st.slider("Rotation (degrees either way)", *RUN_LIMITS["augment_rotation"], step=1.0,
                         key=seed(key + "rotation", float(chosen.augment_rotation)))
    translation = st.slider("Shift (share of the side)", *RUN_LIMITS["augment_translation"], step=0.02,
                            key=seed(key + "translation", float(chosen.augment_translation)))
    zoom = st.slider("Zoom (share of the side)", *RUN_LIMITS["augment_zoom"], step=0.02,
                     key=seed(key + "zoom", float(chosen.augment_zoom)))
    elastic = st.slider("Elastic distortion (strength)", *RUN_LIMITS["augment_elastic"], step=0.05,
                        key=seed(key + "elastic", float(chosen.augment_elastic)))
    return {"classes": sorted(classes) or None, "augment_rotation": rotation,
            "augment_translation": translation, "augment_zoom": zoom, "augment_elastic": elastic}


def weight_sources() -> dict[str, str]:
    """Run id -> label, for every finished run that saved a model: what a run can start from."""
    store = get_store()
    return {run.id: f"{run.name} · {run.id}"
            for run in store.list(statuses=FINISHED)
            if store.artifact(run.id, artifacts.MODEL_FILE).is_file()}


def transfer(chosen: RunConfig, on_parent_change) -> dict:
    """"Start from run…": a saved run's weights, and whether to fine-tune or freeze its base."""
    key = PREFIX + "transfer_"
    sources = {NO_PARENT: "nothing (random weights)", **weight_sources()}
    if chosen.init_from and chosen.init_from not in sources:
        sources[chosen.init_from] = f"{chosen.init_from} (not in this store)"
    parent = st.selectbox("Start from run…", list(sources), format_func=sources.get,
                          key=seed(key + "parent", chosen.init_from or NO_PARENT),
                          on_change=on_parent_change, args=(key + "parent",))
    mode = st.radio("Transfer", TRANSFER_MODES, format_func=TRANSFER_LABELS.get, horizontal=True,
                    disabled=parent == NO_PARENT, key=seed(key + "mode", chosen.transfer))
    if parent != NO_PARENT:
        st.caption("Layers whose names and weight shapes match are copied. Fine-tuning trains "
                   "everything: give it a lower learning rate than the parent's (choosing the run "
                   "set a tenth of it). Freezing keeps the convolution blocks and trains a new head.")
    return {"init_from": parent or None, "transfer": mode}
