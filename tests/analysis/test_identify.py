"""Identifiability: prior vs posterior width, classes, reasons and wording (mmm.analysis.identify)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest
from _fits import small_result

from mmm.analysis.identify import (
    COLUMNS,
    PRIOR,
    WEAK,
    WELL,
    Identifiability,
    identifiability,
    prior_samples,
)
from mmm.present.runs import write_identifiability


@lru_cache(maxsize=1)
def _ident() -> Identifiability:
    return identifiability(small_result(), draws=400)


def _forced(cls: str) -> Identifiability:
    """The small fit's identifiability with every channel set to ``cls``."""
    ident = _ident()
    table = ident.table.assign(**{"class": cls, "reason": "forced in a test"})
    return replace(ident, table=table)


# ---------------------------------------------------------------------- identifiability
def test_table_has_one_row_per_paid_and_owned_channel_with_prior_wider_than_posterior() -> None:
    tab = _ident().table
    assert list(tab.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert list(tab.channel) == ["tv", "search", "weibo", "douyin", "wechat_posts"]
    assert list(tab.metric) == ["roi"] * 4 + ["share"]
    assert set(tab["class"]) <= {WELL, WEAK, PRIOR}
    assert (tab.prior_lower < tab.prior_median).all() and (tab.prior_median < tab.prior_upper).all()
    ratio = np.log(tab.post_upper / tab.post_lower) / np.log(tab.prior_upper / tab.prior_lower)
    np.testing.assert_allclose(tab.width_ratio, ratio, rtol=1e-9)
    # TV has no earned path, so its prior total ROI is the log-normal ROI prior (median 1)
    assert 0.8 < tab.set_index("channel").loc["tv", "prior_median"] < 1.25
    assert (tab.loc[tab["class"] == WELL, "reason"] == "").all()
    assert (tab.loc[tab["class"] != WELL, "reason"] != "").all()


def test_prior_samples_match_the_posterior_layout() -> None:
    res = small_result()
    prior = prior_samples(res, draws=50)
    assert set(prior.data_vars) == set(res.posterior.data_vars)
    assert prior.sizes["chain"] == 1 and prior.sizes["draw"] == 50
    again = prior_samples(res, draws=50)
    np.testing.assert_array_equal(prior["roi"].values, again["roi"].values)  # seeded


def test_vectorised_prior_draws_are_the_models_own() -> None:
    """Each vectorised draw's deterministics are what the model computes from its free values."""
    import pymc as pm

    from mmm.model.graph import build_pymc_model

    res = small_result()
    prior = prior_samples(res, draws=200, seed=4)
    model = build_pymc_model(res.design)
    free = [rv.name for rv in model.free_RVs]
    dets = [d.name for d in model.deterministics if d.name in prior]
    assert dets  # beta, intercept, earned gains
    evaluate = pm.pytensorf.compile(
        [model[n] for n in free],
        [model[n] for n in dets],
        mode="FAST_COMPILE",
        on_unused_input="ignore",
    )
    for i in (0, 77, 199):
        got = evaluate(*[prior[n].values[0, i] for n in free])
        for name, value in zip(dets, got, strict=True):
            np.testing.assert_allclose(prior[name].values[0, i], value, rtol=1e-12)


def test_prior_draws_without_rewrites_are_fast_compiles() -> None:
    """The prior is evaluated with no graph rewrites (Python linker); the draws are exactly
    the ones PyMC's FAST_COMPILE gives for the same seed."""
    from unittest import mock

    from mmm.analysis import identify

    res = small_result()
    fast = prior_samples(res, draws=100, seed=3)
    with mock.patch.object(identify, "_prior_mode", return_value="FAST_COMPILE"):
        reference = prior_samples(res, draws=100, seed=3)
    for name in reference.data_vars:
        np.testing.assert_allclose(fast[name].values, reference[name].values, rtol=1e-12)


def test_vectorised_prior_follows_the_priors() -> None:
    """Free parameters have the prior's moments: the ROI prior is log-normal(log 1, 0.9)."""
    prior = prior_samples(small_result(), draws=4000, seed=2)
    log_roi = np.log(prior["roi"].values[0])
    assert abs(log_roi.mean()) < 0.05 and abs(log_roi.std() - 0.9) < 0.05
    # independent draws across parameters and channels
    assert abs(np.corrcoef(log_roi[:, 0], log_roi[:, 1])[0, 1]) < 0.06


def test_hierarchical_priors_fall_back_to_pymc_sampling() -> None:
    import pymc as pm

    from mmm.analysis.identify import _looped_prior, _vectorised_prior

    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 1)
        pm.Normal("x", mu, 0.01, shape=3)
    assert _vectorised_prior(model, ["mu", "x"], 10, 0) is None
    mu, x = _looped_prior(model, ["mu", "x"], 300, 0)
    assert np.abs(x - mu[:, None]).max() < 0.1  # x drawn around its own draw of mu


def test_sentences_checks_and_reprs_speak_plainly() -> None:
    ident = _forced(PRIOR)
    s = ident.sentence("search")
    assert s.startswith("The data cannot distinguish an ROI of ") and "for search" in s
    assert "mostly our prior" in s
    assert "share of KPI" in ident.sentence("wechat_posts")
    checks = ident.checks()
    assert checks.status == "REVIEW" and len(checks) == 5
    assert "lift test" in checks["identifiability: tv"].recommendation
    well = _forced(WELL)
    assert well.checks().status == "PASS"
    assert well.sentence("tv").startswith("The data pins tv's ROI down to")
    assert "prior-dominated" in str(ident) and "<table>" in ident._repr_html_()
    assert (
        repr(ident) == "Identifiability(0 well identified, 0 weakly identified, 5 prior-dominated)"
    )
    with pytest.raises(KeyError, match="allowed:"):
        ident.sentence("radio")


def test_a_point_estimate_cannot_be_measured(tmp_path) -> None:
    res = small_result()
    point = replace(res, posterior=res.posterior.isel(chain=[0], draw=[0]))
    with pytest.raises(ValueError, match="needs posterior draws"):
        identifiability(point)
    assert write_identifiability(point, tmp_path) == {}
    assert not list(tmp_path.iterdir())


def test_reasons_name_what_the_data_shows() -> None:
    from mmm.analysis.identify import reason

    base = {"corr_season": 0.1, "corr_trend": 0.1, "corr_baseline": 0.1, "cv": 0.8,
            "signal_to_noise": 8.0, "share_of_kpi": 0.05, "noise": 0.05,
            "collinear_with": "tv", "corr_channel": 0.2}  # fmt: skip
    assert "rises and falls with the season" in reason({**base, "corr_season": 0.9})
    assert "moves with the trend" in reason({**base, "corr_trend": -0.8})
    assert "seasonal and trend baseline" in reason({**base, "corr_baseline": 0.95})
    assert "barely varies" in reason({**base, "cv": 0.1})
    assert "below the noise" in reason({**base, "signal_to_noise": 1.0})
    assert "moves with tv's" in reason({**base, "corr_channel": 0.9})
    assert "little information" in reason(base)
