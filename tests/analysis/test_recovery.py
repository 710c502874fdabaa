"""Slow recovery tests: the model finds the known truth of the synthetic generator.

Run with ``pytest -m slow``; CI runs them too. One 3-year, 11-channel brand (7 paid, 3 owned,
earned mentions), with one paid channel given no effect at all, is fitted once with the
default sampler settings.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.data.synthetic import generate
from mmm.model.spec import ModelSpec

pytestmark = pytest.mark.slow

ZERO = "outdoor"


@lru_cache(maxsize=1)
def _fit() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    brand = generate(seed=11, weeks=156, zero_effect=ZERO)
    ds = from_dataframe(brand.data, brand.channel_map)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = MediaMixModel(ModelSpec(seed=1, progress=False)).fit(ds)
    roi = result.roi().to_dataframe()
    truth = brand.truth.set_index("channel").loc[roi.index]
    return roi, truth, result


def test_sampler_converged() -> None:
    _, _, result = _fit()
    conv = result.convergence()  # type: ignore[attr-defined]
    assert conv["r_hat"].status != "FAIL" and conv["ess"].status != "FAIL", str(conv)
    assert conv["stuck_chains"].status == "PASS"


def test_true_total_roi_inside_90pct_interval_for_most_paid_channels() -> None:
    roi, truth, _ = _fit()
    inside = (truth.roi_total >= roi.roi_lower) & (truth.roi_total <= roi.roi_upper)
    assert inside.mean() >= 0.8, pd.concat(
        [roi[["roi_lower", "roi_mean", "roi_upper"]], truth.roi_total], axis=1
    )


def test_median_relative_error_of_roi_means_at_most_20pct() -> None:
    roi, truth, _ = _fit()
    effect = roi.drop(index=ZERO)
    rel = (effect.roi_mean - truth.roi_total.drop(index=ZERO)).abs() / truth.roi_total.drop(
        index=ZERO
    )
    assert rel.median() <= 0.20, rel.round(3).to_dict()


def test_zero_effect_channel_is_found_near_zero() -> None:
    roi, truth, _ = _fit()
    assert truth.loc[ZERO, "roi_total"] == 0
    z = roi.loc[ZERO]
    assert z.roi_lower <= 0 or z.roi_mean < 0.3, z.to_dict()


def test_earned_amplification_of_social_channels_is_recovered() -> None:
    roi, truth, _ = _fit()
    social = truth.index[truth.contribution_via_earned > 0]
    assert len(social) == 3
    via_true = (truth.roi_total - truth.roi_direct).loc[social]
    lo, hi = roi.loc[social, "roi_via_earned_lower"], roi.loc[social, "roi_via_earned_upper"]
    assert ((via_true >= lo) & (via_true <= hi)).all(), pd.concat([lo, via_true, hi], axis=1)
    assert (roi.loc[social, "roi_via_earned_mean"] > 0).all()
    assert np.all(
        roi.loc[truth.index[truth.contribution_via_earned == 0], "roi_via_earned_mean"] == 0
    )
