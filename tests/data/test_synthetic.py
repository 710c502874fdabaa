"""Tests of the synthetic brand generator (mmm.data.synthetic) and the bundled data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.data.config import ChannelMap
from mmm.data.synthetic import (
    DEFAULT_ROI,
    MAX_LAG,
    WEAK_FACTOR,
    SyntheticBrand,
    adstock_weights,
    generate,
    geometric_adstock,
    hill,
    promo_weeks,
    spring_festival_weeks,
)

DATA = Path(__file__).resolve().parents[2] / "data"
SOURCES = ["weibo", "douyin", "kol", "wechat_posts"]


@pytest.fixture(scope="module")
def brand() -> SyntheticBrand:
    return generate(seed=7)


def _row(b: SyntheticBrand, channel: str) -> pd.Series:
    t = b.truth.set_index("channel")
    return t.loc[t.index == channel].iloc[0]


# ------------------------------------------------------------------ transforms
def test_adstock_closed_form_oracle() -> None:
    np.testing.assert_allclose(adstock_weights(0.5, 3), [4 / 7, 2 / 7, 1 / 7])
    impulse = geometric_adstock([1.0, 0.0, 0.0, 0.0, 0.0], 0.5, 3)
    np.testing.assert_allclose(impulse, [4 / 7, 2 / 7, 1 / 7, 0.0, 0.0])
    # linear, causal, mean-preserving on a constant, identity at alpha = 0, works on 2-D
    x = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 5.0]])
    np.testing.assert_allclose(geometric_adstock(x, 0.0, 4), x)
    np.testing.assert_allclose(
        geometric_adstock(x, 0.5, 3)[:, 1], geometric_adstock(x[:, 1], 0.5, 3)
    )
    np.testing.assert_allclose(geometric_adstock(np.ones(20), 0.7, MAX_LAG)[MAX_LAG - 1 :], 1.0)
    with pytest.raises(ValueError):
        geometric_adstock([1.0], 1.0)


def test_hill() -> None:
    assert hill(1.3, 1.3, 2.0) == pytest.approx(0.5)
    assert hill(0.0, 1.0, 1.5) == 0.0
    y = hill(np.linspace(0, 10, 50), 1.0, 1.5)
    assert np.all(np.diff(y) > 0) and y[-1] < 1


def test_calendar_helpers() -> None:
    dates = pd.date_range("2023-01-02", periods=52, freq="W-MON")
    cny = spring_festival_weeks(dates)
    assert dates[cny].tolist() == [pd.Timestamp("2023-01-16")]  # CNY 2023 = Sunday Jan 22
    assert promo_weeks(dates).sum() == 4


# ------------------------------------------------------------------ generator basics
def test_seeded_determinism() -> None:
    a, b = generate(seed=3, weeks=80), generate(seed=3, weeks=80)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.data.equals(generate(seed=4, weeks=80).data)


def test_shape_scale_and_columns(brand: SyntheticBrand) -> None:
    d = brand.data
    assert list(d.columns) == list(brand.channel_map.columns)
    assert list(d.columns)[:2] == ["week", "revenue"] and len(d) == 156
    assert (pd.DatetimeIndex(d["week"]).day_of_week == 0).all()
    assert 5e6 < d["revenue"].mean() < 20e6
    assert 0.6 < brand.baseline_share < 0.75
    assert brand.channel_map.channel("mentions").driven_by == tuple(SOURCES)
    assert {c.name for c in brand.channel_map.channels if c.social} >= {*SOURCES, "wechat_ads"}
    assert set(brand.params) >= {*brand.channel_map.channel_names, "baseline"}
    assert all("gamma" in brand.params[s] for s in SOURCES)


def test_direct_roi_matches_design(brand: SyntheticBrand) -> None:
    t = brand.truth.set_index("channel")
    for ch, roi in DEFAULT_ROI.items():
        assert t.loc[ch, "roi_direct"] == pytest.approx(roi, rel=1e-9)
    b = generate(seed=1, weeks=60, roi={"tv": 1.25})
    assert _row(b, "tv")["roi_direct"] == pytest.approx(1.25)
    assert np.isnan(t.loc[["wechat_posts", "email", "app_push", "mentions"], "roi_total"]).all()


def test_channel_subset_keeps_other_streams(brand: SyntheticBrand) -> None:
    sub = generate(seed=7, channels=["tv", "weibo", "mentions"])
    assert sub.channel_map.channel_names == ("tv", "weibo", "mentions")
    assert sub.channel_map.channel("mentions").driven_by == ("weibo",)
    pd.testing.assert_series_equal(sub.data["weibo_spend"], brand.data["weibo_spend"])
    with pytest.raises(ValueError, match="preset channels"):
        generate(channels=["radio"])


# ------------------------------------------------------------------ truth
def test_contributions_add_up(brand: SyntheticBrand) -> None:
    c, t = brand.components, brand.truth
    names = list(brand.channel_map.channel_names)
    np.testing.assert_allclose(c["baseline"] + c[names].sum(axis=1), c["mu"], rtol=1e-12)
    total_mu = c["mu"].sum()
    assert t["contribution_direct"].sum() + c["baseline"].sum() == pytest.approx(
        total_mu, rel=1e-12
    )
    assert t["share_of_kpi"].sum() + brand.baseline_share == pytest.approx(1.0)
    # additive model: removing a channel removes exactly its direct and its earned part
    np.testing.assert_allclose(
        t["contribution_total"], t["contribution_direct"] + t["contribution_via_earned"], rtol=1e-9
    )
    via = t.set_index("channel")["contribution_via_earned"]
    assert (via[SOURCES] > 0).all()
    assert via[SOURCES].sum() <= _row(brand, "mentions")["contribution_direct"]
    assert (via.drop(SOURCES) == 0).all()


def test_roi_total_vs_direct(brand: SyntheticBrand) -> None:
    t = brand.truth.set_index("channel")
    paid = t[t["media"] == "paid"]
    src = paid.index.intersection(SOURCES)
    assert (paid.loc[src, "roi_total"] > paid.loc[src, "roi_direct"]).all()
    other = paid.index.difference(SOURCES)
    np.testing.assert_allclose(
        paid.loc[other, "roi_total"], paid.loc[other, "roi_direct"], rtol=1e-9
    )


def test_zero_effect_channel() -> None:
    b = generate(seed=1, weeks=80, zero_effect="douyin")
    r = _row(b, "douyin")
    for col in ("contribution_direct", "contribution_via_earned", "contribution_total"):
        assert r[col] == 0.0
    assert r["roi_direct"] == 0.0 and r["roi_total"] == 0.0
    assert (b.components["douyin"] == 0).all()
    assert b.data["douyin_spend"].sum() > 0  # still spent, just no effect
    owned = _row(generate(seed=1, weeks=80, zero_effect="wechat_posts"), "wechat_posts")
    assert owned["contribution_total"] == 0.0 and np.isnan(owned["roi_total"])


def test_confounded_channel_tracks_seasonal_baseline() -> None:
    for ch in ("search", "tv"):
        b = generate(seed=2, confounded=ch)
        c = b.components
        seasonal = c["intercept"] + c["trend"] + c["seasonality"] + c["holiday"]
        r = np.corrcoef(b.data[f"{ch}_spend"], seasonal)[0, 1]
        assert r > 0.9
        assert _row(b, ch)["roi_direct"] == pytest.approx(DEFAULT_ROI[ch])


def test_weak_channel_is_below_noise() -> None:
    b = generate(seed=2, weak="tv")
    r = _row(b, "tv")
    assert r["roi_direct"] == pytest.approx(WEAK_FACTOR * DEFAULT_ROI["tv"])
    noise_sd = b.params["noise"]["sigma"] * b.mu.mean()
    assert b.components["tv"].std() < 0.1 * noise_sd


# ------------------------------------------------------------------ expected_kpi
def test_expected_kpi_reproduces_mu_in_sample(brand: SyntheticBrand) -> None:
    np.testing.assert_allclose(brand.expected_kpi(brand.data), brand.mu, rtol=1e-12)
    eps = brand.components["eps"].to_numpy()
    np.testing.assert_allclose(brand.data["revenue"] / np.exp(eps), brand.mu, rtol=1e-8)
    # the mentions the model sees are the recomputed ones
    np.testing.assert_allclose(
        brand.components["earned_activity"], brand.data["social_mentions"], rtol=1e-12
    )


def _future(brand: SyntheticBrand, weeks: int, spend: float = 0.0) -> pd.DataFrame:
    d = brand.data
    dates = pd.date_range(d["week"].iloc[-1] + pd.Timedelta(days=7), periods=weeks, freq="W-MON")
    fut = pd.DataFrame({"week": dates})
    for col in d.columns[1:]:
        fut[col] = spend
    fut["price_index"], fut["promo_festival"] = 1.0, 0
    return fut


def test_expected_kpi_future_falls_back_to_baseline(brand: SyntheticBrand) -> None:
    fut = _future(brand, 20)
    full = pd.concat([brand.data, fut], ignore_index=True)
    mu_full = brand.expected_kpi(full)
    np.testing.assert_allclose(mu_full[: len(brand.data)], brand.mu, rtol=1e-12)
    # history carries over: the future-only frame gets the data's weeks prepended
    np.testing.assert_allclose(brand.expected_kpi(fut), mu_full[len(brand.data) :], rtol=1e-12)
    comp = brand.expected_components(fut)
    media = comp[[c for c in brand.channel_map.channel_names if c != "mentions"]]
    assert media.iloc[0].sum() > 0  # adstock from the last weeks of history
    assert (media.iloc[MAX_LAG:] == 0).all().all()
    # after the carry-over, only the organic mentions' effect remains above baseline
    late = comp.iloc[MAX_LAG + 4 :]
    np.testing.assert_allclose(late["mu"], late["baseline"] + late["mentions"], rtol=1e-12)
    organic_only = late["earned_activity"] / brand.params["mentions"]["scale"]
    assert (organic_only < 1).all()
    assert (late["mu"] / late["baseline"] - 1 < 0.08).all()
    assert late["mu"].mean() < 0.9 * brand.mu[-20:].mean()
    # spending again buys revenue
    assert brand.expected_kpi(_future(brand, 13, spend=50_000.0)).sum() > comp["mu"][:13].sum()


def test_expected_kpi_rejects_gaps(brand: SyntheticBrand) -> None:
    fut = _future(brand, 4).iloc[[0, 2, 3]]
    with pytest.raises(ValueError, match="consecutive"):
        brand.expected_kpi(fut)


# ------------------------------------------------------------------ Chinese variant and files
def test_chinese_variant_and_files(tmp_path: Path) -> None:
    b = generate(seed=8, weeks=60, chinese=True)
    names = b.channel_map.channel_names
    assert {"微博", "抖音", "电视", "公众号推文", "社交提及"} <= set(names)
    assert b.channel_map.date == "周" and b.channel_map.kpi == "销售额"
    assert {"微博_spend", "达人KOL_spend", "APP推送_pushes", "社交提及_mentions"} <= set(
        b.data.columns
    )
    assert b.channel_map.channel("社交提及").driven_by == ("微博", "抖音", "达人KOL", "公众号推文")
    assert list(b.truth["channel"]) == list(names)
    paths = b.to_files(tmp_path, "zh")
    cmap = ChannelMap.from_toml(paths["channel_map"])
    assert cmap == b.channel_map
    df = pd.read_csv(paths["data"], parse_dates=["周"])
    assert list(df.columns) == list(b.data.columns)
    np.testing.assert_allclose(df["销售额"], b.data["销售额"])
    truth = pd.read_csv(paths["truth"])
    assert list(truth["channel"]) == list(names)
    zh = generate(seed=8, weeks=60, zero_effect="微博")  # Chinese names accepted as options
    assert _row(zh, "weibo")["contribution_total"] == 0.0


def test_bundled_data_matches_generator(brand: SyntheticBrand) -> None:
    df = pd.read_csv(DATA / "brand_weekly.csv", parse_dates=["week"])
    pd.testing.assert_frame_equal(df, brand.data, check_dtype=False)
    assert ChannelMap.from_toml(DATA / "brand_weekly.toml") == brand.channel_map
    truth = pd.read_csv(DATA / "brand_weekly_truth.csv")
    np.testing.assert_allclose(truth["roi_total"], brand.truth["roi_total"], rtol=1e-5)
    zh = pd.read_csv(DATA / "brand_weekly_zh.csv")
    assert len(zh) == 104 and "销售额" in zh.columns
    ChannelMap.from_toml(DATA / "brand_weekly_zh.toml")


@pytest.mark.skipif(importlib.util.find_spec("mmm.data.load") is None, reason="mmm.data.load not written yet")
def test_bundled_data_loads_through_io() -> None:
    from mmm.data.load import from_dataframe

    cmap = ChannelMap.from_toml(DATA / "brand_weekly.toml")
    ds = from_dataframe(pd.read_csv(DATA / "brand_weekly.csv"), cmap)
    assert ds.n_periods == 156
    assert ds.channels_of("earned") == ("mentions",)
    zh_map = ChannelMap.from_toml(DATA / "brand_weekly_zh.toml")
    assert from_dataframe(pd.read_csv(DATA / "brand_weekly_zh.csv"), zh_map).n_periods == 104


def test_organic_share_sets_how_much_of_earned_media_paid_buys() -> None:
    """Less organic buzz: fewer mentions, the same spend, a larger share of each source's ROI earned."""
    chans = ["tv", "weibo", "douyin", "mentions"]
    low = generate(seed=4, weeks=104, channels=chans, organic=0.15)
    high = generate(seed=4, weeks=104, channels=chans, organic=1.0)
    pd.testing.assert_series_equal(low.data["douyin_spend"], high.data["douyin_spend"])
    assert low.data["social_mentions"].mean() < 0.6 * high.data["social_mentions"].mean()
    row = [b.truth.set_index("channel").loc["douyin"] for b in (low, high)]
    via_low, via_high = (r["contribution_via_earned"] / r["contribution_total"] for r in row)
    assert via_low > via_high > 0
    with pytest.raises(ValueError, match="organic"):
        generate(seed=4, weeks=104, channels=chans, organic=-0.1)
