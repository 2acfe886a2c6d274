"""A study's search space: which config fields vary, over which values, and applying a point.

A field is named by its path into `RunConfig` (`mnist_lab.config.field_at`): `learning_rate`,
`blocks.kernel_size` (every block), `blocks.0.kernel_size` (the first block only),
`dense.units`, or `filters_scale`, which multiplies every block's filters. Values are typed
from the fields' own rules, so `--grid blocks.kernel_size=3,5,x` is refused by name before
anything is queued. The seed is what repeats vary, and a preset's name is a label: neither
is swept.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from mnist_lab.config import (
    LISTS,
    ConfigError,
    RunConfig,
    field_at,
    field_infos,
    parse_value,
    with_values,
)
from mnist_lab.model import describe

NOT_SWEPT = {"seed", "preset"}  # seeds are repeats; a preset's name is a label


@dataclass(frozen=True)
class Dimension:
    """One swept field: a list of values, or a numeric range [low, high] (log-scaled or not)."""

    field: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def to_dict(self) -> dict[str, Any]:
        if self.is_range:
            return {"field": self.field, "low": self.low, "high": self.high, "log": self.log,
                    "integer": self.integer}
        return {"field": self.field, "values": list(self.values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dimension:
        if "values" in data:
            return cls(data["field"], tuple(data["values"]))
        return cls(data["field"], low=data["low"], high=data["high"], log=data["log"],
                   integer=data["integer"])


def field_type(path: str) -> str:
    """The type name of a swept field ("int", "float", "bool", "str", "int | None")."""
    if path in NOT_SWEPT or path in LISTS:
        swept = [info.name for info in field_infos(RunConfig)
                 if info.name not in NOT_SWEPT and info.name not in LISTS]
        raise ConfigError(f"unknown field '{path}'; fields: {', '.join(sorted(swept))}")
    return field_at(path).type


def parse_grid(spec: str) -> Dimension:
    """`FIELD=V1,V2,...` -> a dimension of listed values."""
    path, values = _split(spec, "--grid")
    field_type(path)
    typed = [parse_value(path, text) for text in values.split(",") if text.strip()]
    parsed = tuple({json.dumps(value): value for value in typed}.values())  # once each; lists too
    if not parsed:
        raise ConfigError(f"--grid {spec}: give at least one value")
    return Dimension(path, parsed)


def parse_range(spec: str) -> Dimension:
    """`FIELD=LOW..HIGH` or `FIELD=LOW..HIGH:log` -> a numeric range."""
    path, text = _split(spec, "--range")
    kind = field_type(path).split(" |")[0]
    if kind not in ("int", "float"):
        raise ConfigError(f"--range {spec}: {path} is {kind}; a range needs a number field")
    log = text.endswith(":log")
    bounds = text.removesuffix(":log").split("..")
    if len(bounds) != 2:
        raise ConfigError(f"--range {spec}: expected {path}=LOW..HIGH or {path}=LOW..HIGH:log")
    low, high = (parse_value(path, bound) for bound in bounds)
    if not low < high or (log and low <= 0):
        raise ConfigError(f"--range {spec}: need LOW < HIGH{' and LOW > 0 for :log' if log else ''}")
    return Dimension(path, low=low, high=high, log=log, integer=kind == "int")


def _split(spec: str, flag: str) -> tuple[str, str]:
    path, sign, values = spec.partition("=")
    if not sign or not path.strip():
        raise ConfigError(f"{flag} {spec}: expected FIELD=VALUES")
    return path.strip(), values


def check_dimensions(dimensions: list[Dimension]) -> None:
    fields_seen = [dimension.field for dimension in dimensions]
    if not dimensions:
        raise ConfigError("the search space is empty: give --grid FIELD=V1,V2 (or --range)")
    duplicated = {name for name in fields_seen if fields_seen.count(name) > 1}
    if duplicated:
        raise ConfigError(f"{sorted(duplicated)[0]} is swept twice")
    for dimension in dimensions:
        field_type(dimension.field)


def apply_point(base: RunConfig, point: dict[str, Any]) -> RunConfig:
    """A copy of `base` with the point's values set; raises ConfigError for a bad path."""
    return with_values(base, point)


def grid_points(dimensions: list[Dimension]) -> list[dict[str, Any]]:
    """Every combination of listed values, in the order given (a range cannot be a grid)."""
    ranged = [dimension.field for dimension in dimensions if dimension.is_range]
    if ranged:
        raise ConfigError(f"a grid needs listed values, but {ranged[0]} is a range; list its "
                          "values, or use --sampler random or tpe")
    names = [dimension.field for dimension in dimensions]
    return [dict(zip(names, values, strict=True))
            for values in itertools.product(*(dimension.values for dimension in dimensions))]


def corner_points(dimensions: list[Dimension], limit: int = 64) -> list[dict[str, Any]]:
    """Points at the ends of every range and at every listed value: what validation checks."""
    choices = [dimension.values if not dimension.is_range else (dimension.low, dimension.high)
               for dimension in dimensions]
    names = [dimension.field for dimension in dimensions]
    combos = itertools.islice(itertools.product(*choices), limit)
    return [dict(zip(names, values, strict=True)) for values in combos]


def check_points(base: RunConfig, points: list[dict[str, Any]]) -> None:
    """Every point must describe a network that can be built: one line names the first that cannot."""
    for point in points:
        try:
            describe(apply_point(base, point))
        except ConfigError as error:
            raise ConfigError(f"{point_label(point)}: {error}") from None


def point_label(point: dict[str, Any]) -> str:
    """`blocks.kernel_size=5 downsample=max`: a point in the words of the command line."""
    return " ".join(f"{name}={_text(value)}" for name, value in point.items())


def _text(value: Any) -> str:
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:g}"
    return str(value).lower() if isinstance(value, bool) else str(value)
