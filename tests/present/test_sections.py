"""The data behind each report section (mmm.present.sections, mmm.present.plan)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand

from mmm._checks import Check, Checks
from mmm.exceptions import DataValidationError
from mmm.present import sections as S
from mmm.present.assemble import collect
from mmm.present.plan import plan_data
from mmm.present.report import render as R


# ---------------------------------------------------------------------- data behind sections
def test_quarter_windows(result: Any) -> None:
    dates = result.dataset.dates
    q = S.quarter_windows(result)
    assert q.current == (dates[-13], dates[-1]) and q.previous == (dates[-26], dates[-14])
    assert q.label == "2023Q4"
    q3 = S.quarter_windows(result, "2023Q3")
    assert q3.current[0] >= pd.Timestamp("2023-07-01") and q3.current[1] <= pd.Timestamp(
        "2023-09-30"
    )
    assert q3.previous[1] < pd.Timestamp("2023-07-01")
    assert S.quarter_windows(result, "Q4 budget review").label == "Q4 budget review"
    with pytest.raises(DataValidationError, match="2030Q1"):
        S.quarter_windows(result, "2030Q1")


def test_section_numbers_add_up(result: Any) -> None:
    src = S.Source(result, None)
    q = S.quarter_windows(src)
    wf = S.waterfall_table(src, q.current)
    fitted = result.fitted()["mean"].values[-13:].sum()
    assert wf["value"].sum() == pytest.approx(fitted, rel=1e-6)
    assert wf["end"].iloc[-1] == pytest.approx(wf["value"].sum())
    qt = S.quarter_table(src, q)
    spend = result.dataset.data["spend"].isel(geo=0).values
    assert qt["spend_current"].sum() == pytest.approx(spend[-13:].sum())
    assert qt["spend_previous"].sum() == pytest.approx(spend[-26:-13].sum())
    media = S.media_totals(src, q.current)
    assert media["revenue_mean"].sum() == pytest.approx(qt["revenue_current"].sum(), rel=1e-9)
    # the report's ROI table is the core's ROI
    core = result.roi().to_dataframe()
    mine = S.roi_table(src).set_index("channel")
    for col in ("roi_mean", "roi_lower", "roi_upper", "roi_direct_mean", "contribution_mean"):
        np.testing.assert_allclose(mine.loc[core.index, col], core[col], rtol=1e-9)
    assert mine["roi_mean"].is_monotonic_decreasing
    assert mine["p_above_breakeven"].between(0, 1).all()


def test_thinning_keeps_diagnostics_on_all_draws(result: Any) -> None:
    src = S.Source(result, max_samples=100)
    assert src.result.n_samples <= 100 < result.n_samples
    assert src.full is result
    assert src.diagnostics().status == result.diagnostics().status


def test_earned_and_curves_tables(result: Any) -> None:
    q = S.quarter_windows(result)
    by_source, totals = S.earned_tables(result, q.current)
    assert set(by_source["source"]) == set(small_brand().channel_map.channel("mentions").driven_by)
    assert (totals["organic_share"].between(0, 1)).all()
    curves, marks = S.curve_tables(result, q.current)
    assert set(marks["channel"]) == set(result.dataset.channels_of(has_cost=True))
    assert curves.groupby("channel")["mean"].apply(lambda s: s.is_monotonic_increasing).all()
    spend = result.dataset.data["spend"].sel(channel="tv").isel(geo=0).values[-13:].sum()
    assert marks.set_index("channel").loc["tv", "spend_current"] == pytest.approx(spend)


def test_plan_data_from_a_duck_typed_allocation() -> None:
    table = pd.DataFrame({"channel": ["tv", "weibo", "douyin"], "media": ["paid"] * 3, "social": [False, True, True],
                          "current_spend": [100.0, 50.0, 50.0], "recommended_spend": [70.0, 60.0, 70.0],
                          "change": [-30.0, 10.0, 20.0]})  # fmt: skip
    plan = plan_data(
        type("A", (), {"table": table, "uplift_draws": np.ones(5), "prob_improvement": 0.87})()
    )
    assert plan is not None
    assert plan.move == {"amount": 30.0, "from": "tv", "to": "douyin", "n_from": 1, "n_to": 2}
    assert plan.uplift["prob"] == 0.87 and plan.budget == 200.0
    assert plan_data(None) is None


def test_dataclass_replace_of_report_data_keeps_banners_logic(result: Any) -> None:
    data = collect(result, max_samples=50)
    passing = replace(data, checks=Checks((Check("x", "PASS", "ok"),)))
    assert R._banners(passing, approximate=False) == []
    kinds = [
        b["kind"]
        for b in R._banners(
            replace(data, checks=Checks((Check("x", "FAIL", "bad"),))), approximate=True
        )
    ]
    assert kinds == ["fail", "approx"]
