"""The PyMC graph of the media-mix model, built from a :class:`~mmm.model.design.Design`.

KPI (scaled by its mean) has mean

    mu_t = intercept + trend_t + seasonality_t + controls_t + holidays_t + sum_c beta_c * s_c(adstock_c(x_c))_t

and, by default, a log-normal likelihood ``log y_t ~ Normal(log mu_t, sigma)`` (multiplicative
noise, the additive mean inside the log). ``beta_c`` is not sampled directly: channels with a
cost sample their ROI (``roi``), others their share of KPI (``share``), and beta follows —
so priors speak the language of the budget review, not of scaled coefficients.

Earned channels get a second likelihood: scaled mentions ``m_t ~ LogNormal(log(organic_t +
sum_s g_s * s_s(adstock_s(x_s))_t), sigma_m)`` over their ``driven_by`` sources, reusing each
source's own carry-over and saturation; the KPI then depends on observed mentions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmm.exceptions import ConfigError
from mmm.model.calibration import (
    check_geo,
    check_lift_test,
    first_period,
    input_change,
    lift_window,
)
from mmm.model.design import Design
from mmm.model.forward import baseline, change_effect, earned_effect, pick, saturated_media

#: sharpness of the smooth floor that keeps the KPI mean positive inside the log
SOFT_FLOOR = 50.0

#: Normal prior of the intercept, in units of the KPI's mean
INTERCEPT_PRIOR = (0.6, 0.4)



# ---------------------------------------------------------------------- graph
def build_pymc_model(design: Design) -> Any:
    import pymc as pm
    import pytensor.tensor as pt

    spec = design.spec
    with pm.Model(coords=design.coords()) as model:
        params: dict[str, Any] = {}
        for g in (*design.adstock_groups, *design.saturation_groups):
            for pname, default in g.transform.params.items():
                name = g.param_name(pname)
                params[name] = spec.param_priors.get(name, default).create(name, dims=g.dim)
        sat = saturated_media(pt, design, params)  # (T, C)
        sat_total = sat.sum(axis=0)
        beta = _beta(pm, pt, design, sat_total)
        media = sat * beta[None, :]

        params.update(_baseline_priors(pm, design, media))
        base = baseline(pt, design, params)
        mu = sum(base.values()) + media.sum(axis=-1)
        train = slice(0, int(design.train.sum()))  # the holdout is always the last periods
        if spec.likelihood == "lognormal":
            if np.any(design.y[train] <= 0):
                raise ConfigError(
                    "likelihood='lognormal' needs a KPI > 0 in every period; use likelihood='normal' for a KPI with zeros."
                )
            mu_pos = pt.softplus(SOFT_FLOOR * mu) / SOFT_FLOOR
            sigma = pm.HalfNormal("sigma", 0.2)
            pm.Normal(
                "log_kpi", mu=pt.log(mu_pos[train]), sigma=sigma, observed=np.log(design.y[train])
            )
        else:
            sigma = pm.HalfNormal("sigma", 0.3)
            pm.Normal("kpi", mu=mu[train], sigma=sigma, observed=design.y[train])

        generated = _earned_likelihoods(pm, pt, design, sat, train)
        _lift_likelihoods(pm, pt, design, params, media, beta, generated)
    return model


def _beta(pm: Any, pt: Any, design: Design, sat_total: Any) -> Any:
    """Per-channel effect size in scaled units, from ROI (cost) or share-of-KPI (no cost) priors."""
    parts, order = [], []
    cost = np.flatnonzero(design.has_cost)
    share = np.flatnonzero(~design.has_cost)
    if len(cost):
        med, sig = np.array([design.prior_for(design.channels[i]) for i in cost]).T
        roi = pm.LogNormal("roi", mu=np.log(med), sigma=sig, dims="cost_channel")
        parts.append(
            roi
            * design.spend_total[cost]
            / (design.kpi_scale * pick(sat_total, cost, len(design.channels)))
        )
        order.append(cost)
    if len(share):
        med, sig = np.array([design.prior_for(design.channels[i]) for i in share]).T
        sh = pm.LogNormal("share", mu=np.log(med), sigma=sig, dims="share_channel")
        parts.append(sh * design.y.sum() / pick(sat_total, share, len(design.channels)))
        order.append(share)
    idx = np.concatenate(order)
    beta = pt.concatenate(parts) if len(parts) > 1 else parts[0]
    if not np.array_equal(idx, np.arange(len(idx))):
        beta = beta[np.argsort(idx)]
    return pm.Deterministic("beta", beta, dims="channel")


def _baseline_priors(pm: Any, design: Design, media: Any) -> dict[str, Any]:
    """Baseline priors. With no-cost channels the intercept is derived from a sampled level.

    A no-cost channel (owned posts, earned mentions) is usually always on: its contribution is
    nearly flat, so the data fix intercept + its mean contribution but not the split. Sampled
    directly, intercept and the (log-scale) share form a curved ridge that gave 0.2-1% divergent
    transitions on the bundled brand. So the sampler sees ``level`` = intercept + the no-cost
    channels' mean contribution, with the intercept's prior shifted by their prior median
    shares, and the intercept is a deterministic. On the bundled brand: no divergences, ~1.7x
    fewer gradient evaluations, same estimates. Paid channels stay out of it: their spend
    varies, and including them made a small all-paid brand diverge more.
    """
    p = _other_baseline(pm, design)
    if not design.share_channels:
        p["intercept"] = pm.Normal("intercept", *INTERCEPT_PRIOR)
        return p
    shift = sum(design.prior_for(c)[0] for c in design.share_channels)
    level = pm.Normal("level", INTERCEPT_PRIOR[0] + shift, INTERCEPT_PRIOR[1])
    no_cost = (~design.has_cost).astype(float)  # a product, not fancy indexing: compiles faster
    p["intercept"] = pm.Deterministic(
        "intercept", level - (media * no_cost[None, :]).sum(axis=-1).mean()
    )
    return p


def _other_baseline(pm: Any, design: Design) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if design.spec.trend != "none":
        p["trend_slope"] = pm.Normal("trend_slope", 0.0, 0.5)
        if len(design.changepoints):
            p["trend_delta"] = pm.Normal("trend_delta", 0.0, 0.5, dims="changepoint")
    if design.fourier.shape[1]:
        p["season"] = pm.Normal("season", 0.0, 0.2, dims="fourier")
    if design.controls.shape[1]:
        p["control_coef"] = pm.Normal("control_coef", 0.0, 0.2, dims="control")
    if design.holidays.shape[1]:
        p["holiday_coef"] = pm.Normal("holiday_coef", 0.0, 0.5, dims="holiday")
    return p


def _earned_likelihoods(pm: Any, pt: Any, design: Design, sat: Any, train: slice) -> dict[str, Any]:
    """Mentions as organic level + what each source generates; returns generated (T, S) per earned channel."""
    generated = {}
    for e, sources in design.earned.items():
        if not sources:
            continue
        ei = design.index(e)
        src = np.array([design.index(s) for s in sources])
        select = np.zeros((len(design.channels), len(src)))
        select[src, np.arange(len(src))] = 1.0
        src_sat = pt.dot(sat, select)  # (T, S); a product compiles faster than fancy indexing
        # Sample the mean level of earned activity and how it splits between organic and each
        # source (a Dirichlet), not raw multipliers: multipliers trade off against each other
        # and against the sources' saturation shapes and mixed badly (ESS < 100 in 4 x 500).
        total = pm.LogNormal(f"{e}_total", 0.0, 0.3)
        parts = pm.Dirichlet(f"{e}_split", a=np.ones(len(src) + 1), dims=f"{e}_part")
        level = pm.Deterministic(f"{e}_organic", total * parts[0])
        gain = pm.Deterministic(
            f"{e}_gain", total * parts[1:] / src_sat.mean(axis=0), dims=f"{e}_source"
        )
        drift = pm.Normal(f"{e}_drift", 0.0, 0.5)
        gen = src_sat * gain[None, :]
        organic = level * pt.exp(drift * design.t)
        mu_m = organic + gen.sum(axis=-1)
        m = design.x[:, ei]
        sig = pm.HalfNormal(f"{e}_sigma", 0.3)
        if np.all(m[train] > 0):
            pm.Normal(f"log_{e}", mu=pt.log(mu_m[train]), sigma=sig, observed=np.log(m[train]))
        else:
            pm.Normal(f"{e}_obs", mu=mu_m[train], sigma=sig, observed=m[train])
        generated[e] = gen
    return generated


def _lift_likelihoods(
    pm: Any,
    pt: Any,
    design: Design,
    params: dict[str, Any],
    media: Any,
    beta: Any,
    generated: dict[str, Any],
) -> None:
    """Lift tests as normal observations of the incremental KPI the model implies for each.

    ``kind="counterfactual"``: KPI with the test's spend change minus KPI as in the data,
    from the test's first period to the end of the data (window plus carry-over tail, earned
    path included): :func:`mmm.model.forward.change_effect` on
    :func:`mmm.model.calibration.input_change`. ``kind="contribution"``: the channel's
    contribution over the window (direct plus through earned media).
    """
    model = pm.modelcontext(None)
    p = {**params, "beta": beta, **{f"{e}_gain": model[f"{e}_gain"] for e in generated}}
    for k, test in enumerate(design.spec.lift_tests):
        if test.kind == "counterfactual":
            delta = input_change(design, test)
            gain = change_effect(pt, design, p, test.channel, delta)
            effect = gain[first_period(design, test) :].sum()
        else:
            check_geo(test, ())
            ci = design.index(test.channel)
            window = np.flatnonzero(lift_window(design, test))
            effect = media[window, ci].sum()
            for e, sources in design.earned.items():
                if test.channel not in sources or e not in generated:
                    continue
                ei = design.index(e)
                si = sources.index(test.channel)
                m_obs = pt.as_tensor(design.x[:, ei])
                m_cf = pt.maximum(m_obs - generated[e][:, si], 0.0)
                value = earned_effect(pt, design, params, e, m_obs, m_cf, beta[ei])
                effect = effect + value[window].sum()
        pm.Normal(f"lift_{k}", mu=effect * design.kpi_scale, sigma=test.se, observed=test.lift)


def check_lift_tests(design: Design) -> None:
    """Check every lift test of the spec against the data (:func:`mmm.model.calibration.check_lift_test`)."""
    for test in design.spec.lift_tests:
        check_lift_test(design, test)


def param_names(model: Any) -> list[str]:
    """Free parameters plus the small deterministics post-processing needs (beta, earned gains)."""
    extra = [
        d.name
        for d in model.deterministics
        if d.name in ("beta", "intercept")
        or d.name.endswith("_gain")
        or d.name.endswith("_organic")
    ]
    return [v.name for v in model.free_RVs] + extra
