"""Numbers for people: money, percentages, probabilities, ratios, dates — one formatter each.

Used by every layer that writes words (plan headlines, data checks, the report), so the same
amount always reads the same: ``¥12M`` in a headline and in the report.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

DASH = "–"

# ---------------------------------------------------------------------- numbers


def _bad(value: Any) -> bool:
    try:
        return value is None or not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def money(value: Any, currency: str = "¥", *, signed: bool = False) -> str:
    """Format an amount of money compactly: ``¥1.2M``, ``¥350K``, ``¥12.5B``, ``¥870``.

    Parameters
    ----------
    value : float
        The amount (NaN or None give ``–``).
    currency : str
        Currency symbol put before the number.
    signed : bool
        Prefix positive amounts with ``+`` (negative ones always carry ``-``).
    """
    if _bad(value):
        return DASH
    v = float(value)
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    if round(a) < 1000:
        return f"{sign}{currency}{a:,.0f}"
    for limit, suffix in ((1e3, "K"), (1e6, "M"), (1e9, "B")):
        x = a / limit
        if round(x) < 1000 or suffix == "B":
            body = f"{x:,.0f}" if x >= 99.95 else f"{x:.1f}"
            body = body.removesuffix(".0") if x >= 9.95 else body
            return f"{sign}{currency}{body}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover


def pct(value: Any, *, signed: bool = False, digits: int = 0) -> str:
    """Format a fraction as a percentage (``0.123`` → ``12%``)."""
    if _bad(value):
        return DASH
    return f"{float(value):{'+' if signed else ''}.{digits}%}"


def probability(value: Any) -> str:
    """A probability as a percentage that never rounds to certainty: ``>99%``, ``<1%``."""
    if _bad(value):
        return DASH
    v = float(value)
    if v > 0.99:
        return ">99%"
    if v < 0.01:
        return "<1%"
    return f"{v:.0%}"


def ratio(value: Any, digits: int = 2) -> str:
    """Format an ROI (revenue per unit of spend), e.g. ``2.35``."""
    if _bad(value):
        return DASH
    return f"{float(value):,.{digits}f}"


def number(value: Any, digits: int = 0) -> str:
    """Format a count or an activity total with thousands separators (``1.2M`` above a million)."""
    if _bad(value):
        return DASH
    v = float(value)
    if abs(v) >= 1e6:
        return money(v, "")
    return f"{v:,.{digits}f}"


def interval(lower: Any, upper: Any, fmt: Any = ratio) -> str:
    """``lower – upper`` with the given formatter (``–`` when either end is missing)."""
    if _bad(lower) or _bad(upper):
        return DASH
    return f"{fmt(lower)} {DASH} {fmt(upper)}"


def iso(day: Any) -> str:
    """A date as ``YYYY-MM-DD``."""
    return pd.Timestamp(day).date().isoformat()
