"""How numbers read in every table and sentence of the lab: accuracies in percent, their
differences and spreads in points, each with two decimals, and a missing value as an em dash
(never `None`)."""

from __future__ import annotations

import math

MISSING = "—"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float | None, decimals: int = 2) -> str:
    """An accuracy (a share in [0, 1]) as "97.38%"."""
    return MISSING if _missing(value) else f"{value * 100:.{decimals}f}%"


def points(value: float | None, *, signed: bool = False) -> str:
    """A difference or a spread of accuracies as "0.90 points" ("+0.90 points" when signed)."""
    if _missing(value):
        return MISSING
    return f"{value * 100:{'+' if signed else ''}.2f} points"
