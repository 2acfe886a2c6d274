"""Fuzzing the config (hypothesis): every config the validator accepts builds in Keras exactly
as its preview says, and every one it refuses gets a `ConfigError` naming the field, before
Keras is reached.

The strategies use the config's public names only (`mnist_lab.config`'s choices and field
names), so they follow the config as it grows: a block kind added to `BLOCK_KINDS` is fuzzed
as soon as it exists.
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import fields

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist_lab import config as config_module
from mnist_lab.config import (
    ACTIVATIONS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    ConfigError,
    ConvBlock,
    DenseLayer,
    RunConfig,
    preset,
    preset_names,
)
from mnist_lab.model import describe
from mnist_lab.model.build import build_model
from tests.fuzzing import FUZZ

# Small networks only: the point is the preview against Keras, not the machine's memory.
block_kinds = ({"kind": st.sampled_from(config_module.BLOCK_KINDS)}
               if hasattr(config_module, "BLOCK_KINDS") else {})
shares = st.floats(0.0, 0.9)
small_blocks = st.builds(
    ConvBlock, filters=st.integers(1, 8), kernel_size=st.integers(1, 9), convs=st.integers(1, 3),
    activation=st.sampled_from(ACTIVATIONS), padding=st.sampled_from(PADDINGS),
    downsample=st.sampled_from(DOWNSAMPLING), batch_norm=st.booleans(), dropout=shares,
    **block_kinds)
small_dense = st.builds(DenseLayer, units=st.integers(1, 32),
                        activation=st.sampled_from(ACTIVATIONS), dropout=shares)
# Labels as people and files write them, with the characters that names trip on.
names = st.text(st.sampled_from(string.ascii_letters + string.digits + "._- /:\x00é"), min_size=1,
                max_size=20)
small_configs = st.builds(
    RunConfig, blocks=st.lists(small_blocks, max_size=5), dense=st.lists(small_dense, max_size=3),
    head_dropout=shares, optimizer=st.sampled_from(OPTIMIZERS),
    learning_rate=st.floats(1e-6, 10.0), schedule=st.sampled_from(SCHEDULES),
    seed=st.integers(0, 2**64), preset=st.none() | st.sampled_from(preset_names()) | names)


def keras_layers(model: keras.Model) -> list:
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


@FUZZ
@given(small_configs)
def test_a_config_builds_as_its_preview_says_or_is_refused_before_keras(config):
    try:
        architecture = describe(config)
    except ConfigError as refused:
        with pytest.raises(ConfigError, match=re.escape(str(refused))):
            build_model(config)
        return
    keras.utils.set_random_seed(config.seed)  # the first thing training does with a config
    model = build_model(config)
    built = keras_layers(model)
    assert sorted(info.name for info in architecture.layers) == sorted(layer.name for layer in built)
    for info in architecture.layers:
        layer = model.get_layer(info.name)
        assert tuple(layer.output.shape[1:]) == info.output_shape, info.name
        assert layer.count_params() == info.params, info.name
    assert architecture.params == model.count_params()


# What the messages call each field, besides its own name ("validation share").
SPOKEN = {"validation_split": "validation share", "kernel_size": "kernel"}


def spoken(field: str) -> tuple[str, ...]:
    return field, field.replace("_", " "), SPOKEN.get(field, field)


# Anything JSON can carry, and the values that often slip through a check: huge and negative
# numbers, NaN and infinities, booleans where numbers belong, text, nested structures.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5)
top_fields = [item.name for item in fields(RunConfig) if item.name not in ("blocks", "dense")]
block_fields = [item.name for item in fields(ConvBlock)]
dense_fields = [item.name for item in fields(DenseLayer)]


@st.composite
def one_field_changed(draw):
    """(the config as JSON data with one field set to anything, where, the field's name)."""
    data = preset(draw(st.sampled_from(preset_names()))).to_dict()
    place = draw(st.sampled_from(["config", *(["block"] if data["blocks"] else []),
                                  *(["dense"] if data["dense"] else [])]))
    if place == "config":
        field, where, target = draw(st.sampled_from(top_fields)), "", data
    else:
        items = data["blocks" if place == "block" else "dense"]
        number = draw(st.integers(1, len(items)))
        field = draw(st.sampled_from(block_fields if place == "block" else dense_fields))
        where, target = f"{'block' if place == 'block' else 'dense layer'} {number}", items[number - 1]
    target[field] = draw(json_values)
    return data, where, field


def refused_or_accepted(data) -> ConfigError | None:
    """The door an archive, a link or a config file goes through: parse, then validate."""
    try:
        describe(RunConfig.from_dict(json.loads(json.dumps(data))))
    except ConfigError as error:
        return error
    return None


@FUZZ
@given(one_field_changed())
def test_any_value_in_any_field_is_accepted_or_refused_by_the_fields_name(case):
    data, where, field = case
    error = refused_or_accepted(data)
    if error is None:
        return
    message = str(error)
    assert "\n" not in message
    if "feature map" in message:  # the change made a later layer impossible: that one is named
        assert re.match(r"block \d+: ", message), message
        return
    assert any(word in message for word in spoken(field)), message
    assert message.startswith(f"{where}: ") or not where, message


# Fields that hold text: a choice, a preset's name, or the run a config starts from.
TEXT_FIELDS = ("activation", "padding", "downsample", "optimizer", "schedule", "kind", "transfer",
               "preset", "init_from")


def clearly_wrong(value, field: str) -> bool:
    """No field takes these: negative or non-finite numbers, containers (but `classes`, a list
    of digits), text in a number's place."""
    if isinstance(value, dict) or (isinstance(value, list) and field != "classes"):
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value < 0 or field in TEXT_FIELDS
    return isinstance(value, str) and field not in TEXT_FIELDS


@FUZZ
@given(one_field_changed())
def test_clearly_wrong_values_are_always_refused(case):
    data, where, field = case
    target = data if not where else data["blocks" if where.startswith("block") else "dense"][
        int(where.split()[-1]) - 1]
    if clearly_wrong(target[field], field):
        assert refused_or_accepted(data) is not None, (field, target[field])


@pytest.mark.parametrize(("changes", "message"), [
    # Found by the fuzzing above (at FUZZ_EXAMPLES=300): Keras names the model after the
    # preset and refuses a "/" (and saving it refuses a NUL).
    ({"preset": "lenet5/large"}, "preset must be a preset's name"),
    # Found by the fuzzing above: training seeds NumPy, which takes 0..2**32 - 1 only.
    ({"seed": 2**32}, "seed must be 0..4294967295, got 4294967296"),
])
def test_what_fuzzing_found_is_refused_by_name(changes, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        describe(preset("lenet5").replace(**changes))
