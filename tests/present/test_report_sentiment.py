"""The earned-media section of a crisis brand: mentions by sentiment with the crisis shaded, the
crisis's effect and what the response spend returned (mmm.present.sentiment)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mmm.analysis.fit import MediaMixModel
from mmm.data.crisis import generate_crisis
from mmm.data.load import from_dataframe
from mmm.model.spec import ModelSpec
from mmm.present import text as T
from mmm.present.report import build
from mmm.present.runs import write_fit_tables
from mmm.present.sentiment import sentiment_data

CHANNELS = ["tv", "weibo", "douyin", "mentions"]


@pytest.fixture(scope="module")
def crisis() -> tuple[Any, Any]:
    """A MAP fit (seconds) of a crisis brand with the crisis declared."""
    brand = generate_crisis(seed=3, weeks=80, channels=CHANNELS)
    ds = from_dataframe(brand.data, brand.channel_map)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brand, MediaMixModel(ModelSpec(method="map", seed=0, progress=False)).fit(ds)


def test_sentiment_data_has_tone_windows_cost_and_response(crisis: tuple[Any, Any]) -> None:
    brand, result = crisis
    d = sentiment_data(result)
    assert d is not None
    truth = brand.crisis_truth.iloc[0]
    assert list(d.windows["event"]) == [truth["event"]]
    assert d.windows["start"].iloc[0] == pd.Timestamp(truth["start"])
    assert len(d.tone) == result.dataset.n_periods
    # the negative mentions peak inside the crisis window, and are part of all mentions
    peak = pd.Timestamp(d.tone.loc[d.tone["negative"].idxmax(), "date"])
    assert pd.Timestamp(truth["start"]) <= peak <= pd.Timestamp(truth["end"])
    assert (d.tone["other"] >= 0).all()
    assert list(d.events["event"]) == [truth["event"]] and d.events["kind"].iloc[0] == "crisis"
    assert "douyin" in set(d.response["channel"])


def test_plain_brand_has_no_sentiment_part(result: Any) -> None:
    assert sentiment_data(result) is None


def test_report_shows_the_crisis_in_the_earned_section(
    crisis: tuple[Any, Any], tmp_path: Path
) -> None:
    brand, result = crisis
    out = build(result, out=tmp_path / "q.html", brand="Crisis Co")
    html = out.read_text(encoding="utf-8")
    assert T.TITLE_TONE in html and brand.crisis_truth["event"].iloc[0] in html
    events = pd.read_csv(next(tmp_path.rglob("*events*.csv")))
    assert events["kind"].tolist() == ["crisis"]
    assert next(tmp_path.rglob("*crisis_response*.csv")).exists()


def test_fit_tables_of_a_crisis_fit_include_events_and_response(
    crisis: tuple[Any, Any], tmp_path: Path
) -> None:
    brand, result = crisis
    paths = write_fit_tables(result, tmp_path)
    events = pd.read_csv(paths["events"])
    assert events["event"].tolist() == [brand.event.name]
    assert {"effect_mean", "effect_lower", "effect_upper"} <= set(events.columns)
    assert "douyin" in set(pd.read_csv(paths["crisis_response"])["channel"])
