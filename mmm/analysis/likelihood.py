"""The KPI likelihood per period and draw: pointwise log-likelihood and posterior predictive draws.

Both come from the posterior through the model's own forward maths
(:func:`mmm.model.forward.in_sample_effects` gives the expected KPI ``mu``) and the
likelihood of :mod:`mmm.model.graph`:

- ``likelihood="lognormal"``: ``log(y / kpi_scale) ~ Normal(log(softplus(mu / kpi_scale)), sigma)``;
- ``likelihood="normal"``: ``y / kpi_scale ~ Normal(mu / kpi_scale, sigma)``.

The log-likelihood is the density of the KPI **in its own units** (currency for revenue): the
log-normal one includes the Jacobian ``-log y`` of the log transform, the normal one the
``-log kpi_scale`` of the scaling. So fits with either likelihood (or another KPI scale) are
comparable by LOO (``az.loo``, ``az.compare``). Only the periods in the likelihood (not the
holdout) have a pointwise log-likelihood. This module is the one place that computes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from mmm._dims import CHAIN, DATE, DRAW, GEO
from mmm.analysis.attribution import iter_effects
from mmm.model.graph import SOFT_FLOOR

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

_LOG_2PI = float(np.log(2 * np.pi))


def _normal_logpdf(x: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    z = (x - mean) / sd
    return -0.5 * z * z - np.log(sd) - 0.5 * _LOG_2PI


def _positive_mean(mu_scaled: np.ndarray) -> np.ndarray:
    """The graph's smooth floor on the expected KPI inside the log: softplus(50·mu)/50."""
    return np.logaddexp(0.0, SOFT_FLOOR * mu_scaled) / SOFT_FLOOR


def _by_draw(result: FitResult, flat: np.ndarray, dates: object) -> xr.DataArray:
    """(sample, date, geo) → (chain, draw, date[, geo]), samples being chain-major as in
    ``iter_params``; a national fit's one region is dropped."""
    n_chain, n_draw = result.posterior.sizes[CHAIN], result.posterior.sizes[DRAW]
    design = result.design
    da = xr.DataArray(
        flat.reshape(n_chain, n_draw, flat.shape[1], design.n_geos),
        dims=(CHAIN, DRAW, DATE, GEO),
        coords={
            CHAIN: result.posterior[CHAIN].values,
            DRAW: result.posterior[DRAW].values,
            DATE: dates,
            GEO: list(design.geos),
        },
    )
    return da if result.dataset.is_panel else da.isel({GEO: 0}, drop=True)


def pointwise_loglik(result: FitResult) -> xr.DataArray:
    """Log-likelihood of the observed KPI in each fitted period, per posterior draw.

    Returns
    -------
    xarray.DataArray
        Dims ``(chain, draw, date)`` over the periods in the likelihood (the holdout is left
        out); the log density of the KPI in its own units (see the module docstring), so
        ``sum`` over dates is the KPI's log-likelihood and ``az.loo`` works on it.
    """
    design = result.design
    train = design.train
    y = design.y[train]  # scaled KPI
    k = design.kpi_scale
    out = []
    for p, eff in iter_effects(result):
        mu_s = eff.mu[:, train] / k
        sigma = p["sigma"][:, None, :]
        if result.spec.likelihood == "lognormal":
            ll = _normal_logpdf(np.log(y), np.log(_positive_mean(mu_s)), sigma) - np.log(y * k)
        else:
            ll = _normal_logpdf(y, mu_s, sigma) - np.log(k)
        out.append(ll)
    da = _by_draw(result, np.concatenate(out), design.dates[train])
    da.name = "kpi"
    da.attrs.update(units=f"log density of {result.dataset.channel_map.kpi} per period")
    return da


def posterior_predictive(result: FitResult, seed: int | None = None) -> xr.DataArray:
    """Replicated KPI for every period (in currency), one per posterior draw: dims ``(chain, draw, date)``.

    Drawn from the likelihood at each draw's expected KPI; ``seed`` defaults to the spec's.
    """
    design = result.design
    k = design.kpi_scale
    rng = np.random.default_rng(result.spec.seed if seed is None else seed)
    out = []
    for p, eff in iter_effects(result):
        mu_s = eff.mu / k
        noise = rng.normal(size=mu_s.shape) * p["sigma"][:, None, :]
        if result.spec.likelihood == "lognormal":
            out.append(_positive_mean(mu_s) * np.exp(noise) * k)
        else:
            out.append((mu_s + noise) * k)
    da = _by_draw(result, np.concatenate(out), design.dates)
    da.name = "kpi"
    return da
