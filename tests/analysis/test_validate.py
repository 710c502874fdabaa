"""Out-of-sample validation, model comparison and residual checks (mmm.analysis.validate, diagnostics)."""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand, small_result

from mmm.analysis.diagnostics import residual_checks
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.validate import (
    CrossValidation,
    compare,
    cross_validate,
    describe,
    roi_stability,
)
from mmm.data.load import from_dataframe
from mmm.data.synthetic import generate
from mmm.exceptions import ConfigError, DataValidationError
from mmm.model.spec import ModelSpec

#: small fits for the cross-validation tests: enough to score forecasts, not for recovery claims
CV_SPEC = ModelSpec(chains=2, draws=200, tune=200, seed=2, progress=False)
CV_CHANNELS = ["tv", "search", "weibo"]


# ---------------------------------------------------------------------- residuals
def test_autocorrelated_residuals_are_review_with_a_setting_to_change() -> None:
    rng = np.random.default_rng(0)
    white = rng.normal(0, 0.05, 120)
    dw, lb = residual_checks(white)
    assert (dw.status, lb.status) == ("PASS", "PASS")
    ar = np.zeros(120)
    for t in range(1, 120):
        ar[t] = 0.8 * ar[t - 1] + white[t]
    dw, lb = residual_checks(ar)
    assert (dw.status, lb.status) == ("REVIEW", "REVIEW")
    assert dw.values["durbin_watson"] < 1.5 and "positively" in dw.message
    assert "trend='piecewise'" in dw.recommendation and "fourier_modes" in dw.recommendation
    ModelSpec(trend="piecewise", n_changepoints=6, fourier_modes=3)  # the settings named exist
    dw, _ = residual_checks(np.tile([0.05, -0.05], 60) + white * 0.1)
    assert (
        dw.status == "REVIEW" and "negatively" in dw.message and "[controls]" in dw.recommendation
    )


def test_diagnostics_include_the_residual_checks() -> None:
    names = [c.name for c in small_result().diagnostics()]
    assert {"residual_autocorrelation", "residual_ljung_box"} <= set(names)


# ---------------------------------------------------------------------- stability rule
def _roi_table(means: dict[str, list[float]], half: float) -> pd.DataFrame:
    rows = [
        {"fold": k + 1, "channel": ch, "roi_mean": m, "roi_lower": m - half, "roi_upper": m + half}
        for ch, ms in means.items()
        for k, m in enumerate(ms)
    ]
    return pd.DataFrame(rows)


def test_roi_stability_flags_disjoint_intervals_and_large_swings() -> None:
    st = roi_stability(_roi_table({"steady": [2.0, 2.1, 1.9], "jumps": [3.0, 2.4, 1.2]}, 0.4))
    st = st.set_index("channel")
    assert not st.loc["steady", "unstable"] and st.loc["steady", "overlap"]
    assert st.loc["jumps", "unstable"] and not st.loc["jumps", "overlap"]
    assert "do not overlap" in st.loc["jumps", "reason"]
    wide = roi_stability(_roi_table({"wide": [0.5, 2.0, 0.6]}, 5.0)).iloc[0]
    assert wide.overlap and wide.unstable and "vary by" in wide.reason  # CV ~0.8


def test_cross_validation_round_trips_and_checks(tmp_path: Any) -> None:
    folds = pd.DataFrame(
        {"fold": [1, 2], "train_start": "2022-01-03", "train_end": ["2023-01-02", "2023-04-03"],
         "test_start": ["2023-01-09", "2023-04-10"], "test_end": ["2023-04-03", "2023-07-03"],
         "n_train": [53, 66], "n_test": [13, 13], "mape": [0.04, 0.4], "coverage": [0.9, 0.5],
         "bias": [0.01, 0.3], "convergence": "PASS", "fit_s": 1.0}
    )  # fmt: skip
    cv = CrossValidation(folds, _roi_table({"tv": [2.0, 2.1], "kol": [3.0, 0.5]}, 0.3))
    cv.save(tmp_path)
    back = CrossValidation.load(tmp_path)
    assert back is not None and back.unstable == ("kol",) and back.prob == cv.prob
    pd.testing.assert_frame_equal(back.folds, cv.folds)
    checks = back.checks()
    assert checks["cv_accuracy"].status == "REVIEW"  # mean MAPE 22%
    assert checks["cv_coverage"].status == "REVIEW" and checks["roi_stability"].status == "REVIEW"
    assert "kol" in checks["roi_stability"].message and "tv" not in checks["roi_stability"].message
    assert CrossValidation.load(tmp_path / "nothing") is None


def test_cross_validate_rejects_impossible_splits() -> None:
    b = small_brand()
    ds = from_dataframe(b.data, b.channel_map)
    with pytest.raises(DataValidationError, match="8 folds of 13 periods need more than 104"):
        cross_validate(ds, CV_SPEC, folds=8, horizon=13)
    with pytest.raises(DataValidationError, match="at least"):  # a training window too short
        cross_validate(ds, CV_SPEC, folds=5, horizon=15)
    with pytest.raises(ConfigError, match="folds == 1"):
        cross_validate(ds, CV_SPEC, folds=1)


# ---------------------------------------------------------------------- comparison
@lru_cache(maxsize=1)
def _no_carryover() -> Any:
    res = small_result()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MediaMixModel(res.spec.replace(max_lag=1)).fit(res.dataset)


def test_compare_prefers_the_true_carryover_over_none() -> None:
    """The generator has carry-over (TV's α = 0.6 over 8 weeks); max_lag=1 removes it."""
    res, wrong = small_result(), _no_carryover()
    table = compare([res, wrong])
    assert list(table.index) == ["max_lag=None", "max_lag=1"]
    worse = table.loc["max_lag=1"]
    # a 2 x 150 fit: the wrong model is clearly worse, by more than its standard error
    assert worse["elpd_diff"] < -worse["dse"] and worse["p_worse"] > 0.9, table
    assert describe(table).startswith("max_lag=None predicts held-out periods best")
    named = compare({"true": res, "no carry-over": wrong})
    assert named.index[0] == "true"


def test_compare_rejects_fits_of_different_data() -> None:
    res = small_result()
    other = MediaMixModel(res.spec)  # not fitted: build a result on a shorter dataset instead
    shorter = res.dataset.isel_dates(slice(0, 96))
    fake = type(res)(res.posterior, res.sample_stats, shorter, res.spec, res.info)
    with pytest.raises(ConfigError, match="other data or training periods"):
        compare([res, fake])
    with pytest.raises(ConfigError, match="at least two results"):
        compare([res])
    del other


# ---------------------------------------------------------------------- cross-validation
def _stable_brand() -> Any:
    return generate(seed=11, weeks=104, channels=CV_CHANNELS)


def _unstable_brand() -> Any:
    """TV has no effect until week 65 and a large one after it (ROI 0.05, then 6.0).

    Two brands from the same seed share every input, the baseline and the noise; only TV's
    effect differs. Splicing their KPI at week 65 gives one brand whose TV effect changed: the
    first fold (trained on weeks 0-64) sees none, the later ones more and more of it.
    """
    off = generate(seed=11, weeks=104, channels=CV_CHANNELS, roi={"tv": 0.05})
    on = generate(seed=11, weeks=104, channels=CV_CHANNELS, roi={"tv": 6.0})
    data = off.data.copy()
    data.loc[65:, "revenue"] = on.data.loc[65:, "revenue"]
    return data, off.channel_map


@pytest.mark.slow
def test_cross_validation_scores_forecasts_and_flags_an_unstable_channel() -> None:
    b = _stable_brand()
    stable = cross_validate(from_dataframe(b.data, b.channel_map), CV_SPEC, folds=3, horizon=13)
    assert list(stable.folds["n_train"]) == [65, 78, 91]
    assert list(stable.folds["test_end"])[-1] == str(b.data.week.iloc[-1].date())
    assert stable.mape < 0.1 and stable.coverage >= 0.6, stable.folds
    assert stable.unstable == (), stable.stability
    data, cmap = _unstable_brand()
    unstable = cross_validate(from_dataframe(data, cmap), CV_SPEC, folds=3, horizon=13, jobs=2)
    assert "tv" in unstable.unstable, unstable.stability
    assert unstable.checks()["roi_stability"].status == "REVIEW"
