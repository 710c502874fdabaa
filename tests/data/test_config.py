"""The channel map: the TOML schema of issue 2 and its errors."""

from __future__ import annotations

import pytest

from mmm.data.config import ChannelMap
from mmm.exceptions import ConfigError, DataValidationError


def test_issue_schema_is_accepted_exactly_as_given(issue_toml):
    cmap = ChannelMap.from_toml(issue_toml)
    assert (cmap.date, cmap.kpi, cmap.kpi_type, cmap.frequency) == (
        "week",
        "revenue",
        "revenue",
        None,
    )
    assert cmap.channel_names == ("tv", "weibo", "wechat_posts", "mentions")
    assert [c.media for c in cmap.channels] == ["paid", "paid", "owned", "earned"]
    assert cmap.channel("weibo").social and cmap.channel("wechat_posts").social
    assert not cmap.channel("tv").social
    assert cmap.channel("wechat_posts").input_column == "wechat_posts_units"
    assert cmap.channel("wechat_posts").cost_column is None
    assert cmap.channel("mentions").driven_by == ("weibo", "wechat_posts")
    assert cmap.controls == ("price_index", "promo_festival") and cmap.holidays is None
    assert cmap.week_start == "MON"


def test_toml_text_and_round_trip(issue_toml):
    text = issue_toml.read_text(encoding="utf-8")
    cmap = ChannelMap.from_toml(text)
    assert ChannelMap.from_toml(cmap.to_toml()) == cmap
    assert ChannelMap.from_dict(cmap.to_dict()) == cmap


def test_chinese_names_round_trip():
    cmap = ChannelMap.from_dict(
        {
            "date": "日期",
            "kpi": "销售额",
            "channels": {
                "微博": {"media": "paid", "spend": "微博_spend", "social": True},
                "口碑": {"media": "earned", "activity": "提及", "driven_by": ["微博"]},
            },
        }
    )
    assert ChannelMap.from_toml(cmap.to_toml()) == cmap
    assert '[channels."微博"]' in cmap.to_toml()


def _map(**channels) -> dict:
    return {"date": "week", "kpi": "revenue", "channels": channels}


def test_invalid_toml_names_the_line():
    text = 'date = "week"\nkpi = "revenue"\n[channels.tv\nmedia = "paid"\n'
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 3") as err:
        ChannelMap.from_toml(text)
    assert isinstance(err.value, DataValidationError)


def test_invalid_toml_file_names_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('date = "week"\nkpi = revenue\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml.*line 2"):
        ChannelMap.from_toml(path)


def test_missing_map_file():
    with pytest.raises(ConfigError, match="does not exist"):
        ChannelMap.from_toml("no/such/map.toml")


def test_unknown_media_type():
    with pytest.raises(
        ConfigError, match=r"\[channels\.tv\].*media = 'broadcast'.*paid, owned, earned"
    ):
        ChannelMap.from_dict(_map(tv={"media": "broadcast", "spend": "tv_spend"}))


def test_earned_channel_with_spend():
    raw = _map(
        tv={"media": "paid", "spend": "tv_spend"},
        buzz={"media": "earned", "activity": "mentions", "spend": "buzz_spend"},
    )
    with pytest.raises(
        ConfigError, match=r"earned channel 'buzz' was given a `spend` column \('buzz_spend'\)"
    ):
        ChannelMap.from_dict(raw)


def test_driven_by_unknown_channel():
    raw = _map(
        tv={"media": "paid", "spend": "tv_spend"},
        buzz={"media": "earned", "activity": "mentions", "driven_by": ["weibo"]},
    )
    with pytest.raises(
        ConfigError,
        match=r"'buzz' is driven_by unknown channel\(s\) 'weibo'; known channels are 'tv', 'buzz'",
    ):
        ChannelMap.from_dict(raw)


def test_paid_needs_spend_and_owned_needs_activity():
    with pytest.raises(ConfigError, match=r"\[channels\.tv\].*paid channels need a `spend`"):
        ChannelMap.from_dict(_map(tv={"media": "paid"}))
    with pytest.raises(ConfigError, match=r"owned channels need an `activity`"):
        ChannelMap.from_dict(_map(app={"media": "owned", "cost": "app_cost"}))


def test_unknown_keys_list_what_is_allowed():
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) 'spnd'.*spend:"):
        ChannelMap.from_dict(_map(tv={"media": "paid", "spend": "tv_spend", "spnd": "x"}))
    with pytest.raises(ConfigError, match=r"'freq'.*frequency:"):
        ChannelMap.from_dict({**_map(tv={"media": "paid", "spend": "tv"}), "freq": "W"})


def test_bad_frequency_week_start_and_reused_column():
    base = _map(tv={"media": "paid", "spend": "tv_spend"})
    with pytest.raises(ConfigError, match=r"frequency = 'Q'.*D, W, M"):
        ChannelMap.from_dict({**base, "frequency": "Q"})
    with pytest.raises(ConfigError, match=r"week_start.*MON"):
        ChannelMap.from_dict({**base, "week_start": "FUNDAY"})
    with pytest.raises(ConfigError, match=r"'tv_spend' are used more than once"):
        ChannelMap.from_dict({**base, "controls": {"columns": ["tv_spend"]}})


def test_only_earned_channels_is_an_error():
    with pytest.raises(ConfigError, match="at least one paid or owned"):
        ChannelMap.from_dict(_map(buzz={"media": "earned", "activity": "mentions"}))


def test_holiday_country_is_a_known_code():
    base = _map(tv={"media": "paid", "spend": "tv_spend"})
    for code, kept in (("cn", "CN"), ("USA", "USA")):
        cmap = ChannelMap.from_dict({**base, "controls": {"columns": [], "holidays": code}})
        assert cmap.holidays == kept
    for bad in ("XX", "China", 86):
        with pytest.raises(ConfigError, match=r"controls.holidays = .* is not a country code"):
            ChannelMap.from_dict({**base, "controls": {"columns": [], "holidays": bad}})
