"""Properties of the config's JSON door, over generated configs (hypothesis)."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mnist_lab.config import BLOCK_KINDS, TRANSFER_MODES, ConfigError, ConvBlock, RunConfig

blocks = st.builds(ConvBlock, filters=st.integers(1, 64), kernel_size=st.integers(1, 7),
                   convs=st.integers(1, 3), batch_norm=st.booleans(),
                   dropout=st.floats(0, 0.9), kind=st.sampled_from(BLOCK_KINDS))
configs = st.builds(
    RunConfig, blocks=st.lists(blocks, max_size=4), global_pooling=st.booleans(),
    label_smoothing=st.floats(0, 0.5), classes=st.none() | st.lists(st.integers(0, 9), unique=True),
    augment_rotation=st.floats(0, 180), augment_elastic=st.floats(0, 1),
    init_from=st.none() | st.text(min_size=1, max_size=30), transfer=st.sampled_from(TRANSFER_MODES))
WRONG = {"int": "3", "float": "0.5", "bool": 1, "str": 7, "int | None": 2.5, "str | None": 7,
         "list[int] | None": ["5"]}


@given(configs)
def test_every_config_survives_its_json_round_trip(config):
    assert RunConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize("field", [item for item in fields(RunConfig) if str(item.type) in WRONG],
                         ids=lambda item: item.name)
@settings(max_examples=20)
@given(config=configs)
def test_a_wrong_type_in_any_field_is_refused_by_name(field, config):
    stored = {**config.to_dict(), field.name: WRONG[str(field.type)]}
    with pytest.raises(ConfigError, match=f"^config: {field.name} must be "):
        RunConfig.from_dict(stored)


@given(configs, st.text(min_size=1, max_size=20).filter(
    lambda name: name not in {item.name for item in fields(RunConfig)}))
def test_an_unknown_field_is_refused_by_name(config, name):
    with pytest.raises(ConfigError, match="unknown field"):
        RunConfig.from_dict({**config.to_dict(), name: 1})
