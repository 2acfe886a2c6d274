"""The Train form's widgets, part by part: each block by its kind, the dense head, training,
data and augmentation, and the run to start from. Each function draws its widgets, seeded
from the chosen config, and returns that part of the config.
"""

from __future__ import annotations

import streamlit as st

from app.readers import get_store
from mnist_lab.config import ConvBlock, DenseLayer, RunConfig, field_info
from mnist_lab.data import NUM_CLASSES
from mnist_lab.store import FINISHED, artifacts

PREFIX = "cfg_"
NO_PARENT = ""


def seed(key: str, value) -> str:
    """A widget key whose first value comes from the chosen config."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def number(where, cls: type, name: str, key: str, value, label: str | None = None, **options):
    """A number input for a field: its label, limits and step from the field's rule."""
    info = field_info(cls, name)
    if info.rule.step is not None:
        options.setdefault("step", info.rule.step)
    return where.number_input(label or info.label, *info.form_bounds(), key=seed(key, value), **options)


def slider(where, cls: type, name: str, key: str, value, **options):
    """A slider for a share or a strength: its label, limits and step from the field's rule."""
    info = field_info(cls, name)
    return where.slider(info.label, *info.form_bounds(), step=info.rule.step, key=seed(key, value),
                        **options)


def choice(where, cls: type, name: str, key: str, value, **options):
    """A selectbox of a choice field's values, shown in the form's words for them."""
    info = field_info(cls, name)
    return where.selectbox(info.label, tuple(info.rule.choices), format_func=info.choice_label,
                           key=seed(key, value), **options)


def _shape(key: str, block: ConvBlock) -> dict:
    left, middle, right = st.columns(3)
    return {"filters": number(left, ConvBlock, "filters", key + "filters", block.filters),
            "kernel_size": number(middle, ConvBlock, "kernel_size", key + "kernel", block.kernel_size),
            "convs": number(right, ConvBlock, "convs", key + "convs", block.convs)}


def _plain(key: str, block: ConvBlock) -> dict:
    return {**_shape(key, block), "padding": choice(st, ConvBlock, "padding", key + "padding",
                                                    block.padding)}


def _residual(key: str, block: ConvBlock) -> dict:
    fields = {**_shape(key, block), "padding": "same"}
    st.caption("The shortcut is the identity when the channels match, else a 1x1 convolution; "
               "it is added before the last activation. Padding is 'same'.")
    return fields


def _inception(key: str, block: ConvBlock) -> dict:
    filters = number(st, ConvBlock, "filters", key + "filters", block.filters,
                     label="Filters per branch")
    st.caption(f"Four branches of {int(filters)} filters, concatenated ({4 * int(filters)} channels): "
               "1x1, 3x3 and 5x5 convolutions and a 3x3 max pool with a 1x1 convolution.")
    return {"filters": filters, "padding": "same"}


_KINDS = {"plain": _plain, "residual": _residual, "inception": _inception}


def block(number_: int, chosen: ConvBlock, slots: dict) -> ConvBlock:
    """One convolution block: its kind's widgets, then what every kind shares."""
    key = f"{PREFIX}b{number_}_"
    with st.expander(f"Conv block {number_}", expanded=number_ == 1):
        slots[f"block {number_}"] = st.empty()
        kind = choice(st, ConvBlock, "kind", key + "kind", chosen.kind)
        fields = {"kernel_size": chosen.kernel_size, "convs": chosen.convs, **_KINDS[kind](key, chosen)}
        activation = choice(st, ConvBlock, "activation", key + "act", chosen.activation)
        downsample = choice(st, ConvBlock, "downsample", key + "down", chosen.downsample)
        batch_norm = st.checkbox(field_info(ConvBlock, "batch_norm").label,
                                 key=seed(key + "bn", chosen.batch_norm))
        dropout = slider(st, ConvBlock, "dropout", key + "drop", chosen.dropout)
    return ConvBlock(filters=int(fields["filters"]), kernel_size=int(fields["kernel_size"]),
                     convs=int(fields["convs"]), activation=activation, padding=fields["padding"],
                     downsample=downsample, batch_norm=batch_norm, dropout=dropout, kind=kind)


def dense(number_: int, layer: DenseLayer, slots: dict) -> DenseLayer:
    key = f"{PREFIX}d{number_}_"
    slots[f"dense layer {number_}"] = st.empty()
    left, middle, right = st.columns(3)
    units = number(left, DenseLayer, "units", key + "units", layer.units, label=f"Dense {number_} units")
    activation = choice(middle, DenseLayer, "activation", key + "act", layer.activation)
    dropout = slider(right, DenseLayer, "dropout", key + "drop", layer.dropout)
    return DenseLayer(int(units), activation, dropout)


def training(chosen: RunConfig) -> dict:
    key = PREFIX + "train_"
    left, right = st.columns(2)
    optimizer = choice(left, RunConfig, "optimizer", key + "optimizer", chosen.optimizer)
    schedule = choice(right, RunConfig, "schedule", key + "schedule", chosen.schedule)
    learning_rate = number(left, RunConfig, "learning_rate", key + "lr", chosen.learning_rate, format="%g")
    momentum = number(right, RunConfig, "momentum", key + "momentum", chosen.momentum,
                      disabled=optimizer == "adam")
    beta_1 = number(left, RunConfig, "beta_1", key + "beta_1", chosen.beta_1, format="%g",
                    disabled=optimizer != "adam")
    beta_2 = number(right, RunConfig, "beta_2", key + "beta_2", chosen.beta_2, format="%g",
                    disabled=optimizer != "adam")
    weight_decay = number(left, RunConfig, "weight_decay", key + "weight_decay", chosen.weight_decay,
                          format="%g")
    label_smoothing = number(right, RunConfig, "label_smoothing", key + "smoothing",
                             chosen.label_smoothing)
    epochs = number(left, RunConfig, "epochs", key + "epochs", chosen.epochs)
    batch_size = number(right, RunConfig, "batch_size", key + "batch", chosen.batch_size)
    subset = number(left, RunConfig, "subset", key + "subset", chosen.subset or 0)
    seed_value = number(right, RunConfig, "seed", key + "seed", chosen.seed)
    steps = number(left, RunConfig, "steps_per_execution", key + "steps", chosen.steps_per_execution,
                   help=field_info(RunConfig, "steps_per_execution").rule.help)
    validation = slider(st, RunConfig, "validation_split", key + "val", chosen.validation_split)
    return {"optimizer": optimizer, "learning_rate": float(learning_rate), "momentum": float(momentum),
            "beta_1": float(beta_1), "beta_2": float(beta_2), "weight_decay": float(weight_decay),
            "label_smoothing": float(label_smoothing), "schedule": schedule, "epochs": int(epochs),
            "batch_size": int(batch_size), "validation_split": float(validation),
            "subset": int(subset) or None, "seed": int(seed_value),
            "steps_per_execution": int(steps)}


def data(chosen: RunConfig) -> dict:
    """Which digits, and how training images are augmented (off at inference)."""
    key = PREFIX + "data_"
    classes = st.multiselect(field_info(RunConfig, "classes").label, list(range(NUM_CLASSES)),
                             key=seed(key + "classes", chosen.classes or []))
    rotation = slider(st, RunConfig, "augment_rotation", key + "rotation", float(chosen.augment_rotation))
    translation = slider(st, RunConfig, "augment_translation", key + "translation",
                         float(chosen.augment_translation))
    zoom = slider(st, RunConfig, "augment_zoom", key + "zoom", float(chosen.augment_zoom))
    elastic = slider(st, RunConfig, "augment_elastic", key + "elastic", float(chosen.augment_elastic))
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
    parent = st.selectbox(field_info(RunConfig, "init_from").label, list(sources), format_func=sources.get,
                          key=seed(key + "parent", chosen.init_from or NO_PARENT),
                          on_change=on_parent_change, args=(key + "parent",))
    mode_field = field_info(RunConfig, "transfer")
    mode = st.radio(mode_field.label, tuple(mode_field.rule.choices), format_func=mode_field.choice_label,
                    horizontal=True, disabled=parent == NO_PARENT, key=seed(key + "mode", chosen.transfer))
    phases = parent != NO_PARENT and mode == "fine-tune"
    left, right = st.columns(2)
    head = number(left, RunConfig, "head_epochs", key + "head", chosen.head_epochs or 0, disabled=not phases)
    share = number(right, RunConfig, "fine_tune_rate", key + "share", chosen.fine_tune_rate, format="%g",
                   disabled=not phases)
    if parent != NO_PARENT:
        st.caption("Layers whose names and weight shapes match are copied. Fine-tuning trains the "
                   "dense head first with the copied convolution blocks frozen, then everything at "
                   "a fraction of the rate (Keras's transfer-learning guide); the curves mark "
                   "where. Freezing keeps the convolution blocks for good and trains a new head.")
    return {"init_from": parent or None, "transfer": mode, "head_epochs": int(head) or None,
            "fine_tune_rate": float(share)}
