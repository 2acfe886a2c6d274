"""Command-line overrides of a config, generated from the fields' own rules.

Every top-level field has a flag of its name (`--learning-rate`, `--head-dropout`). A block's
or a dense layer's field has the shortcut its rule names (`--kernel`, `--padding`), taking one
value for every block or one per block (`--kernel 5,3`); `--filters` and `--dense` also set
how many blocks or dense layers there are (new ones copy the last), and `--activation` sets
every layer's. `--set FIELD=VALUE` reaches every field by its path, as a study's `--grid`
names it (`blocks.1.padding=same`, `dense.0.units=64`), and is applied after the flags.
"""

from __future__ import annotations

import argparse
import copy
from typing import Any

from mnist_lab.config import (
    LISTS,
    ConfigError,
    ConvBlock,
    DenseLayer,
    FieldInfo,
    RunConfig,
    field_infos,
    field_paths,
    parse_classes,
    parse_setting,
    with_values,
)

SET_FLAG = "--set"
_CASTS = {"int": int, "float": float, "str": str}


def _allowed(info: FieldInfo) -> str:
    """The range or the choices of a field, in words ("" for a field without either)."""
    if info.rule.choices is not None:
        return "|".join(info.rule.choices)
    return info.rule.span(info.integer).removeprefix("in ")


def _default(info: FieldInfo) -> str:
    return "none" if info.default is None else str(info.default).lower() if isinstance(
        info.default, bool) else str(info.default)


def _help(info: FieldInfo, scope: str = "") -> str:
    allowed = _allowed(info)
    return (f"{info.rule.help}{scope} ({allowed + '; ' if allowed else ''}"
            f"default {_default(info)})").replace("%", "%%")


def _top_level() -> list[FieldInfo]:
    """Top-level fields that have a flag of their name (not the lists, not a preset's label)."""
    return [info for info in field_infos(RunConfig)
            if info.name not in LISTS and info.rule.flag != ""]


def _shortcuts() -> dict[str, list[tuple[type, FieldInfo]]]:
    """Flag -> the block and dense fields it sets (`--activation` sets both kinds of layer)."""
    found: dict[str, list[tuple[type, FieldInfo]]] = {}
    for cls in (ConvBlock, DenseLayer):
        for info in field_infos(cls):
            if info.rule.flag:
                found.setdefault(info.rule.flag, []).append((cls, info))
    return found


def _flag_options(info: FieldInfo) -> dict[str, Any]:
    kind = info.type.split(" |")[0]
    options: dict[str, Any] = {"help": _help(info)}
    if kind == "bool":
        return {**options, "action": argparse.BooleanOptionalAction, "default": None}
    if info.rule.choices is not None:
        options["choices"] = tuple(info.rule.choices)
    elif kind in ("int", "float"):
        options.update(type=_CASTS[kind], metavar="N" if kind == "int" else "X")
    else:
        options["metavar"] = "RUN_ID" if info.name == "init_from" else "DIGITS"
    return options


def _shortcut_options(fields: list[tuple[type, FieldInfo]]) -> dict[str, Any]:
    cls, info = fields[0]
    where = "block" if cls is ConvBlock else "dense layer"
    if len(fields) > 1:
        scope = ", of every layer"
        return {"choices": tuple(info.rule.choices), "help": _help(info, scope)}
    if info.type == "bool":
        return {"action": argparse.BooleanOptionalAction, "default": None,
                "help": _help(info, f", of every {where}")}
    scope = (f"; one value per {where}, which sets how many there are" if info.rule.counts
             else f"; one value for every {where}, or one per {where}")
    return {"help": _help(info, scope), "metavar": "V[,V...]"}


def _override_flags() -> dict[str, dict[str, Any]]:
    flags = {f"--{info.name.replace('_', '-')}": _flag_options(info) for info in _top_level()}
    flags.update({flag: _shortcut_options(fields) for flag, fields in _shortcuts().items()})
    return flags


OVERRIDE_FLAGS: dict[str, dict[str, Any]] = _override_flags()  # what `train` takes, by flag


def add_override_arguments(parser: argparse.ArgumentParser) -> None:
    """The override flags and `--set`, as one group of `train --help`."""
    group = parser.add_argument_group(
        "fields", "Each flag overrides the preset's or the config file's value. Its help ends with "
        "the range or choices and the field's own default (a preset sets its own values). "
        "`mnist-lab fields` lists every field by its path, for --set.")
    for flag, options in _override_flags().items():  # read afresh: the rules are the truth
        group.add_argument(flag, **options)
    group.add_argument(SET_FLAG, action="append", default=[], metavar="FIELD=VALUE",
                       help="set any field by its path, e.g. momentum=0.8, blocks.kernel_size=3, "
                       "blocks.1.padding=same, dense.0.units=64 (repeatable; after the flags)")


def _dest(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


def _split(text: str, flag: str, info: FieldInfo) -> list:
    kind = _CASTS.get(info.type.split(" |")[0], str)
    try:
        values = [kind(item.strip()) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: expected comma-separated {kind.__name__} values, got '{text}'") from None
    unknown = [value for value in values if info.rule.choices is not None and value not in info.rule.choices]
    if unknown:
        raise ConfigError(f"{flag}: {info.rule.unknown(info.noun, unknown[0])}")
    return values


def _per_item(items: list, values: list, info: FieldInfo, flag: str, where: str) -> None:
    if len(values) not in (1, len(items)):
        raise ConfigError(f"{flag}: give one value or one per {where} ({len(items)}), got {len(values)}")
    for index, item in enumerate(items):
        setattr(item, info.name, values[0] if len(values) == 1 else values[index])


def _counted(items: list, count: int, template) -> list:
    """`count` items: the first ones kept, new ones copying the last (or the template)."""
    last = items[-1] if items else template
    return [copy.deepcopy(items[index] if index < len(items) else last) for index in range(count)]


def _apply_shortcut(config: RunConfig, flag: str, value: Any) -> None:
    for cls, info in _shortcuts()[flag]:
        list_name = next(name for name, kind in LISTS.items() if kind is cls)
        where = "block" if cls is ConvBlock else "dense layer"
        if isinstance(value, bool):
            values = [value]
        else:
            values = _split(value, flag, info)
        if info.rule.counts and cls is DenseLayer:
            values = [size for size in values if size]  # "0" for none
            setattr(config, list_name, _counted(config.dense, len(values), DenseLayer()))
        elif info.rule.counts:
            setattr(config, list_name, _counted(config.blocks, len(values), ConvBlock()))
        _per_item(getattr(config, list_name), values, info, flag, where)


def apply_overrides(config: RunConfig, args: argparse.Namespace) -> RunConfig:
    """A copy of `config` with every flag given on the command line applied, then `--set`."""
    config = copy.deepcopy(config)
    for info in _top_level():
        value = getattr(args, info.name, None)
        if value is None:
            continue
        if info.type == "list[int] | None":
            value = parse_classes(value, "--classes") or None
        setattr(config, info.name, value)
    # Those that set how many blocks or layers there are first, so the others reach them all.
    for flag in sorted(_shortcuts(), key=lambda flag: not _shortcuts()[flag][0][1].rule.counts):
        value = getattr(args, _dest(flag), None)
        if value is not None:
            _apply_shortcut(config, flag, value)
    settings = dict(parse_setting(text) for text in getattr(args, "set", None) or [])
    return with_values(config, settings)


def field_rows() -> list[dict[str, str]]:
    """Every field by its path, with its type, range or choices, default and help: what
    `mnist-lab fields` prints, from the same rules as validation and the flags."""
    flags = {(cls, info.name): flag for flag, fields in _shortcuts().items() for cls, info in fields}
    rows = []
    for path, info in field_paths():
        list_name = path.split(".")[0]
        flag = (flags.get((LISTS[list_name], info.name), "") if list_name in LISTS and "." in path
                else f"--{path.replace('_', '-')}" if info in _top_level() else "")
        rows.append({"field": path, "type": info.type, "allowed": _allowed(info),
                     "default": _default(info), "flag": flag, "help": info.rule.help})
    return rows
