"""Budget policy from identifiability (mmm.decisions.optimize.policy)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pandas as pd
import pytest
from _fits import small_result

from mmm.analysis.identify import PRIOR, WEAK, WELL, Identifiability, identifiability
from mmm.decisions.optimize.policy import annotate_moves, budget_bounds


@lru_cache(maxsize=1)
def _ident() -> Identifiability:
    return identifiability(small_result(), draws=400)


def _forced(cls: str) -> Identifiability:
    """The small fit's identifiability with every channel set to ``cls``."""
    ident = _ident()
    table = ident.table.assign(**{"class": cls, "reason": "forced in a test"})
    return replace(ident, table=table)


# ---------------------------------------------------------------------- optimiser support
def test_budget_bounds_are_tighter_for_channels_the_data_cannot_pin_down() -> None:
    current = {"tv": 100.0, "search": 200.0, "weibo": 50.0, "douyin": 80.0}
    assert budget_bounds(_forced(WELL), current) == {}
    pd_bounds = budget_bounds(_forced(PRIOR), current)
    assert pd_bounds["search"] == pytest.approx((180.0, 220.0))
    weak = budget_bounds(_forced(WEAK), current, max_change=0.3)
    assert weak["tv"] == pytest.approx((85.0, 115.0))
    assert budget_bounds(_forced(WEAK), current, max_change=0.05)["tv"] == pytest.approx(
        (95.0, 105.0)
    )
    assert "wechat_posts" not in pd_bounds  # not in the allocation


def test_annotate_moves_flags_moves_resting_on_weak_channels() -> None:
    table = pd.DataFrame({"channel": ["tv", "search"], "change_pct": [0.2, 0.0]})
    out = annotate_moves(table, _forced(PRIOR))
    assert list(out.identifiability) == [PRIOR, PRIOR]
    assert "rests on tv's prior" in out.evidence[0] and out.evidence[1] == ""
    assert (annotate_moves(table, _forced(WELL)).evidence == "").all()
