"""What the report reads from an Allocation (the budget plan of :mod:`mmm.decisions.optimize`).

The report depends only on the Allocation's agreed public fields (``table``,
``group_totals``, ``uplift_*``, ``prob_improvement``, ``uplift_draws``, ``start``,
``end``, ``weeks``, ``budget``, ``objective``, ``solver``; ``caveats`` and the table's
``identifiability`` / ``evidence`` columns when present), read with ``getattr`` so that a
plan from an older or newer optimiser still renders what it can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def recommended_spend(allocation: Any, channels: Sequence[str], n_periods: int) -> dict[str, float]:
    """Recommended spend per channel rescaled to ``n_periods`` (the plan may cover another length)."""
    if allocation is None:
        return {}
    table = getattr(allocation, "table", None)
    if table is None or "recommended_spend" not in table:
        return {}
    weeks = getattr(allocation, "weeks", None) or n_periods
    factor = n_periods / weeks
    rec = dict(
        zip(table["channel"].astype(str), table["recommended_spend"].astype(float), strict=True)
    )
    return {c: rec[c] * factor for c in channels if c in rec}


@dataclass(frozen=True)
class Plan:
    """What the report shows of an Allocation (duck-typed: only its agreed fields are read)."""

    table: pd.DataFrame
    groups: pd.DataFrame
    start: Any
    end: Any
    weeks: Any
    budget: float
    objective: str
    uplift: dict[str, float]
    draws: np.ndarray
    solver: dict[str, Any] = field(default_factory=dict)
    move: dict[str, Any] = field(default_factory=dict)
    caveats: tuple[str, ...] = ()


def plan_data(allocation: Any) -> Plan | None:
    """Plan tables and the headline move from an Allocation (None when there is none)."""
    if allocation is None:
        return None
    table = getattr(allocation, "table", pd.DataFrame()).copy()
    table["channel"] = table["channel"].astype(str)
    groups = getattr(allocation, "group_totals", None)
    groups = groups.copy() if isinstance(groups, pd.DataFrame) else pd.DataFrame()
    draws = np.asarray(getattr(allocation, "uplift_draws", np.zeros(0)), dtype=float).ravel()
    uplift = {
        "mean": float(getattr(allocation, "uplift_mean", np.nan)),
        "lower": float(getattr(allocation, "uplift_lower", np.nan)),
        "upper": float(getattr(allocation, "uplift_upper", np.nan)),
        "prob": float(getattr(allocation, "prob_improvement", np.nan)),
    }
    budget = getattr(allocation, "budget", None)
    if budget is None and "recommended_spend" in table:
        budget = float(table["recommended_spend"].sum())
    return Plan(
        table=table,
        groups=groups,
        start=getattr(allocation, "start", None),
        end=getattr(allocation, "end", None),
        weeks=getattr(allocation, "weeks", None),
        budget=float(budget) if budget is not None else float("nan"),
        objective=str(getattr(allocation, "objective", "")),
        uplift=uplift,
        draws=draws,
        solver=dict(getattr(allocation, "solver", {}) or {}),
        move=headline_move(table),
        caveats=caveats(allocation),
    )


def caveats(allocation: Any) -> tuple[str, ...]:
    """An Allocation's ``caveats`` (when it has the attribute) as a tuple of strings."""
    found = getattr(allocation, "caveats", None)
    if not found:
        return ()
    if isinstance(found, str):
        return (found,)
    return tuple(str(c) for c in found if str(c).strip())


def headline_move(table: pd.DataFrame) -> dict[str, Any]:
    """The biggest cut and the biggest increase of a plan table, and the total amount moved."""
    if table.empty or "change" not in table:
        return {}
    change = table.set_index("channel")["change"].astype(float)
    scale = max(float(table.get("current_spend", change).abs().sum()), 1.0)
    ups, downs = change[change > 1e-6 * scale], change[change < -1e-6 * scale]
    if ups.empty or downs.empty:
        return {"amount": 0.0}
    return {
        "amount": float(min(ups.sum(), -downs.sum())),
        "from": str(downs.idxmin()),
        "to": str(ups.idxmax()),
        "n_from": len(downs),
        "n_to": len(ups),
    }
