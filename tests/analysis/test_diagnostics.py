"""Diagnostics: stuck chains and prior-scale checks (mmm.analysis.diagnostics)."""

from __future__ import annotations

from _fits import small_brand, small_result

from mmm.analysis.results import FitResult
from mmm.data.load import from_dataframe
from mmm.model.spec import ModelSpec


def _dataset():
    b = small_brand()
    return from_dataframe(b.data, b.channel_map)


def test_stuck_chain_fails_even_when_others_are_fine() -> None:
    res = small_result()
    stats = res.sample_stats.copy(deep=True)
    div = stats["diverging"].values.copy()
    div[1, :] = True
    stats["diverging"] = (stats["diverging"].dims, div)
    stuck = FitResult(res.posterior, stats, res.dataset, res.spec, res.info)
    check = stuck.convergence()["stuck_chains"]
    assert check.status == "FAIL" and "chain 1" in check.message


def test_prior_scale_check_flags_spend_not_in_kpi_currency() -> None:
    from mmm.analysis.diagnostics import prior_scale_check
    from mmm.model.design import Design

    b = small_brand()
    df = b.data.copy()
    for col in ("tv_spend", "search_spend", "weibo_spend", "douyin_spend"):
        df[col] = df[col] / df[col].max()  # an index 0..1, as in PyMC-Marketing's example
    ds = from_dataframe(df, b.channel_map)
    check = prior_scale_check(Design.build(ds, ModelSpec()))
    assert check.status == "REVIEW" and "units" in check.message
    assert prior_scale_check(Design.build(_dataset(), ModelSpec())).status == "PASS"


def test_convergence_is_computed_once_per_result() -> None:
    """The fit's convergence checks are kept on the result; diagnostics() reuses them and a
    result with other draws (thin, replace) computes its own."""
    from dataclasses import replace

    res = small_result()
    conv = res.convergence()
    assert res.convergence() is conv
    assert res.diagnostics().checks[: len(conv.checks)] == conv.checks
    thinned = res.thin(res.n_samples // 2)
    assert thinned.convergence() is not conv
    assert replace(res, info={}).convergence() is not conv
