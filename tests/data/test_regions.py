"""Regional panels: the generator's truth, loading a panel, and bad regional input named."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from mmm.data.config import ChannelMap
from mmm.data.load import from_dataframe
from mmm.data.regions import RegionalBrand, generate_panel
from mmm.exceptions import ConfigError, DataValidationError

CHANNELS = ["tv", "search", "weibo", "douyin", "mentions"]


@lru_cache(maxsize=2)
def _brand(chinese: bool = False) -> RegionalBrand:
    return generate_panel(seed=4, regions=5, weeks=60, channels=CHANNELS, chinese=chinese)


def _frame() -> tuple[pd.DataFrame, ChannelMap]:
    b = _brand()
    return b.data.copy(), b.channel_map


# ---------------------------------------------------------------------- the generator
def test_panel_has_one_row_per_week_and_region_and_national_truth_adds_up() -> None:
    b = _brand()
    assert len(b.data) == 60 * 5 and b.data["province"].nunique() == 5
    geo = b.truth_by_geo.groupby("channel")[["spend", "contribution"]].sum()
    nat = b.truth.set_index("channel")
    np.testing.assert_allclose(geo.loc["search", "contribution"], nat.loc["search", "contribution"])
    assert nat.loc["search", "roi"] == pytest.approx(
        nat.loc["search", "contribution"] / nat.loc["search", "spend"]
    )
    # regional ROIs differ around the national one
    assert b.truth_by_geo.query("channel == 'weibo'")["roi"].std() > 0


def test_staggered_social_channels_launch_at_different_weeks() -> None:
    b = _brand()
    launch = b.params["launch"]["weibo"]
    assert len(set(launch.tolist())) > 1
    first = b.data.groupby("province", sort=False)["weibo_spend"].apply(lambda s: int((s > 0).argmax()))
    assert (first.to_numpy() >= launch).all()


def test_expected_kpi_reproduces_the_mean_and_a_regional_change_stays_regional() -> None:
    b = _brand()
    mu = b.expected_kpi(b.data)
    assert np.corrcoef(mu, b.data["revenue"])[0, 1] > 0.95
    changed = b.data.copy()
    one = changed["province"] == b.regions[0]
    changed.loc[one, "search_spend"] *= 2
    diff = b.expected_kpi(changed) - mu
    assert (diff[one.to_numpy()] > 0).any() and np.allclose(diff[~one.to_numpy()], 0.0)


def test_national_channel_repeats_the_national_figure() -> None:
    b = _brand()
    per_week = b.data.groupby("week")["tv_spend"].nunique()
    assert (per_week == 1).all()
    assert b.channel_map.channel("tv").level == "national"


# ---------------------------------------------------------------------- loading
def test_panel_loads_with_regions_and_population_split() -> None:
    df, cmap = _frame()
    ds = from_dataframe(df, cmap)
    assert ds.is_panel and ds.n_geos == 5 and ds.data["spend"].dims == ("date", "geo", "channel")
    tv = ds.data["spend"].sel(channel="tv").values
    national = df.groupby("week", sort=False)["tv_spend"].first().to_numpy()
    np.testing.assert_allclose(tv.sum(axis=1), national)
    np.testing.assert_allclose(tv[0] / max(tv[0].sum(), 1e-9) if tv[0].sum() else ds.geo_weight, ds.geo_weight)
    assert ds.data.attrs["national_split"] == "population"
    nat = ds.national()
    assert not nat.is_panel and np.allclose(nat.kpi_total, ds.kpi_total)
    back = from_dataframe(ds.to_dataframe(), cmap)
    np.testing.assert_allclose(back.data["spend"].values, ds.data["spend"].values)


def test_chinese_region_names_work() -> None:
    b = _brand(chinese=True)
    ds = from_dataframe(b.data, b.channel_map)
    assert ds.geos[0] == "广东" and "微博" in ds.channels


def test_long_table_with_a_region_column_is_pivoted() -> None:
    df, cmap = _frame()
    cols = [c for c in df.columns if c not in ("week", "province")]
    long = df.melt(id_vars=["week", "province"], value_vars=cols, var_name="metric")
    long = long.rename(columns={"week": "date"})
    ds = from_dataframe(long, cmap)
    np.testing.assert_allclose(ds.kpi_total, from_dataframe(df, cmap).kpi_total)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: pd.concat([d, d.iloc[[3]]]), r"Duplicate \(date, region\) rows: '2022-01-03 Jiangsu'"),
        (lambda d: d.drop(index=d.index[(d.province == "Jiangsu") & (d.week == d.week.iloc[-1])]),
         "Region 'Jiangsu' is missing 1 period"),
        (lambda d: d.assign(revenue=np.where(d.province == "Henan", 0.0, d.revenue)),
         "zero in every period in region\\(s\\) 'Henan'"),
        (lambda d: d[d.province == "Henan"], "needs at least 2"),
        (lambda d: d.assign(tv_spend=np.where(d.province == "Henan", d.tv_spend + 1, d.tv_spend)),
         "Channel 'tv' is level = \"national\".*differs between regions"),
        (lambda d: d.assign(search_spend=np.where(d.province == "Henan", -1.0, d.search_spend)),
         "negative value\\(s\\) in region 'Henan'"),
        (lambda d: d.assign(province=np.where(d.index == 7, "", d.province)), "Region column 'province' is empty"),
    ],
)  # fmt: skip
def test_bad_regional_input_is_named(damage, message) -> None:  # type: ignore[no-untyped-def]
    df, cmap = _frame()
    with pytest.raises(DataValidationError, match=message):
        from_dataframe(damage(df.reset_index(drop=True)), cmap)


def test_region_with_spend_but_no_sales_is_named() -> None:
    df, cmap = _frame()
    cols = [c for c in df.columns if c not in ("week", "province")]
    long = df.melt(id_vars=["week", "province"], value_vars=cols, var_name="metric")
    long = long[~((long.province == "Sichuan") & (long.metric == "revenue"))]
    with pytest.raises(DataValidationError, match="Region 'Sichuan' has no values in column\\(s\\) 'revenue'"):
        from_dataframe(long, cmap)


def test_population_table_must_cover_every_region() -> None:
    df, cmap = _frame()
    raw = cmap.to_dict()
    raw["population"] = {"Guangdong": 1.0, "Shandong": 2.0}
    with pytest.raises(DataValidationError, match="no entry for region\\(s\\) 'Henan'"):
        from_dataframe(df.drop(columns="population"), raw)


def test_channel_map_geo_keys_are_checked() -> None:
    base = {"date": "week", "kpi": "revenue", "channels": {"tv": {"media": "paid", "spend": "tv"}}}
    with pytest.raises(ConfigError, match="level = \"national\", which only means something for a regional panel"):
        ChannelMap.from_dict({**base, "channels": {"tv": {"media": "paid", "spend": "tv", "level": "national"}}})
    with pytest.raises(ConfigError, match="population is only used with a regional panel"):
        ChannelMap.from_dict({**base, "population": "pop"})
    with pytest.raises(ConfigError, match="population of region 'x' is -1"):
        ChannelMap.from_dict({**base, "geo": "region", "population": {"x": -1}})
    cmap = ChannelMap.from_dict({**base, "geo": {"column": "region", "population": "pop"}})
    assert cmap.geo == "region" and cmap.population == "pop"
    assert ChannelMap.from_toml(cmap.to_toml()) == cmap
