"""A config field named by its path, as `--set`, a study's `--grid` and the field listing name it.

`learning_rate`, `blocks.kernel_size` (every block), `blocks.0.kernel_size` (the first block
only, counted from 0), `dense.units`, and `filters_scale`, which multiplies every block's
filters (LeNet-5's 6/16 halved is `filters_scale=0.5`). A value is read as the field's
declared type, so `blocks.kernel_size=x` is refused by name before anything runs.
"""

from __future__ import annotations

import copy
from typing import Any

from mnist_lab.config._rules import ConfigError, FieldInfo, Rule, field_infos
from mnist_lab.config._run import ConvBlock, DenseLayer, RunConfig

FILTERS_SCALE = "filters_scale"
LISTS = {"blocks": ConvBlock, "dense": DenseLayer}
SCALE_INFO = FieldInfo(FILTERS_SCALE, "float", 1.0, Rule(
    help="multiplies every block's filters (each rounded, at least 1)", label="Filters ×",
    say="filters ×{v}"))
_CASTS = {"int": int, "float": float, "str": str}


def field_at(path: str) -> FieldInfo:
    """The field a path names, with its rule; a one-line `ConfigError` for a bad path."""
    if path == FILTERS_SCALE:
        return SCALE_INFO
    parts = path.split(".")
    if parts[0] in LISTS:
        index_given = len(parts) == 3 and parts[1].isdigit()
        if len(parts) not in (2, 3) or (len(parts) == 3 and not index_given):
            raise ConfigError(f"{path}: name a field of all {parts[0]} ({parts[0]}.FIELD) or of "
                              f"one ({parts[0]}.N.FIELD, N counted from 0)")
        known = {info.name: info for info in field_infos(LISTS[parts[0]])}
        name = parts[-1]
    else:
        known = {info.name: info for info in field_infos(RunConfig) if info.name not in LISTS}
        name = path if len(parts) == 1 else None
    if name not in known:
        hint = f"; fields: {', '.join(sorted(known))}" if len(parts) == 1 or parts[0] in LISTS else ""
        raise ConfigError(f"unknown field '{path}'{hint}")
    return known[name]


def parse_classes(text: str, where: str = "classes") -> list[int]:
    """`0-4` -> [0, 1, 2, 3, 4]; `1,7` -> [1, 7]; ranges and digits may be mixed."""
    digits: list[int] = []
    for part in filter(None, (item.strip() for item in text.split(","))):
        low, _, high = part.partition("-")
        try:
            digits += list(range(int(low), int(high or low) + 1))
        except ValueError:
            raise ConfigError(f"{where}: expected digits or ranges like 0-4, got '{part}'") from None
    return digits


def parse_value(path: str, text: str) -> Any:
    """`text` as the field's type; a one-line ConfigError naming the field otherwise."""
    info = field_at(path)
    text = text.strip()
    if info.optional and text.lower() == "none":
        return None
    kind = info.type.split(" |")[0]
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"{path} takes true or false, got '{text}'")
        return text.lower() == "true"
    if kind == "list[int]":
        return parse_classes(text, path) or None
    try:
        return _CASTS[kind](text)
    except ValueError:
        raise ConfigError(f"{path} takes {kind} values, got '{text}'") from None


def parse_setting(text: str, flag: str = "--set") -> tuple[str, Any]:
    """`FIELD=VALUE` -> (path, typed value), as `--set` takes it."""
    path, sign, value = text.partition("=")
    if not sign or not path.strip():
        raise ConfigError(f"{flag} {text}: expected FIELD=VALUE")
    return path.strip(), parse_value(path.strip(), value)


def with_values(base: RunConfig, values: dict[str, Any]) -> RunConfig:
    """A copy of `base` with each path set to its value; a ConfigError for a bad path."""
    config = copy.deepcopy(base)
    for path, value in values.items():
        field_at(path)
        parts = path.split(".")
        if path == FILTERS_SCALE:
            for block in config.blocks:
                block.filters = max(1, round(block.filters * value))
        elif parts[0] in LISTS:
            items = getattr(config, parts[0])
            if len(parts) == 3:
                index = int(parts[1])
                if index >= len(items):
                    raise ConfigError(f"{path}: the base config has {len(items)} {parts[0]}")
                items = [items[index]]
            for item in items:
                setattr(item, parts[-1], value)
        else:
            setattr(config, path, value)
    return config


def field_paths() -> list[tuple[str, FieldInfo]]:
    """Every path with its field, in declaration order: top-level fields, then `blocks.F`,
    `dense.F` and `filters_scale`: what `mnist-lab fields` lists."""
    paths = [(info.name, info) for info in field_infos(RunConfig) if info.name not in LISTS]
    for name, cls in LISTS.items():
        paths += [(f"{name}.{info.name}", info) for info in field_infos(cls)]
    return paths + [(FILTERS_SCALE, SCALE_INFO)]


def value_words(path: str, value: Any) -> str:
    """A path's value in words, as the form would say it: `blocks.downsample=max` is "max
    pooling", `blocks.0.kernel_size=5` is "block 1: kernel 5×5"."""
    words = field_at(path).words(value)
    parts = path.split(".")
    return f"{parts[0].rstrip('s')} {int(parts[1]) + 1}: {words}" if len(parts) == 3 else words


def point_words(point: dict[str, Any]) -> str:
    """A point of a study in words: "max pooling, kernel 5×5"."""
    return ", ".join(value_words(path, value) for path, value in point.items())
