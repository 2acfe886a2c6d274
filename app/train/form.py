"""The Train page's form: a widget for every `RunConfig` field, started from a preset or a run.

The config the user has built is kept in session state under `CONFIG_KEY`, so leaving the
page and coming back finds the same form; the widgets are seeded from it when they are
(re)created. A `ConfigError` is shown next to the block or layer it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.readers import get_store
from app.train import sections
from app.train.fit import MAX_BLOCKS, MAX_DENSE, fit_to_form
from app.train.sections import PREFIX, seed
from app.user_text import as_text, no_html
from mnist_lab.config import (
    ConfigError,
    ConvBlock,
    DenseLayer,
    RunConfig,
    field_info,
    preset,
    preset_names,
)
from mnist_lab.links import LinkError, decode_config, encode_config
from mnist_lab.store import FINISHED, RunNotFoundError, parse_tags, validate_name

CONFIG_KEY = "train_config"  # {"config": dict, "name": str, "tags": str}: the user's choice
START_KEY = "train_start"
FROM_PARAM = "from"  # ?from=RUN_ID: the Runs page's "Open in Train"
FROM_KEY = "train_loaded_from"  # the ?from= run already loaded into the form
# The form in the URL, so that a reload or a copied link opens the same network:
# ?config=<links.encode_config>&name=...&tags=...
CONFIG_PARAM, NAME_PARAM, TAGS_PARAM = "config", "name", "tags"
BASE_KEY = "train_base_preset"  # the preset the form was last loaded from: "Reset to" it
NOTES_KEY = "train_unfit"  # what the form could not hold of the config last loaded
DEFAULT_PRESET = "lenet5"
_WHERE = re.compile(r"^(block|dense layer) (\d+):")


@dataclass
class Form:
    """What the form produced, and where to show a message about each part of it."""

    config: RunConfig
    name: str
    tags: list[str]
    slots: dict[str, DeltaGenerator] = field(default_factory=dict)

    def plan(self) -> str:
        """What pressing Train will start, in one line: the name and the training budget."""
        config = self.config
        data = f"{config.subset:,} images per class" if config.subset else "the full training set"
        return (f"Trains “{self.name or 'custom'}”: {config.epochs} epochs in batches of "
                f"{config.batch_size} on {data}, {config.validation_split:.0%} held out for "
                "validation.")

    def show_error(self, message: str) -> None:
        """Write `message` next to the block or dense layer it names, else by the training settings."""
        match = _WHERE.match(message)
        where = f"{match[1]} {match[2]}" if match else "training"
        self.slots.get(where, self.slots["training"]).error(message)


def _load(config: RunConfig, name: str, tags: str = "") -> None:
    """Make `config` the form's content: forget every widget so they reseed from it.

    What the widgets cannot hold is brought to their nearest values and noted, for a warning.
    """
    for key in [key for key in st.session_state if str(key).startswith(PREFIX)]:
        del st.session_state[key]
    config, st.session_state[NOTES_KEY] = fit_to_form(config)
    st.session_state[CONFIG_KEY] = {"config": config.to_dict(), "name": name, "tags": tags}
    if config.preset:
        st.session_state[BASE_KEY] = config.preset


def _load_from_url() -> None:
    """A new session's form: the one its URL holds (a reload, a copied link), else the default."""
    value = st.query_params.get(CONFIG_PARAM)
    try:
        config = decode_config(value) if value is not None else None
    except LinkError as error:
        st.warning(f"This link's network cannot be opened: {no_html(error)}. The form starts from "
                   f"{DEFAULT_PRESET} instead.")
        config = None
    if config is None:
        _load(preset(DEFAULT_PRESET), DEFAULT_PRESET)
    else:
        _load(config, st.query_params.get(NAME_PARAM, ""), st.query_params.get(TAGS_PARAM, ""))


def _keep_in_url(config: RunConfig, name: str, tags: str) -> None:
    st.query_params[CONFIG_PARAM] = encode_config(config)
    for param, value in ((NAME_PARAM, name), (TAGS_PARAM, tags)):
        if value:
            st.query_params[param] = value
        else:
            st.query_params.pop(param, None)


def _start_options() -> dict[str, str]:
    """Option id -> label: every preset, then every run that finished with a saved config."""
    options = {f"preset:{name}": f"preset · {name}" for name in preset_names()}
    for run in get_store().list(statuses=FINISHED):
        options[f"run:{run.id}"] = f"run · {run.name} · {run.id}"
    return options


def _on_start_change() -> None:
    choice = st.session_state[START_KEY]
    if choice is None:  # the choice was cleared: the form keeps what it holds
        return
    kind, _, value = choice.partition(":")
    if kind == "preset":
        _load(preset(value), value)
    else:
        _load_run(value)


def _load_run(run_id: str) -> None:
    try:
        run = get_store().get(run_id)
        _load(RunConfig.from_dict(run.config), run.name, ", ".join(run.tags))
    except (RunNotFoundError, ValueError):
        st.toast(f"Run {as_text(run_id)} does not exist.")
    except ConfigError as error:
        st.toast(f"Run {as_text(run_id)} has a config this version cannot use: {no_html(error)}")


def _on_parent_change(key: str) -> None:
    """Starting from a run's weights: its network and its rate (a fine-tune lowers the rate
    itself once the copied layers train), the rest as it was."""
    parent_id = st.session_state[key]
    if not parent_id:
        return
    try:
        parent = get_store().get(parent_id)
        network = RunConfig.from_dict(parent.config)
    except ConfigError as error:  # a ValueError too, so it is caught first
        st.toast(f"Run {as_text(parent_id)} has a config this version cannot use: {no_html(error)}")
        return
    except (RunNotFoundError, ValueError):
        st.toast(f"Run {as_text(parent_id)} does not exist.")
        return
    current = RunConfig.from_dict(st.session_state[CONFIG_KEY]["config"])
    _load(current.replace(blocks=network.blocks, dense=network.dense,
                          global_pooling=network.global_pooling, init_from=parent_id,
                          learning_rate=network.learning_rate, preset=None),
          f"from {parent.name}")


def _load_from_link() -> None:
    """`?from=RUN_ID` loads that run's config into the form, once per link."""
    run_id = st.query_params.get(FROM_PARAM)
    if run_id and st.session_state.get(FROM_KEY) != run_id:
        st.session_state[FROM_KEY] = run_id
        _load_run(run_id)
        del st.query_params[FROM_PARAM]  # from now on ?config= holds the form, edits included


def _nth(items: list, index: int, default):
    return items[index] if index < len(items) else default


def config_form() -> Form:
    """Draw the form in the sidebar and return the config it describes (not yet validated)."""
    if CONFIG_KEY not in st.session_state:
        _load_from_url()
    _load_from_link()
    saved = st.session_state[CONFIG_KEY]
    chosen = RunConfig.from_dict(saved["config"])
    notes = st.session_state.pop(NOTES_KEY, None)
    if notes:
        st.warning(f"This network does not fit the form: {'; '.join(notes)}. The form shows the "
                   "nearest network it holds.")
    slots: dict = {}
    with st.sidebar:
        options = _start_options()
        st.selectbox("Start from", list(options), format_func=options.get, key=START_KEY,
                     index=None, placeholder="a preset or a saved run", on_change=_on_start_change)
        base = st.session_state.get(BASE_KEY, DEFAULT_PRESET)
        st.button(f"Reset to {base}", key="reset_form", on_click=_load, args=(preset(base), base),
                  help=f"Every field back to the {base} preset, name and tags included")
        st.subheader("Convolutions")
        count = st.number_input("Conv blocks", 0, MAX_BLOCKS, key=seed(PREFIX + "blocks", len(chosen.blocks)))
        blocks = [sections.block(n + 1, _nth(chosen.blocks, n, ConvBlock()), slots)
                  for n in range(int(count))]
        st.subheader("Dense head")
        global_pooling = st.checkbox(field_info(RunConfig, "global_pooling").label,
                                     key=seed(PREFIX + "global_pool", chosen.global_pooling))
        count = st.number_input("Dense layers", 0, MAX_DENSE, key=seed(PREFIX + "dense", len(chosen.dense)))
        dense = [sections.dense(n + 1, _nth(chosen.dense, n, DenseLayer()), slots) for n in range(int(count))]
        head_dropout = sections.slider(st, RunConfig, "head_dropout", PREFIX + "head_drop",
                                       chosen.head_dropout)
        st.subheader("Training")
        slots["training"] = st.empty()
        training = sections.training(chosen)
        st.subheader("Data and augmentation")
        data = sections.data(chosen)
        st.subheader("Transfer")
        transfer = sections.transfer(chosen, _on_parent_change)
        name = st.text_input("Run name", key=seed(PREFIX + "name", saved["name"]))
        tags = st.text_input("Tags (comma-separated)", key=seed(PREFIX + "tags", saved["tags"]))
    config = RunConfig(blocks=blocks, dense=dense, head_dropout=head_dropout,
                       global_pooling=global_pooling, **training, **data, **transfer)
    if chosen.preset and config == preset(chosen.preset).replace(preset=None):
        config.preset = chosen.preset
    st.session_state[CONFIG_KEY] = {"config": config.to_dict(), "name": name, "tags": tags}
    _keep_in_url(config, name, tags)
    return Form(config, name.strip(), parse_tags(tags), slots)


def check_names(form: Form) -> str | None:
    """The message for an unusable run name or tag, if any."""
    try:
        for text in [form.name or "custom", *form.tags]:
            validate_name(text)
    except ValueError as error:
        return str(error)
    return None
