"""Experiment recommendations: the lift test that would settle a channel's ROI, and closing the loop.

For each weakly identified or prior-dominated channel with a cost (see
:mod:`mmm.analysis.identify`), :func:`experiments` proposes a lift test — a change of the channel's
spend for a few weeks, run over time on the whole market or in half of the regions and
scaled to national — with the spend it moves, the incremental KPI it should measure, its
standard error and the ROI interval expected after the test.

**How the precision is computed** (from the fitted model, no new sampling):

1. *The test.* The channel runs at its typical weekly spend (mean of the last 52 periods)
   after the data, every other channel as in the last periods, carry-over from the
   observed history. For each spend change (go dark = −100%, +50%, +100%, +200%) the
   posterior draws give the incremental KPI ``L_s(W)`` summed over the first ``W`` weeks
   (:func:`mmm.analysis.attribution.simulate_window`; direct and through earned media).
2. *Its noise.* The measured lift over ``W`` weeks has standard error
   ``se = √2 · σ_week · √W``: weekly KPI noise σ_week = posterior σ × mean KPI of the last
   52 periods (the log-normal likelihood's noise is multiplicative, so its weekly sd is
   about σ × the KPI level), summed over ``W`` independent weeks, and √2 because the
   counterfactual comes from an equally noisy control (the same weeks in matched regions,
   or as many comparison weeks).
3. *What it teaches.* Treat (ROI, measured lift) as jointly normal over the posterior
   draws: observing the lift with noise ``se`` leaves ROI variance
   ``Var(R) − Cov(R, L)² / (Var(L) + se²)`` whatever the outcome, so the 90% interval shrinks
   around its median by ``√(that / Var(R))``. Precision is the interval's half-width over
   the median ROI (±30% = 0.3). The ``se`` used here adds the uncertainty of converting
   the measured change into the window contribution that calibration takes (see
   :func:`lift_test`): nothing much for going dark, a lot for spend increases while the
   saturation curve is uncertain; ``lift_se`` reports the measurement's own.
4. *The pick.* The design that reaches the target (default ±30%) moving the least spend
   (then the shortest); if none does, the most precise one, flagged ``meets_target=False``.

**Closing the loop.** A test's result enters the next fit as a
:class:`~mmm.model.spec.LiftTest` (``ModelSpec(lift_tests=…)``). The model's lift likelihood is on
the channel's contribution over the test window at the spend actually run, while a test
measures the change its spend change caused; :func:`lift_test` converts one into the
other with the ratio of the two under the current posterior (its uncertainty is added to
the standard error). On the synthetic generator, :func:`synthetic_lift` gives the true
outcome of a spend change and :func:`simulate_recommended_tests` turns a recommendation
table into lift tests inside the data window (the generator's truth plus noise of the
recommended standard error): see ``benchmarks/lift_test_cycle.py`` and
``docs/lift_test_cycle.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.analysis.attribution import iter_params, simulate_window
from mmm.analysis.identify import WELL, Identifiability, identifiability
from mmm.exceptions import ConfigError, check_channels
from mmm.model.forward import in_sample_effects, spend_change_effect
from mmm.model.spec import LiftTest

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult
    from mmm.data.synthetic import SyntheticBrand

#: spend changes tried (relative): go dark, +50%, +100%, +200%
CHANGES = (-1.0, 0.5, 1.0, 2.0)
#: test durations tried (periods)
DURATIONS = (4, 6, 8, 12)
#: target precision: 90% ROI interval half-width over the median ROI
TARGET = 0.3
#: the control's share of the noise: se = NOISE_FACTOR · σ_week · √W
NOISE_FACTOR = float(np.sqrt(2.0))
#: periods whose mean spend sets the test's base level
TYPICAL_PERIODS = 52
#: columns of ``experiments.csv``
COLUMNS = ("channel", "class", "design", "change", "weeks", "spend_change", "expected_lift",
           "lift_se", "roi_interval_now", "roi_interval_after", "roi_median", "roi_lower_now",
           "roi_upper_now", "roi_lower_after", "roi_upper_after", "precision_now",
           "precision_after", "meets_target", "note")  # fmt: skip


# ---------------------------------------------------------------------- designs
def candidate_tests(
    result: FitResult,
    channels: Sequence[str] | None = None,
    changes: Sequence[float] = CHANGES,
    durations: Sequence[int] = DURATIONS,
    draws: int = 500,
    noise_factor: float = NOISE_FACTOR,
) -> pd.DataFrame:
    """Every candidate design for ``channels`` (default: all with a cost), with its expected precision.

    Returns one row per (channel, change, weeks) with the columns of :data:`COLUMNS`
    except ``class``, ``meets_target`` and ``note``. See the module docstring for the
    method; ``noise_factor`` scales the standard error (√2: a control as noisy as the
    test; lower for a geo design whose matched regions share most shocks).
    """
    design = result.design
    ds = result.dataset
    cost = [c for c, h in zip(design.channels, design.has_cost, strict=True) if h]
    chans = list(cost if channels is None else channels)
    check_channels(chans, cost, "the channels to test (channels with a cost)")
    if any(c == 0 for c in changes) or any(c < -1 for c in changes):
        raise ValueError(f"changes == {list(changes)}; each must be >= -1 (go dark) and not 0.")
    if any(int(w) < 1 for w in durations):
        raise ValueError(f"durations == {list(durations)}; each must be >= 1 period.")
    w_max = int(max(durations))
    act_all = ds.data["activity"].values.astype(float)
    spend_all = ds.data["spend"].values.astype(float)
    recent = slice(max(0, len(act_all) - TYPICAL_PERIODS), None)
    base_rows = np.resize(act_all[-min(w_max, len(act_all)) :], (w_max, *act_all.shape[1:]))
    noise = weekly_noise(result)
    sub = result.thin(draws)
    rows = []
    for ch in chans:
        j = design.index(ch)
        base = base_rows.copy()
        base[:, :, j] = act_all[recent, :, j].mean(axis=0)
        weekly_spend = spend_all[recent, :, j].sum(axis=1).mean()
        roi_s, contrib, lifts = _simulate_designs(sub, j, base, act_all, changes)
        med, lo, hi = np.quantile(roi_s, [0.5, 0.05, 0.95])
        var_r = float(np.var(roi_s))
        c_cum = np.cumsum(contrib, axis=1)
        for change, inc in zip(changes, lifts, strict=True):
            cum = np.cumsum(inc, axis=1)
            for w in durations:
                lift = cum[:, int(w) - 1]
                se = noise_factor * noise * np.sqrt(int(w))
                se_use = _usable_se(se, lift, c_cum[:, int(w) - 1])
                cov = float(np.cov(roi_s, lift)[0, 1])
                var_after = var_r - cov**2 / (float(np.var(lift)) + se_use**2) if var_r > 0 else 0.0
                shrink = float(np.sqrt(max(var_after, 0.0) / var_r)) if var_r > 0 else 1.0
                lo_a, hi_a = med - (med - lo) * shrink, med + (hi - med) * shrink
                rows.append(
                    {
                        "channel": ch,
                        "design": design_label(change, int(w)),
                        "change": float(change),
                        "weeks": int(w),
                        "spend_change": float(change * weekly_spend * int(w)),
                        "expected_lift": float(lift.mean()),
                        "lift_se": float(se),
                        "roi_interval_now": f"{lo:.2f}–{hi:.2f}",
                        "roi_interval_after": f"{lo_a:.2f}–{hi_a:.2f}",
                        "roi_median": float(med),
                        "roi_lower_now": float(lo),
                        "roi_upper_now": float(hi),
                        "roi_lower_after": float(lo_a),
                        "roi_upper_after": float(hi_a),
                        "precision_now": _precision(lo, hi, med),
                        "precision_after": _precision(lo_a, hi_a, med),
                    }
                )
    return pd.DataFrame(
        rows, columns=[c for c in COLUMNS if c not in ("class", "meets_target", "note")]
    )


def experiments(
    result: FitResult,
    identifiability: Identifiability | None = None,
    target: float = TARGET,
    **kwargs: Any,
) -> pd.DataFrame:
    """The recommended lift test for each weakly identified or prior-dominated channel with a cost.

    Parameters
    ----------
    result : FitResult
    identifiability : Identifiability, optional
        Default: :func:`mmm.analysis.identify.identifiability` of ``result``.
    target : float
        Wanted precision after the test: 90% ROI half-width over the median ROI.
    **kwargs
        Passed to :func:`candidate_tests` (``changes``, ``durations``, ``draws``, ``noise_factor``).

    Returns
    -------
    pandas.DataFrame
        One row per channel (columns :data:`COLUMNS`), empty when every channel with a
        cost is well identified.
    """
    if not target > 0:
        raise ValueError(f"target == {target}; must be > 0 (e.g. 0.3 for ±30%).")
    ident = identifiability if identifiability is not None else _identify(result)
    tab = ident.table
    todo = list(tab.loc[(tab["class"] != WELL) & (tab["metric"] == "roi"), "channel"])
    if not todo:
        return pd.DataFrame(columns=list(COLUMNS))
    cand = candidate_tests(result, todo, **kwargs)
    cand["meets_target"] = cand["precision_after"] <= target
    cand["cost"] = cand["spend_change"].abs()
    picks = []
    for ch in todo:
        c = cand[cand["channel"] == ch]
        ok = c[c["meets_target"]]
        best = (
            ok.sort_values(["cost", "weeks", "precision_after"]).iloc[0]
            if len(ok)
            else c.sort_values(["precision_after", "cost"]).iloc[0]
        )
        picks.append(best)
    out = pd.DataFrame(picks).reset_index(drop=True)
    out["class"] = [ident.classes[c] for c in out["channel"]]
    out["note"] = [experiment_note(r, target) for r in out.itertuples()]
    return out[list(COLUMNS)]


def _identify(result: FitResult) -> Identifiability:
    return identifiability(result)


def _simulate_designs(
    result: FitResult,
    j: int,
    base: np.ndarray,
    history: np.ndarray,
    changes: Sequence[float],
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Per draw: channel ``j``'s ROI over the data, its weekly contribution in the plan (S, W)
    and, per change, the weekly incremental KPI of the change (S, W)."""
    design = result.design
    spend = float(result.dataset.data["spend"].values[..., j].sum())
    rois: list[np.ndarray] = []
    contrib: list[np.ndarray] = []
    incs: list[list[np.ndarray]] = [[] for _ in changes]
    none, none_hist = base.copy(), history.copy()
    none[..., j] = 0.0
    none_hist[..., j] = 0.0
    for p in iter_params(result):
        eff = in_sample_effects(design, p)
        rois.append((eff.direct[..., j] + eff.via_earned[..., j]).sum(axis=(1, 2)) / spend)
        d0, v0 = simulate_window(result, base, p, history=history)
        y0 = (d0 + v0).sum(axis=(2, 3))
        dn, vn = simulate_window(result, none, p, history=none_hist)
        contrib.append(y0 - (dn + vn).sum(axis=(2, 3)))
        for k, change in enumerate(changes):
            act = base.copy()
            act[..., j] *= 1 + change
            d, v = simulate_window(result, act, p, history=history)
            incs[k].append((d + v).sum(axis=(2, 3)) - y0)
    return np.concatenate(rois), np.concatenate(contrib), [np.concatenate(x) for x in incs]


def _usable_se(se: float, lift: np.ndarray, contrib: np.ndarray) -> float:
    """Standard error of the part of a measured lift that calibration can use.

    A :class:`~mmm.model.spec.LiftTest` is on the channel's contribution over the window, so a
    measured change enters through the ratio ``k = contribution / lift``
    (:func:`lift_test`): its uncertainty, in lift units, adds to the measurement's. About
    nothing for going dark (k ≈ −1); a lot for spend increases when the saturation curve
    is uncertain.
    """
    ok = np.abs(lift) > 0
    if not ok.any():
        return float("inf")
    k = contrib[ok] / lift[ok]
    k_med = float(np.median(k))
    if k_med == 0:
        return float("inf")
    k_sd = float(np.diff(np.quantile(k, [0.16, 0.84]))[0] / 2)
    return float(np.hypot(se, float(np.mean(lift)) * k_sd / k_med))


def weekly_noise(result: FitResult) -> float:
    """Weekly national KPI noise in currency: each region's posterior-mean σ times its KPI level
    of the last 52 periods (independent regions add in quadrature)."""
    sigma = np.asarray(result.posterior["sigma"].mean(("chain", "draw")).values, dtype=float)
    kpi = result.dataset.data["kpi"].values.astype(float)
    if result.spec.likelihood == "lognormal":
        level = kpi[-TYPICAL_PERIODS:].mean(axis=0)
    else:
        level = result.design.kpi_scale
    return float(np.sqrt(np.sum((sigma * level) ** 2)))


def _precision(lo: float, hi: float, med: float) -> float:
    return float((hi - lo) / 2 / med) if med > 0 else float("inf")


# ---------------------------------------------------------------------- closing the loop
def window_change(
    result: FitResult, p: dict[str, np.ndarray], j: int, mask: np.ndarray, change: float
) -> np.ndarray:
    """Incremental national KPI (currency, (S, T)) of scaling channel ``j``'s input by ``1 + change`` in ``mask``.

    :func:`mmm.model.forward.spend_change_effect` on the fit's design, summed over regions.
    """
    return spend_change_effect(result.design, p, j, mask, change).sum(axis=2)


def lift_test(
    result: FitResult,
    channel: str,
    start: Any,
    end: Any,
    change: float,
    lift: float,
    se: float,
    draws: int = 500,
) -> LiftTest:
    """Turn a spend-change test's measured outcome into a :class:`~mmm.model.spec.LiftTest` for the next fit.

    Parameters
    ----------
    result : FitResult
        The current fit; its dataset must cover ``start``..``end`` (refit on the data that
        includes the test period first).
    channel : str
    start, end : date-like
        The test's first and last period (inclusive).
    change : float
        Relative spend change the test applied (−1 = go dark, 1 = +100%).
    lift : float
        Measured incremental KPI over the test weeks (negative for a go-dark test).
    se : float
        Its standard error (> 0).
    draws : int
        Posterior draws used for the conversion.

    Returns
    -------
    LiftTest
        ``lift`` = the channel's contribution over the window implied by the measurement,
        ``lift × median(C/L)`` where ``C`` is the model's contribution over the window and
        ``L`` the change's modelled incremental KPI; ``se`` adds the ratio's uncertainty.
    """
    design = result.design
    check_channels([channel], [c for c, m in zip(design.channels, design.media, strict=True)
                                if m != "earned"], "the lift test (paid and owned channels)")  # fmt: skip
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if not se > 0:
        raise ConfigError(f"Lift test for channel {channel!r}: se == {se}, must be > 0.")
    if start > end:
        raise ConfigError(
            f"Lift test for {channel!r}: end {end.date()} is before start {start.date()}."
        )
    mask = np.asarray((design.dates >= start) & (design.dates <= end))
    step = design.dates[1] - design.dates[0] if len(design.dates) > 1 else pd.Timedelta(0)
    if not mask.any() or start < design.dates[0] or end > design.dates[-1] + step:
        raise ConfigError(
            f"Lift test for {channel!r} runs {start.date()}..{end.date()}, outside the data "
            f"({design.dates[0].date()}..{design.dates[-1].date()}); tests must fall inside the modelled period."
        )
    if change == 0 or change < -1:
        raise ValueError(f"change == {change}; must be >= -1 (go dark) and not 0.")
    j = design.index(channel)
    if design.x[mask, :, j].sum() <= 0:
        raise ValueError(
            f"{channel!r} has no activity in {start.date()}..{end.date()}: a spend change there measures nothing."
        )
    ratios = []
    for p in iter_params(result.thin(draws)):
        eff = in_sample_effects(design, p)
        contrib = (eff.direct[..., j] + eff.via_earned[..., j])[:, mask].sum(axis=(1, 2))
        inc = window_change(result, p, j, mask, change)[:, mask].sum(axis=1)
        ratios.append(contrib / inc)
    k = np.concatenate(ratios)
    k_med = float(np.median(k))
    k_sd = float(np.diff(np.quantile(k, [0.16, 0.84]))[0] / 2)
    return LiftTest(
        channel, start, end, float(lift * k_med), float(np.hypot(se * k_med, lift * k_sd))
    )


def synthetic_lift(
    brand: SyntheticBrand,
    channel: str,
    start: Any,
    end: Any,
    change: float,
    se: float = 0.0,
    seed: int = 0,
) -> float:
    """The measured outcome of a spend-change test on a synthetic brand: truth plus N(0, se) noise.

    The truth is the noise-free KPI with the channel's input scaled by ``1 + change`` in
    ``start``..``end`` minus the KPI as observed, summed over those weeks
    (:meth:`~mmm.data.synthetic.SyntheticBrand.expected_kpi`, earned media recomputed).
    """
    col = brand.channel_map.channel(channel).input_column
    dates = pd.DatetimeIndex(pd.to_datetime(brand.data[brand.channel_map.date]))
    mask = np.asarray((dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end)))
    changed = brand.data.copy()
    changed[col] = changed[col].astype(float)
    changed.loc[mask, col] *= 1 + change
    true = float((brand.expected_kpi(changed) - brand.expected_kpi(brand.data))[mask].sum())
    return true + (float(np.random.default_rng(seed).normal(0.0, se)) if se > 0 else 0.0)


def busiest_window(
    result: FitResult, channel: str, weeks: int, within: int = TYPICAL_PERIODS
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``weeks`` consecutive periods among the last ``within`` with the most spend on ``channel``."""
    design = result.design
    j = design.index(channel)
    spend = result.dataset.data["spend"].values[:, :, j].sum(axis=1).astype(float)
    n = len(spend)
    first = max(0, n - max(within, weeks))
    sums = [spend[s : s + weeks].sum() for s in range(first, n - weeks + 1)]
    s = first + int(np.argmax(sums))
    return design.dates[s], design.dates[s + weeks - 1]


def simulate_recommended_tests(
    result: FitResult,
    brand: SyntheticBrand,
    table: pd.DataFrame,
    seed: int = 0,
    noisy: bool = True,
) -> tuple[LiftTest, ...]:
    """Run the recommended tests of ``table`` on the synthetic brand, inside the data window.

    Lift tests must fall inside the modelled period, so each test is placed on the
    ``weeks`` periods of the last year where the channel spent most (a test run on
    spend it did not have would measure nothing); the national spend series are left as
    observed (a geo test in half the regions, scaled to national). Its outcome is the
    generator's truth (:func:`synthetic_lift`) plus noise of the recommended ``lift_se``
    (``noisy=False``: the expected outcome, the truth itself, still reported with that
    standard error), converted with :func:`lift_test`.
    """
    tests = []
    for k, row in enumerate(table.itertuples()):
        start, end = busiest_window(result, row.channel, int(row.weeks))
        se = row.lift_se if noisy else 0.0
        measured = synthetic_lift(brand, row.channel, start, end, row.change, se, seed + k)
        tests.append(lift_test(result, row.channel, start, end, row.change, measured, row.lift_se))
    return tuple(tests)


# ---------------------------------------------------------------------- wording
def design_label(change: float, weeks: int) -> str:
    """``"go dark for 6 weeks"`` / ``"+100% spend for 6 weeks"``."""
    unit = "week" if weeks == 1 else "weeks"
    if change <= -1:
        return f"go dark for {weeks} {unit}"
    return f"{change:+.0%} spend for {weeks} {unit}"


def experiment_note(row: Any, target: float) -> str:
    """One sentence on what the recommended test will and will not settle."""
    if row.meets_target:
        return (
            f"Expected to narrow {row.channel}'s ROI to about ±{row.precision_after:.0%} "
            f"(now ±{row.precision_now:.0%})."
        )
    if row.precision_after > 0.9 * row.precision_now:
        return (
            f"No test of this kind narrows {row.channel}'s ROI much at the current noise level "
            f"(±{row.precision_now:.0%} now, ±{row.precision_after:.0%} after): its effect is "
            "too small to measure against weekly sales noise; a geo test with matched regions "
            "(less noise) or accepting it as unmeasured are the options."
        )
    return (
        f"The best test within {int(row.weeks)} weeks narrows {row.channel}'s ROI from "
        f"±{row.precision_now:.0%} to about ±{row.precision_after:.0%}, short of the "
        f"±{target:.0%} target; repeat it or run it in more regions to get closer."
    )
