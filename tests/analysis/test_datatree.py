"""``FitResult.to_datatree()``: the ArviZ 1.x DataTree, checked with ArviZ's own functions.

The pointwise log-likelihood is checked against PyMC's ``compute_log_likelihood`` on the very
graph that was sampled (for both likelihoods), so it is the model's, not a re-derivation.
"""

from __future__ import annotations

import warnings

import arviz as az
import matplotlib
import numpy as np
import pymc as pm
import pytest
import xarray as xr
from _fits import small_result

from mmm.analysis.likelihood import pointwise_loglik
from mmm.analysis.results import FitResult
from mmm.model.design import Design
from mmm.model.graph import build_pymc_model

matplotlib.use("Agg")

GROUPS = {"posterior", "sample_stats", "observed_data", "constant_data", "posterior_predictive",
          "log_likelihood", "predictions"}  # fmt: skip


def normal_result() -> FitResult:
    """The shared fit's draws read as a normal-likelihood model (any parameter values check the density)."""
    r = small_result()
    return FitResult(r.posterior, r.sample_stats, r.dataset, r.spec.replace(likelihood="normal"),
                     r.info, r.features)  # fmt: skip


def _pymc_loglik(result: FitResult, observed: str) -> np.ndarray:
    model = build_pymc_model(Design.build(result.dataset, result.spec))
    tree = xr.DataTree.from_dict({"/posterior": result.posterior})
    out = pm.compute_log_likelihood(
        tree, var_names=[observed], model=model, extend_inferencedata=False, progressbar=False
    )
    values = np.asarray(out[observed].values)  # extend_inferencedata=False: the group itself
    return values[..., 0] if values.shape[-1] == 1 else values  # a national fit: one region


def test_groups_dims_and_data() -> None:
    result = small_result()
    dt = result.to_datatree()
    assert set(dt.children) == GROUPS
    train = result.design.train
    obs = dt["observed_data"]["kpi"]
    assert obs.dims == ("date",) and len(obs) == train.sum() == 96
    np.testing.assert_array_equal(obs.values, result.dataset.kpi_total[train])
    assert dt["constant_data"]["spend"].dims == ("date", "channel")
    assert int((~dt["constant_data"]["in_fit"]).sum()) == result.spec.holdout_periods == 8
    for group in ("posterior_predictive", "log_likelihood"):
        assert dt[group]["kpi"].dims == ("chain", "draw", "date")
        assert dt[group]["kpi"].shape == (2, 150, 96)
    assert dt["predictions"]["kpi"].shape == (2, 150, 8)
    xr.testing.assert_identical(dt["posterior"].to_dataset(), result.posterior)
    lean = result.to_datatree(log_likelihood=False, posterior_predictive=False)
    assert set(lean.children) == GROUPS - {"log_likelihood", "posterior_predictive", "predictions"}


def test_loglik_is_pymcs_for_the_lognormal_likelihood() -> None:
    result = small_result()
    ours = pointwise_loglik(result).values
    theirs = _pymc_loglik(result, "log_kpi")  # density of log(y / kpi_scale)
    y = result.dataset.kpi_total[result.design.train]
    # ours is the density of y itself: the log transform's Jacobian is -log(y)
    np.testing.assert_allclose(ours, theirs - np.log(y), rtol=1e-6, atol=1e-6)


def test_loglik_is_pymcs_for_the_normal_likelihood() -> None:
    result = normal_result()
    ours = pointwise_loglik(result).values
    theirs = _pymc_loglik(result, "kpi")  # density of y / kpi_scale
    np.testing.assert_allclose(ours, theirs - np.log(result.design.kpi_scale), rtol=1e-6, atol=1e-6)
    assert not np.allclose(ours, pointwise_loglik(small_result()).values)  # a different density


def test_arviz_summary_trace_ppc_and_loo_work_on_it() -> None:
    """The examples in the README, run as written."""
    result = small_result()
    dt = result.to_datatree()

    table = az.summary(dt, var_names=["roi"])
    assert list(table.index) == [f"roi[{c}]" for c in ("tv", "search", "weibo", "douyin")]
    np.testing.assert_allclose(
        table["mean"].astype(float), result.posterior["roi"].mean(("chain", "draw")), rtol=0.02
    )
    assert {"r_hat", "ess_bulk"} <= set(table.columns)

    trace = az.plot_trace(dt, var_names=["roi", "sigma"])
    ppc = az.plot_ppc_dist(dt)
    assert type(trace).__name__ == type(ppc).__name__ == "PlotCollection"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pareto-k of a 2 x 150 test fit
        loo = az.loo(dt)
    assert np.isfinite(loo.elpd) and loo.n_data_points == 96
    # elpd_loo is below the in-sample log-likelihood, by about p_loo
    in_sample = float(pointwise_loglik(result).mean(("chain", "draw")).sum())
    assert loo.elpd < in_sample
    assert 0 < loo.p < 60

    # the replicated KPI covers the data about as often as the 90% interval says
    ppc_kpi = dt["posterior_predictive"]["kpi"]
    lo, hi = ppc_kpi.quantile([0.05, 0.95], dim=("chain", "draw")).values
    obs = dt["observed_data"]["kpi"].values
    assert 0.75 <= float(np.mean((obs >= lo) & (obs <= hi))) <= 1.0


def test_loo_compares_a_better_and_a_worse_model() -> None:
    """LOO on the log-likelihood ranks a model that ignores the media below the full one."""
    result = small_result()
    media_free = result.posterior.assign(beta=result.posterior["beta"] * 0.0)
    worse = FitResult(media_free, result.sample_stats, result.dataset, result.spec, result.info,
                      result.features)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pareto-k warnings of the crippled model
        good = az.loo(result.to_datatree(posterior_predictive=False)).elpd
        bad = az.loo(worse.to_datatree(posterior_predictive=False)).elpd
    assert good > bad + 10


@pytest.mark.parametrize("seed", [0, 1])
def test_posterior_predictive_is_seeded(seed: int) -> None:
    from mmm.analysis.likelihood import posterior_predictive

    a = posterior_predictive(small_result(), seed=seed)
    b = posterior_predictive(small_result(), seed=seed)
    xr.testing.assert_identical(a, b)
