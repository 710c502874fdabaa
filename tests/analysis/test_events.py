"""A crisis declared as an event: the fit reports the negative earned effect, the crisis's cost and
what the response spend returned (mmm.analysis.events), checked against the generator's truth.

The fast tests share one small fit (2 chains × 150 draws) of a generated crisis brand whose
crisis acts mostly through its negative mentions (so the negative earned effect is what the
data show); the slow test fits the default crisis brand and checks the burst channel's ROI.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmm.analysis.fit import MediaMixModel
from mmm.analysis.results import FitResult
from mmm.data.crisis import Crisis, CrisisBrand, generate_crisis, generate_crisis_panel
from mmm.data.load import from_dataframe
from mmm.model.spec import ModelSpec

CHANNELS = ["tv", "search", "weibo", "douyin", "kol", "mentions"]


def _fit(brand: CrisisBrand, spec: ModelSpec, **as_: bool) -> Any:
    ds = from_dataframe(brand.data, brand.channel_map_as(**as_) if as_ else brand.channel_map)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence of a small test fit is not checked here
        return MediaMixModel(spec).fit(ds)


@lru_cache(maxsize=1)
def _small() -> tuple[CrisisBrand, Any]:
    crisis = Crisis(depth=0.02, negative_effect=0.05, peak=8.0)
    brand = generate_crisis(seed=2, weeks=104, channels=CHANNELS, crisis=crisis)
    spec = ModelSpec(chains=2, draws=150, tune=150, seed=1, progress=False)
    return brand, _fit(brand, spec)


def test_negative_earned_media_is_estimated_below_zero() -> None:
    _, result = _small()
    coef = result.posterior["negative_coef"].sel(negative_channel="mentions").values
    assert np.mean(coef) < 0 and np.mean(coef < 0) > 0.9, float(np.mean(coef))


def test_crisis_cost_is_reported_with_its_dates_and_holds_the_truth() -> None:
    brand, result = _small()
    ev = result.events().to_dataframe()
    truth = brand.crisis_truth.iloc[0]
    row = ev.loc[truth["event"]]
    assert (row["kind"], row["start"], row["end"]) == ("crisis", truth["start"], truth["end"])
    assert row["effect_upper"] < 0  # the crisis cost KPI, surely
    assert row["effect_lower"] <= -truth["kpi_lost"] <= row["effect_upper"], (row, truth)
    np.testing.assert_allclose(
        row["effect_mean"], row["shift_mean"] + row["negative_mean"], rtol=1e-9
    )


def test_response_spend_returned_is_reported_for_the_burst_channel() -> None:
    brand, result = _small()
    resp = result.crisis_response().to_dataframe().set_index("channel")
    truth = brand.response_truth.set_index("channel").loc["douyin"]
    row = resp.loc["douyin"]
    assert row["spend"] == pytest.approx(truth["spend_in_window"], rel=1e-6)
    assert row["spend"] > 2 * row["spend_usual"]  # the burst
    assert (
        row["returned_lower"] > 0
        and row["returned_lower"] <= row["returned_mean"] <= row["returned_upper"]
    )
    assert row["roi_mean"] == pytest.approx(row["returned_mean"] / row["spend"], rel=1e-6)


def test_events_survive_save_and_load(tmp_path: Path) -> None:
    _, result = _small()
    loaded = FitResult.load(result.save(tmp_path / "fit"))
    assert loaded.design.structure() == result.design.structure()
    np.testing.assert_allclose(
        loaded.events()["effect_mean"].values, result.events()["effect_mean"].values, rtol=1e-9
    )


def test_a_fit_without_events_reports_none() -> None:
    brand = generate_crisis(seed=2, weeks=104, channels=CHANNELS)
    spec = ModelSpec(chains=1, draws=20, tune=20, seed=1, progress=False)
    result = _fit(brand, spec, declared=False, sentiment=False)
    assert result.events().sizes.get("event", 0) == 0
    assert result.crisis_response().sizes.get("response", 0) == 0
    assert "negative_coef" not in result.posterior and "event_coef" not in result.posterior


@pytest.mark.slow
def test_burst_channel_roi_is_recovered_with_the_crisis_declared() -> None:
    """The default crisis (a five-week dip during a four-fold Douyin burst): with the crisis
    declared, Douyin's true ROI lies inside its 90% interval."""
    brand = generate_crisis(seed=0, weeks=104, channels=CHANNELS)
    result = _fit(brand, ModelSpec(chains=2, draws=300, tune=300, seed=1, progress=False))
    roi = result.roi().to_dataframe().loc["douyin"]
    true = brand.truth.set_index("channel").loc["douyin", "roi_total"]
    assert roi["roi_lower"] <= true <= roi["roi_upper"], (roi, true)


@pytest.mark.slow  # a panel's first compilation: minutes on a loaded machine
def test_regional_crisis_fits_and_is_costed_in_its_regions_only() -> None:
    """A crisis that hit two of three regions (``geo`` on the event): the panel model fits (MAP),
    the event shifts only those regions' baseline and its cost is reported."""
    crisis = Crisis(geo=("Guangdong", "Henan"))
    brand = generate_crisis_panel(
        seed=1, regions=3, weeks=60, channels=["tv", "weibo", "douyin", "mentions"], crisis=crisis
    )
    assert brand.event.geo == ("Guangdong", "Henan")
    result = _fit(brand, ModelSpec(method="map", seed=0, progress=False))
    design = result.design
    assert design.events is not None
    hit = design.events[..., 0].max(axis=0) > 0
    assert hit.tolist() == [g in crisis.geo for g in design.geos]
    ev = result.events().to_dataframe().loc[brand.event.name]
    assert ev["kind"] == "crisis" and np.isfinite(ev["effect_mean"])
    assert "douyin" in set(result.crisis_response()["channel"].values)
