"""What each config field may hold, said once, in the field's own declaration.

Every field of `RunConfig`, `ConvBlock` and `DenseLayer` is declared with `rule(...)`: its
default, its range or choices, its unit, a one-line help and the words the Train form shows.
Its type is the field's annotation. Validation (`mnist_lab.model.validation`), the Train
form's widgets and `fit_to_form`, the CLI's flags, `--set`, `--help` and `mnist-lab fields`,
and the typing of a study's space all read these rules; none keeps a copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

RULE = "rule"  # the dataclass field metadata key


class ConfigError(ValueError):
    """A config that cannot be built or trained; the message names the field and the fix."""


@dataclass(frozen=True)
class Rule:
    """One field's description.

    - `low`, `high`: its range; an `open_low`/`open_high` end is not included.
    - `choices`: the values it takes, each with the form's words for it.
    - `names`: the choices name things of which the lab knows a few (activations,
      optimizers, schedules), so a value outside them is "unknown"; other choices are modes.
    - `step`: the finest step the form offers; a widget stops one step inside an open end.
    - `form_low`, `form_high`: where the form's widget stops inside the range, when it should
      offer less than the lab accepts (a rotation of 180° turns a 6 into a 9).
    - `noun`: the field in messages ("kernel size"); `label`: the form's words ("Kernel");
      `value_word`: what one of its choices is called, if not the noun ("unknown mode 'x'").
    - `say`: how one value reads in words, `{v}` standing for it ("kernel {v}×{v}"); by
      default a choice reads as its form words, a number as "learning rate 0.01".
    - `flag`: the CLI shortcut of a block's or a dense layer's field (a top-level field's
      flag is its name); `counts`: the shortcut also sets how many blocks or layers there are.
    """

    help: str
    label: str = ""
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    choices: Mapping[str, str] | None = None
    names: bool = False
    unit: str = ""
    step: float | None = None
    form_low: float | None = None
    form_high: float | None = None
    noun: str = ""
    value_word: str = ""
    say: str = ""
    flag: str | None = None
    counts: bool = False

    def contains(self, value: Any) -> bool:
        """Whether `value` lies in the range and among the choices."""
        if self.choices is not None and value not in self.choices:
            return False
        if self.low is None:
            return True
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return bool(above and below)

    def span(self, integer: bool) -> str:
        """The range in words: `1..1000`, `0..180 degrees`, `in [0, 1)`, `in [0, 0.5] of the
        image side`. Counts and measures read as a span, shares and rates as an interval."""
        if self.low is None:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        closed = not (self.open_low or self.open_high)
        if closed and (integer or (self.unit and not self.unit.startswith("of "))):
            return f"{_number(self.low)}..{_number(self.high)}{unit}"
        return (f"in {'(' if self.open_low else '['}{_number(self.low)}, {_number(self.high)}"
                f"{')' if self.open_high else ']'}{unit}")

    def problem(self, noun: str, value: Any, integer: bool) -> str | None:
        """The one-line message for `value`, or None when the rule holds."""
        if self.contains(value):
            return None
        if self.choices is not None:
            if self.names:
                return self.unknown(noun, value)
            return f"{noun} must be one of {tuple(self.choices)}, got '{value}'"
        return f"{noun} must be {self.span(integer)}, got {value}"

    def unknown(self, noun: str, value: Any) -> str:
        """A value outside the choices, in words: "unknown mode 'median'; use one of (...)"."""
        return f"unknown {self.value_word or noun} '{value}'; use one of {tuple(self.choices or ())}"

    def form_bounds(self, optional: bool = False) -> tuple[float, float]:
        """(lowest, highest) a form widget offers: the range, one step inside an open end,
        stopped where `form_low`/`form_high` say; an optional count starts at 0 ("none")."""
        low = self.form_low if self.form_low is not None else (
            0 if optional else self.low + (self.step or 0) * self.open_low)
        high = self.high - (self.step or 0) * self.open_high
        if self.form_high is not None:
            high = min(high, self.form_high)
        return _tidy(low), _tidy(high)


def rule(default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING,
         **description: Any) -> Any:
    """A dataclass field with its `Rule` as metadata: `filters: int = rule(32, low=1, ...)`."""
    if "choices" in description and not isinstance(description["choices"], Mapping):
        description["choices"] = {value: value for value in description["choices"]}
    if description.get("choices") is not None:
        description["choices"] = MappingProxyType(dict(description["choices"]))
    return dataclasses.field(default=default, default_factory=factory,
                             metadata={RULE: Rule(**description)})


@dataclass(frozen=True)
class FieldInfo:
    """A field with its rule, as the readers of rules see it."""

    name: str
    type: str
    default: Any
    rule: Rule

    @property
    def integer(self) -> bool:
        return self.type.split(" |")[0] == "int"

    @property
    def optional(self) -> bool:
        return self.type.endswith("| None")

    @property
    def noun(self) -> str:
        return self.rule.noun or self.name.replace("_", " ")

    @property
    def label(self) -> str:
        return self.rule.label or self.noun.capitalize()

    def problem(self, value: Any) -> str | None:
        """The one-line message for `value` (an optional field may be None), or None."""
        if value is None and self.optional:
            return None
        return self.rule.problem(self.noun, value, self.integer)

    def form_bounds(self) -> tuple[float, float]:
        return self.rule.form_bounds(self.optional and self.integer)

    def choice_label(self, value: Any) -> str:
        """The form's words for a choice ("max pooling"), or the value itself."""
        return (self.rule.choices or {}).get(value, str(value))

    def words(self, value: Any) -> str:
        """One value of the field in words: "max pooling", "kernel 5×5", "batch norm",
        "learning rate 0.01"."""
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if self.rule.say:
            return self.rule.say.format(v=text)
        if isinstance(value, bool):
            return self.noun if value else f"no {self.noun}"
        label = self.choice_label(value)
        return label if label != str(value) else f"{self.noun} {text}"


def field_infos(cls: type) -> tuple[FieldInfo, ...]:
    """Every field of a config dataclass with its rule; `ConfigError` names one without."""
    infos = []
    for item in dataclasses.fields(cls):
        described = item.metadata.get(RULE)
        if described is None:
            raise ConfigError(f"{cls.__name__}.{item.name} has no rule: declare it with rule(...)")
        default = (item.default_factory() if item.default_factory is not dataclasses.MISSING
                   else item.default)
        infos.append(FieldInfo(item.name, str(item.type), default, described))
    return tuple(infos)


def field_info(cls: type, name: str) -> FieldInfo:
    for info in field_infos(cls):
        if info.name == name:
            return info
    raise ConfigError(f"unknown field '{name}' of {cls.__name__}")


def choices_of(cls: type, name: str) -> tuple[str, ...]:
    """The values a choice field takes, in the order its rule lists them."""
    return tuple(field_info(cls, name).rule.choices or ())


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _tidy(value: float) -> float:
    """A bound without float dust (1 - 0.05 is 0.95), its type kept."""
    return value if isinstance(value, int) else float(f"{value:.10g}")
