"""Mentions by sentiment and named events: the channel map, the loaders and bad input named."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mmm.data.config import ChannelMap
from mmm.data.events import event_regressors, window_share
from mmm.data.load import from_dataframe
from mmm.data.regions import generate_panel
from mmm.data.synthetic import generate
from mmm.exceptions import ConfigError, DataValidationError

CRISIS = {"kind": "crisis", "start": "2022-06-06", "end": "2022-06-26"}


@lru_cache(maxsize=1)
def _national() -> tuple[pd.DataFrame, dict[str, Any]]:
    b = generate(seed=3, weeks=80, channels=["tv", "weibo", "douyin", "mentions"])
    df = b.data.copy()
    df["negative_mentions"] = np.round(df["social_mentions"] * 0.12)
    raw = b.channel_map.to_dict()
    raw["channels"]["mentions"]["negative"] = "negative_mentions"
    raw["events"] = {"crisis_2022_06": dict(CRISIS)}
    return df, raw


@lru_cache(maxsize=1)
def _panel() -> tuple[pd.DataFrame, dict[str, Any]]:
    b = generate_panel(seed=4, regions=3, weeks=60, channels=["tv", "weibo", "mentions"])
    df = b.data.copy()
    df["negative_mentions"] = np.round(df["social_mentions"] * 0.1)
    df["positive_mentions"] = np.round(df["social_mentions"] * 0.5)
    raw = b.channel_map.to_dict()
    raw["channels"]["mentions"] |= {
        "negative": "negative_mentions",
        "positive": "positive_mentions",
    }
    raw["events"] = {"crisis_2022_06": dict(CRISIS, geo=[b.regions[0]])}
    return df, raw


def _copy(raw: dict[str, Any]) -> dict[str, Any]:
    return ChannelMap.from_dict(raw).to_dict()


# ---------------------------------------------------------------------- channel map
def test_sentiment_and_events_round_trip_through_toml() -> None:
    _, raw = _national()
    raw = _copy(raw)
    raw["events"]["promo"] = [
        {"kind": "promotion", "start": "2022-05-02", "end": "2022-05-08"},
        {"kind": "promotion", "start": "2023-05-01", "end": "2023-05-07"},
    ]
    cmap = ChannelMap.from_dict(raw)
    text = cmap.to_toml()
    assert "[[events.promo]]" in text and "[events.crisis_2022_06]" in text
    again = ChannelMap.from_toml(text)
    assert again == cmap
    assert again.channel("mentions").negative == "negative_mentions"
    assert [e.name for e in again.events] == ["crisis_2022_06", "promo", "promo"]
    assert again.sentiment_channels == ("mentions",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["channels"]["tv"].update(negative="neg"), r"\[channels.tv\].*'negative'.*earned"),
        (lambda r: r["channels"]["mentions"].update(sentiment="s"), r"either counts.*or a net score"),
        (lambda r: r["channels"]["mentions"].pop("negative") and r["channels"]["mentions"].update(positive="p"),
         r"`positive` needs `negative`"),
        (lambda r: r["events"]["crisis_2022_06"].update(kind="scandal"), r"kind = 'scandal'.*crisis, launch"),
        (lambda r: r["events"]["crisis_2022_06"].update(end="2022-06-01"), r"end 2022-06-01 is before start"),
        (lambda r: r["events"]["crisis_2022_06"].update(start="soon"), r"start = 'soon' is not a date"),
        (lambda r: r["events"]["crisis_2022_06"].update(when="now"), r"Unknown key\(s\) 'when'.*kind"),
        (lambda r: r["events"]["crisis_2022_06"].update(geo=["广东"]), r"name regions.*regional panel"),
        (lambda r: r["events"].update(crisis_2022_06=[dict(CRISIS), dict(CRISIS, start="2022-06-20", end="2022-07-10")]),
         r"windows of event 'crisis_2022_06' overlap: 2022-06-06..2022-06-26 and 2022-06-20..2022-07-10"),
    ],
)  # fmt: skip
def test_bad_sentiment_and_event_keys_are_named(change: Any, message: str) -> None:
    raw = _copy(_national()[1])
    change(raw)
    with pytest.raises(ConfigError, match=message):
        ChannelMap.from_dict(raw)


def test_window_share_counts_the_days_of_each_period() -> None:
    weeks = pd.date_range("2024-03-04", periods=4, freq="W-MON")
    share = window_share(weeks, "W", pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-17"))
    assert share.tolist() == [1.0, 1.0, 0.0, 0.0]
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    share = window_share(months, "M", pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-29"))
    assert share.tolist() == [0.0, 1.0, 0.0]


# ---------------------------------------------------------------------- loading
def test_negative_mentions_load_national_and_round_trip() -> None:
    df, raw = _national()
    ds = from_dataframe(df, raw)
    j = ds.channels.index("mentions")
    np.testing.assert_array_equal(ds.negative[:, 0, j], df["negative_mentions"].to_numpy())
    assert ds.positive is None and np.all(ds.negative[:, :, :j] == 0)
    back = from_dataframe(ds.to_dataframe(), ds.channel_map)
    np.testing.assert_array_equal(back.negative, ds.negative)
    assert back.channel_map.events == ds.channel_map.events


def test_panel_loads_negative_positive_and_a_regional_event() -> None:
    df, raw = _panel()
    ds = from_dataframe(df, raw)
    assert ds.is_panel and ds.positive is not None
    j = ds.channels.index("mentions")
    assert ds.negative[:, :, j].sum() == pytest.approx(df["negative_mentions"].sum())
    x = event_regressors(ds.channel_map.events, ds.dates, "W", ds.geos)
    assert x.shape == (60, 3, 1) and x[:, 0].sum() == 3 and x[:, 1:].sum() == 0
    nat = ds.national()
    assert nat.negative[:, 0, j].sum() == pytest.approx(ds.negative[:, :, j].sum())
    assert nat.channel_map.events[0].geo == ()  # a regional event hits part of the national series
    two = ds.sel_geos(ds.geos[1:])
    assert two.channel_map.events == ()  # the event's region is not in the selection


def test_daily_net_sentiment_scores_become_counts_before_weeks_are_summed() -> None:
    days = pd.date_range("2024-01-01", periods=7 * 60, freq="D")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"day": days, "tv": rng.gamma(2, 50, len(days)), "mentions": 100.0})
    df["sales"] = 1000 + df["tv"] + rng.normal(0, 10, len(days))
    df["score"] = np.where(np.arange(len(days)) % 7 == 0, -1.0, 1.0)  # one all-negative day a week
    raw = {"date": "day", "kpi": "sales", "channels": {
        "tv": {"media": "paid", "spend": "tv"},
        "buzz": {"media": "earned", "activity": "mentions", "driven_by": ["tv"], "sentiment": "score"}}}  # fmt: skip
    ds = from_dataframe(df, raw)
    # a weekly average score (5/7) would give 100 · 7 · (1 − 5/7) / 2 = 100; counts give 100
    np.testing.assert_allclose(ds.negative[:, 0, 1], 100.0)
    np.testing.assert_allclose(ds.positive[:, 0, 1], 600.0)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.assign(negative_mentions=-d["negative_mentions"]), r"'negative_mentions'.*negative value"),
        (lambda d: d.assign(negative_mentions=d["social_mentions"] + 1), r"'negative_mentions' exceeds all mentions in 'social_mentions'"),
        (lambda d: d.assign(negative_mentions=np.where(d.index == 3, np.nan, d["negative_mentions"])), r"'negative_mentions'.*missing"),
    ],
)  # fmt: skip
def test_bad_negative_counts_are_named(damage: Any, message: str) -> None:
    df, raw = _national()
    with pytest.raises(DataValidationError, match=message):
        from_dataframe(damage(df), raw)


def test_positive_and_negative_together_cannot_exceed_all_mentions_in_a_region() -> None:
    df, raw = _panel()
    df = df.copy()
    region = df["province"].iloc[1]
    df.loc[df["province"] == region, "positive_mentions"] = df["social_mentions"] * 0.95
    with pytest.raises(
        DataValidationError,
        match=rf"in region '{region}'.*'negative_mentions' \+ 'positive_mentions' exceeds",
    ):
        from_dataframe(df, raw)


def test_scores_outside_minus_one_to_one_are_named() -> None:
    df, raw = _national()
    raw = _copy(raw)
    del raw["channels"]["mentions"]["negative"]
    raw["channels"]["mentions"]["sentiment"] = "net"
    df = df.assign(net=0.4)
    df.loc[7, "net"] = 40.0
    with pytest.raises(DataValidationError, match=r"'net'.*outside \[-1, 1\].*2022-02-21 \(40\)"):
        from_dataframe(df, raw)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"start": "2021-12-01", "end": "2022-01-20"}, r"falls outside the data \(2022-01-03 – 2023-07-16\)"),
        ({"start": "2023-07-10", "end": "2023-08-20"}, r"crisis_2022_06 \(2023-07-10 – 2023-08-20\) falls outside"),
    ],
)  # fmt: skip
def test_event_windows_outside_the_data_are_named(window: dict[str, str], message: str) -> None:
    df, raw = _national()
    raw = _copy(raw)
    raw["events"]["crisis_2022_06"].update(window)
    with pytest.raises(DataValidationError, match=message):
        from_dataframe(df, raw)


def test_event_with_an_unknown_region_is_named() -> None:
    df, raw = _panel()
    raw = _copy(raw)
    raw["events"]["crisis_2022_06"]["geo"] = ["Atlantis"]
    with pytest.raises(DataValidationError, match=r"unknown region\(s\) 'Atlantis'"):
        from_dataframe(df, raw)


def test_isel_dates_clips_events_to_the_periods_kept() -> None:
    df, raw = _national()
    ds = from_dataframe(df, raw)
    assert ds.isel_dates(slice(0, 60)).channel_map.events == ds.channel_map.events
    assert ds.isel_dates(slice(26, 80)).channel_map.events == ()
