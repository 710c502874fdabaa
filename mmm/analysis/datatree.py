"""A fit as the ArviZ 1.x ``xarray.DataTree`` that PyMC and PyMC-Marketing users know as ``idata``.

>>> import arviz as az                                               # doctest: +SKIP
>>> dt = result.to_datatree()                                        # doctest: +SKIP
>>> az.summary(dt, var_names=["roi"])                                # doctest: +SKIP
>>> az.plot_trace(dt, var_names=["roi", "sigma"])                    # doctest: +SKIP
>>> az.plot_ppc_dist(dt)                                             # doctest: +SKIP
>>> az.loo(dt)                                                       # doctest: +SKIP

Groups (dims in brackets):

- ``posterior``: the model's parameters [chain, draw, …], as fitted (``roi`` over
  ``cost_channel``, ``share`` over ``share_channel``, ``beta`` over ``channel``, …);
- ``sample_stats``: the sampler's statistics [chain, draw] (``diverging``, ``energy``, …);
- ``observed_data``: ``kpi`` [date] in the periods the model was fitted on;
- ``constant_data``: the inputs: ``spend`` and ``activity`` [date, channel], ``controls``
  [date, control] and ``in_fit`` [date] (False in the holdout), over every period;
- ``posterior_predictive``: ``kpi`` [chain, draw, date] replicated from the likelihood
  (``posterior_predictive=True``), in the fitted periods;
- ``log_likelihood``: ``kpi`` [chain, draw, date], the pointwise log-likelihood of
  :func:`mmm.analysis.likelihood.pointwise_loglik` (``log_likelihood=True``);
- ``predictions``: ``kpi`` [chain, draw, date] in the holdout periods, when there is a holdout.

Nothing here is stored with a saved result: both derived groups are computed from the
posterior when asked for (about as costly as ``result.fitted()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import xarray as xr

from mmm._dims import DATE, GEO
from mmm.analysis.likelihood import pointwise_loglik
from mmm.analysis.likelihood import posterior_predictive as predictive_draws

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult


def to_datatree(
    result: FitResult,
    *,
    log_likelihood: bool = True,
    posterior_predictive: bool = True,
    seed: int | None = None,
) -> xr.DataTree:
    """The fit as an ArviZ 1.x :class:`xarray.DataTree` (groups in the module docstring).

    Parameters
    ----------
    result : FitResult
        The fit.
    log_likelihood : bool
        Add the ``log_likelihood`` group (needed by ``az.loo`` and ``az.compare``).
    posterior_predictive : bool
        Add the ``posterior_predictive`` group (and ``predictions`` for a holdout), needed by
        ``az.plot_ppc_dist`` and ``az.loo_pit``.
    seed : int, optional
        Seed of the predictive draws (default: the spec's seed).
    """
    ds = result.dataset
    design = result.design
    train = design.train
    fitted_dates = design.dates[train]
    data = ds.data if ds.is_panel else ds.data.isel({GEO: 0}, drop=True)  # national: no region axis
    kpi = data["kpi"]
    groups: dict[str, xr.Dataset] = {
        "posterior": result.posterior,
        "sample_stats": result.sample_stats,
        "observed_data": xr.Dataset({"kpi": kpi.sel({DATE: fitted_dates}).reset_coords(drop=True)}),
        "constant_data": xr.Dataset(
            {
                "spend": data["spend"],
                "activity": data["activity"],
                "controls": data["controls"],
                "in_fit": (DATE, train),
            }
        ),
    }
    if posterior_predictive:
        draws = predictive_draws(result, seed)
        groups["posterior_predictive"] = xr.Dataset({"kpi": draws.sel({DATE: fitted_dates})})
        if not train.all():
            groups["predictions"] = xr.Dataset({"kpi": draws.isel({DATE: ~train})})
    if log_likelihood:
        groups["log_likelihood"] = xr.Dataset({"kpi": pointwise_loglik(result)})
    cmap = ds.channel_map
    attrs = {
        "kpi": cmap.kpi,
        "kpi_type": cmap.kpi_type,
        "currency": cmap.currency,
        "likelihood": result.spec.likelihood,
        "inference_library": f"mmm ({result.spec.sampler}, {result.spec.method})",
    }
    tree = xr.DataTree.from_dict({f"/{name}": group for name, group in groups.items()})
    tree.attrs.update(attrs)
    return tree
