"""Budget policy from identifiability: no large move rests on a prior alone.

The optimiser reads :class:`~mmm.analysis.identify.Identifiability` (how far the data moved
each ROI from its prior) and keeps the budget of channels the data cannot pin down near its
current level; allocation tables say which moves rest on such channels.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mmm.analysis.identify import PRIOR, WELL, Identifiability

#: default maximum relative spend change the optimiser should allow, by class (see budget_bounds)
MAX_CHANGE = {"well identified": None, "weakly identified": 0.15, "prior-dominated": 0.10}


def budget_bounds(
    ident: Identifiability, current: Mapping[str, float], max_change: float = 0.3
) -> dict[str, tuple[float, float]]:
    """Tighter default bounds for channels whose ROI the data cannot pin down.

    The optimiser should not move large amounts of budget on the strength of a prior
    alone: a weakly identified channel may move at most ±15% and a prior-dominated one
    ±10% (:data:`MAX_CHANGE`), or ``max_change`` if that is smaller. Well identified
    channels get no entry (the scenario's default ``max_change`` applies).

    Parameters
    ----------
    ident : Identifiability
    current : mapping
        channel → current spend over the planning window (e.g.
        :func:`mmm.decisions.optimize.current_spend`).
    max_change : float
        The scenario's default relative bound.

    Returns
    -------
    dict
        channel → (min, max) absolute spend over the window, for ``BudgetScenario(bounds=…)``.
    """
    out = {}
    for ch, cls in ident.classes.items():
        cap = MAX_CHANGE[cls]
        if cap is None or ch not in current:
            continue
        m = min(cap, max_change)
        cur = float(current[ch])
        out[ch] = (cur * (1 - m), cur * (1 + m))
    return out


def annotate_moves(
    table: pd.DataFrame, ident: Identifiability, min_change: float = 0.01
) -> pd.DataFrame:
    """Add ``identifiability`` and ``evidence`` columns to an allocation table.

    ``table`` has ``channel`` and ``change_pct`` (a fraction, as in
    :class:`mmm.decisions.optimize.Allocation`'s table);
    ``evidence`` is the sentence for moves (|change| ≥ ``min_change``) that rest on a
    weakly identified or prior-dominated channel, else empty.
    """
    out = table.copy()
    classes = ident.classes
    out["identifiability"] = [classes.get(c, "") for c in out["channel"]]
    moved = out["change_pct"].abs().fillna(0) >= min_change
    out["evidence"] = [
        move_note(c, classes[c]) if m and classes.get(c, WELL) != WELL else ""
        for c, m in zip(out["channel"], moved, strict=True)
    ]
    return out


def move_note(channel: str, cls: str) -> str:
    """Note on an allocation move that rests on a channel not well identified."""
    if cls == PRIOR:
        return f"This move rests on {channel}'s prior, not on the data; test before moving more."
    return f"This move rests on a weakly identified ROI for {channel}; treat it as provisional."
