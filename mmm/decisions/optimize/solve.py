"""Solving: SLSQP on the posterior response, and the entry points of the optimiser.

:func:`optimize_budget` recommends a split of the paid budget, :func:`evaluate_plan` values
a given plan (what-if) and :func:`current_spend` reports the current plan; :func:`_solve`
runs SciPy SLSQP from the current plan and checks its convergence.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.analysis.identify import MIN_DRAWS, identifiability
from mmm.decisions.optimize.allocation import Allocation, build_allocation
from mmm.decisions.optimize.response import Response
from mmm.decisions.optimize.scenario import (
    BudgetScenario,
    Problem,
    held_text,
    posterior_draws,
    prepare,
    weekly_shape,
)
from mmm.exceptions import ScenarioError, check_channels

if TYPE_CHECKING:
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult

#: ``risk="lower"`` maximises mean − Z_LOWER × sd of the uplift (normal 5% quantile)
Z_LOWER = 1.645


class SolverWarning(UserWarning):
    """The budget optimiser did not converge; the recommendation must not be trusted as is."""


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
    prob: Problem, resp: Response, b: np.ndarray, sc: BudgetScenario, r_cur: np.ndarray
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
    # imported here: `mmm report` imports this module but never solves
    from scipy.optimize import minimize

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


# ---------------------------------------------------------------------- identifiability
def _identify(
    result: FitResult, sc: BudgetScenario, ident: Identifiability | None
) -> tuple[Identifiability | None, list[str]]:
    """The classes to use (given, measured with the fit's seed, or None) and notes for the solver dict."""
    if ident is not None or not sc.identifiability:
        return ident, []
    if result.n_samples < MIN_DRAWS:  # a MAP fit: no posterior interval to compare with the prior
        return None, [
            f"Identifiability was not measured (the fit has {result.n_samples} posterior draw(s), "
            f"method={result.spec.method!r}); every channel keeps the default "
            f"±{sc.max_change:.0%} bounds and no move is checked against what the data can tell."
        ]
    return identifiability(result), []


def _tightened_note(prob: Problem, sc: BudgetScenario) -> list[str]:
    if not prob.tightened:
        return []
    return [
        f"Default bounds tightened where the data cannot pin down the ROI: {held_text(prob.tightened)} "
        f"(set identifiability=False to allow ±{sc.max_change:.0%})."
    ]


# ---------------------------------------------------------------------- public API
def current_spend(result: FitResult, scenario: BudgetScenario | None = None) -> pd.Series:
    """Current plan: each paid channel's spend over the last ``weeks`` periods (index: channel).

    Handy for what-if plans, e.g. move 20% of TV to Weibo::

        cur = current_spend(result)
        evaluate_plan(result, {"tv": cur["tv"] * 0.8, "weibo": cur["weibo"] + cur["tv"] * 0.2})
    """
    prob = prepare(result, scenario or BudgetScenario())
    index = pd.Index(prob.channels, name="channel")
    return pd.Series(prob.channel_totals(prob.current), index=index, name="current_spend")


def optimize_budget(
    result: FitResult,
    scenario: BudgetScenario | None = None,
    ident: Identifiability | None = None,
) -> Allocation:
    """Recommend the split of the paid budget across channels for the planning window.

    Parameters
    ----------
    result : FitResult
        A fitted model.
    scenario : BudgetScenario, optional
        Window, budget, bounds, locks, objective; default: next 13 periods, the last 13
        periods' paid spend, ±30% per channel (±15% / ±10% for weakly identified /
        prior-dominated channels), maximise expected incremental revenue.
    ident : Identifiability, optional
        The fit's :func:`mmm.analysis.identify.identifiability`, when already computed (the report
        and the CLI compute it once). None: measured here (seeded by the fit's seed, so
        deterministic; about 0.4 s on a small fit) unless ``scenario.identifiability`` is
        False. Given with ``identifiability=False``, it annotates the moves without
        tightening any bound.

    Returns
    -------
    Allocation
        Current vs recommended spend and their expected revenue with uncertainty; the
        table's ``identifiability`` and ``evidence`` columns and ``caveats`` say which
        moves rest on channels the data cannot pin down. ``solver["success"]`` is False
        (with a :class:`SolverWarning`) if SLSQP failed; ``solver["notes"]`` says which
        bounds identifiability tightened, or why it was not measured.

    Raises
    ------
    ScenarioError
        Budget ≤ 0, bounds that cannot sum to the budget, every channel locked, a window
        before the data ends, unknown channel names, an unreachable target ROI.
    """
    sc = scenario or BudgetScenario()
    t0 = time.perf_counter()
    ident, notes = _identify(result, sc, ident)
    prob = prepare(result, sc, ident)
    resp = Response(result, prob, posterior_draws(result, sc))
    b = resp.basis(prob.shape)
    x, solver = _solve(prob, resp, b, sc, resp.evaluate(prob.current, b)[0])
    solver["seconds"] = time.perf_counter() - t0
    solver["notes"] = [*_tightened_note(prob, sc), *notes]
    if not solver["success"]:
        msg = f"The budget optimiser did not converge: {solver['message']}. Check the plan before use."
        warnings.warn(msg, SolverWarning, stacklevel=2)
    shapes = (prob.shape, prob.shape)
    plans = (prob.current, x)
    return build_allocation(result, sc, prob, resp, shapes, plans, solver, "optimized", ident)


def evaluate_plan(
    result: FitResult,
    plan: Mapping[str, float] | pd.DataFrame,
    scenario: BudgetScenario | None = None,
    ident: Identifiability | None = None,
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
    ident : Identifiability, optional
        As in :func:`optimize_budget`. The plan is never changed: the moves it makes on
        weakly identified or prior-dominated channels are annotated (``evidence``,
        ``caveats``, which also say when a move goes beyond the bound the optimiser would
        allow), and the table's bounds are the ones the optimiser would use.

    Returns
    -------
    Allocation
        Same outputs as :func:`optimize_budget`; ``mode == "what-if"``.
    """
    sc = scenario or BudgetScenario()
    t0 = time.perf_counter()
    ident, notes = _identify(result, sc, ident)
    prob = prepare(result, sc, ident)
    totals, shape = prob.channel_totals(prob.current), prob.shape.copy()
    check_channels([str(c) for c in plan], prob.channels, "the plan (paid channels)")
    if isinstance(plan, pd.DataFrame):
        if len(plan) != len(prob.dates):
            msg = f"The weekly plan has {len(plan)} rows; need one per period of the window ({len(prob.dates)})."
            raise ScenarioError(msg)
        vals = plan.to_numpy(dtype=float)
        cols = [prob.channels.index(str(c)) for c in plan.columns]
        totals[cols], shape[:, cols] = vals.sum(axis=0), weekly_shape(np.abs(vals), prob.shape[:, cols])
    else:
        vals = np.array([float(v) for v in plan.values()])
        totals[[prob.channels.index(c) for c in plan]] = vals
    if (vals < 0).any() or not np.isfinite(vals).all():
        raise ScenarioError(
            "Planned spend must be finite and >= 0 (in every period of a weekly plan)."
        )
    resp = Response(result, prob, posterior_draws(result, sc))
    solver = {
        "success": True,
        "message": "evaluated a given plan (no optimisation)",
        "iterations": 0,
        "seconds": time.perf_counter() - t0,
        "notes": notes,
    }
    shapes, plans = (prob.shape, shape), (prob.current, prob.cells_of(totals))
    return build_allocation(result, sc, prob, resp, shapes, plans, solver, "what-if", ident)
