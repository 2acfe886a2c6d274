"""Links that reproduce a view: a whole config as one compact URL value, and the other pages'
small states (a confusion cell, a digit, a range), each read back with a message, not a
traceback, when a link is from another version or was edited by hand.

A config travels as `1.<payload>`: its `RunConfig.to_dict()` as compact JSON, zlib-compressed,
in URL-safe base64 without padding. Nothing here knows the config's fields, so a field added
to `RunConfig` round-trips without a change here; a link naming a field this version lacks
is refused by `RunConfig.from_dict`, by name.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib

from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.data import NUM_CLASSES

CONFIG_FORMAT = "1"
MAX_LINK_CHARS = 4000  # a URL value; a config is a few hundred characters
MAX_CONFIG_BYTES = 64 * 1024  # decompressed: a link cannot make the dashboard inflate a bomb


class LinkError(ValueError):
    """A link value that cannot be used; the message says what and what was expected."""


def quoted(value: str, limit: int = 40) -> str:
    """A value from a link as a message quotes it: in quotes, control characters escaped, at
    most `limit` characters of it (a link is anyone's text)."""
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


def encode_config(config: RunConfig) -> str:
    """The config as a URL value: `1.` then zlib-compressed JSON in URL-safe base64."""
    text = json.dumps(config.to_dict(), separators=(",", ":"), sort_keys=True)
    payload = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).rstrip(b"=")
    return f"{CONFIG_FORMAT}.{payload.decode()}"


def decode_config(value: str) -> RunConfig:
    """The config a link holds; `LinkError` naming the problem if it cannot be read."""
    version, dot, payload = value.partition(".")
    if not dot or version != CONFIG_FORMAT:
        raise LinkError(f"the link's config is not in a format this version reads "
                        f"(expected '{CONFIG_FORMAT}.' and a code, got {quoted(value, 12)})")
    if len(value) > MAX_LINK_CHARS:
        raise LinkError(f"the link's config is {len(value):,} characters long; at most "
                        f"{MAX_LINK_CHARS:,} are read")
    damaged = LinkError("the link's config is damaged (was it cut short or edited?)")
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)),
                                   MAX_CONFIG_BYTES)
    except (binascii.Error, ValueError, zlib.error):
        raise damaged from None
    if inflater.unconsumed_tail:
        raise LinkError(f"the link's config inflates past {MAX_CONFIG_BYTES // 1024} KB; "
                        "no config is that large")
    if not inflater.eof:
        raise damaged
    try:
        data = json.loads(text)
    except ValueError:
        raise damaged from None
    try:
        return RunConfig.from_dict(data)
    except ConfigError as error:
        raise LinkError(f"the link's config does not fit this version: {error}") from None


def parse_digit(value: str) -> int:
    """A digit 0-9 from a link."""
    # Only ASCII digits: "²".isdigit() holds, but int("²") raises.
    if not (value.isascii() and value.isdigit()) or int(value) >= NUM_CLASSES:
        raise LinkError(f"{quoted(value)} is not a digit 0-9")
    return int(value)


def parse_index(value: str, count: int) -> int:
    """A position 0..count-1 (a test image's number) from a link."""
    if not (value.isascii() and value.isdigit()) or int(value) >= count:
        raise LinkError(f"{quoted(value)} is not an image number from 0 to {count - 1:,}")
    return int(value)


def parse_choice(value: str, choices) -> str:
    """One of `choices` (strings), as a link names it."""
    if value not in choices:
        raise LinkError(f"{quoted(value)} is not one of {', '.join(choices)}")
    return value


def encode_cell(true_class: int, predicted_class: int) -> str:
    return f"{true_class}-{predicted_class}"


def parse_cell(value: str) -> tuple[int, int]:
    """(true, predicted) from `4-9`, a confusion-matrix cell off the diagonal."""
    true_text, dash, predicted_text = value.partition("-")
    try:
        cell = parse_digit(true_text), parse_digit(predicted_text)
    except LinkError:
        cell = None
    if not dash or cell is None or cell[0] == cell[1]:
        raise LinkError(f"{quoted(value)} is not a cell of mistakes; write true-predicted, e.g. 4-9")
    return cell


def encode_range(low: float, high: float) -> str:
    return f"{low:g}-{high:g}"


def parse_range(value: str, lowest: float, highest: float) -> tuple[float, float]:
    """(low, high) from `0.2-0.9`, inside [lowest, highest] and in order."""
    low_text, dash, high_text = value.partition("-")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = None
    if not dash or low is None or not lowest <= low <= high <= highest:
        raise LinkError(f"{quoted(value)} is not a range from {lowest:g} to {highest:g}; "
                        f"write low-high, e.g. 0.2-0.9")
    return low, high
