"""Crisis brands (mmm.data.crisis) and finding their crises without being told (mmm.data.detect)."""

from __future__ import annotations

import tomllib
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from mmm.data.config import ChannelMap
from mmm.data.crisis import Crisis, CrisisBrand, generate_crisis, generate_crisis_panel
from mmm.data.detect import crisis_candidates, robust_z
from mmm.data.load import from_dataframe
from mmm.data.synthetic import generate

CHANNELS = ["tv", "search", "weibo", "douyin", "kol", "mentions"]
PANEL_CHANNELS = ["tv", "weibo", "douyin", "mentions"]
#: a brand with sentiment columns and no crisis at all
CALM = Crisis(peak=1.0, depth=0.0, negative_effect=0.0, boost=1.0)


@lru_cache(maxsize=4)
def _brand(seed: int = 0) -> CrisisBrand:
    return generate_crisis(seed=seed, weeks=104, channels=CHANNELS)


# ---------------------------------------------------------------------- the generator
def test_crisis_brand_has_a_dip_a_spike_and_a_response_burst() -> None:
    b = _brand()
    s, n = b.params["start_week"], b.params["crisis"].weeks
    neg = b.data["negative_mentions"].to_numpy()
    assert neg[s : s + 2].mean() > 3 * np.median(neg)  # the spike
    dip = b.data["revenue"].to_numpy() - b.base.data["revenue"].to_numpy()
    assert (dip[s : s + n] < 0).all() and abs(dip[: s - 1]).max() < 0.02 * b.data["revenue"].mean()
    r = b.response_truth.iloc[0]
    assert r["channel"] == "douyin" and r["spend_in_window"] > 1.5 * r["spend_usual"]
    # all mentions = what the base brand had (organic + generated) + the negative ones
    np.testing.assert_array_equal(b.data["social_mentions"], b.base.data["social_mentions"] + neg)
    c = b.crisis_truth.iloc[0]
    mu = b.base.components["mu"].to_numpy()
    assert c["kpi_lost_shift"] == pytest.approx(0.06 * n * mu.mean())
    assert c["kpi_lost"] == pytest.approx(c["kpi_lost_shift"] + c["kpi_lost_negative"])
    noise_free = dip / np.exp(b.base.components["eps"].to_numpy())  # the dip in expected revenue
    assert -noise_free[s : s + n + 8].sum() == pytest.approx(c["kpi_lost"], rel=0.1)


def test_channel_truth_is_the_base_generators_and_is_reproducible() -> None:
    b = _brand()
    pd.testing.assert_series_equal(b.truth["roi_total"], b.base.truth["roi_total"])
    again = generate_crisis(seed=0, weeks=104, channels=CHANNELS)
    pd.testing.assert_frame_equal(again.data, b.data)
    # the base brand is generate() with the response burst as its modulation
    plain = generate(seed=0, weeks=104, channels=CHANNELS)
    assert not np.array_equal(plain.data["douyin_spend"], b.data["douyin_spend"])
    np.testing.assert_array_equal(plain.data["tv_spend"], b.data["tv_spend"])


def test_channel_maps_with_and_without_the_crisis_load() -> None:
    b = _brand()
    full = from_dataframe(b.data, b.channel_map)
    assert full.channel_map.events[0].kind == "crisis" and full.channel_map.sentiment_channels == (
        "mentions",
    )
    ignored = from_dataframe(b.data, b.channel_map_as(declared=False, sentiment=False))
    assert ignored.channel_map.events == () and "negative" not in ignored.data


def test_crisis_files_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = generate_crisis(seed=5, weeks=60, channels=PANEL_CHANNELS, chinese=True)
    paths = b.to_files(tmp_path, "c")
    cmap = ChannelMap.from_toml(paths["channel_map"])
    assert (
        cmap.events[0].name.startswith("舆情_") and cmap.channel("社交提及").negative == "负面提及"
    )
    ds = from_dataframe(pd.read_csv(paths["data"]), cmap)
    assert ds.n_periods == 60
    assert pd.read_csv(paths["crisis_truth"])["response"].tolist() == ["抖音"]


def test_bad_crisis_settings_are_named() -> None:
    with pytest.raises(ValueError, match="response channels must be generated paid channels"):
        generate_crisis(seed=0, weeks=80, channels=PANEL_CHANNELS, crisis=Crisis(response=("kol",)))
    with pytest.raises(ValueError, match="too little data"):
        generate_crisis(seed=0, weeks=80, channels=PANEL_CHANNELS, crisis=Crisis(start=78))


def test_regional_crisis_hits_only_its_regions() -> None:
    p = generate_crisis_panel(
        seed=1, regions=4, weeks=80, channels=PANEL_CHANNELS, crisis=Crisis(geo=("Henan",))
    )
    s = p.params["start_week"]
    neg = p.params["negative"]
    assert neg[s + 1, 2] > 3 * np.median(neg[:, 2])  # Henan is the third province
    assert neg[s + 1, 0] < 2 * np.median(neg[:, 0])
    assert p.event.geo == ("Henan",)
    ds = from_dataframe(p.data, p.channel_map)
    assert ds.is_panel and ds.negative.sum() > 0


# ---------------------------------------------------------------------- detection
def test_robust_z_flags_a_spike_and_not_a_steady_series() -> None:
    y = np.log1p(np.r_[np.full(30, 1000.0), 6000.0, 3000.0, np.full(10, 1000.0)])
    z, _ = robust_z(y)
    assert z[30] > 20 and abs(z[:30]).max() == 0


@pytest.mark.parametrize("seed", [0, 3])
def test_checks_find_the_crisis_without_being_told(seed: int) -> None:
    b = _brand(seed)
    ds = from_dataframe(b.data, b.channel_map_as(declared=False))
    check = ds.eda()["crisis"]
    assert check.status == "REVIEW"
    (found,) = crisis_candidates(ds)
    truth = b.event
    assert abs((found.start - truth.start).days) <= 7 and abs((found.end - truth.end).days) <= 14
    # the advice is channel-map text that declares it; pasted in, the check passes
    assert found.toml in check.recommendation
    raw = ds.channel_map.to_dict() | {"events": tomllib.loads(found.toml)["events"]}
    declared = from_dataframe(b.data, raw)
    assert declared.eda()["crisis"].status == "PASS"
    assert "declared crisis" in declared.eda()["crisis"].message


@pytest.mark.parametrize("seed", range(6))
def test_no_false_alarm_on_brands_without_a_crisis(seed: int) -> None:
    b = generate_crisis(seed=seed, weeks=156, channels=PANEL_CHANNELS, crisis=CALM)
    ds = from_dataframe(b.data, b.channel_map_as(declared=False))
    assert ds.eda()["crisis"].status == "PASS", ds.eda()["crisis"].message


@pytest.mark.parametrize("seed", range(3))
def test_no_false_alarm_on_panels_without_a_crisis(seed: int) -> None:
    p = generate_crisis_panel(seed=seed, regions=8, weeks=104, channels=PANEL_CHANNELS, crisis=CALM)
    ds = from_dataframe(p.data, p.channel_map_as(declared=False))
    assert crisis_candidates(ds) == ()


def test_panel_crisis_is_found_nationally_and_a_regional_one_names_its_region() -> None:
    national = generate_crisis_panel(seed=0, regions=6, weeks=104, channels=PANEL_CHANNELS)
    (found,) = crisis_candidates(
        from_dataframe(national.data, national.channel_map_as(declared=False))
    )
    assert found.geo == () and abs((found.start - national.event.start).days) <= 7
    regional = generate_crisis_panel(seed=0, regions=6, weeks=104, channels=PANEL_CHANNELS,
                                     crisis=Crisis(geo=("Guangdong",)))  # fmt: skip
    (found,) = crisis_candidates(
        from_dataframe(regional.data, regional.channel_map_as(declared=False))
    )
    assert found.geo == ("Guangdong",) and 'geo = ["Guangdong"]' in found.toml


def test_brand_without_sentiment_columns_passes_and_says_why() -> None:
    b = generate(seed=1, weeks=60, channels=PANEL_CHANNELS)
    check = from_dataframe(b.data, b.channel_map).eda()["crisis"]
    assert check.status == "PASS" and "`negative`" in check.message
