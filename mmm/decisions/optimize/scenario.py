"""Budget scenario: what to optimise, its validation, and its resolution against the data.

:class:`BudgetScenario` holds the window, budget, per-channel bounds, locks and objective;
:func:`prepare` checks it against a fit and resolves it into a :class:`Problem`: the
window's dates, the current plan (totals and weekly shape per paid channel), the activity no
plan changes, and each channel's bounds. :func:`posterior_draws` picks the posterior samples used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mmm._format import iso, money
from mmm.analysis.attribution import iter_params
from mmm.analysis.forecast import future_dates
from mmm.decisions.optimize.policy import MAX_CHANGE, budget_bounds
from mmm.exceptions import ScenarioError, check_channels, list_some

if TYPE_CHECKING:
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult

OBJECTIVES = ("revenue", "profit", "target_roi")
RISKS = ("mean", "lower")
#: latest start of the window, in periods after the data
MAX_GAP = 104


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
        In a regional fit a regionally bought channel's bounds are shared among its regions
        in proportion to their current spend.
    locked : sequence of str
        Channels held at their current spend.
    locked_geos : sequence of str
        Regions whose spend is held as it is (every regionally bought channel there); a
        regional fit only. Channels bought nationally keep their national split.
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
    identifiability : bool
        Keep the budget of channels whose ROI the data cannot pin down near its current
        level (default True): a channel that :func:`mmm.analysis.identify.identifiability` classes
        weakly identified may move at most ±15% and a prior-dominated one ±10%
        (:data:`mmm.decisions.optimize.policy.MAX_CHANGE`; ``max_change`` if smaller), so that no large move
        rests on a prior alone. Explicit ``bounds`` for a channel always win (its other side
        keeps ``±max_change``). A MAP fit cannot be classified: every channel keeps
        ``±max_change`` and ``allocation.solver["notes"]`` says so. False: ``±max_change``
        for every channel and nothing is measured.
    """

    weeks: int = 13
    start: Any = None
    budget: float | None = None
    max_change: float = 0.3
    bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    locked: Sequence[str] = ()
    locked_geos: Sequence[str] = ()
    objective: Literal["revenue", "profit", "target_roi"] = "revenue"
    margin: float | None = None
    target_roi: float | None = None
    risk: Literal["mean", "lower"] = "mean"
    flighting: pd.DataFrame | None = None
    n_draws: int = 1000
    seed: int | None = None
    identifiability: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "locked", tuple(self.locked))
        object.__setattr__(self, "locked_geos", tuple(str(g) for g in self.locked_geos))
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


# ---------------------------------------------------------------------- problem set-up
@dataclass(frozen=True, eq=False)
class Problem:
    """The scenario resolved against the data: the plan's cells and their totals over the window.

    A *cell* is a paid channel in one region, or a channel bought nationally (all regions, in
    fixed shares); a national fit has one cell per paid channel, in channel order.
    """

    channels: tuple[str, ...]  # paid channels (P)
    index: np.ndarray  # positions of the paid channels among all channels (sorted)
    geos: tuple[str, ...]
    cell_channel: np.ndarray  # (K,) position of each cell's channel among the paid channels
    cell_geo: np.ndarray  # (K,) the cell's region, -1 for a channel bought nationally
    unit: np.ndarray  # (K, G) share of one unit of the cell's spend that lands in each region
    dates: pd.DatetimeIndex  # window
    gap: int  # periods between the data and the window
    n: int  # horizon: gap + window + tail
    current: np.ndarray  # (K,) current totals
    ratio: np.ndarray  # (G, P) activity per unit of spend
    shape: np.ndarray  # (W, P) weekly shape, columns sum to 1
    fixed: np.ndarray  # (n, G, C) activity that no plan changes (original units)
    lower: np.ndarray  # (K,)
    upper: np.ndarray  # (K,)
    locked: np.ndarray  # (K,) bool
    budget: float
    tightened: dict[str, float] = field(default_factory=dict)  # channel → cap from identifiability

    @property
    def cell_onehot(self) -> np.ndarray:
        """(K, P): which paid channel each cell belongs to."""
        return np.eye(len(self.channels))[self.cell_channel]

    def channel_totals(self, x: np.ndarray) -> np.ndarray:
        """Totals per paid channel (P,) of cell totals ``x`` (K,)."""
        return np.bincount(self.cell_channel, weights=x, minlength=len(self.channels))

    def cells_of(self, channel_totals: np.ndarray) -> np.ndarray:
        """Cell totals that give ``channel_totals`` (P,), shared like the current plan."""
        share = _cell_shares(self.cell_channel, self.current, len(self.channels))
        return channel_totals[self.cell_channel] * share


def _cell_shares(cell_channel: np.ndarray, current: np.ndarray, n_channels: int) -> np.ndarray:
    """Each cell's share of its channel's current spend (equal shares where the channel spent nothing)."""
    total = np.bincount(cell_channel, weights=current, minlength=n_channels)[cell_channel]
    n_cells = np.bincount(cell_channel, minlength=n_channels)[cell_channel]
    return np.where(total > 0, current / np.where(total > 0, total, 1.0), 1.0 / n_cells)


def weekly_shape(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
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
            f"The planning window starts {iso(start)}, before the data ends ({iso(ds.dates[-1])}); allowed: {iso(cal[0])} or later."
        )
    if start not in cal[: MAX_GAP + 1]:
        raise ScenarioError(
            f"start == {iso(start)} is not a period of the data's calendar; allowed: {iso(cal[0])}, {iso(cal[1])}, … {iso(cal[MAX_GAP])}."
        )
    gap = int(cal.get_loc(start))
    return gap, cal[gap : gap + w]


def prepare(
    result: FitResult, sc: BudgetScenario, ident: Identifiability | None = None
) -> Problem:
    """Validate the scenario against the data; current plan, shapes, fixed activity and bounds.

    With ``ident`` and ``sc.identifiability``, channels not well identified get the tighter
    default bounds of :func:`mmm.decisions.optimize.policy.budget_bounds` (unless ``sc.bounds`` names them).
    """
    ds, design = result.dataset, result.design
    paid = tuple(c for c, m in zip(design.channels, design.media, strict=True) if m == "paid")
    if not paid:
        raise ScenarioError("The model has no paid channel, so there is no budget to split.")
    check_channels(sc.locked, paid, "locked (paid channels)")
    check_channels(sc.bounds, paid, "bounds (paid channels)")
    check_channels([] if sc.flighting is None else [str(c) for c in sc.flighting], paid, "flighting (paid channels)")
    if set(paid) <= set(sc.locked):
        raise ScenarioError(
            f"Every paid channel is locked ({list_some(paid)}); unlock at least one."
        )
    unknown = [g for g in sc.locked_geos if g not in design.geos]
    if unknown:
        raise ScenarioError(
            f"Unknown region(s) {list_some(unknown)} in locked_geos; the data has {list_some(design.geos, 50)}."
        )
    gap, dates = _window(result, sc)
    n_obs, w, n = ds.n_periods, sc.weeks, gap + sc.weeks + 2 * (design.max_lag - 1)
    spend, act = ds.data["spend"].values, ds.data["activity"].values  # (T, G, C)
    ref = slice(n_obs - w, n_obs)  # the last `weeks` periods
    season = np.arange(n_obs + gap, n_obs + gap + w) - round(ds.periods_per_year)
    seasonal = season[0] >= 0 and season[-1] < n_obs
    act_nat = act.sum(axis=1)
    shape_all = weekly_shape(act_nat[season] if seasonal else act_nat[ref], act_nat[ref])  # (W, C)
    idx = np.array([design.index(c) for c in paid])
    shape = shape_all[:, idx]
    if sc.flighting is not None:
        vals = sc.flighting.to_numpy(dtype=float)
        if len(vals) != w or (vals < 0).any() or not np.isfinite(vals).all():
            msg = f"flighting has {len(vals)} rows; need one per period of the window ({w}), finite and >= 0."
            raise ScenarioError(msg)
        shape[:, [paid.index(str(c)) for c in sc.flighting]] = weekly_shape(vals, vals)
    ratio = _ratio(spend[:, :, idx], act[:, :, idx], ref)
    cells = _cells(ds, design, paid, idx, spend[ref][:, :, idx].sum(axis=0))
    cell_channel, cell_geo, unit, current = cells
    # activity no plan changes: paid during the gap at the current weekly level, owned at
    # their recent level (seasonal shape inside the window); earned is predicted
    level = act[ref].sum(axis=0)  # (G, C)
    fixed = np.zeros((n, design.n_geos, ds.n_channels))
    for j, media in enumerate(design.media):
        if media == "paid":
            fixed[:gap, :, j] = level[:, j] / w
        elif media == "owned":
            fixed[:, :, j] = level[:, j] / w
            fixed[gap : gap + w, :, j] = level[:, j] * shape_all[:, j, None]
    channel_current = np.bincount(cell_channel, weights=current, minlength=len(paid))
    tight: dict[str, tuple[float, float]] = {}
    caps: dict[str, float] = {}  # channel → the relative bound identifiability imposed
    if ident is not None and sc.identifiability:
        classes = ident.classes
        for ch, b in budget_bounds(
            ident, dict(zip(paid, channel_current, strict=True)), sc.max_change
        ).items():
            if ch not in sc.bounds and ch not in sc.locked:
                tight[ch] = b
                caps[ch] = min(MAX_CHANGE[classes[ch]] or sc.max_change, sc.max_change)
    lo_ch, hi_ch = _bounds(sc, paid, channel_current, tight)
    share = _cell_shares(cell_channel, current, len(paid))
    lower, upper = lo_ch[cell_channel] * share, hi_ch[cell_channel] * share
    locked = np.array([paid[c] in sc.locked for c in cell_channel])
    locked |= np.array([g >= 0 and design.geos[g] in sc.locked_geos for g in cell_geo])
    lower[locked] = upper[locked] = current[locked]
    budget = float(current.sum()) if sc.budget is None else float(sc.budget)
    if budget <= 0:
        raise ScenarioError(
            f"The last {w} periods have no paid spend, so the default budget is 0; pass budget > 0."
        )
    lo_sum, hi_sum, cur = float(lower.sum()), float(upper.sum()), ds.channel_map.currency
    revenue = sc.objective == "revenue"
    if budget < lo_sum * (1 - 1e-12) or (revenue and budget > hi_sum * (1 + 1e-12)):
        allowed = (
            f"between {money(lo_sum, cur)} and {money(hi_sum, cur)}"
            if revenue
            else f"at least {money(lo_sum, cur)}"
        )
        held = ""
        if caps:
            held = (
                f" {held_text(caps)} because the data cannot pin down their ROI; give them explicit "
                "bounds or set identifiability=False to use max_change for every channel."
            )
        raise ScenarioError(
            f"budget == {budget:,.0f} cannot be met within the channel bounds and locks: over the {w}-period "
            f"window they allow a total {allowed} ({lo_sum:,.0f}..{hi_sum:,.0f}). Change the budget, widen "
            f"max_change (now {sc.max_change}) or set per-channel bounds.{held}"
        )
    return Problem(
        paid, idx, design.geos, cell_channel, cell_geo, unit, dates, gap, n, current, ratio, shape,
        fixed, lower, upper, locked, budget, caps,
    )  # fmt: skip


def _ratio(spend: np.ndarray, act: np.ndarray, ref: slice) -> np.ndarray:
    """Activity per unit of spend (G, P): the reference weeks, else all data, else 1."""
    ratio = np.ones(spend.shape[1:])
    for rows in (slice(None), ref):
        s, a = spend[rows].sum(axis=0), act[rows].sum(axis=0)
        ratio = np.where(s > 0, a / np.where(s > 0, s, 1.0), ratio)
    return ratio


def _cells(
    ds: Any, design: Any, paid: tuple[str, ...], idx: np.ndarray, ref_spend: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(cell channel, cell region, unit (K, G), current totals (K,)) of the plan's cells.

    ``ref_spend`` is each region's spend on each paid channel over the reference weeks (G, P).
    """
    level = dict(zip(ds.channels, (str(v) for v in ds.data["level"].values), strict=True)) \
        if "level" in ds.data.coords else {}
    n_geo = design.n_geos
    cells: list[tuple[int, int, np.ndarray, float]] = []
    for p, ch in enumerate(paid):
        spent = ref_spend[:, p]
        if n_geo == 1 or level.get(ch) == "national":
            total = spent.sum()
            share = spent / total if total > 0 else design.geo_weight
            cells.append((p, -1, share, total))
            continue
        cells.extend((p, g, np.eye(n_geo)[g], spent[g]) for g in range(n_geo))
    channel, geo, unit, current = zip(*cells, strict=True)
    return np.array(channel), np.array(geo), np.array(unit), np.array(current, dtype=float)


def held_text(caps: Mapping[str, float]) -> str:
    """``search (±15%) and weibo (±10%) are held near their current spend``, in words."""
    items = [f"{ch} (±{cap:.0%})" for ch, cap in caps.items()]
    names = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return f"{names} {'is' if len(items) == 1 else 'are'} held near {'its' if len(items) == 1 else 'their'} current spend"


def _bounds(
    sc: BudgetScenario,
    paid: tuple[str, ...],
    current: np.ndarray,
    tight: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (min, max) totals: ±max_change, identifiability's tighter defaults, absolute overrides, locks."""
    lower, upper = current * max(0.0, 1 - sc.max_change), current * (1 + sc.max_change)
    for ch, pair in (tight or {}).items():
        lower[paid.index(ch)], upper[paid.index(ch)] = pair
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


def posterior_draws(result: FitResult, sc: BudgetScenario) -> dict[str, np.ndarray]:
    """A seeded subset of at most ``n_draws`` posterior samples (leading axis: sample)."""
    p = next(iter_params(result, chunk=result.n_samples))
    n = p["beta"].shape[0]
    if n <= sc.n_draws:
        return p
    seed = result.spec.seed if sc.seed is None else sc.seed
    keep = np.sort(np.random.default_rng(seed).choice(n, sc.n_draws, replace=False))
    return {k: v[keep] for k, v in p.items()}
