"""Loaders (CSV, Parquet, Excel, DataFrame, SQL), long tables, frequencies and bad input."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.data.config import ChannelMap
from mmm.data.dataset import MMMDataset
from mmm.data.load import (
    as_channel_map,
    from_dataframe,
    load,
    pivot_long,
    read_csv,
    read_excel,
    read_frame,
    read_parquet,
    read_sql,
)
from mmm.exceptions import ConfigError, DataValidationError


def _same(ds: MMMDataset, df: pd.DataFrame) -> None:
    """The dataset holds exactly the frame's numbers."""
    np.testing.assert_allclose(ds.data["kpi"].isel(geo=0).values, df["revenue"].to_numpy())
    np.testing.assert_allclose(ds.data["spend"].sel(channel="tv").isel(geo=0).values, df["tv_spend"].to_numpy())
    np.testing.assert_allclose(
        ds.data["activity"].sel(channel="mentions").isel(geo=0).values, df["social_mentions"].to_numpy()
    )
    np.testing.assert_allclose(
        ds.data["controls"].sel(control="price_index").isel(geo=0).values, df["price_index"].to_numpy()
    )


# ---------------------------------------------------------------------- every loader path
def test_from_dataframe_wide(weekly_df, cmap_dict):
    ds = from_dataframe(weekly_df, cmap_dict)
    assert ds.n_periods == 60 and ds.frequency == "W"
    assert ds.data.attrs["freq_alias"] == "W-MON"
    assert ds.channels == ("tv", "weibo", "search", "wechat_posts", "mentions")
    assert ds.channels_of("paid") == ("tv", "weibo", "search")
    assert float(ds.data["spend"].sel(channel="wechat_posts").sum()) == 0.0
    _same(ds, weekly_df)


def test_date_column_as_index(weekly_df, cmap_dict):
    ds = from_dataframe(weekly_df.set_index("week"), cmap_dict)
    _same(ds, weekly_df)


def test_channel_map_as_map_path_or_text(weekly_df, cmap_dict, issue_toml):
    cmap = ChannelMap.from_dict(cmap_dict)
    assert from_dataframe(weekly_df, cmap).channel_map is cmap
    assert from_dataframe(weekly_df, issue_toml).channels[-1] == "mentions"
    assert from_dataframe(weekly_df, str(issue_toml)).n_channels == 4
    assert as_channel_map(issue_toml.read_text(encoding="utf-8")).kpi == "revenue"
    with pytest.raises(ConfigError, match="nope.toml.*does not exist"):
        as_channel_map("nope.toml")
    with pytest.raises(ConfigError, match="'nope' does not exist"):
        as_channel_map("nope")
    long_text = "# " + "x" * 400 + "\n" + issue_toml.read_text(encoding="utf-8").replace("/", " ")
    assert as_channel_map(long_text).channel_names[0] == "tv"


def test_repeated_column_names(weekly_df, cmap_dict):
    df = pd.concat([weekly_df, weekly_df[["tv_spend"]]], axis=1)
    with pytest.raises(DataValidationError, match="'tv_spend' appear more than once"):
        from_dataframe(df, cmap_dict)


def test_read_csv_and_load(weekly_df, cmap_dict, write_csv, issue_toml):
    path = write_csv(weekly_df)
    _same(read_csv(path, cmap_dict), weekly_df)
    _same(load(path, issue_toml), weekly_df)
    _same(load(weekly_df, cmap_dict), weekly_df)


def test_unsorted_rows_are_put_in_date_order(weekly_df, cmap_dict):
    shuffled = weekly_df.sample(frac=1.0, random_state=1)
    _same(from_dataframe(shuffled, cmap_dict), weekly_df)


def test_read_parquet(tmp_path, weekly_df, cmap_dict):
    path = tmp_path / "data.parquet"
    weekly_df.to_parquet(path)
    _same(read_parquet(path, cmap_dict), weekly_df)
    _same(load(path, cmap_dict), weekly_df)


def test_read_excel(tmp_path, weekly_df, cmap_dict):
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        weekly_df.head(3).to_excel(xl, sheet_name="notes", index=False)
        weekly_df.to_excel(xl, sheet_name="weekly", index=False)
    _same(read_excel(path, cmap_dict, sheet_name="weekly"), weekly_df)
    _same(load(path, cmap_dict, sheet_name="weekly"), weekly_df)


def _sqlite_file(tmp_path: Path, df: pd.DataFrame) -> Path:
    path = tmp_path / "brand.db"
    out = df.assign(week=df["week"].dt.strftime("%Y-%m-%d"))
    with sqlite3.connect(path) as con:
        out.to_sql("weekly_sales", con, index=False)
    return path


def test_read_sql_sqlite3_connection(tmp_path, weekly_df, cmap_dict):
    path = _sqlite_file(tmp_path, weekly_df)
    con = sqlite3.connect(path)
    try:
        _same(read_sql("weekly_sales", con, cmap_dict), weekly_df)
        _same(read_sql("SELECT * FROM weekly_sales ORDER BY week DESC", con, cmap_dict), weekly_df)
    finally:
        con.close()


def test_read_sql_sqlalchemy_url_and_engine(tmp_path, weekly_df, cmap_dict):
    sa = pytest.importorskip("sqlalchemy")
    path = _sqlite_file(tmp_path, weekly_df)
    url = f"sqlite:///{path}"
    _same(read_sql("weekly_sales", url, cmap_dict), weekly_df)
    engine = sa.create_engine(url)
    try:
        _same(
            read_sql("SELECT * FROM weekly_sales WHERE week >= '2000-01-01'", engine, cmap_dict),
            weekly_df,
        )
        with engine.connect() as conn:
            _same(read_sql("weekly_sales", conn, cmap_dict), weekly_df)
    finally:
        engine.dispose()


def test_read_sql_duckdb_file(tmp_path, weekly_df, cmap_dict):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(str(tmp_path / "brand.duckdb"))
    try:
        con.register("frame", weekly_df.assign(week=weekly_df["week"].dt.date))
        con.execute("CREATE TABLE weekly_sales AS SELECT * FROM frame")
        con.unregister("frame")
        _same(read_sql("weekly_sales", con, cmap_dict), weekly_df)
        query = "SELECT * REPLACE (CAST(tv_spend AS DECIMAL(18, 2)) AS tv_spend) FROM weekly_sales"
        _same(read_sql(query, con, cmap_dict), weekly_df)  # DECIMAL arrives as decimal.Decimal
    finally:
        con.close()


def test_unknown_suffix_and_missing_file(tmp_path, cmap_dict):
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"\.json.*\.csv.*\.parquet.*\.xlsx"):
        load(path, cmap_dict)
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        read_frame(tmp_path / "missing.csv")


# ---------------------------------------------------------------------- long tables
def _long(df: pd.DataFrame, with_channel: bool) -> pd.DataFrame:
    tidy = df.rename(columns={"week": "date"}).melt(id_vars="date", var_name="metric")
    if not with_channel:
        return tidy
    ch = tidy["metric"].str.extract(r"^(tv|weibo|search)_spend$")[0]
    tidy["metric"] = np.where(ch.notna(), "spend", tidy["metric"])
    tidy["channel"] = ch.fillna("")
    return tidy.sample(frac=1.0, random_state=0)


@pytest.mark.parametrize("with_channel", [False, True])
def test_long_table_is_pivoted(weekly_df, cmap_dict, with_channel):
    long = _long(weekly_df, with_channel)
    assert set(long.columns) >= {"date", "metric", "value"}
    ds = from_dataframe(long, cmap_dict)
    _same(ds, weekly_df)
    np.testing.assert_allclose(
        ds.data["spend"].sel(channel="search").isel(geo=0).values, weekly_df["search_spend"]
    )


def test_pivot_long_names_channel_metric():
    long = pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-01-01", "2024-01-01"],
            "channel": ["tv", "微博", None],
            "metric": ["spend", "spend", "revenue"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    wide = pivot_long(long)
    assert sorted(wide.columns) == sorted(["date", "tv_spend", "微博_spend", "revenue"])


def test_long_table_duplicate_and_missing_rows(weekly_df, cmap_dict):
    long = _long(weekly_df, with_channel=True)
    dup = pd.concat([long, long[long["metric"] == "revenue"].head(1)])
    with pytest.raises(
        DataValidationError, match=r"more than one value for '2\d{3}-\d\d-\d\d revenue'"
    ):
        from_dataframe(dup, cmap_dict)
    gap = long[~((long["channel"] == "tv") & (long["date"] == weekly_df["week"][3]))]
    with pytest.raises(DataValidationError, match=r"'tv_spend'.*missing.*2024-01-22"):
        from_dataframe(gap, cmap_dict)
    renamed = long.assign(channel=long["channel"].replace("tv", "TV"))
    with pytest.raises(
        DataValidationError, match=r"'tv_spend'.*did you mean 'TV_spend'.*\{channel\}_\{metric\}"
    ):
        from_dataframe(renamed, cmap_dict)


# ---------------------------------------------------------------------- frequencies
def test_daily_aggregated_to_weeks_exactly(make_daily, cmap_dict):
    daily = make_daily(7 * 60)
    ds = from_dataframe(daily, cmap_dict)
    assert ds.n_periods == 60 and ds.data.attrs["freq_alias"] == "W-MON"
    assert ds.data.attrs["source_frequency"] == "D"
    assert (ds.dates.day_of_week == 0).all() and ds.dates[0] == pd.Timestamp("2024-01-01")
    week = np.arange(len(daily)) // 7
    np.testing.assert_allclose(ds.data["kpi"].isel(geo=0).values, daily.groupby(week)["revenue"].sum())
    np.testing.assert_allclose(
        ds.data["spend"].sel(channel="tv").isel(geo=0).values, daily.groupby(week)["tv_spend"].sum()
    )
    np.testing.assert_allclose(
        ds.data["activity"].sel(channel="mentions").isel(geo=0).values,
        daily.groupby(week)["social_mentions"].sum(),
    )
    # controls are averaged, not summed
    np.testing.assert_allclose(
        ds.data["controls"].sel(control="price_index").isel(geo=0).values,
        daily.groupby(week)["price_index"].mean(),
    )
    assert float(ds.data["kpi"].sum()) == pytest.approx(daily["revenue"].sum())


def test_week_start_is_configurable(make_daily, cmap_dict):
    daily = make_daily(7 * 60, start="2024-01-07")  # a Sunday
    ds = from_dataframe(daily, {**cmap_dict, "week_start": "SUN"})
    assert ds.data.attrs["freq_alias"] == "W-SUN" and (ds.dates.day_of_week == 6).all()
    np.testing.assert_allclose(
        ds.data["kpi"].isel(geo=0).values[:2], [daily["revenue"][:7].sum(), daily["revenue"][7:14].sum()]
    )
    with pytest.raises(
        DataValidationError,
        match=r"weeks start on MON.*week of 2024-01-01 has 1 of 7 days \(2024-01-07",
    ):
        from_dataframe(daily, cmap_dict)


def test_partial_weeks_error_or_dropped_with_warning(make_daily, cmap_dict):
    daily = make_daily(7 * 60 + 5, start="2023-12-29")  # Friday: 3 days, 60 whole weeks, 2 days
    with pytest.raises(DataValidationError) as err:
        from_dataframe(daily, cmap_dict)
    msg = str(err.value)
    assert "week of 2023-12-25 has 3 of 7 days (2023-12-29 to 2023-12-31)" in msg
    assert "allow_partial_weeks=True" in msg
    with pytest.warns(
        UserWarning, match=r"Dropped partial week.*2023-12-29 to 2023-12-31.*2 of 7 days"
    ):
        ds = from_dataframe(daily, cmap_dict, allow_partial_weeks=True)
    assert ds.dates[0] == pd.Timestamp("2024-01-01") and ds.n_periods == 60


def test_weekly_keeps_its_weekday(make_weekly, cmap_dict):
    df = make_weekly(start="2024-01-07")  # Sundays
    ds = from_dataframe(df, cmap_dict)
    assert ds.data.attrs["freq_alias"] == "W-SUN" and ds.dates[0] == pd.Timestamp("2024-01-07")


def test_monthly_accepted_and_labelled_by_month_start(cmap_dict, make_frame):
    month_ends = pd.date_range("2021-01-31", periods=36, freq="ME")
    df = make_frame(month_ends, seed=3)
    ds = from_dataframe(df, cmap_dict)
    assert ds.frequency == "M" and ds.n_periods == 36 and ds.data.attrs["freq_alias"] == "MS"
    assert ds.dates[0] == pd.Timestamp("2021-01-01") and (ds.dates.day == 1).all()
    np.testing.assert_allclose(ds.data["kpi"].isel(geo=0).values, df["revenue"])


def test_frequency_from_map_is_checked(make_weekly, cmap_dict):
    with pytest.raises(
        DataValidationError, match=r"daily data \(frequency 'D' set in the channel map\).*1 day"
    ):
        from_dataframe(make_weekly(), {**cmap_dict, "frequency": "D"})


def test_irregular_spacing_cannot_be_inferred(make_weekly, cmap_dict):
    df = make_weekly()
    df["week"] = pd.date_range("2024-01-01", periods=60, freq="3D")
    with pytest.raises(DataValidationError, match=r"median spacing.*3 days.*1 day.*7 days.*28–31"):
        from_dataframe(df, cmap_dict)


# ---------------------------------------------------------------------- Chinese names end to end
def test_chinese_channel_and_column_names(tmp_path, make_weekly):
    df = make_weekly().rename(
        columns={
            "week": "周",
            "revenue": "销售额",
            "weibo_spend": "微博_spend",
            "tv_spend": "电视_花费",
            "wechat_posts_units": "微信_推文",
            "social_mentions": "提及量",
            "price_index": "价格指数",
        }
    )
    toml = """
date = "周"
kpi = "销售额"
[channels."电视"]
media = "paid"
spend = "电视_花费"
[channels."微博"]
media = "paid"
spend = "微博_spend"
social = true
[channels."微信"]
media = "owned"
activity = "微信_推文"
social = true
[channels."口碑"]
media = "earned"
activity = "提及量"
driven_by = ["微博", "微信"]
[controls]
columns = ["价格指数"]
"""
    map_path = tmp_path / "渠道.toml"
    map_path.write_text(toml, encoding="utf-8")
    csv = tmp_path / "数据.csv"
    df.to_csv(csv, index=False, encoding="utf-8")
    ds = load(csv, map_path)
    assert ds.channels == ("电视", "微博", "微信", "口碑")
    assert ds.driven_by == {"口碑": ("微博", "微信")}
    np.testing.assert_allclose(ds.data["spend"].sel(channel="微博").isel(geo=0).values, df["微博_spend"])
    assert "微博" in str(ds.summary())
    assert list(ds.to_dataframe().columns)[:2] == ["周", "销售额"]
    bad = df.drop(columns=["微博_spend"]).assign(微博_花费=1.0)
    with pytest.raises(DataValidationError, match="'微博_spend'.*微博"):
        from_dataframe(bad, map_path)


# ---------------------------------------------------------------------- bad input
def test_missing_column_lists_columns_and_close_matches(weekly_df, cmap_dict):
    df = weekly_df.rename(columns={"tv_spend": "tv_spnd"})
    with pytest.raises(DataValidationError) as err:
        from_dataframe(df, cmap_dict)
    msg = str(err.value)
    assert "'tv_spend' (spend of paid channel 'tv'; did you mean 'tv_spnd'" in msg
    assert "Columns in the data" in msg and "'revenue'" in msg and "'social_mentions'" in msg


def test_non_numeric_values_are_named_not_coerced(weekly_df, cmap_dict, write_csv):
    df = weekly_df.astype({"tv_spend": object})
    df.loc[2, "tv_spend"] = "1,234.5"
    df.loc[5, "tv_spend"] = "TBD"
    with pytest.raises(DataValidationError) as err:
        read_csv(write_csv(df), cmap_dict)
    msg = str(err.value)
    assert "'tv_spend'" in msg and "channel 'tv'" in msg and "2 non-numeric" in msg
    assert "2024-01-15 ('1,234.5')" in msg and "2024-02-05 ('TBD')" in msg
    with pytest.raises(
        DataValidationError, match=r"'price_index' \(control\).*2024-01-15 \('high'\)"
    ):
        from_dataframe(
            weekly_df.astype({"price_index": object}).assign(
                price_index=lambda d: d["price_index"].where(d.index != 2, "high")
            ),
            cmap_dict,
        )
    text = weekly_df.assign(search_spend=weekly_df["search_spend"].astype(str))
    with pytest.raises(
        DataValidationError, match=r"'search_spend'.*numbers stored as text: 2024-01-01 \('"
    ):
        from_dataframe(text, cmap_dict)


def test_empty_cells_name_column_and_dates(weekly_df, cmap_dict, write_csv):
    df = weekly_df.copy()
    df.loc[[1, 4], "weibo_spend"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"'weibo_spend'.*2 missing \(NaN/empty\).*2024-01-08, 2024-01-29"
    ):
        read_csv(write_csv(df), cmap_dict)
    df = weekly_df.astype({"revenue": object})
    df.loc[7, "revenue"] = "  "
    with pytest.raises(DataValidationError, match=r"'revenue' \(KPI\).*missing.*2024-02-19"):
        from_dataframe(df, cmap_dict)


def test_negative_spend_and_activity(weekly_df, cmap_dict, make_daily):
    df = weekly_df.copy()
    df.loc[3, "search_spend"] = -50.0
    with pytest.raises(
        DataValidationError, match=r"'search_spend'.*channel 'search'.*2024-01-22 \(-50\).*>= 0"
    ):
        from_dataframe(df, cmap_dict)
    df = weekly_df.copy()
    df.loc[0, "social_mentions"] = -1.0
    with pytest.raises(DataValidationError, match=r"'social_mentions'.*'mentions'.*2024-01-01"):
        from_dataframe(df, cmap_dict)
    daily = make_daily()
    daily.loc[2, "tv_spend"] = -1.0  # would vanish inside a positive weekly total
    with pytest.raises(DataValidationError, match=r"'tv_spend'.*2024-01-03"):
        from_dataframe(daily, cmap_dict)


def test_negative_control_is_fine(weekly_df, cmap_dict):
    df = weekly_df.assign(price_index=weekly_df["price_index"] - 1.0)
    assert from_dataframe(df, cmap_dict).n_periods == 60


def test_duplicate_dates(weekly_df, cmap_dict):
    df = pd.concat([weekly_df, weekly_df.iloc[[10, 20]]])
    with pytest.raises(DataValidationError, match=r"duplicate dates 2024-03-11, 2024-05-20"):
        from_dataframe(df, cmap_dict)


def test_calendar_gap(weekly_df, cmap_dict, make_daily):
    with pytest.raises(
        DataValidationError,
        match=r"7 days apart.*breaks after 2024-02-05 \(gaps of 14 days\)",
    ):
        from_dataframe(weekly_df.drop(index=6), cmap_dict)
    with pytest.raises(DataValidationError, match=r"daily data.*breaks after 2024-01-10"):
        from_dataframe(make_daily().drop(index=[10, 11]), cmap_dict)


def test_irregular_weekdays(weekly_df, cmap_dict):
    df = weekly_df.copy()
    df.loc[10:, "week"] = df.loc[10:, "week"] + pd.Timedelta(days=1)
    with pytest.raises(DataValidationError, match=r"breaks after 2024-03-04 \(gaps of 8 days\)"):
        from_dataframe(df, cmap_dict)


def test_unparseable_dates_are_shown(weekly_df, cmap_dict, write_csv):
    df = weekly_df.astype({"week": object})
    df["week"] = weekly_df["week"].dt.strftime("%Y-%m-%d")
    df.loc[4, "week"] = "2024-13-45"
    df.loc[9, "week"] = "last week"
    with pytest.raises(DataValidationError) as err:
        read_csv(write_csv(df), cmap_dict)
    msg = str(err.value)
    assert "'week'" in msg and "'2024-13-45'" in msg and "'last week'" in msg and "row 5" in msg


def test_numeric_yyyymmdd_dates_are_read(weekly_df, cmap_dict):
    df = weekly_df.assign(week=weekly_df["week"].dt.strftime("%Y%m%d").astype(int))
    _same(from_dataframe(df, cmap_dict), weekly_df)


def test_too_few_rows_to_infer(weekly_df, cmap_dict):
    with pytest.raises(DataValidationError, match="at least two"):
        from_dataframe(weekly_df.head(1), cmap_dict)


def test_nothing_is_changed_in_the_callers_frame(weekly_df, cmap_dict):
    before = weekly_df.copy()
    from_dataframe(weekly_df.sample(frac=1.0, random_state=2), cmap_dict)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_dataframe(weekly_df, cmap_dict)
    pd.testing.assert_frame_equal(weekly_df, before)
