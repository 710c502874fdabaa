"""MMMDataset: value validators, EDA reviews, views and summaries (built through mmm.data.load)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.data.load import from_dataframe
from mmm.exceptions import DataValidationError


def test_kpi_all_zero(weekly_df, cmap_dict):
    with pytest.raises(DataValidationError, match=r"KPI column 'revenue' is zero in every period"):
        from_dataframe(weekly_df.assign(revenue=0.0), cmap_dict)


def test_kpi_constant(weekly_df, cmap_dict):
    with pytest.raises(DataValidationError, match=r"KPI column 'revenue' is constant \(5000\)"):
        from_dataframe(weekly_df.assign(revenue=5000.0), cmap_dict)


def test_paid_channel_with_zero_spend(weekly_df, cmap_dict):
    with pytest.raises(
        DataValidationError,
        match=r"Paid channel 'search' has zero total spend in column 'search_spend'",
    ):
        from_dataframe(weekly_df.assign(search_spend=0.0), cmap_dict)


def test_too_few_weeks_states_the_minimum(make_weekly, cmap_dict):
    with pytest.raises(
        DataValidationError, match=r"has 40 weeks; at least 52 are needed.*minimum 52 weeks"
    ):
        from_dataframe(make_weekly(40), cmap_dict)


def test_too_few_months_states_the_minimum(make_frame, cmap_dict):
    df = make_frame(pd.date_range("2023-01-01", periods=18, freq="MS"))
    with pytest.raises(DataValidationError, match=r"has 18 months; at least 28.*minimum 24 months"):
        from_dataframe(df, cmap_dict)


def test_daily_data_too_short_after_aggregation(make_daily, cmap_dict):
    with pytest.raises(DataValidationError, match=r"has 30 weeks; at least 52"):
        from_dataframe(make_daily(7 * 30), cmap_dict)


def test_near_collinear_channels_are_a_review_not_an_error(weekly_df, cmap_dict):
    noise = np.random.default_rng(1).normal(0.0, 50.0, len(weekly_df))
    df = weekly_df.assign(search_spend=(weekly_df["tv_spend"] * 0.3 + 100.0 + noise).round(2))
    ds = from_dataframe(df, cmap_dict)
    checks = ds.eda()
    assert checks["correlation"].status == "REVIEW"
    assert "tv–search" in checks["correlation"].message
    assert checks["vif"].status == "REVIEW"
    assert checks.status == "REVIEW"


def test_mostly_zero_channel_is_a_review(weekly_df, cmap_dict):
    spend = np.zeros(60)
    spend[[5, 30]] = 1000.0  # 58 of 60 weeks (97%) are zero
    ds = from_dataframe(weekly_df.assign(search_spend=spend), cmap_dict)
    check = ds.eda()["variation"]
    assert check.status == "REVIEW" and "search is zero in 97% of periods" in check.message


def test_clean_data_passes_eda(weekly_df, cmap_dict):
    checks = from_dataframe(weekly_df, cmap_dict).eda()
    assert checks.status == "PASS" and len(checks) == 5
    assert "Data checks: PASS" in str(checks) and "<table>" in checks._repr_html_()
    assert list(checks.to_dataframe().columns) == ["check", "status", "message", "recommendation"]


def test_to_dataframe_round_trips(weekly_df, cmap_dict):
    ds = from_dataframe(weekly_df, cmap_dict)
    back = ds.to_dataframe()
    assert set(back.columns) == set(weekly_df.columns)
    again = from_dataframe(back, cmap_dict)
    for var in ("kpi", "spend", "activity", "controls"):
        np.testing.assert_array_equal(again.data[var].values, ds.data[var].values)


def test_owned_cost_and_paid_activity(weekly_df, cmap_dict):
    raw = dict(cmap_dict)
    raw["channels"] = {
        **cmap_dict["channels"],
        "tv": {"media": "paid", "spend": "tv_spend", "activity": "tv_grps"},
        "wechat_posts": {
            "media": "owned",
            "activity": "wechat_posts_units",
            "cost": "wechat_cost",
            "social": True,
        },
    }
    df = weekly_df.assign(tv_grps=weekly_df["tv_spend"] / 100, wechat_cost=500.0)
    ds = from_dataframe(df, raw)
    np.testing.assert_allclose(ds.data["activity"].sel(channel="tv").isel(geo=0).values, df["tv_grps"])
    np.testing.assert_allclose(ds.data["spend"].sel(channel="tv").isel(geo=0).values, df["tv_spend"])
    np.testing.assert_allclose(ds.data["spend"].sel(channel="wechat_posts").isel(geo=0).values, 500.0)
    assert ds.channels_of(has_cost=True) == ("tv", "weibo", "search", "wechat_posts")
    assert ds.channels_of(social=True) == ("weibo", "wechat_posts")


def test_summary_and_views(weekly_df, cmap_dict):
    ds = from_dataframe(weekly_df, cmap_dict)
    s = ds.summary()
    assert s.n_periods == 60 and s.kpi_total == pytest.approx(weekly_df["revenue"].sum())
    paid = s.by_media.set_index("media").loc["paid", "spend"]
    assert paid == pytest.approx(
        weekly_df[["tv_spend", "weibo_spend", "search_spend"]].to_numpy().sum()
    )
    text = str(s)
    assert "60 weeks, 2024-01-01 to 2025-02-17" in text and "mentions" in text
    assert "mmm-dataset" in ds._repr_html_()
    assert "60 weeks" in repr(ds)
    assert ds.isel_dates(slice(0, 52)).n_periods == 52
    assert ds.driven_by == {"mentions": ("weibo", "wechat_posts")}
    assert float(ds.kpi_scale) == pytest.approx(weekly_df["revenue"].mean())


def test_dataset_is_frozen(weekly_df, cmap_dict):
    ds = from_dataframe(weekly_df, cmap_dict)
    with pytest.raises(AttributeError):
        ds.data = None  # type: ignore[misc]
