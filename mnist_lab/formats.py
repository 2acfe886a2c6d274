"""How numbers read in every table and sentence of the lab: accuracies in percent, their
differences and spreads in points, each with two decimals, durations in seconds, minutes and
hours, and a missing value as an em dash (never `None`)."""

from __future__ import annotations

import math

MISSING = "—"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell(value) -> str:
    """Any value in a printed table: an em dash when missing, yes or no, a float to four
    significant digits, a count with thousands separators."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def percent(value: float | None, decimals: int = 2) -> str:
    """An accuracy (a share in [0, 1]) as "97.38%"."""
    return MISSING if _missing(value) else f"{value * 100:.{decimals}f}%"


def points(value: float | None, *, signed: bool = False) -> str:
    """A difference or a spread of accuracies as "0.90 points" ("+0.90 points" when signed)."""
    if _missing(value):
        return MISSING
    return f"{value * 100:{'+' if signed else ''}.2f} points"


def p_value(value: float) -> str:
    """A test's p-value as a reader takes it: "p = 0.012", or "p < 0.001" when it is tiny."""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def format_duration(seconds: float | None) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'; an em dash when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
