"""Links: a config encoded into a URL value reads back as the same config; bad links are named."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist_lab.config import (
    ACTIVATIONS,
    DOWNSAMPLING,
    OPTIMIZERS,
    PADDINGS,
    SCHEDULES,
    ConvBlock,
    DenseLayer,
    RunConfig,
    preset,
    preset_names,
)
from mnist_lab.links import (
    MAX_LINK_CHARS,
    LinkError,
    decode_config,
    encode_cell,
    encode_config,
    encode_range,
    parse_cell,
    parse_digit,
    parse_range,
)

shares = st.floats(0.0, 0.95, allow_nan=False)
blocks = st.builds(ConvBlock, filters=st.integers(1, 1024), kernel_size=st.integers(1, 28),
                   convs=st.integers(1, 8), activation=st.sampled_from(ACTIVATIONS),
                   padding=st.sampled_from(PADDINGS), downsample=st.sampled_from(DOWNSAMPLING),
                   batch_norm=st.booleans(), dropout=shares)
dense = st.builds(DenseLayer, units=st.integers(1, 16384), activation=st.sampled_from(ACTIVATIONS),
                  dropout=shares)
configs = st.builds(
    RunConfig, blocks=st.lists(blocks, max_size=6), dense=st.lists(dense, max_size=4),
    head_dropout=shares, optimizer=st.sampled_from(OPTIMIZERS),
    learning_rate=st.floats(1e-6, 10.0), momentum=st.floats(0.0, 0.99),
    weight_decay=st.floats(0.0, 0.1), schedule=st.sampled_from(SCHEDULES),
    epochs=st.integers(1, 1000), batch_size=st.integers(1, 60000),
    validation_split=st.floats(0.0, 0.5), subset=st.none() | st.integers(1, 6000),
    seed=st.integers(0, 2**31 - 1), preset=st.none() | st.sampled_from(preset_names()))


@given(configs)
def test_a_config_encoded_into_a_link_reads_back_the_same(config):
    value = encode_config(config)
    assert decode_config(value) == config
    assert len(value) < MAX_LINK_CHARS
    assert all(character.isalnum() or character in "-_." for character in value)  # URL-safe as is


def test_every_preset_round_trips_in_a_few_hundred_characters():
    for name in preset_names():
        value = encode_config(preset(name))
        assert decode_config(value) == preset(name)
        # Block kinds, augmentation, digits and transfer made a config longer: about 500.
        assert len(value) < 600


def packed(data) -> str:
    text = json.dumps(data).encode()
    return "1." + base64.urlsafe_b64encode(zlib.compress(text)).rstrip(b"=").decode()


@pytest.mark.parametrize(("value", "message"), [
    ("", "not in a format this version reads"),
    ("2.eNqrVkrLz1eyUkpKLFKqBQAdLgRg", "not in a format this version reads (expected '1.'"),
    ("1.", "damaged"),
    ("1.not-base64!", "damaged"),
    ("1." + encode_config(preset("lenet5"))[2:-20], "damaged"),  # cut short by a mail client
    ("1.eNqrVkrLz1eyUkpKLFKqBQAdLgRg" + "A" * MAX_LINK_CHARS, "at most 4,000 are read"),
    (packed({"blocks": [{"filters": 6, "kernel_size": 5, "sparkle": True}]}),
     "does not fit this version: block 1: unknown field 'sparkle'"),
    (packed({"epochs": "ten"}), "does not fit this version: config: epochs must be int, got 'ten'"),
    (packed([1, 2]), "does not fit this version: a config must be a JSON object"),
])
def test_a_bad_config_link_gets_a_message(value, message):
    with pytest.raises(LinkError, match=message.replace("(", r"\(").replace(".", r"\.")):
        decode_config(value)


def test_a_link_cannot_make_the_dashboard_inflate_a_bomb():
    bomb = "1." + base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 2_000_000 + b"]", 9)).decode()
    assert len(bomb) < MAX_LINK_CHARS
    with pytest.raises(LinkError, match="inflates past 64 KB; no config is that large"):
        decode_config(bomb)


def test_cells_digits_and_ranges_read_back_and_bad_ones_are_named():
    assert parse_cell(encode_cell(4, 9)) == (4, 9)
    assert parse_digit("7") == 7
    assert parse_range(encode_range(0.2, 0.85), 0.0, 1.0) == (0.2, 0.85)
    for bad in ("4", "4-4", "4-10", "a-b", "-1-2"):
        with pytest.raises(LinkError, match=f"'{bad}' is not a cell of mistakes; write true-predicted"):
            parse_cell(bad)
    with pytest.raises(LinkError, match="'12' is not a digit 0-9"):
        parse_digit("12")
    for bad in ("0.9-0.2", "x-1", "0.5", "0-2"):
        with pytest.raises(LinkError, match=f"'{bad}' is not a range from 0 to 1"):
            parse_range(bad, 0.0, 1.0)
