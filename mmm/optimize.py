"""Budget optimiser: split next quarter's paid budget where the posterior's marginal ROI says so.

:func:`optimize_budget` turns a :class:`~mmm.results.FitResult` and a :class:`BudgetScenario`
into an :class:`Allocation`: current vs recommended spend per paid channel, marginal ROI
before and after, each plan's expected incremental revenue and the uplift with its 90%
interval and the probability that the new plan beats the current one.
:func:`evaluate_plan` values a given plan (what-if) with the same outputs.

* **Current plan**: each paid channel's spend over the last ``weeks`` periods, flighted on
  the window like the same weeks one year earlier (or, without them, the last ``weeks``).
  A plan is one total per paid channel with that channel's weekly shape. Paid channels
  with an activity column get ``activity = spend × activity/spend`` of those weeks; owned
  channels keep their recent activity; earned media is predicted from its sources, so
  social channels are credited with the earned media they generate.
* **Incremental revenue** per posterior sample: media effect over the window and
  ``2 × (max_lag - 1)`` carry-over periods after it, minus the same without paid spend in
  the window. It equals :func:`mmm.attribution.simulate_window` summed (tested), computed
  through the linearity of adstock so values and exact gradients are cheap.
* **Solver**: SciPy SLSQP from the current plan, on the posterior mean or, with
  ``risk="lower"``, on mean − 1.645 sd of the uplift; convergence is checked and reported.

>>> alloc = optimize_budget(result, BudgetScenario(max_change=0.3))  # doctest: +SKIP
>>> alloc.headline  # doctest: +SKIP
'Move ¥3.6M from search and tv to douyin and weibo: +¥1.8M expected revenue (…)'
"""

from __future__ import annotations

import html
import json
import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from mmm.attribution import iter_params
from mmm.design import adstock_series, channel_saturation, channel_weights
from mmm.exceptions import ScenarioError, list_some
from mmm.forecast import future_dates
from mmm.transforms import lag_matrix

if TYPE_CHECKING:
    from mmm.results import FitResult

PROB = 0.9
#: ``risk="lower"`` maximises mean − Z_LOWER × sd of the uplift (normal 5% quantile)
Z_LOWER = 1.645
OBJECTIVES = ("revenue", "profit", "target_roi")
RISKS = ("mean", "lower")
#: columns of ``allocation.csv``; ``Allocation.table`` adds locked, lower_bound, upper_bound
CSV_COLUMNS = ("channel", "media", "social", "current_spend", "recommended_spend", "change",
               "change_pct", "mroi_current", "mroi_recommended")  # fmt: skip
#: latest start of the window, in periods after the data
MAX_GAP = 104


class SolverWarning(UserWarning):
    """The budget optimiser did not converge; the recommendation must not be trusted as is."""


# ---------------------------------------------------------------------- scenario
@dataclass(frozen=True, eq=False)
class BudgetScenario:
    """What to optimise: window, budget, per-channel bounds, locks and objective.

    Parameters
    ----------
    weeks : int
        Length of the planning window in periods (13 = a quarter of weeks).
    start : date-like, optional
        First period of the window (on the data's calendar); default the one after the data.
    budget : float, optional
        Total paid spend over the window; default the last ``weeks`` periods' paid spend.
    max_change : float
        Default bounds: each channel within ``current × (1 ± max_change)``.
    bounds : mapping, optional
        Absolute ``channel → (min, max)`` totals over the window; None keeps that default side.
    locked : sequence of str
        Channels held at their current spend.
    objective : {"revenue", "profit", "target_roi"}
        Maximise expected incremental revenue, spending the budget; or profit
        ``revenue × margin − spend``, spending at most the budget; or the most revenue
        whose overall ROI stays ≥ ``target_roi``, spending at most the budget.
    margin : float, optional
        Gross margin in (0, 1]; required for ``objective="profit"``.
    target_roi : float, optional
        Required for ``objective="target_roi"``.
    risk : {"mean", "lower"}
        Optimise the posterior mean, or the lower 5% bound of the uplift (normal approx.).
    flighting : DataFrame, optional
        Weekly shape: ``weeks`` rows, columns = paid channels (others keep the seasonal
        shape); each column is normalised to sum to 1.
    n_draws : int
        Posterior samples used (a seeded subset when the fit has more).
    seed : int, optional
        Seed of that subset; default the fit's seed.
    """

    weeks: int = 13
    start: Any = None
    budget: float | None = None
    max_change: float = 0.3
    bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    locked: Sequence[str] = ()
    objective: Literal["revenue", "profit", "target_roi"] = "revenue"
    margin: float | None = None
    target_roi: float | None = None
    risk: Literal["mean", "lower"] = "mean"
    flighting: pd.DataFrame | None = None
    n_draws: int = 1000
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "locked", tuple(self.locked))
        object.__setattr__(self, "bounds", dict(self.bounds))
        self._validate_numbers()
        self._validate_objective()
        self._validate_bounds()

    def _validate_numbers(self) -> None:
        budget, change = self.budget, self.max_change
        checks = [
            (isinstance(self.weeks, int) and self.weeks >= 1, f"weeks == {self.weeks!r}, must be an integer >= 1."),
            (budget is None or (math.isfinite(budget) and budget > 0), f"budget == {budget!r}, must be > 0 (paid spend over the window)."),
            (math.isfinite(change) and change >= 0, f"max_change == {change!r}, must be >= 0 (0.3 = ±30%)."),
            (self.n_draws >= 1, f"n_draws == {self.n_draws!r}, must be >= 1."),
        ]  # fmt: skip
        for ok, msg in checks:
            if not ok:
                raise ScenarioError(msg)

    def _validate_objective(self) -> None:
        obj, margin, target = self.objective, self.margin, self.target_roi
        checks = [
            (obj in OBJECTIVES, f"objective == {obj!r}; allowed: {', '.join(OBJECTIVES)}."),
            (self.risk in RISKS, f"risk == {self.risk!r}; allowed: {', '.join(RISKS)}."),
            (margin is None or 0 < margin <= 1, f"margin == {margin!r}, must be in (0, 1] (0.4 = 40%)."),
            (obj != "profit" or margin is not None, "objective='profit' needs margin in (0, 1], e.g. 0.4."),
            (obj != "target_roi" or (target or 0) > 0, f"objective='target_roi' needs target_roi > 0; got {target!r}."),
        ]  # fmt: skip
        for ok, msg in checks:
            if not ok:
                raise ScenarioError(msg)

    def _validate_bounds(self) -> None:
        for ch, (lo, hi) in self.bounds.items():
            if min(lo or 0, hi or 0) < 0 or (lo is not None and hi is not None and lo > hi):
                msg = f"bounds[{ch!r}] == {(lo, hi)!r}; need 0 <= min <= max (totals over the window)."
                raise ScenarioError(msg)


# ---------------------------------------------------------------------- allocation
@dataclass(frozen=True, eq=False)
class Allocation:
    """Current vs recommended split of the paid budget, with uncertainty.

    ``table`` has one row per paid channel: spend totals over the window in currency
    (``current_spend``, ``recommended_spend``, ``change``, ``change_pct``), the marginal
    ROI at each plan (extra expected revenue per extra unit of spend), ``locked`` and the
    bounds. ``revenue_*`` are (mean, lower, upper) of each plan's expected incremental
    revenue; ``uplift_*`` of their difference, ``uplift_draws`` per posterior sample;
    ``prob_improvement`` is the probability that the new plan beats the current one on the
    objective (profit for ``objective="profit"``, else revenue). ``weekly_*`` hold the
    plans' spend per period (index: date, columns: channel).
    """

    table: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    weeks: int
    budget: float
    objective: str
    risk: str
    revenue_current: tuple[float, float, float]
    revenue_recommended: tuple[float, float, float]
    uplift_mean: float
    uplift_lower: float
    uplift_upper: float
    prob_improvement: float
    uplift_draws: np.ndarray
    group_totals: pd.DataFrame
    solver: dict[str, Any]
    headline: str
    weekly_current: pd.DataFrame
    weekly_recommended: pd.DataFrame
    currency: str = "¥"
    mode: str = "optimized"
    margin: float | None = None
    profit_uplift: tuple[float, float, float] | None = None
    prob: float = PROB

    def to_dataframe(self) -> pd.DataFrame:
        """The per-channel table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: window, totals, revenue, uplift, probability, solver, groups, channels."""
        t = self.table
        uplift = (self.uplift_mean, self.uplift_lower, self.uplift_upper)
        return {
            "mode": self.mode,
            "objective": self.objective,
            "risk": self.risk,
            "margin": self.margin,
            "currency": self.currency,
            "window": {"start": _iso(self.start), "end": _iso(self.end), "weeks": self.weeks},
            "budget": _num(self.budget),
            "totals": {
                k: _num(t[k].sum()) for k in ("current_spend", "recommended_spend", "change")
            },
            "revenue_current": _trio(self.revenue_current),
            "revenue_recommended": _trio(self.revenue_recommended),
            "uplift": {**_trio(uplift), "prob": self.prob},
            "prob_improvement": _num(self.prob_improvement),
            "profit_uplift": None if self.profit_uplift is None else _trio(self.profit_uplift),
            "solver": {k: _num(v) if isinstance(v, float) else v for k, v in self.solver.items()},
            "headline": self.headline,
            "groups": json.loads(self.group_totals.to_json(orient="records", force_ascii=False)),
            "channels": json.loads(t.to_json(orient="records", force_ascii=False)),
        }

    def _formatted(self) -> pd.DataFrame:
        t = self.table[list(CSV_COLUMNS)].copy()
        for c in ("current_spend", "recommended_spend", "change"):
            t[c] = [_money(v, self.currency) for v in t[c]]
        t["change_pct"] = [f"{v:+.0%}" if np.isfinite(v) else "n/a" for v in t["change_pct"]]
        return t.round(2)

    def __str__(self) -> str:
        ok = "converged" if self.solver.get("success") else "DID NOT CONVERGE"
        return (
            f"{self.headline}\nWindow {_iso(self.start)}..{_iso(self.end)} ({self.weeks} periods), "
            f"budget {_money(self.budget, self.currency)}, objective {self.objective} ({self.risk}); "
            f"solver {ok}: {self.solver.get('message', '')}\n{self._formatted().to_string(index=False)}"
        )

    def _repr_html_(self) -> str:
        ok = self.solver.get("success")
        warn = "" if ok else "<p><strong>The optimiser did not converge.</strong></p>"
        table = self._formatted().to_html(index=False)
        return f"<div><p><strong>{html.escape(self.headline)}</strong></p>{warn}{table}</div>"


def _iso(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).date().isoformat()


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _trio(v: Sequence[float]) -> dict[str, float | None]:
    return {k: _num(x) for k, x in zip(("mean", "lower", "upper"), v, strict=True)}


# ---------------------------------------------------------------------- wording
def _money(v: float, currency: str = "¥") -> str:
    """``¥1.2M``, ``¥350K``, ``-¥2.5B``: short currency amounts for people."""
    if not np.isfinite(v):
        return "n/a"
    sign, a = ("-" if v < 0 else ""), abs(float(v))
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size * 0.9995:  # so that 999,999 reads ¥1.0M, not ¥1000K
            num = a / size
            return f"{sign}{currency}{num:.{1 if num < 99.95 else 0}f}{suffix}"
    return f"{sign}{currency}{a:.0f}"


def _names(channels: Sequence[str]) -> str:
    items = list(channels)
    if len(items) > 3:
        items = [*items[:3], f"{len(channels) - 3} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def headline_text(table: pd.DataFrame, uplift: tuple[float, float, float], prob_improvement: float, *,
                  currency: str = "¥", prob: float = PROB, mode: str = "optimized", solver_ok: bool = True,
                  measure: str = "revenue", revenue_change: float | None = None) -> str:  # fmt: skip
    """One sentence for people: what moves where, what it is worth, how sure we are.

    ``uplift`` is (mean, lower, upper) of the change in ``measure`` ("revenue" or
    "profit"); ``revenue_change`` adds the expected revenue change when the measure is profit.

    >>> t = pd.DataFrame({"channel": ["tv", "douyin"], "change": [-1.2e6, 1.2e6]})
    >>> headline_text(t, (9e5, 3e5, 1.5e6), 0.87)
    'Move ¥1.2M from tv to douyin: +¥900K expected revenue (90% interval ¥300K to ¥1.5M), 87% probability of improvement.'
    """
    warn = "" if solver_ok else "WARNING: the optimiser did not converge; check before use. "
    tol = 1e-3 * max(float(table["change"].abs().sum()), 1.0)
    cut = table[table["change"] < -tol].sort_values("change")
    add = table[table["change"] > tol].sort_values("change", ascending=False)
    what_if = mode != "optimized"
    if cut.empty and add.empty:
        keep = f"Keep the current split: no move within the bounds is expected to add {measure}."
        return warn + ("The plan matches the current one." if what_if else keep)
    if cut.empty or add.empty:
        total = float(table["change"].sum())
        word = ("Adding" if what_if else "Add") if total > 0 else ("Cutting" if what_if else "Cut")
        names = _names(list((add if total > 0 else cut)["channel"]))
        move = f"{word} {_money(abs(total), currency)} {'to' if total > 0 else 'from'} {names}"
    else:
        moved = min(float(add["change"].sum()), float(-cut["change"].sum()))
        names = f"from {_names(list(cut['channel']))} to {_names(list(add['channel']))}"
        move = f"{'Moving' if what_if else 'Move'} {_money(moved, currency)} {names}"
    m, lo, hi = uplift
    signed = ("+" if m >= 0 else "-") + _money(abs(m), currency)
    extra = ""
    if revenue_change is not None:
        extra = f" (expected revenue {'+' if revenue_change >= 0 else '-'}{_money(abs(revenue_change), currency)})"
    return (
        f"{warn}{move}: {signed} expected {measure} ({prob:.0%} interval {_money(lo, currency)} to "
        f"{_money(hi, currency)}), {prob_improvement:.0%} probability of improvement{extra}."
    )


# ---------------------------------------------------------------------- problem set-up
@dataclass(frozen=True, eq=False)
class _Problem:
    """The scenario resolved against the data (paid channels only, totals over the window)."""

    channels: tuple[str, ...]
    index: np.ndarray  # positions of the paid channels among all channels (sorted)
    dates: pd.DatetimeIndex  # window
    gap: int  # periods between the data and the window
    n: int  # horizon: gap + window + tail
    current: np.ndarray  # (P,) current totals
    ratio: np.ndarray  # (P,) activity per unit of spend
    shape: np.ndarray  # (W, P) weekly shape, columns sum to 1
    fixed: np.ndarray  # (n, C) activity that no plan changes (original units)
    lower: np.ndarray
    upper: np.ndarray
    locked: np.ndarray  # (P,) bool
    budget: float


def _unknown(names: Sequence[str], allowed: Sequence[str], what: str) -> None:
    bad = [n for n in names if n not in allowed]
    if bad:
        msg = f"Unknown channel(s) {list_some(bad)} in {what}; paid channels are {list_some(allowed, 20)}."
        raise ScenarioError(msg)


def _shape(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Columns of ``values`` normalised to sum 1; all-zero columns take ``fallback``'s, then flat."""
    out = np.full(values.shape, 1.0 / len(values))
    for j in range(values.shape[1]):
        for v in (values[:, j], fallback[:, j]):
            if v.sum() > 0:
                out[:, j] = v / v.sum()
                break
    return out


def _window(result: FitResult, sc: BudgetScenario) -> tuple[int, pd.DatetimeIndex]:
    """Periods between the data and the window, and the window's dates."""
    ds, w = result.dataset, sc.weeks
    if w > ds.n_periods:
        raise ScenarioError(
            f"weeks == {w} is longer than the data ({ds.n_periods} periods); allowed: 1..{ds.n_periods}."
        )
    cal = future_dates(result, MAX_GAP + w)
    if sc.start is None:
        return 0, cal[:w]
    start = pd.Timestamp(sc.start)
    if start <= ds.dates[-1]:
        raise ScenarioError(
            f"The planning window starts {_iso(start)}, before the data ends ({_iso(ds.dates[-1])}); allowed: {_iso(cal[0])} or later."
        )
    if start not in cal[: MAX_GAP + 1]:
        raise ScenarioError(
            f"start == {_iso(start)} is not a period of the data's calendar; allowed: {_iso(cal[0])}, {_iso(cal[1])}, … {_iso(cal[MAX_GAP])}."
        )
    gap = int(cal.get_loc(start))
    return gap, cal[gap : gap + w]


def _prepare(result: FitResult, sc: BudgetScenario) -> _Problem:
    """Validate the scenario against the data; current plan, shapes, fixed activity and bounds."""
    ds, design = result.dataset, result.design
    paid = tuple(c for c, m in zip(design.channels, design.media, strict=True) if m == "paid")
    if not paid:
        raise ScenarioError("The model has no paid channel, so there is no budget to split.")
    _unknown(list(sc.locked), paid, "locked")
    _unknown(list(sc.bounds), paid, "bounds")
    _unknown([] if sc.flighting is None else [str(c) for c in sc.flighting], paid, "flighting")
    if set(paid) <= set(sc.locked):
        raise ScenarioError(
            f"Every paid channel is locked ({list_some(paid)}); unlock at least one."
        )
    gap, dates = _window(result, sc)
    n_obs, w, n = ds.n_periods, sc.weeks, gap + sc.weeks + 2 * (design.max_lag - 1)
    spend, act = ds.data["spend"].values, ds.data["activity"].values
    ref = slice(n_obs - w, n_obs)  # the last `weeks` periods
    season = np.arange(n_obs + gap, n_obs + gap + w) - round(ds.periods_per_year)
    seasonal = season[0] >= 0 and season[-1] < n_obs
    shape_all = _shape(act[season] if seasonal else act[ref], act[ref])  # (W, C)
    idx = np.array([design.index(c) for c in paid])
    current = spend[ref][:, idx].sum(axis=0)
    ratio = np.ones(len(paid))  # activity per unit of spend: the reference weeks, else all data
    for rows in (slice(None), ref):
        s, a = spend[rows][:, idx].sum(axis=0), act[rows][:, idx].sum(axis=0)
        ratio = np.where(s > 0, a / np.where(s > 0, s, 1.0), ratio)
    shape = shape_all[:, idx]
    if sc.flighting is not None:
        vals = sc.flighting.to_numpy(dtype=float)
        if len(vals) != w or (vals < 0).any() or not np.isfinite(vals).all():
            msg = f"flighting has {len(vals)} rows; need one per period of the window ({w}), finite and >= 0."
            raise ScenarioError(msg)
        shape[:, [paid.index(str(c)) for c in sc.flighting]] = _shape(vals, vals)
    # activity no plan changes: paid during the gap at the current weekly level, owned at
    # their recent level (seasonal shape inside the window); earned is predicted
    level = act[ref].sum(axis=0)
    fixed = np.zeros((n, ds.n_channels))
    for j, media in enumerate(design.media):
        if media == "paid":
            fixed[:gap, j] = level[j] / w
        elif media == "owned":
            fixed[:, j] = level[j] / w
            fixed[gap : gap + w, j] = level[j] * shape_all[:, j]
    lower, upper = _bounds(sc, paid, current)
    budget = float(current.sum()) if sc.budget is None else float(sc.budget)
    if budget <= 0:
        raise ScenarioError(
            f"The last {w} periods have no paid spend, so the default budget is 0; pass budget > 0."
        )
    lo_sum, hi_sum, cur = float(lower.sum()), float(upper.sum()), ds.channel_map.currency
    revenue = sc.objective == "revenue"
    if budget < lo_sum * (1 - 1e-12) or (revenue and budget > hi_sum * (1 + 1e-12)):
        allowed = (
            f"between {_money(lo_sum, cur)} and {_money(hi_sum, cur)}"
            if revenue
            else f"at least {_money(lo_sum, cur)}"
        )
        raise ScenarioError(
            f"budget == {budget:,.0f} cannot be met within the channel bounds and locks: over the {w}-period "
            f"window they allow a total {allowed} ({lo_sum:,.0f}..{hi_sum:,.0f}). Change the budget, widen "
            f"max_change (now {sc.max_change}) or set per-channel bounds."
        )
    locked = np.array([c in sc.locked for c in paid])
    return _Problem(
        paid, idx, dates, gap, n, current, ratio, shape, fixed, lower, upper, locked, budget
    )


def _bounds(
    sc: BudgetScenario, paid: tuple[str, ...], current: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (min, max) totals: ±max_change, absolute overrides, locks at current."""
    lower, upper = current * max(0.0, 1 - sc.max_change), current * (1 + sc.max_change)
    for ch, (lo, hi) in sc.bounds.items():
        k = paid.index(ch)
        lower[k], upper[k] = (lower[k] if lo is None else lo), (upper[k] if hi is None else hi)
        if lower[k] > upper[k]:
            raise ScenarioError(
                f"bounds[{ch!r}] == {(lo, hi)!r} leaves min > max with the default ±{sc.max_change:.0%} "
                f"side ({lower[k]:,.0f} > {upper[k]:,.0f})."
            )
    locked = np.array([c in sc.locked for c in paid])
    lower[locked] = upper[locked] = current[locked]
    return lower, upper


def _draws(result: FitResult, sc: BudgetScenario) -> dict[str, np.ndarray]:
    """A seeded subset of at most ``n_draws`` posterior samples (leading axis: sample)."""
    p = next(iter_params(result, chunk=result.n_samples))
    n = p["beta"].shape[0]
    if n <= sc.n_draws:
        return p
    seed = result.spec.seed if sc.seed is None else sc.seed
    keep = np.sort(np.random.default_rng(seed).choice(n, sc.n_draws, replace=False))
    return {k: v[keep] for k, v in p.items()}


# ---------------------------------------------------------------------- response
class _Response:
    """Posterior media effect of plans over the horizon, per sample, with gradients.

    Adstock is linear, so a paid channel's adstocked input is ``A + x_c × B_c`` (A: history
    and fixed activity, B: the plan's shape per unit of spend). Channels no plan changes
    (owned) are saturated once; per plan only the paid channels and the earned path they
    feed are evaluated, with exact derivatives by the complex step.
    """

    def __init__(self, result: FitResult, prob: _Problem, params: dict[str, np.ndarray]) -> None:
        design = self.design = result.design
        self.prob, self.p, self.kpi = prob, params, design.kpi_scale
        lag, s = design.max_lag, params["beta"].shape[0]
        self.weights = np.zeros((s, len(design.channels), lag))
        for g in design.adstock_groups:
            prm = {k: params[g.param_name(k)] for k in g.transform.params}
            w = g.transform.raw_weights(np, **prm) * design.lag_mask[g.index]
            self.weights[:, g.index, :] = w / w.sum(axis=-1, keepdims=True)
        hist = result.dataset.data["activity"].values / design.input_scale
        lagged = lag_matrix(prob.fixed / design.input_scale, lag, history=hist if lag > 1 else None)
        a = np.einsum("tcl,scl->stc", lagged, self.weights)
        sat_fixed = np.empty_like(a)
        self.groups = []  # saturation of the paid channels: (positions among them, transform, params)
        for g in design.saturation_groups:
            prm = {k: params[g.param_name(k)][:, None, :] for k in g.transform.params}
            sat_fixed[..., g.index] = g.transform.apply(np, a[..., g.index], **prm)
            paid = np.isin(g.index, prob.index)
            pos = np.searchsorted(prob.index, g.index[paid])
            self.groups.append((pos, g.transform, {k: v[..., paid] for k, v in prm.items()}))
        self.a, self.beta = a[:, :, prob.index], params["beta"][:, prob.index]
        owned = np.array([m == "owned" for m in design.media])  # not changed by any plan
        self.base = self.kpi * np.einsum("stc,sc->s", sat_fixed, params["beta"] * owned)
        t_future = design.t[-1] + np.arange(1, prob.n + 1) / max(len(design.t) - 1, 1)
        self.earned = []
        for e, sources in design.earned.items():
            if not sources:
                continue  # an earned channel without sources does not depend on the plan
            ei, gain = design.index(e), params[f"{e}_gain"]
            drift = np.exp(params[f"{e}_drift"][:, None] * t_future[None, :])
            m = params[f"{e}_organic"][:, None] * drift  # organic + what owned sources generate
            links = []  # (source k, paid position j)
            for k, c in enumerate(design.index(src) for src in sources):
                if c in prob.index:
                    links.append((k, int(np.searchsorted(prob.index, c))))
                else:
                    m = m + gain[:, k : k + 1] * sat_fixed[:, :, c]
            m_hist = np.broadcast_to(design.x[len(design.x) - lag + 1 :, ei], (s, lag - 1))
            we = channel_weights(np, design, params, e)
            self.earned.append((e, ei, links, gain, m, m_hist, we))

    def basis(self, shape: np.ndarray) -> np.ndarray:
        """B (sample, period, paid channel): adstocked scaled input per unit of spend."""
        prob, design = self.prob, self.design
        u = np.zeros((prob.n, len(prob.index)))
        u[prob.gap : prob.gap + len(shape)] = shape * prob.ratio / design.input_scale[prob.index]
        lagged = lag_matrix(u, design.max_lag)
        return np.einsum("tcl,scl->stc", lagged, self.weights[:, prob.index])

    def _sat(self, z: np.ndarray) -> np.ndarray:
        if len(self.groups) == 1:  # one saturation family for every paid channel
            _, tr, prm = self.groups[0]
            return tr.apply(np, z, **prm)
        out = np.empty_like(z)
        for pos, tr, prm in self.groups:
            out[..., pos] = tr.apply(np, z[..., pos], **prm)
        return out

    def evaluate(
        self, x: np.ndarray, b: np.ndarray, grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Media effect (currency) of plan totals ``x``: per sample (S,) and, with ``grad``, d/dx (S, P)."""
        kpi, lag, design = self.kpi, self.design.max_lag, self.design
        sat, dsat = _with_slope(self._sat, self.a + b * x, grad)
        total = self.base + kpi * np.einsum("stc,sc->s", sat, self.beta)
        g = (
            kpi * self.beta * np.einsum("stc,stc->sc", dsat, b)
            if grad
            else np.zeros_like(self.beta)
        )
        for e, ei, links, gain, m_fixed, m_hist, we in self.earned:
            m = m_fixed + sum(
                (gain[:, k : k + 1] * sat[:, :, j] for k, j in links), np.zeros_like(m_fixed)
            )
            ze = adstock_series(np, np.concatenate([m_hist, m], axis=1), we, lag)[:, -self.prob.n :]
            se, dse = _with_slope(partial(channel_saturation, np, design, self.p, e), ze, grad)
            beta_e = self.p["beta"][:, ei : ei + 1]
            total = total + kpi * (beta_e * se).sum(axis=1)
            for k, j in links if grad else ():
                q = gain[:, k : k + 1] * dsat[:, :, j] * b[:, :, j]
                g[:, j] += kpi * (beta_e * dse * adstock_series(np, q, we, lag)).sum(axis=1)
        return total, g


def _with_slope(
    f: Callable[[np.ndarray], np.ndarray], z: np.ndarray, grad: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A saturation curve's values and (with ``grad``) elementwise derivative by the complex step."""
    if not grad:
        return f(z), np.zeros(0)
    with np.errstate(all="ignore"):
        out = f(z + 1e-30j)
    d = out.imag / 1e-30
    return out.real, np.where(np.isfinite(d), d, 0.0)


# ---------------------------------------------------------------------- solving
def _fit_total(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float, equal: bool
) -> np.ndarray:
    """``x`` within bounds, moved linearly toward them to sum to ``total`` (at most, unless ``equal``)."""
    x = np.clip(x, lo, hi)
    s = x.sum()
    if s > total and s > lo.sum():
        x = x - (x - lo) * min(1.0, (s - total) / (s - lo.sum()))
    elif equal and s < total and hi.sum() > s:
        x = x + (hi - x) * min(1.0, (total - s) / (hi.sum() - s))
    x = np.clip(x, lo, hi)
    if x.sum() > total:  # rounding: take the excess from the channel with most room
        k = int(np.argmax(x - lo))
        x[k] = max(lo[k], x[k] - (x.sum() - total))
    return x


def _solve(
    prob: _Problem, resp: _Response, b: np.ndarray, sc: BudgetScenario, r_cur: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """SLSQP over the free channels' totals (in units of the budget), from the current plan."""
    budget, equal, target = prob.budget, sc.objective == "revenue", sc.target_roi or 0.0
    free = prob.upper - prob.lower > 1e-9 * budget
    base = np.where(free, 0.0, prob.lower)  # locked and pinned channels
    if not free.any():
        return base, {
            "success": True,
            "iterations": 0,
            "message": "nothing to optimise: every channel is locked or pinned",
        }
    room, lo, hi = budget - base.sum(), prob.lower[free], prob.upper[free]
    r_zero = resp.evaluate(np.zeros_like(base), b)[0].mean()
    cache: dict[bytes, tuple[float, np.ndarray, float, np.ndarray]] = {}

    def calc(y: np.ndarray) -> tuple[float, np.ndarray, float, np.ndarray]:
        """-utility and its gradient; ROI-constraint value and gradient (per unit of budget)."""
        if y.tobytes() not in cache:
            x = base.copy()
            x[free] = y * budget
            r, g = resp.evaluate(x, b, grad=True)
            u, du = r.mean(), g.mean(axis=0)
            if sc.risk == "lower":
                d = r - r_cur
                sd = math.sqrt(d.var() + (1e-6 * budget) ** 2)
                u, du = (
                    d.mean() - Z_LOWER * sd,
                    du - Z_LOWER * ((d - d.mean()) @ (g - du)) / (len(d) * sd),
                )
            if sc.objective == "profit":
                u, du = (sc.margin or 1.0) * u - x.sum(), (sc.margin or 1.0) * du - 1.0
            roi = (r.mean() - r_zero - target * x.sum()) / budget
            cache.clear()
            cache[y.tobytes()] = (-u / budget, -du[free], roi, g.mean(axis=0)[free] - target)
        return cache[y.tobytes()]

    sign = 1.0 if equal else -1.0
    cons = [
        {
            "type": "eq" if equal else "ineq",
            "fun": lambda y: sign * (y.sum() - room / budget),
            "jac": lambda y: sign * np.ones_like(y),
        }
    ]
    if sc.objective == "target_roi":
        least = prob.lower.sum()
        best = (resp.evaluate(prob.lower, b)[0].mean() - r_zero) / least if least > 0 else np.inf
        if best < target:
            raise ScenarioError(
                f"target_roi == {target} cannot be reached within the bounds: spending the least they allow "
                f"gives an ROI of about {best:.2f}. Lower the target or widen the bounds."
            )
        cons.append({"type": "ineq", "fun": lambda y: calc(y)[2], "jac": lambda y: calc(y)[3]})
    y0 = _fit_total(prob.current[free], lo, hi, room, equal) / budget
    bounds = list(zip(lo / budget, hi / budget, strict=True))
    opts = {"maxiter": 500, "ftol": 1e-10}
    res = minimize(
        lambda y: calc(y)[:2],
        y0,
        jac=True,
        method="SLSQP",
        bounds=bounds,
        constraints=cons,
        options=opts,
    )
    y = _fit_total(res.x * budget, lo, hi, room, equal) / budget
    ok, msg = bool(res.success), str(res.message)
    if sc.objective == "target_roi" and calc(y)[2] < -1e-6:
        ok, msg = False, f"the plan misses target ROI {target} ({msg})"
    elif sc.objective != "target_roi" and calc(y)[0] > calc(y0)[0] + 1e-9:
        y, msg = y0, f"{msg}; the solver's plan was worse than the current one, which is kept"
    x = base.copy()
    x[free] = y * budget
    return x, {"success": ok, "message": msg, "iterations": int(getattr(res, "nit", 0))}


# ---------------------------------------------------------------------- public API
def current_spend(result: FitResult, scenario: BudgetScenario | None = None) -> pd.Series:
    """Current plan: each paid channel's spend over the last ``weeks`` periods (index: channel).

    Handy for what-if plans, e.g. move 20% of TV to Weibo::

        cur = current_spend(result)
        evaluate_plan(result, {"tv": cur["tv"] * 0.8, "weibo": cur["weibo"] + cur["tv"] * 0.2})
    """
    prob = _prepare(result, scenario or BudgetScenario())
    index = pd.Index(prob.channels, name="channel")
    return pd.Series(prob.current, index=index, name="current_spend")


def optimize_budget(result: FitResult, scenario: BudgetScenario | None = None) -> Allocation:
    """Recommend the split of the paid budget across channels for the planning window.

    Parameters
    ----------
    result : FitResult
        A fitted model.
    scenario : BudgetScenario, optional
        Window, budget, bounds, locks, objective; default: next 13 periods, the last 13
        periods' paid spend, ±30% per channel, maximise expected incremental revenue.

    Returns
    -------
    Allocation
        Current vs recommended spend and their expected revenue with uncertainty.
        ``solver["success"]`` is False (with a :class:`SolverWarning`) if SLSQP failed.

    Raises
    ------
    ScenarioError
        Budget ≤ 0, bounds that cannot sum to the budget, every channel locked, a window
        before the data ends, unknown channel names, an unreachable target ROI.
    """
    sc = scenario or BudgetScenario()
    t0 = time.perf_counter()
    prob = _prepare(result, sc)
    resp = _Response(result, prob, _draws(result, sc))
    b = resp.basis(prob.shape)
    x, solver = _solve(prob, resp, b, sc, resp.evaluate(prob.current, b)[0])
    solver["seconds"] = time.perf_counter() - t0
    if not solver["success"]:
        msg = f"The budget optimiser did not converge: {solver['message']}. Check the plan before use."
        warnings.warn(msg, SolverWarning, stacklevel=2)
    shapes = (prob.shape, prob.shape)
    return _allocation(result, sc, prob, resp, shapes, (prob.current, x), solver, "optimized")


def evaluate_plan(
    result: FitResult,
    plan: Mapping[str, float] | pd.DataFrame,
    scenario: BudgetScenario | None = None,
) -> Allocation:
    """Value a given plan against the current one, without optimising (what-if).

    Parameters
    ----------
    result : FitResult
        A fitted model.
    plan : mapping or DataFrame
        ``channel → total spend over the window`` (channels left out keep their current
        spend), or a weekly plan: one row per period of the window, columns = paid
        channels, values = spend per period.
    scenario : BudgetScenario, optional
        Window, bounds and locks to report against (its budget and objective are unused).

    Returns
    -------
    Allocation
        Same outputs as :func:`optimize_budget`; ``mode == "what-if"``.
    """
    sc = scenario or BudgetScenario()
    t0 = time.perf_counter()
    prob = _prepare(result, sc)
    x, shape = prob.current.copy(), prob.shape.copy()
    _unknown([str(c) for c in plan], prob.channels, "the plan")
    if isinstance(plan, pd.DataFrame):
        if len(plan) != len(prob.dates):
            msg = f"The weekly plan has {len(plan)} rows; need one per period of the window ({len(prob.dates)})."
            raise ScenarioError(msg)
        vals = plan.to_numpy(dtype=float)
        cols = [prob.channels.index(str(c)) for c in plan.columns]
        x[cols], shape[:, cols] = vals.sum(axis=0), _shape(np.abs(vals), prob.shape[:, cols])
    else:
        vals = np.array([float(v) for v in plan.values()])
        x[[prob.channels.index(c) for c in plan]] = vals
    if (vals < 0).any() or not np.isfinite(vals).all():
        raise ScenarioError(
            "Planned spend must be finite and >= 0 (in every period of a weekly plan)."
        )
    resp = _Response(result, prob, _draws(result, sc))
    solver = {
        "success": True,
        "message": "evaluated a given plan (no optimisation)",
        "iterations": 0,
        "seconds": time.perf_counter() - t0,
    }
    return _allocation(
        result, sc, prob, resp, (prob.shape, shape), (prob.current, x), solver, "what-if"
    )


def _allocation(result: FitResult, sc: BudgetScenario, prob: _Problem, resp: _Response, shapes: tuple[np.ndarray, np.ndarray],
                plans: tuple[np.ndarray, np.ndarray], solver: dict[str, Any], mode: str) -> Allocation:  # fmt: skip
    """Value both plans over the same draws and assemble the tables and the headline."""
    ds, (x_cur, x_new) = result.dataset, plans
    b_cur, b_new = resp.basis(shapes[0]), resp.basis(shapes[1])
    r0 = resp.evaluate(np.zeros_like(x_cur), b_cur)[0]
    r_cur, g_cur = resp.evaluate(x_cur, b_cur, grad=True)
    r_new, g_new = resp.evaluate(x_new, b_new, grad=True)

    def trio(v: np.ndarray) -> tuple[float, float, float]:
        lo, hi = np.quantile(v, [(1 - PROB) / 2, (1 + PROB) / 2])
        return float(v.mean()), float(lo), float(hi)

    media = ds.data["media"].values[prob.index].astype(str)
    social = ds.data["social"].values[prob.index].astype(bool)
    change = x_new - x_cur
    pct = np.divide(change, x_cur, out=np.where(change == 0, 0.0, np.nan), where=x_cur > 0)
    table = pd.DataFrame({
        "channel": list(prob.channels), "media": media, "social": social,
        "current_spend": x_cur, "recommended_spend": x_new, "change": change, "change_pct": pct,
        "mroi_current": g_cur.mean(axis=0), "mroi_recommended": g_new.mean(axis=0),
        "locked": prob.locked, "lower_bound": prob.lower, "upper_bound": prob.upper,
    })  # fmt: skip
    groups = []
    kinds = {
        "media": media,
        "social": np.where(social, "social", "non-social"),
        "total": np.full(len(media), "all paid"),
    }
    for kind, labels in kinds.items():
        for name in dict.fromkeys(labels):
            sel = labels == name
            c, r = float(x_cur[sel].sum()), float(x_new[sel].sum())
            groups.append({"kind": kind, "group": str(name), "channels": ", ".join(np.array(prob.channels)[sel]),
                           "current_spend": c, "recommended_spend": r, "change": r - c, "change_pct": (r - c) / c if c > 0 else np.nan})  # fmt: skip
    uplift = r_new - r_cur
    u = trio(uplift)
    profit = None if sc.margin is None else sc.margin * uplift - change.sum()
    on_profit = profit is not None and sc.objective == "profit" and mode == "optimized"
    gain = profit if on_profit and profit is not None else uplift
    kw: dict[str, Any] = {"measure": "profit", "revenue_change": u[0]} if on_profit else {}
    currency = ds.channel_map.currency
    head = headline_text(
        table,
        trio(gain),
        float((gain > 0).mean()),
        currency=currency,
        mode=mode,
        solver_ok=bool(solver["success"]),
        **kw,
    )
    dates = pd.DatetimeIndex(prob.dates, name="date")
    return Allocation(
        table=table, start=dates[0], end=dates[-1], weeks=len(dates), budget=prob.budget if mode == "optimized" else float(x_new.sum()),
        objective=sc.objective if mode == "optimized" else "what-if", risk=sc.risk,
        revenue_current=trio(r_cur - r0), revenue_recommended=trio(r_new - r0),
        uplift_mean=u[0], uplift_lower=u[1], uplift_upper=u[2], prob_improvement=float((gain > 0).mean()),
        uplift_draws=uplift, group_totals=pd.DataFrame(groups), solver=solver, headline=head,
        weekly_current=pd.DataFrame(shapes[0] * x_cur, index=dates, columns=list(prob.channels)),
        weekly_recommended=pd.DataFrame(shapes[1] * x_new, index=dates, columns=list(prob.channels)),
        currency=currency, mode=mode, margin=sc.margin, profit_uplift=None if profit is None else trio(profit),
    )  # fmt: skip


def write_allocation(allocation: Allocation, run_dir: str | Path) -> dict[str, Path]:
    """Write ``allocation.csv`` (per channel, spend totals over the window) and ``allocation.json``.

    The CSV has the columns of ``CSV_COLUMNS``; the JSON is :meth:`Allocation.to_dict`
    (planning window, totals, expected revenue and uplift with 90% intervals, probability
    of improvement, solver status, headline).

    Returns
    -------
    dict
        ``{"csv": path, "json": path}``.
    """
    d = Path(run_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"csv": d / "allocation.csv", "json": d / "allocation.json"}
    allocation.table[list(CSV_COLUMNS)].to_csv(paths["csv"], index=False, encoding="utf-8")
    text = json.dumps(allocation.to_dict(), indent=2, ensure_ascii=False)
    paths["json"].write_text(text, encoding="utf-8")
    return paths
