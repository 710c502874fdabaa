"""FitResult and attribution on a small real fit: ROI, contributions, fitted, mROI, curves, forecasts, save/load, seeds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _fits import small_brand, small_result

from mmm.analysis.diagnostics import convergence_checks
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.results import FitResult
from mmm.data.load import from_dataframe
from mmm.exceptions import ApproximationWarning
from mmm.model.spec import ModelSpec


def test_roi_table_has_intervals_in_currency_for_costed_channels() -> None:
    res = small_result()
    roi = res.roi().to_dataframe()
    assert list(roi.index) == [
        "tv",
        "search",
        "weibo",
        "douyin",
    ]  # paid only: owned/earned have no cost
    assert (roi.roi_lower <= roi.roi_mean).all() and (roi.roi_mean <= roi.roi_upper).all()
    # total ROI = direct + via earned, and only social sources get an earned part
    np.testing.assert_allclose(
        roi.roi_mean, roi.roi_direct_mean + roi.roi_via_earned_mean, rtol=1e-9
    )
    assert (roi.loc[["tv", "search"], "roi_via_earned_mean"] == 0).all()
    assert (roi.loc[["weibo", "douyin"], "roi_via_earned_mean"] > 0).all()
    spend = (
        small_brand()
        .data[["tv_spend", "search_spend", "weibo_spend", "douyin_spend"]]
        .sum()
        .to_numpy()
    )
    np.testing.assert_allclose(roi.spend.to_numpy(), spend)


def test_roi_window_restricts_spend_and_accepts_quarter_strings() -> None:
    res = small_result()
    q = res.roi(window="2023Q2").to_dataframe()
    dates = res.dataset.dates
    in_q = (dates >= "2023-04-01") & (dates <= "2023-06-30")
    expected = res.dataset.data["spend"].isel(geo=0).values[in_q].sum(axis=0)[:4]
    np.testing.assert_allclose(q.spend.to_numpy(), expected)
    with pytest.raises(Exception, match="contains no period"):
        res.roi(window=("2030-01-01", "2030-03-01"))


def test_contributions_add_up_to_fitted_kpi() -> None:
    res = small_result()
    by_channel = res.contributions()
    assert set(by_channel.dims) == {"date", "component"}
    total_mean = by_channel["mean"].sum("component")
    np.testing.assert_allclose(total_mean.values, res.fitted()["mean"].values, rtol=1e-6)
    by_media = res.contributions(by="media")
    assert set(by_media.component.values) == {"baseline", "paid", "owned", "earned"}


def test_summaries_are_computed_once_and_callers_get_their_own_copy(monkeypatch) -> None:
    from mmm.analysis import attribution

    res = small_result()
    first = res.contributions(window="last:13")
    calls = []
    real = attribution.in_sample_effects
    monkeypatch.setattr(
        attribution, "in_sample_effects", lambda *a: calls.append(1) or real(*a)
    )
    again = res.contributions(window="last:13")
    xr.testing.assert_identical(first, again)
    assert not calls  # served from the result's memo
    again["mean"].values[:] = 0.0  # a caller changing its table does not change the next one's
    xr.testing.assert_identical(first, res.contributions(window="last:13"))
    other = res.contributions(window="last:8")
    assert other.sizes["date"] == 8  # another window is summarised from the kept effects
    assert not calls  # (see test_attribution.py)


def test_fitted_has_holdout_and_predictive_interval() -> None:
    fit = small_result().fitted()
    assert (~fit["train"].values).sum() == 8
    assert (fit["pred_lower"] <= fit["lower"]).all() and (fit["pred_upper"] >= fit["upper"]).all()


def test_mroi_and_response_curves_are_monotone_shaped() -> None:
    res = small_result()
    curves = res.response_curves(n_points=6)
    mean = curves["mean"].values
    assert np.allclose(mean[:, 0], 0.0)
    assert (np.diff(mean, axis=1) > -1e-6).all()  # more spend never lowers expected revenue
    mroi = res.mroi().to_dataframe()
    assert (mroi.mroi_mean > 0).all()


def test_predict_future_continues_calendar_and_rejects_past_dates() -> None:
    from mmm.analysis.forecast import future_dates

    res = small_result()
    dates = future_dates(res, 4)
    fut = pd.DataFrame(
        {
            "week": dates,
            "tv_spend": 1e5,
            "search_spend": 1e5,
            "weibo_spend": 5e4,
            "douyin_spend": 5e4,
            "wechat_posts": 3.0,
            "price_index": 1.0,
            "promo_festival": 0.0,
        }
    )
    pred = res.predict(fut)
    assert list(pd.DatetimeIndex(pred["date"].values)) == list(dates)
    assert (pred["lower"] < pred["mean"]).all()
    bad = fut.assign(week=res.dataset.dates[-4:])
    with pytest.raises(Exception, match="start after the data ends"):
        res.predict(bad)


def test_save_load_round_trip_gives_identical_roi(tmp_path) -> None:
    res = small_result()
    res.save(tmp_path / "run")
    back = FitResult.load(tmp_path / "run")
    pd.testing.assert_frame_equal(back.roi().to_dataframe(), res.roi().to_dataframe())
    size = sum(p.stat().st_size for p in (tmp_path / "run").iterdir())
    assert size < 5_000_000
    assert not list((tmp_path / "run").glob("*.pkl"))


def _dataset():
    b = small_brand()
    return from_dataframe(b.data, b.channel_map)


def test_same_seed_gives_identical_results_and_map_is_labelled_approximate() -> None:
    ds = _dataset()
    spec = ModelSpec(method="map", progress=False, seed=4)
    with pytest.warns(ApproximationWarning, match="point estimate"):
        a = MediaMixModel(spec).fit(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = MediaMixModel(spec).fit(ds)
    xr.testing.assert_identical(a.posterior, b.posterior)
    assert a.is_approximate and "APPROXIMATE" in repr(a)
    assert a.convergence().status == "FAIL"


def test_mcmc_same_seed_identical() -> None:
    ds = _dataset()
    spec = ModelSpec(chains=1, draws=30, tune=30, seed=9, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = MediaMixModel(spec).fit(ds)
        b = MediaMixModel(spec).fit(ds)
    xr.testing.assert_equal(a.posterior, b.posterior)
    # one chain: R-hat is NaN → FAIL, never a pass
    assert convergence_checks(a)["r_hat"].status == "FAIL"


def test_free_parameters_single_precision_derived_effects_double() -> None:
    post = small_result().posterior
    assert post["roi"].dtype == np.float32 and post["hill_half"].dtype == np.float32
    # beta = ROI x spend / sum(saturation) can exceed float32's range in extreme draws
    assert post["beta"].dtype == np.float64 and post["mentions_gain"].dtype == np.float64
