"""Fit diagnostics as PASS / REVIEW / FAIL checks, each with a message and a recommendation.

A NaN R-hat (for example from a single chain) is a FAIL, never a pass. A single stuck chain
(most of its draws divergent, or a collapsed step size) is a FAIL even when the others look
healthy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mmm._checks import Check, Checks, Status
from mmm.analysis.lift_check import lift_test_diagnostic
from mmm.model.design import Design
from mmm.model.sample import find_stuck_chains
from mmm.model.settings import how_to_set

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

RHAT_FAIL, RHAT_REVIEW = 1.05, 1.01
ESS_FAIL, ESS_REVIEW = 100, 400

CONVERGENCE_CAUSES = (
    f"1. Too few tuning steps: raise tune ({how_to_set('tune', 2000)}).",
    "2. A channel with almost no variation or near-collinear channels: see `mmm validate` data checks.",
    "3. Priors that fight the data: check the ROI/share priors of the channels with the worst "
    "R-hat (roi_prior / share_prior under [channels.NAME] in the channel map).",
    f"4. A single stuck chain: rerun with another seed ({how_to_set('seed', 1)}); if it recurs, "
    f"raise target_accept ({how_to_set('target_accept', 0.95)}).",
)


def convergence_checks(result: FitResult) -> Checks:
    """R-hat, effective sample size, divergences, stuck chains and BFMI."""
    if result.is_approximate:
        return Checks(
            (
                Check(
                    "method",
                    "FAIL",
                    "APPROXIMATE fit (MAP point estimate): no posterior, no uncertainty, no convergence checks.",
                    "Use it as a preview only; fit with method='mcmc' "
                    f"({how_to_set('method', 'mcmc')}) before using ROI or budget advice.",
                ),
            ),
            title="Convergence",
        )
    return Checks(
        (_rhat(result), _ess(result), _divergences(result), _stuck_chains(result), _bfmi(result)),
        title="Convergence",
    )


def diagnose(result: FitResult) -> Checks:
    """All checks: convergence, prior scale, in-sample fit, predictive coverage, holdout accuracy,
    autocorrelation of the residuals and, for a fit with lift tests, whether it reproduces them."""
    conv = result.convergence()  # computed once per result
    fit = result.fitted()
    lift = lift_test_diagnostic(result)
    return Checks(
        (
            *conv.checks,
            prior_scale_check(result.design),
            *_fit_checks(result, fit),
            *residual_checks(residuals(result, fit)),
            *((lift,) if lift is not None else ()),
        ),
        title="Model health",
    )


# ---------------------------------------------------------------------- residuals
#: Durbin–Watson statistic outside this range is REVIEW (2 = no first-order autocorrelation)
DW_RANGE = (1.5, 2.5)
#: Ljung–Box p-value below which the residuals count as autocorrelated
LJUNG_BOX_P = 0.05

RESIDUAL_POSITIVE = (
    "Positive autocorrelation: the baseline misses slow movement in the KPI. Let the trend bend "
    "(ModelSpec(trend='piecewise', n_changepoints=6)), add yearly shape (fourier_modes=3), or add "
    "the missing driver (distribution, price, a competitor's campaign) as a [controls] column of "
    "the channel map; until then intervals are narrower than they should be."
)
RESIDUAL_NEGATIVE = (
    "Negative autocorrelation: the fit overshoots and undershoots in turn, often a driver recorded "
    "in the wrong period (promotion weeks, a holiday): check the dates of the [controls] columns "
    "and the holidays setting in the channel map's [controls] table."
)


def residuals(result: FitResult, fit: object) -> np.ndarray:
    """Residuals of the training periods: log(actual / expected) for the log-normal likelihood,
    actual − expected (KPI units) for the normal one."""
    actual = fit["actual"].values  # type: ignore[index]
    mean = fit["mean"].values  # type: ignore[index]
    train = fit["train"].values.astype(bool)  # type: ignore[index]
    if result.spec.likelihood == "lognormal":
        return np.log(actual[train] / np.maximum(mean[train], 1e-12))
    return np.asarray(actual[train] - mean[train], dtype=float)


def residual_checks(resid: np.ndarray) -> tuple[Check, Check]:
    """Durbin–Watson and Ljung–Box (statsmodels) on the residuals in time order, PASS / REVIEW.

    Autocorrelated residuals mean periods are not independent given the model: something slow
    (trend, a missing driver) is left in them, the noise is understated and intervals are too
    narrow. Ljung–Box tests lags up to ``min(10, n // 5)``.
    """
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    r = np.asarray(resid, dtype=float)
    r = r - r.mean()
    dw = float(durbin_watson(r))
    lo, hi = DW_RANGE
    dw_vals = {"durbin_watson": dw}
    if lo <= dw <= hi:
        dw_check = Check("residual_autocorrelation", "PASS",
                         f"Durbin–Watson {dw:.2f} (2 = none): no first-order autocorrelation.",
                         "", dw_vals)  # fmt: skip
    else:
        sign = "positive" if dw < lo else "negative"
        dw_check = Check("residual_autocorrelation", "REVIEW",
                         f"Durbin–Watson {dw:.2f}, outside {lo}–{hi}: consecutive residuals are "
                         f"{sign}ly correlated.",
                         RESIDUAL_POSITIVE if dw < lo else RESIDUAL_NEGATIVE, dw_vals)  # fmt: skip
    lags = max(1, min(10, len(r) // 5))
    p = float(acorr_ljungbox(r, lags=[lags], return_df=True)["lb_pvalue"].iloc[0])
    lb_vals = {"ljung_box_p": p, "lags": lags}
    if p >= LJUNG_BOX_P:
        lb_check = Check("residual_ljung_box", "PASS",
                         f"Ljung–Box up to lag {lags}: p = {p:.2f}, no autocorrelation detected.",
                         "", lb_vals)  # fmt: skip
    else:
        first = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if len(r) > 2 else 0.0
        lb_check = Check("residual_ljung_box", "REVIEW",
                         f"Ljung–Box up to lag {lags}: p = {p:.3f} < {LJUNG_BOX_P}: the residuals "
                         "are autocorrelated.",
                         RESIDUAL_POSITIVE if first >= 0 else RESIDUAL_NEGATIVE, lb_vals)  # fmt: skip
    return dw_check, lb_check


def prior_scale_check(design: Design) -> Check:
    """Does the ROI prior fit the scale of KPI vs spend?

    At the prior median ROI, paid media would drive ``sum(roi_median * spend) / KPI`` of the
    KPI. Far below 0.1% or above 100% means spend and KPI are not in the same currency (spend
    given as an index or in GRPs, KPI in thousands, …): the ROI prior then pins the estimate
    while every convergence check passes.
    """
    cost = [c for c, h in zip(design.channels, design.has_cost, strict=True) if h]
    if not cost:
        return Check("prior_scale", "PASS", "No channel has a cost; ROI priors are not used.")
    kpi_total = float((design.y * design.kpi_scale).sum())
    spend = design.spend_total.sum(axis=0)  # national totals per channel
    implied = sum(design.prior_for(c)[0] * spend[design.index(c)] for c in cost) / kpi_total
    vals = {
        "implied_media_share": implied,
        "kpi_per_spend": kpi_total / float(spend[design.has_cost].sum()),
    }
    if implied < 1e-3 or implied > 1.0:
        return Check(
            "prior_scale",
            "REVIEW",
            f"At the ROI prior's median, paid media would drive {implied:.2%} of the KPI (the KPI is "
            f"{vals['kpi_per_spend']:,.3g}x total spend): the prior does not fit the data's units and will dominate the ROI.",
            "Check that spend is in the KPI's currency; if it is an index or GRPs, map it as `activity` with the real "
            "spend in `spend`, or set the ROI prior on the right scale: roi_prior = [median, sigma] under "
            f"[channels.NAME] for one channel, or for all ({how_to_set('roi_prior', (1.0, 0.9))}).",
            vals,
        )
    return Check(
        "prior_scale",
        "PASS",
        f"At the ROI prior's median paid media would drive {implied:.1%} of the KPI.",
        "",
        vals,
    )


def _max_over(ds: object) -> tuple[float, str]:
    worst, where = -np.inf, ""
    for name, da in ds.data_vars.items():  # type: ignore[attr-defined]
        vals = np.asarray(da.values, dtype=float)
        if np.isnan(vals).any():
            return float("nan"), str(name)
        if vals.size and vals.max() > worst:
            worst, where = float(vals.max()), str(name)
    return worst, where


def _rhat(result: FitResult) -> Check:
    chains = result.posterior.sizes["chain"]
    if chains < 2:
        return Check(
            "r_hat",
            "FAIL",
            f"R-hat cannot be computed from {chains} chain (it is NaN): convergence is unverified.",
            f"Run at least 2 chains, 4 recommended ({how_to_set('chains', 4)}).",
            {"max_rhat": float("nan")},
        )
    # ArviZ's statistics package, not ``arviz`` (which also loads arviz_plots and matplotlib)
    import arviz_stats as azs

    rh = azs.rhat(result.posterior)
    worst, where = _max_over(rh)
    vals = {"max_rhat": worst, "worst_parameter": where}
    if not np.isfinite(worst):
        return Check(
            "r_hat",
            "FAIL",
            f"R-hat is NaN for {where}: the chains did not move.",
            "\n".join(CONVERGENCE_CAUSES),
            vals,
        )
    if worst > RHAT_FAIL:
        return Check(
            "r_hat",
            "FAIL",
            f"Max R-hat {worst:.3f} (for {where}) > {RHAT_FAIL}: chains disagree.",
            "\n".join(CONVERGENCE_CAUSES),
            vals,
        )
    if worst > RHAT_REVIEW:
        return Check(
            "r_hat",
            "REVIEW",
            f"Max R-hat {worst:.3f} (for {where}) is above {RHAT_REVIEW}.",
            f"Run more draws ({how_to_set('draws', 2000)}) and check again.",
            vals,
        )
    return Check("r_hat", "PASS", f"Max R-hat {worst:.3f} ≤ {RHAT_REVIEW}.", "", vals)


def _ess(result: FitResult) -> Check:
    import arviz_stats as azs

    bulk = azs.ess(result.posterior, method="bulk")
    tail = azs.ess(result.posterior, method="tail")
    mins: list[float] = []
    for ds in (bulk, tail):
        vals = [float(np.nanmin(v.values)) for v in ds.data_vars.values() if v.size]
        mins.append(min(vals) if vals else float("nan"))
    b, t = mins
    ess_vals = {"min_ess_bulk": b, "min_ess_tail": t}
    worst = min(b, t)
    if not np.isfinite(worst) or worst < ESS_FAIL:
        return Check(
            "ess",
            "FAIL",
            f"Effective sample size too small (bulk {b:.0f}, tail {t:.0f} < {ESS_FAIL}).",
            f"Run more draws ({how_to_set('draws', 2000)}) and tuning steps "
            f"({how_to_set('tune', 2000)}); see the R-hat recommendations.",
            ess_vals,
        )
    if worst < ESS_REVIEW:
        return Check(
            "ess",
            "REVIEW",
            f"Effective sample size is low (bulk {b:.0f}, tail {t:.0f} < {ESS_REVIEW}); intervals are noisy.",
            f"Run more draws ({how_to_set('draws', 2000)}).",
            ess_vals,
        )
    return Check(
        "ess", "PASS", f"Min effective sample size: bulk {b:.0f}, tail {t:.0f}.", "", ess_vals
    )


def _divergences(result: FitResult) -> Check:
    stats = result.sample_stats
    if "diverging" not in stats:
        return Check(
            "divergences",
            "REVIEW",
            "The sampler reported no divergence statistics.",
            "Use nutpie or pymc to get them.",
        )
    div = np.asarray(stats["diverging"].values, dtype=bool)
    n, total = int(div.sum()), div.size
    vals = {"divergences": n, "draws": total}
    if n == 0:
        return Check("divergences", "PASS", "No divergent transitions.", "", vals)
    share = n / total
    status: Status = "FAIL" if share >= 0.01 else "REVIEW"
    return Check(
        "divergences",
        status,
        f"{n} divergent transitions ({share:.1%} of draws): parts of the posterior were not explored.",
        f"Raise target_accept ({how_to_set('target_accept', 0.95)}); if divergences persist, "
        f"simplify the model: fewer channels, or a linear trend instead of a piecewise one "
        f"({how_to_set('trend', 'linear')}).",
        vals,
    )


def _stuck_chains(result: FitResult) -> Check:
    stuck = find_stuck_chains(result.sample_stats)
    if stuck:
        return Check(
            "stuck_chains",
            "FAIL",
            "Stuck chain(s): " + "; ".join(stuck.values()) + ".",
            f"Rerun with another seed ({how_to_set('seed', 1)}); if it recurs raise target_accept "
            f"({how_to_set('target_accept', 0.95)}) or tune ({how_to_set('tune', 2000)}).",
            {"chains": list(stuck)},
        )
    restarted = result.info.get("restarted_chains") or []
    if restarted:
        return Check(
            "stuck_chains",
            "REVIEW",
            f"{len(restarted)} chain(s) got stuck and were rerun from new starts: "
            + "; ".join(restarted)
            + ". Every chain in the result moved with a healthy step size.",
            "If this recurs, the posterior has a pathological region: check the channels whose "
            "estimates differ most between seeds, or add lift tests for them.",
            {"chains": [], "restarted": list(restarted)},
        )
    return Check(
        "stuck_chains", "PASS", "Every chain moved with a healthy step size.", "", {"chains": []}
    )


def _bfmi(result: FitResult) -> Check:
    stats = result.sample_stats
    if "energy" not in stats:
        return Check("bfmi", "PASS", "Energy not recorded by this sampler; BFMI skipped.", "")
    import arviz_stats as azs

    bfmi = azs.bfmi(stats, sample_dims=["chain", "draw"])
    vals = np.asarray(
        bfmi["energy"].values if hasattr(bfmi, "data_vars") else bfmi, dtype=float
    ).ravel()
    low = float(np.nanmin(vals))
    if not np.isfinite(low):
        return Check("bfmi", "REVIEW", "BFMI could not be computed.", "", {"min_bfmi": low})
    if low < 0.3:
        return Check(
            "bfmi",
            "REVIEW",
            f"Low energy BFMI ({low:.2f} < 0.3): heavy tails may be under-explored.",
            f"Run more tuning steps ({how_to_set('tune', 2000)}).",
            {"min_bfmi": low},
        )
    return Check("bfmi", "PASS", f"Min energy BFMI {low:.2f}.", "", {"min_bfmi": low})


def _fit_checks(result: FitResult, fit: object) -> tuple[Check, ...]:
    actual = fit["actual"].values  # type: ignore[index]
    mean = fit["mean"].values  # type: ignore[index]
    lo, hi = fit["pred_lower"].values, fit["pred_upper"].values  # type: ignore[index]
    train = fit["train"].values.astype(bool)  # type: ignore[index]
    out = []
    r2 = 1 - np.sum((actual[train] - mean[train]) ** 2) / np.sum(
        (actual[train] - actual[train].mean()) ** 2
    )
    mape = float(
        np.mean(
            np.abs(actual[train] - mean[train])
            / np.where(actual[train] != 0, np.abs(actual[train]), np.nan)
        )
    )
    vals = {"r2": float(r2), "mape": mape}
    if r2 < 0.5 or mape > 0.2:
        out.append(
            Check(
                "fit_in_sample",
                "REVIEW",
                f"In-sample R² {r2:.2f}, MAPE {mape:.1%}: the model explains the KPI poorly.",
                "Add missing drivers as controls (columns = [...] under [controls] in the channel "
                'map: price, distribution, promotions) or holidays (holidays = "CN" under [controls]).',
                vals,
            )
        )
    else:
        out.append(
            Check("fit_in_sample", "PASS", f"In-sample R² {r2:.2f}, MAPE {mape:.1%}.", "", vals)
        )
    cover = float(np.mean((actual[train] >= lo[train]) & (actual[train] <= hi[train])))
    prob = fit.attrs.get("prob", 0.9) if hasattr(fit, "attrs") else 0.9  # type: ignore[union-attr]
    vals = {"coverage": cover, "nominal": prob}
    if abs(cover - prob) > 0.1:
        out.append(
            Check(
                "predictive_coverage",
                "REVIEW",
                f"{cover:.0%} of periods fall inside the {prob:.0%} predictive interval.",
                "The noise level is mis-stated: check for outliers or missing events.",
                vals,
            )
        )
    else:
        out.append(
            Check(
                "predictive_coverage",
                "PASS",
                f"{cover:.0%} of periods inside the {prob:.0%} predictive interval.",
                "",
                vals,
            )
        )
    hold = ~train
    if hold.any():
        h_mape = float(np.mean(np.abs(actual[hold] - mean[hold]) / np.abs(actual[hold])))
        h_cover = float(np.mean((actual[hold] >= lo[hold]) & (actual[hold] <= hi[hold])))
        vals = {
            "holdout_mape": h_mape,
            "holdout_coverage": h_cover,
            "holdout_periods": int(hold.sum()),
        }
        status: Status = "PASS" if h_mape <= 0.15 else ("REVIEW" if h_mape <= 0.3 else "FAIL")
        msg = f"Holdout ({int(hold.sum())} periods): MAPE {h_mape:.1%}, {h_cover:.0%} inside the predictive interval."
        rec = (
            ""
            if status == "PASS"
            else "The model forecasts poorly: look for structural breaks or missing drivers before trusting ROI."
        )
        out.append(Check("holdout", status, msg, rec, vals))
    else:
        out.append(
            Check(
                "holdout",
                "PASS",
                "No holdout requested (holdout_periods=0).",
                f"Refit with a holdout ({how_to_set('holdout_periods', 8)}) to measure forecast accuracy.",
                {},
            )
        )
    return tuple(out)
