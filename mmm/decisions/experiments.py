"""Experiment recommendations: the lift test that would settle a channel's ROI, and closing the loop.

For each weakly identified or prior-dominated channel with a cost (see
:mod:`mmm.analysis.identify`), and on a regional dataset for each well identified social
channel as a validation, :func:`experiments` proposes a lift test — a change of the channel's
spend for a few weeks on the whole market (a national on/off or scale test) — with the spend it
moves, the incremental KPI it should measure, its standard error and the ROI interval expected
after the test. Where a test can run is an :class:`ExperimentScope` (:func:`scopes`): the whole
market for a national dataset; matched-region designs (which regions get the change, which are
controls, with their lower noise) join there once datasets carry regions.

**How the precision is computed** (from the fitted model, no new sampling):

1. *The test.* The channel runs at its typical weekly spend (mean of the last 52 periods)
   after the data, every other channel as in the last periods, carry-over from the
   observed history. For each spend change (go dark = −100%, +50%, +100%, +200%) and
   duration ``W`` the posterior draws give the incremental KPI ``L`` of changing the first
   ``W`` weeks: the counterfactual a :class:`~mmm.model.spec.LiftTest` states, over the test
   weeks and the carry-over tail after them (direct and through earned media).
2. *Its noise.* The lift is measured over ``W`` test weeks plus the ``max_lag − 1`` weeks of
   carry-over after them (``measure_weeks``) and has standard error
   ``se = √2 · σ_week · √measure_weeks``: weekly KPI noise σ_week = posterior σ × mean KPI of
   the last 52 periods (the log-normal likelihood's noise is multiplicative, so its weekly
   sd is about σ × the KPI level), and √2 because the counterfactual comes from an equally
   noisy control (as many comparison weeks, or matched regions).
3. *What it teaches.* Treat (ROI, measured lift) as jointly normal over the posterior
   draws: observing the lift with noise ``se`` leaves ROI variance
   ``Var(R) − Cov(R, L)² / (Var(L) + se²)`` whatever the outcome, so the 90% interval shrinks
   around its median by ``√(that / Var(R))``. Precision is the interval's half-width over
   the median ROI (±30% = 0.3).
4. *The pick.* The design that reaches the target (default ±30%) moving the least spend
   (then the shortest); if none does, the most precise one, flagged ``meets_target=False``.

**Closing the loop.** A test's result enters the next fit as a
:class:`~mmm.model.spec.LiftTest` with its spend change (``change`` or ``spend_change``): the
model compares the measured lift with the counterfactual it implies itself
(:mod:`mmm.model.lift`), so nothing is converted through the current posterior.
:func:`lift_test` builds one from a finished test and checks it against the fit's data. (Before
version 0.3 the model took the channel's contribution over the window and this module converted a
measured change into that with the current posterior's ratio of the two, widening the standard
error; that form stays available as ``LiftTest(..., kind="contribution")``.) On the synthetic
generator, :func:`true_lift` / :func:`synthetic_lift` give the true outcome of a test and
:func:`simulate_recommended_tests` runs a recommendation table inside the data window (the
generator's truth plus noise of the recommended standard error): see
``benchmarks/lift_test_cycle.py`` and ``docs/lift_test_cycle.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.analysis.attribution import iter_effects, simulate_window
from mmm.analysis.identify import CORR_BASELINE, WELL, Identifiability, identifiability
from mmm.exceptions import check_channels
from mmm.model.calibration import check_geo, check_lift_test
from mmm.model.forward import change_effect
from mmm.model.lift import LiftTest, spread_change

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult
    from mmm.data.regions import RegionalBrand
    from mmm.data.synthetic import SyntheticBrand

#: spend changes tried (relative): go dark, +50%, +100%, +200%
CHANGES = (-1.0, 0.5, 1.0, 2.0)
#: test durations tried (periods)
DURATIONS = (4, 6, 8, 12)
#: target precision: 90% ROI interval half-width over the median ROI
TARGET = 0.3
#: the control's share of the noise: se = NOISE_FACTOR · σ_week · √measure_weeks
NOISE_FACTOR = float(np.sqrt(2.0))
#: periods whose mean spend sets the test's base level
TYPICAL_PERIODS = 52
#: a validation test's aim: its lift measured to this share of the expected lift (one se), so
#: an ROI about twice as far from the model's (20%) is caught
VALIDATE_PRECISION = 0.1
#: why a test is recommended (``purpose`` column): the data leaves the ROI open, or the data
#: pins it but on an assumption worth checking
CALIBRATE, VALIDATE = "calibrate", "validate"
#: columns of ``experiments.csv``
COLUMNS = ("channel", "purpose", "class", "design", "scope", "test_regions", "control_regions", "change",
           "weeks", "measure_weeks", "spend_change", "expected_lift", "lift_se",
           "roi_interval_now", "roi_interval_after", "roi_median", "roi_lower_now",
           "roi_upper_now", "roi_lower_after", "roi_upper_after", "precision_now",
           "precision_after", "meets_target", "note")  # fmt: skip


# ---------------------------------------------------------------------- where a test runs
@dataclass(frozen=True)
class ExperimentScope:
    """Where a test runs and how noisy its comparison is.

    ``name`` is ``"national"`` (the whole market, compared with as many weeks) or, for a
    regional dataset, ``"geo"``: a matched-region design where ``test_regions`` get the change
    and ``control_regions`` (matched on KPI level) do not. ``noise`` is the weekly standard
    deviation (currency) of what the test measures: for the national scope ``noise_factor``
    × the national weekly noise; for a geo design the test regions' noise and the controls'
    scaled to the test regions' size, added in quadrature (shocks shared by all regions, which
    the model's national effect takes, cancel in the difference).
    """

    name: str
    test_regions: tuple[str, ...] = ()
    control_regions: tuple[str, ...] = ()
    noise_factor: float = NOISE_FACTOR
    noise: float = 0.0

    @property
    def cells(self) -> tuple[str, ...]:
        """The regions whose spend changes (empty: all)."""
        return self.test_regions


def scopes(result: FitResult, noise_factor: float = NOISE_FACTOR) -> tuple[ExperimentScope, ...]:
    """The scopes a brand can test in: the whole market, and for a regional dataset a matched-region design.

    The matched design orders the regions by their KPI over the last 52 periods and deals them
    alternately to test and control (largest to test), so both groups span the same sizes;
    :func:`candidate_tests` prices every design in every scope, and the recommended row's
    ``test_regions`` go into :class:`~mmm.model.lift.LiftTest` as ``geo``.
    """
    per_region = region_noise(result)
    national = ExperimentScope(
        "national", noise_factor=noise_factor,
        noise=noise_factor * float(np.sqrt(np.sum(per_region**2))),
    )  # fmt: skip
    design = result.design
    if design.n_geos < 2:
        return (national,)
    kpi = result.dataset.data["kpi"].values.astype(float)[-TYPICAL_PERIODS:].mean(axis=0)
    order = np.argsort(-kpi, kind="stable")
    test, ctrl = order[0::2], order[1::2]
    ratio = kpi[test].sum() / kpi[ctrl].sum()
    noise = float(np.sqrt(np.sum(per_region[test] ** 2) + ratio**2 * np.sum(per_region[ctrl] ** 2)))
    geo = ExperimentScope(
        "geo",
        test_regions=tuple(design.geos[g] for g in sorted(test)),
        control_regions=tuple(design.geos[g] for g in sorted(ctrl)),
        noise_factor=noise_factor,
        noise=noise,
    )
    return (national, geo)


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

    Returns one row per (channel, scope, change, weeks) with the columns of :data:`COLUMNS`
    except ``purpose``, ``class``, ``meets_target`` and ``note``. See the module docstring for the
    method; ``noise_factor`` scales the standard error of the national scope (√2: a control
    as noisy as the test).
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
    durations = [int(w) for w in durations]
    tail = design.max_lag - 1
    n_plan = max(durations) + 2 * tail  # carry-over of the source, then of the earned media it made
    act_all = ds.data["activity"].values.astype(float)
    spend_all = ds.data["spend"].values.astype(float)
    recent = slice(max(0, len(act_all) - TYPICAL_PERIODS), None)
    base_rows = np.resize(act_all[-min(n_plan, len(act_all)) :], (n_plan, *act_all.shape[1:]))
    sub = result.thin(draws)
    where = scopes(result, noise_factor)
    national_only = {c.name for c in ds.channel_map.channels if c.level == "national"}
    rows = []
    for ch in chans:
        j = design.index(ch)
        base = base_rows.copy()
        base[:, :, j] = act_all[recent, :, j].mean(axis=0)
        # bought nationally: no region can be left out
        usable = [sc for sc in where if not (sc.cells and ch in national_only)]
        cells = [np.array([not sc.cells or g in sc.cells for g in design.geos]) for sc in usable]
        roi_s, by_scope = _simulate_designs(sub, j, base, act_all, changes, durations, cells)
        med, lo, hi = np.quantile(roi_s, [0.5, 0.05, 0.95])
        var_r = float(np.var(roi_s))
        for scope, where_cells, lifts in zip(usable, cells, by_scope, strict=True):
            weekly_spend = spend_all[recent][:, where_cells, j].sum(axis=1).mean()
            for change in changes:
                for w in durations:
                    lift = lifts[(change, w)]
                    se = scope.noise * np.sqrt(w + tail)
                    cov = float(np.cov(roi_s, lift)[0, 1])
                    var_after = var_r - cov**2 / (float(np.var(lift)) + se**2) if var_r > 0 else 0.0
                    shrink = float(np.sqrt(max(var_after, 0.0) / var_r)) if var_r > 0 else 1.0
                    lo_a, hi_a = med - (med - lo) * shrink, med + (hi - med) * shrink
                    rows.append(
                        {
                            "channel": ch,
                            "design": design_label(change, w)
                            + (f" in {len(scope.cells)} of {design.n_geos} regions" if scope.cells else ""),
                            "scope": scope.name,
                            "test_regions": ";".join(scope.test_regions) or "all",
                            "control_regions": ";".join(scope.control_regions),
                            "change": float(change),
                            "weeks": w,
                            "measure_weeks": w + tail,
                            "spend_change": float(change * weekly_spend * w),
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
        rows,
        columns=[c for c in COLUMNS if c not in ("purpose", "class", "meets_target", "note")],
    )


def experiments(
    result: FitResult,
    identifiability: Identifiability | None = None,
    target: float = TARGET,
    validate: bool | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """The recommended lift test for each channel with a cost whose ROI a test should settle or check.

    Two purposes (column ``purpose``):

    * ``"calibrate"``: a weakly identified or prior-dominated channel. The pick is the design
      that narrows its 90% ROI interval to ``target`` moving the least spend, else the most
      precise one (``meets_target=False``).
    * ``"validate"``: a well identified channel whose ROI rests on the model separating it
      from the baseline: a social channel, or one whose input follows the fitted trend and
      season (``|corr_baseline| ≥`` :data:`~mmm.analysis.identify.CORR_BASELINE`). A panel can
      be confidently wrong about such a channel (measured on generated panels: an interval
      that misses the true ROI of a ramped social channel on a fit rated REVIEW), and only an
      experiment shows it. The pick is the design whose lift is measured to
      :data:`VALIDATE_PRECISION` of its expected value (one se) moving the least spend, else
      the most precise one (``meets_target=False``).

    Parameters
    ----------
    result : FitResult
    identifiability : Identifiability, optional
        Default: :func:`mmm.analysis.identify.identifiability` of ``result``.
    target : float
        Wanted precision after a calibration test: 90% ROI half-width over the median ROI.
    validate : bool, optional
        Recommend validation tests. Default: on regional datasets only, where the weekly noise
        left after the shocks all regions share prices a 12-week test at about 10% of its lift
        (9–13% on generated 8-region panels); on the national demo brand the most precise test
        of a social channel measures its lift only to 29–116% (it would catch only a gross
        error), so national datasets get them on request.
    **kwargs
        Passed to :func:`candidate_tests` (``changes``, ``durations``, ``draws``, ``noise_factor``).

    Returns
    -------
    pandas.DataFrame
        One row per channel (columns :data:`COLUMNS`), calibration tests first; empty when no
        channel needs either.
    """
    if not target > 0:
        raise ValueError(f"target == {target}; must be > 0 (e.g. 0.3 for ±30%).")
    ident = identifiability if identifiability is not None else _identify(result)
    tab = ident.table
    todo = list(tab.loc[(tab["class"] != WELL) & (tab["metric"] == "roi"), "channel"])
    validate = result.design.n_geos >= 2 if validate is None else validate
    why = validation_reasons(result, ident) if validate else {}
    check = list(why)
    if not todo and not check:
        return pd.DataFrame(columns=list(COLUMNS))
    cand = candidate_tests(result, todo + check, **kwargs)
    cand["cost"] = cand["spend_change"].abs()
    cand["lift_precision"] = cand["lift_se"] / cand["expected_lift"].abs().clip(lower=1e-300)
    aims = [(ch, CALIBRATE, "precision_after", target) for ch in todo] + [
        (ch, VALIDATE, "lift_precision", VALIDATE_PRECISION) for ch in check
    ]
    picks = [_pick(cand[cand["channel"] == ch], by, aim).assign(purpose=purpose)
             for ch, purpose, by, aim in aims]  # fmt: skip
    out = pd.concat(picks, ignore_index=True)
    out["meets_target"] = out["meets_target"].astype(bool)
    out["class"] = [ident.classes[c] for c in out["channel"]]
    out["note"] = [
        experiment_note(r, target) if r.purpose == CALIBRATE else validation_note(r, why[r.channel])
        for r in out.itertuples()
    ]
    return out[list(COLUMNS)]


def _pick(cand: pd.DataFrame, by: str, aim: float) -> pd.DataFrame:
    """The one design (a one-row frame) of a channel's candidates that reaches ``by <= aim``
    moving the least spend (then the shortest), else the one with the smallest ``by``."""
    cand = cand.assign(meets_target=cand[by] <= aim)
    ok = cand[cand["meets_target"]]
    if len(ok):
        return ok.sort_values(["cost", "weeks", by]).head(1)
    return cand.sort_values([by, "cost"]).head(1)


def validation_reasons(result: FitResult, identifiability: Identifiability) -> dict[str, str]:
    """Well identified channels with a cost whose ROI a validation test should check (social
    channels, and channels whose input follows the fitted baseline; see :func:`experiments`),
    each with why, in the identifiability table's order."""
    social = {c.name for c in result.dataset.channel_map.channels if c.social}
    out = {}
    for row in identifiability.table.to_dict("records"):
        if row["class"] != WELL or row["metric"] != "roi":
            continue
        ch = str(row["channel"])
        corr = abs(float(row.get("corr_baseline", np.nan)))
        follows = bool(np.isfinite(corr) and corr >= CORR_BASELINE)
        if ch in social or follows:
            parts = ([f"{ch} is a social channel"] if ch in social else []) + (
                [f"its spend follows the baseline (correlation {corr:.2f})"] if follows else []
            )
            out[ch] = " and ".join(parts)
    return out


def _identify(result: FitResult) -> Identifiability:
    return identifiability(result)


def _simulate_designs(
    result: FitResult,
    j: int,
    base: np.ndarray,
    history: np.ndarray,
    changes: Sequence[float],
    durations: Sequence[int],
    cells: Sequence[np.ndarray],
) -> tuple[np.ndarray, list[dict[tuple[float, int], np.ndarray]]]:
    """Per draw: channel ``j``'s ROI over the data and, for each region mask of ``cells``
    (bool (G,)) and each (change, weeks), the incremental KPI of changing its input in the
    first ``weeks`` periods of the plan ``base`` in those regions, all of the plan's periods
    summed, so the carry-over tail is in. The ROI and the unchanged plan are simulated once."""
    spend = float(result.dataset.data["spend"].values[..., j].sum())  # all periods and regions
    rois: list[np.ndarray] = []
    incs: list[dict[tuple[float, int], list[np.ndarray]]] = [
        {(c, w): [] for c in changes for w in durations} for _ in cells
    ]
    for p, eff in iter_effects(result):
        rois.append((eff.direct[..., j] + eff.via_earned[..., j]).sum(axis=(1, 2)) / spend)
        y0 = _plan_kpi(result, base, p, history)
        for mask, inc in zip(cells, incs, strict=True):
            for change in changes:
                for w in durations:
                    act = base.copy()
                    act[:w, mask, j] *= 1 + change
                    inc[(change, w)].append(_plan_kpi(result, act, p, history) - y0)
    lifts = [{k: np.concatenate(v) for k, v in inc.items()} for inc in incs]
    return np.concatenate(rois), lifts


def _plan_kpi(
    result: FitResult, activity: np.ndarray, p: dict[str, np.ndarray], history: np.ndarray
) -> np.ndarray:
    """Media KPI of a plan summed over its periods, per draw (S,).

    Every channel's direct effect, the earned channels' included: an earned channel's direct
    effect already holds the mentions its sources generate (``via_earned`` is that part again,
    attributed to the sources, so it is not added).
    """
    direct, _ = simulate_window(result, activity, p, history=history, attribute=False)
    return direct.sum(axis=(1, 2, 3))


def region_noise(result: FitResult) -> np.ndarray:
    """Weekly KPI noise per region in currency (G,): the posterior-mean σ times the region's KPI
    level of the last 52 periods (log-normal likelihood; its KPI scale for a normal one)."""
    sigma = np.asarray(result.posterior["sigma"].mean(("chain", "draw")).values, dtype=float)
    kpi = result.dataset.data["kpi"].values.astype(float)
    if result.spec.likelihood == "lognormal":
        level = kpi[-TYPICAL_PERIODS:].mean(axis=0)
    else:
        level = result.design.kpi_scale
    return np.broadcast_to(sigma * level, (result.design.n_geos,)).astype(float)


def weekly_noise(result: FitResult) -> float:
    """Weekly national KPI noise in currency: :func:`region_noise` added in quadrature."""
    return float(np.sqrt(np.sum(region_noise(result) ** 2)))


def _precision(lo: float, hi: float, med: float) -> float:
    return float((hi - lo) / 2 / med) if med > 0 else float("inf")


# ---------------------------------------------------------------------- closing the loop
def window_change(
    result: FitResult, p: dict[str, np.ndarray], j: int, mask: np.ndarray, change: float
) -> np.ndarray:
    """Incremental national KPI (currency, (S, T)) of scaling channel ``j``'s input by ``1 + change`` in ``mask``.

    The model's own counterfactual (:func:`mmm.model.forward.change_effect`, which the lift
    likelihood uses too) on the observed data, in every region: the change's carry-over and
    saturation, and for a source of earned media the extra (or lost) earned activity it
    generates; summed over regions.
    """
    design = result.design
    x = design.x[:, :, j]  # (T, G)
    delta = np.stack([spread_change(x[:, g], mask, change=change) for g in range(x.shape[1])], 1)
    eff = change_effect(np, design, p, design.channels[j], delta)  # (S, T, G) scaled
    return (eff * design.kpi_scale).sum(axis=-1)


def lift_test(
    result: FitResult,
    channel: str,
    start: Any,
    end: Any,
    change: float | None,
    lift: float,
    se: float,
    *,
    spend_change: float | None = None,
    geo: Sequence[str] | None = None,
) -> LiftTest:
    """A finished spend-change test as a :class:`~mmm.model.spec.LiftTest` for the next fit, checked against its data.

    Parameters
    ----------
    result : FitResult
        The fit whose data the test lies in (refit on data that includes the test period first).
    channel : str
    start, end : date-like
        The test's first and last period (inclusive).
    change : float or None
        Relative spend change the test applied (−1 = go dark, 1 = +100%); None with ``spend_change``.
    lift : float
        Measured incremental KPI over the test weeks and the carry-over weeks after them
        (negative for a spend cut).
    se : float
        Its standard error (> 0).
    spend_change : float, optional
        The change in currency instead of ``change``.
    geo : sequence of str, optional
        The regions that got the change (a matched-region test); default all.

    Returns
    -------
    LiftTest
        ``kind="counterfactual"``: the model compares ``lift`` with the KPI change it implies
        for this spend change. (Earlier versions returned the channel's contribution over the
        window, converted with the current posterior; the model now does the comparison
        itself, so no conversion and no added uncertainty.)

    Raises
    ------
    ConfigError, UnknownChannelError
        For a window outside the data, ``se`` ≤ 0, an unknown or earned channel, a change that
        would make spend negative, or both / neither of ``change`` and ``spend_change``.
    """
    test = LiftTest(
        channel, start, end, float(lift), float(se), change=change, spend_change=spend_change,
        geo=tuple(geo) if geo else None,
    )  # fmt: skip
    check_lift_test(result.design, test)
    return test


def true_lift(
    brand: SyntheticBrand | RegionalBrand,
    channel: str,
    start: Any,
    end: Any,
    *,
    change: float | None = None,
    spend_change: float | None = None,
    geo: Sequence[str] | None = None,
) -> float:
    """The true outcome of a spend-change test on a synthetic brand: the counterfactual a LiftTest states.

    The noise-free KPI with the channel's input changed in ``start``..``end`` minus the KPI as
    generated, summed from ``start`` to the end of the data (the test weeks and the carry-over
    after them) over every region, earned media recomputed from the changed input
    (``expected_kpi`` of :class:`~mmm.data.synthetic.SyntheticBrand` or
    :class:`~mmm.data.regions.RegionalBrand`). On a regional brand the change is made in the
    regions ``geo`` (default all); ``spend_change`` is shared among them in proportion to the
    channel's spend there, as :func:`mmm.model.calibration.input_change` does. The change is
    spread as the model spreads it (:func:`mmm.model.lift.spread_change`), ``spend_change``
    converted to the channel's input with its input per unit of cost over the data.
    """
    probe = LiftTest(channel, start, end, 0.0, 1.0, change=change, spend_change=spend_change,
                     geo=tuple(geo) if geo is not None else None)  # fmt: skip
    cmap = brand.channel_map
    regions: tuple[str, ...] = tuple(getattr(brand, "regions", ()))
    check_geo(probe, regions)
    check_channels([channel], [c.name for c in cmap.channels if c.media != "earned"],
                   f"the lift test {probe.window} (paid and owned channels)")  # fmt: skip
    cfg = cmap.channel(channel)
    data = brand.data
    dates = pd.DatetimeIndex(pd.to_datetime(data[cmap.date]))
    where = data[cmap.geo].astype(str).to_numpy() if regions else np.full(len(data), "")
    cells = list(probe.geo) if probe.geo else sorted(set(where))
    x_all = data[cfg.input_column].to_numpy(dtype=float)
    cost_all = data[cfg.cost_column].to_numpy(dtype=float) if cfg.cost_column else x_all
    spent = np.array([cost_all[where == r].sum() for r in cells])
    share = spent / spent.sum() if spent.sum() > 0 else np.full(len(cells), 1 / len(cells))
    new = x_all.copy()
    for r, sh in zip(cells, share, strict=True):
        rows = np.flatnonzero(where == r)
        x = x_all[rows]
        mask = np.asarray((dates[rows] >= probe.start) & (dates[rows] <= probe.end))
        if change is not None:
            delta = spread_change(x, mask, change=change)
        else:
            per_unit = x.sum() / cost_all[rows].sum() if cost_all[rows].sum() > 0 else 1.0
            delta = spread_change(x, mask, amount=float(spend_change) * sh * per_unit)  # type: ignore[arg-type]
        new[rows] = x + delta
    changed = data.copy()
    changed[cfg.input_column] = new
    diff = brand.expected_kpi(changed) - brand.expected_kpi(data)
    return float(diff[np.asarray(dates >= probe.start)].sum())


def synthetic_lift(
    brand: SyntheticBrand,
    channel: str,
    start: Any,
    end: Any,
    change: float,
    se: float = 0.0,
    seed: int = 0,
) -> float:
    """The measured outcome of a spend-change test on a synthetic brand: :func:`true_lift` plus N(0, se) noise."""
    true = true_lift(brand, channel, start, end, change=change)
    return true + (float(np.random.default_rng(seed).normal(0.0, se)) if se > 0 else 0.0)


def busiest_window(
    result: FitResult, channel: str, weeks: int, within: int = TYPICAL_PERIODS
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``weeks`` consecutive periods among the last ``within`` with the most spend on ``channel``."""
    return _window(result, channel, weeks, within, "busiest")


def typical_window(
    result: FitResult, channel: str, weeks: int, within: int = TYPICAL_PERIODS
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``weeks`` consecutive periods among the last ``within`` whose mean spend on ``channel``
    is closest to its mean over those ``within`` periods: the spend level :func:`candidate_tests`
    prices a test at."""
    return _window(result, channel, weeks, within, "typical")


def _window(
    result: FitResult, channel: str, weeks: int, within: int, how: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    design = result.design
    j = design.index(channel)
    spend = result.dataset.data["spend"].values[:, :, j].sum(axis=1).astype(float)
    n = len(spend)
    first = max(0, n - max(within, weeks))
    means = np.array([spend[s : s + weeks].mean() for s in range(first, n - weeks + 1)])
    pick = np.argmax(means) if how == "busiest" else np.argmin(np.abs(means - spend[first:].mean()))
    s = first + int(pick)
    return design.dates[s], design.dates[s + weeks - 1]


#: where :func:`simulate_recommended_tests` places a test in the data
PLACEMENTS = {"typical": typical_window, "busiest": busiest_window}


def simulate_recommended_tests(
    result: FitResult,
    brand: SyntheticBrand | RegionalBrand,
    table: pd.DataFrame,
    seed: int = 0,
    noisy: bool = True,
    relative_se: float | None = None,
    placement: str = "typical",
) -> tuple[LiftTest, ...]:
    """Run the recommended tests of ``table`` on the synthetic brand, inside the data window.

    Lift tests must fall inside the modelled period, so each test is placed on ``weeks``
    periods of the last year: by default where the channel's spend was closest to its typical
    level (:func:`typical_window`, the level the recommendation priced the test at);
    ``placement="busiest"`` takes the weeks it spent most (:func:`busiest_window`). The data's
    spend series are the business-as-usual spend the test changes (as a
    :class:`~mmm.model.spec.LiftTest` reads them). Its outcome is the generator's truth
    (:func:`true_lift`) plus normal noise of the recommended ``lift_se`` — or, with
    ``relative_se``, of that share of the true lift (the precision of a matched-region test,
    which a national dataset cannot price); ``noisy=False`` reports the truth itself, still
    with that standard error.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement == {placement!r}; allowed: {', '.join(PLACEMENTS)}.")
    tests = []
    for k, row in enumerate(table.itertuples()):
        start, end = PLACEMENTS[placement](result, row.channel, int(row.weeks))
        geo = _regions_of_row(row)
        truth = true_lift(brand, row.channel, start, end, change=row.change, geo=geo)
        se = float(row.lift_se) if relative_se is None else relative_se * abs(truth)
        noise = float(np.random.default_rng(seed + k).normal(0.0, se)) if noisy else 0.0
        tests.append(
            lift_test(result, row.channel, start, end, row.change, truth + noise, se, geo=geo)
        )
    return tuple(tests)


def _regions_of_row(row: Any) -> tuple[str, ...] | None:
    """The test regions of a recommendation row (None: all regions)."""
    regions = str(getattr(row, "test_regions", "all") or "all")
    return None if regions == "all" else tuple(regions.split(";"))


# ---------------------------------------------------------------------- wording
def design_label(change: float, weeks: int) -> str:
    """``"go dark for 6 weeks"`` / ``"+100% spend for 6 weeks"``."""
    unit = "week" if weeks == 1 else "weeks"
    if change <= -1:
        return f"go dark for {weeks} {unit}"
    return f"{change:+.0%} spend for {weeks} {unit}"


def validation_note(row: Any, why: str) -> str:
    """One sentence on what a validation test of a well identified channel would show."""
    prec = row.lift_precision  # lift se over the expected lift; an ROI 2 se away shows
    head = (
        f"The data identifies {row.channel}'s ROI (±{row.precision_now:.0%}), but {why}, so the "
        "estimate rests on the model separating it from the baseline; "
    )
    if row.meets_target:
        return head + (
            f"this test measures its lift to ±{prec:.0%} and would catch an ROI about "
            f"{2 * prec:.0%} away from the model's before the plan moves money on it."
        )
    return head + (
        f"the most precise test measures its lift only to ±{prec:.0%}, so it would catch "
        f"only an ROI more than about {2 * prec:.0%} away from the model's."
    )


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
