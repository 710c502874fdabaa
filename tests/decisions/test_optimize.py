"""Budget optimiser: constraints, objectives, what-if plans, outputs, and recovery of the true optimum.

Most tests reuse the shared small fit (:mod:`_fits`). The recovery tests judge the plan with
the generator's noise-free revenue (``SyntheticBrand.expected_kpi``) over the window plus a
carry-over tail, and compare it with the true optimum found by SciPy within the same bounds.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand, small_result
from scipy.optimize import minimize

from mmm._format import money
from mmm.analysis.attribution import simulate_window
from mmm.analysis.identify import PRIOR, WEAK, WELL, Identifiability, identifiability
from mmm.analysis.results import FitResult
from mmm.data.dataset import MMMDataset
from mmm.data.synthetic import SyntheticBrand, generate
from mmm.decisions.optimize import (
    CSV_COLUMNS,
    IDENT_COLUMNS,
    Allocation,
    BudgetScenario,
    SolverWarning,
    caveat,
    current_spend,
    evaluate_plan,
    headline_text,
    optimize_budget,
    write_allocation,
)
from mmm.decisions.optimize.response import Response
from mmm.decisions.optimize.scenario import posterior_draws, prepare
from mmm.exceptions import ScenarioError, UnknownChannelError

PAID = ["tv", "search", "weibo", "douyin"]
TAIL = 16  # carry-over weeks after the window (adstock + earned adstock, 2 x 7 lags)
CAP = {WELL: 0.3, WEAK: 0.15, PRIOR: 0.10}  # default relative bound by class (max_change 0.3)


@pytest.fixture(scope="module")
def result() -> FitResult:
    return small_result()


@pytest.fixture(scope="module")
def alloc(result: FitResult) -> Allocation:
    return optimize_budget(result)


@pytest.fixture(scope="module")
def ident(result: FitResult) -> Identifiability:
    return identifiability(result)


def _forced(ident: Identifiability, **classes: str) -> Identifiability:
    """``ident`` with the given channels' classes replaced (the others well identified)."""
    table = ident.table.copy()
    table["class"] = [classes.get(c, WELL) for c in table["channel"]]
    table["reason"] = ["forced in a test" if c in classes else "" for c in table["channel"]]
    return replace(ident, table=table)


def _check_constraints(a: Allocation, budget: float, equal: bool = True) -> None:
    t = a.table
    total = t["recommended_spend"].sum()
    assert total <= budget * (1 + 1e-12)
    if equal:
        assert total == pytest.approx(budget, rel=1e-9)
    assert (t["recommended_spend"] >= t["lower_bound"] - 1e-9 * budget).all()
    assert (t["recommended_spend"] <= t["upper_bound"] + 1e-9 * budget).all()
    locked = t[t["locked"]]
    assert (locked["recommended_spend"] == locked["current_spend"]).all()


# ---------------------------------------------------------------------- the response model
def test_fast_response_equals_simulate_window(result: FitResult) -> None:
    """The optimiser's response (linear adstock trick) is attribution.simulate_window, summed."""
    sc = BudgetScenario()
    prob = prepare(result, sc)
    params = posterior_draws(result, sc)
    resp = Response(result, prob, params)
    b = resp.basis(prob.shape)
    x = prob.current * np.array([1.2, 0.8, 1.1, 0.9])
    fast, _ = resp.evaluate(x, b)
    act = prob.fixed.copy()
    spend = resp.grid(x)  # (G, P): what the cells put in each region
    act[prob.gap : prob.gap + sc.weeks][:, :, prob.index] += prob.shape[:, None, :] * spend * prob.ratio
    direct, _ = simulate_window(result, act, params, history=result.dataset.data["activity"].values)
    np.testing.assert_allclose(fast, direct.sum(axis=(1, 2, 3)), rtol=1e-10)


def test_gradient_matches_finite_differences(result: FitResult) -> None:
    sc = BudgetScenario()
    prob = prepare(result, sc)
    resp = Response(result, prob, posterior_draws(result, sc))
    b = resp.basis(prob.shape)
    x = prob.current * np.array([0.9, 1.1, 1.3, 0.7])
    _, g = resp.evaluate(x, b, grad=True)
    for j in range(len(x)):
        h = 1e-4 * x[j]
        up, dn = x.copy(), x.copy()
        up[j] += h
        dn[j] -= h
        fd = (resp.evaluate(up, b)[0] - resp.evaluate(dn, b)[0]) / (2 * h)
        np.testing.assert_allclose(g[:, j], fd, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------- default plan
def test_default_allocation(result: FitResult, alloc: Allocation) -> None:
    cur = current_spend(result)
    last13 = result.dataset.data["spend"].sel(channel=PAID).isel(geo=0).values[-13:].sum(axis=0)
    np.testing.assert_allclose(cur.to_numpy(), last13)
    assert alloc.budget == pytest.approx(last13.sum())
    assert alloc.weeks == 13 and alloc.start > result.dataset.dates[-1]
    assert (alloc.end - alloc.start).days == 7 * 12
    assert alloc.solver["success"] and alloc.solver["seconds"] > 0
    _check_constraints(alloc, alloc.budget)
    t = alloc.table
    assert list(t.columns) == [
        *CSV_COLUMNS, "locked", "lower_bound", "upper_bound", *IDENT_COLUMNS
    ]  # fmt: skip
    # the small fit's own classes (measured inside optimize_budget) set the default bounds
    assert set(t["identifiability"]) <= set(CAP) and (t["identifiability"] != "").all()
    cap = t["identifiability"].map(CAP).to_numpy()
    np.testing.assert_allclose(t["lower_bound"], cur.to_numpy() * (1 - cap))
    np.testing.assert_allclose(t["upper_bound"], cur.to_numpy() * (1 + cap))
    np.testing.assert_allclose(t["change"], t["recommended_spend"] - t["current_spend"])
    assert alloc.uplift_mean > 0 and alloc.prob_improvement > 0.5
    assert alloc.uplift_lower < alloc.uplift_mean < alloc.uplift_upper
    assert alloc.uplift_mean == pytest.approx(alloc.uplift_draws.mean())
    assert alloc.revenue_recommended[0] - alloc.revenue_current[0] == pytest.approx(
        alloc.uplift_mean
    )
    weekly = alloc.weekly_recommended
    assert weekly.shape == (13, 4) and weekly.index[0] == alloc.start
    np.testing.assert_allclose(weekly.sum().to_numpy(), t["recommended_spend"].to_numpy())
    g = alloc.group_totals.set_index(["kind", "group"])
    social = t[t["social"]]
    assert g.loc[("social", "social"), "change"] == pytest.approx(social["change"].sum())
    assert g.loc[("total", "all paid"), "recommended_spend"] == pytest.approx(alloc.budget)


def test_recommendation_satisfies_optimality_conditions(alloc: Allocation) -> None:
    """KKT: free channels share one marginal ROI; at the upper bound mROI is higher, at the lower lower."""
    t = alloc.table
    tol = 1e-6 * alloc.budget
    at_hi = t["recommended_spend"] >= t["upper_bound"] - tol
    at_lo = t["recommended_spend"] <= t["lower_bound"] + tol
    free = t[~at_hi & ~at_lo]
    assert len(free) >= 1
    level = free["mroi_recommended"].mean()
    np.testing.assert_allclose(free["mroi_recommended"], level, rtol=1e-3)
    assert (t.loc[at_hi, "mroi_recommended"] >= level - 1e-3).all()
    assert (t.loc[at_lo, "mroi_recommended"] <= level + 1e-3).all()


def test_results_identical_for_same_seed(result: FitResult, alloc: Allocation) -> None:
    again = optimize_budget(result)
    pd.testing.assert_frame_equal(again.table, alloc.table)
    np.testing.assert_array_equal(again.uplift_draws, alloc.uplift_draws)
    assert again.caveats == alloc.caveats and again.solver["notes"] == alloc.solver["notes"]
    sub = BudgetScenario(n_draws=120, seed=5)
    a, b = optimize_budget(result, sub), optimize_budget(result, sub)
    assert len(a.uplift_draws) == 120
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_array_equal(a.uplift_draws, b.uplift_draws)


# ---------------------------------------------------------------------- bounds, locks, budgets
def test_locks_and_absolute_bounds(result: FitResult) -> None:
    cur = current_spend(result)
    sc = BudgetScenario(
        locked=["douyin"], bounds={"tv": (0.0, None), "weibo": (None, cur["weibo"] * 1.1)}
    )
    a = optimize_budget(result, sc)
    _check_constraints(a, a.budget)
    t = a.table.set_index("channel")
    assert t.loc["douyin", "recommended_spend"] == cur["douyin"] and t.loc["douyin", "locked"]
    assert t.loc["tv", "lower_bound"] == 0.0
    assert t.loc["weibo", "upper_bound"] == pytest.approx(cur["weibo"] * 1.1)
    assert t.loc["weibo", "recommended_spend"] <= cur["weibo"] * 1.1 * (1 + 1e-12)


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_other_budgets(result: FitResult, factor: float) -> None:
    # ±10%: within what the identifiability bounds allow for this small fit (channels weakly
    # identified move at most ±15%, prior-dominated ±10%); further is a named ScenarioError
    budget = current_spend(result).sum() * factor
    a = optimize_budget(result, BudgetScenario(budget=budget))
    assert a.solver["success"]
    _check_constraints(a, budget)


def test_zero_spend_channel(result: FitResult) -> None:
    """A paid channel dark in the last weeks: pinned at 0 by relative bounds, usable with absolute ones."""
    data = result.dataset.data.copy(deep=True)
    j = list(result.channels).index("weibo")
    data["spend"].values[-20:, :, j] = 0.0
    data["activity"].values[-20:, :, j] = 0.0
    dark = FitResult(
        result.posterior,
        result.sample_stats,
        MMMDataset(data, result.dataset.channel_map),
        result.spec,
    )
    a = optimize_budget(dark)
    _check_constraints(a, a.budget)
    t = a.table.set_index("channel")
    assert t.loc["weibo", "current_spend"] == 0 and t.loc["weibo", "recommended_spend"] == 0
    assert t.loc["weibo", "change_pct"] == 0 and np.isfinite(t.loc["weibo", "mroi_current"])
    b = optimize_budget(dark, BudgetScenario(bounds={"weibo": (0.0, 2e6)}))
    _check_constraints(b, b.budget)
    w = b.table.set_index("channel").loc["weibo"]
    assert 0 < w["recommended_spend"] <= 2e6 * (1 + 1e-12)
    assert np.isnan(w["change_pct"])  # growth from zero has no percentage
    assert b.uplift_mean >= a.uplift_mean - 1e-6 * a.budget
    json.dumps(b.to_dict())  # NaN is written as null


# ---------------------------------------------------------------------- objectives and risk
def test_profit_objective(result: FitResult) -> None:
    margin = 0.4
    a = optimize_budget(result, BudgetScenario(objective="profit", margin=margin, max_change=0.5))
    assert a.solver["success"]
    _check_constraints(a, a.budget, equal=False)
    t = a.table
    above_floor = t["recommended_spend"] > t["lower_bound"] * (1 + 1e-6)
    assert (margin * t.loc[above_floor, "mroi_recommended"] >= 1 - 1e-3).all()
    below_cap = t["recommended_spend"] < t["upper_bound"] * (1 - 1e-6)
    spent_all = t["recommended_spend"].sum() >= a.budget * (1 - 1e-9)
    if not spent_all:  # budget not binding: no channel could earn more than it costs
        assert (margin * t.loc[below_cap, "mroi_recommended"] <= 1 + 1e-3).all()
    assert a.profit_uplift is not None and a.profit_uplift[0] >= -1e-6 * a.budget
    assert "expected profit" in a.headline


def test_target_roi_objective(result: FitResult) -> None:
    a = optimize_budget(
        result, BudgetScenario(objective="target_roi", target_roi=2.0, max_change=0.5)
    )
    assert a.solver["success"]
    _check_constraints(a, a.budget, equal=False)
    assert a.revenue_recommended[0] / a.table["recommended_spend"].sum() >= 2.0 - 1e-6
    with pytest.raises(ScenarioError, match="target_roi == 50.0 cannot be reached"):
        optimize_budget(result, BudgetScenario(objective="target_roi", target_roi=50.0))


def test_risk_lower_is_more_cautious(result: FitResult, alloc: Allocation) -> None:
    a = optimize_budget(result, BudgetScenario(risk="lower"))
    assert a.solver["success"] and a.risk == "lower"
    _check_constraints(a, a.budget)
    assert a.table["change"].abs().sum() <= alloc.table["change"].abs().sum() + 1e-6 * a.budget
    assert a.uplift_lower >= alloc.uplift_lower


def test_flighting_and_window_start(result: FitResult, alloc: Allocation) -> None:
    burst = pd.DataFrame({"tv": np.r_[np.ones(4), np.zeros(9)]})
    a = optimize_budget(result, BudgetScenario(flighting=burst))
    assert (a.weekly_recommended["tv"].iloc[4:] == 0).all()
    assert a.weekly_recommended["tv"].iloc[:4].sum() == pytest.approx(
        a.table["recommended_spend"].iloc[0]
    )
    later = result.dataset.dates[-1] + pd.Timedelta(weeks=5)
    b = optimize_budget(result, BudgetScenario(start=later, weeks=8))
    assert b.start == later and b.weeks == 8 and b.solver["success"]
    _check_constraints(b, b.budget)


def test_solver_failure_is_reported_loudly(
    result: FitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scipy.optimize

    real = scipy.optimize.minimize  # the optimiser imports it when it solves

    def failing(*args: Any, **kwargs: Any) -> Any:
        res = real(*args, **{**kwargs, "options": {"maxiter": 1}})
        res.success, res.message = False, "Iteration limit reached"
        return res

    monkeypatch.setattr(scipy.optimize, "minimize", failing)
    with pytest.warns(SolverWarning, match="did not converge"):
        a = optimize_budget(result)
    assert a.solver["success"] is False and "Iteration limit" in a.solver["message"]
    assert a.headline.startswith("WARNING")
    _check_constraints(a, a.budget)
    assert not np.allclose(a.table["recommended_spend"], a.budget / 4)  # never a silent equal split


# ---------------------------------------------------------------------- identifiability
def test_weak_and_prior_dominated_channels_get_tighter_default_bounds(
    result: FitResult, ident: Identifiability
) -> None:
    forced = _forced(ident, search=WEAK, weibo=PRIOR)
    a = optimize_budget(result, ident=forced)
    assert a.solver["success"]
    _check_constraints(a, a.budget)
    cur = current_spend(result)
    t = a.table.set_index("channel")
    for ch, cap in {"tv": 0.3, "search": 0.15, "weibo": 0.10, "douyin": 0.3}.items():
        assert t.loc[ch, "lower_bound"] == pytest.approx(cur[ch] * (1 - cap))
        assert t.loc[ch, "upper_bound"] == pytest.approx(cur[ch] * (1 + cap))
    assert list(t["identifiability"]) == [WELL, WEAK, PRIOR, WELL]
    assert "search (±15%) and weibo (±10%) are held" in a.solver["notes"][0]
    # every move on a forced channel is annotated and listed as a caveat naming it
    for ch, cls in (("search", WEAK), ("weibo", PRIOR)):
        moved = abs(t.loc[ch, "change_pct"]) >= 0.01
        assert (t.loc[ch, "evidence"] != "") == moved
        if moved:
            text = caveat(ch, t.loc[ch, "change"], cls, a.currency)
            assert text in a.caveats and text in str(a) and "What to test next quarter" in text
    assert (t.loc[["tv", "douyin"], "evidence"] == "").all()
    assert len(a.caveats) == (t["evidence"] != "").sum() >= 1
    assert "Caveats" in a._repr_html_() and json.loads(json.dumps(a.to_dict()))["caveats"]
    # a smaller max_change is never widened by the class caps
    b = optimize_budget(result, BudgetScenario(max_change=0.12), ident=forced)
    tb = b.table.set_index("channel")
    assert tb.loc["search", "upper_bound"] == pytest.approx(cur["search"] * 1.12)
    assert tb.loc["weibo", "upper_bound"] == pytest.approx(cur["weibo"] * 1.10)


def test_explicit_bounds_and_locks_win_over_identifiability(
    result: FitResult, ident: Identifiability
) -> None:
    cur = current_spend(result)
    forced = _forced(ident, search=PRIOR, weibo=PRIOR, douyin=WEAK)
    sc = BudgetScenario(bounds={"search": (cur["search"] * 0.5, None)}, locked=["weibo"])
    t = optimize_budget(result, sc, ident=forced).table.set_index("channel")
    assert t.loc["search", "lower_bound"] == pytest.approx(cur["search"] * 0.5)
    assert t.loc["search", "upper_bound"] == pytest.approx(cur["search"] * 1.3)  # max_change side
    assert t.loc["weibo", "locked"] and t.loc["weibo", "upper_bound"] == cur["weibo"]
    assert t.loc["douyin", "upper_bound"] == pytest.approx(cur["douyin"] * 1.15)


def test_identifiability_off_keeps_max_change(
    result: FitResult, ident: Identifiability, monkeypatch: pytest.MonkeyPatch
) -> None:
    cur = current_spend(result).to_numpy()
    forced = _forced(ident, search=PRIOR, weibo=PRIOR)
    off = BudgetScenario(identifiability=False)
    a = optimize_budget(result, off, ident=forced)  # annotates, tightens nothing
    np.testing.assert_allclose(a.table["upper_bound"], cur * 1.3)
    assert list(a.table["identifiability"]) == [WELL, PRIOR, PRIOR, WELL]
    assert a.solver["notes"] == []

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("identifiability must not be measured")

    monkeypatch.setattr("mmm.analysis.identify.identifiability", boom)
    b = optimize_budget(result, off)
    np.testing.assert_allclose(b.table["lower_bound"], cur * 0.7)
    assert (b.table["identifiability"] == "").all() and b.caveats == ()
    np.testing.assert_allclose(b.table["recommended_spend"], a.table["recommended_spend"])


def test_a_map_result_is_optimised_with_a_note(result: FitResult) -> None:
    point = replace(result, posterior=result.posterior.isel(chain=[0], draw=[0]))
    a = optimize_budget(point)
    assert a.solver["success"]
    _check_constraints(a, a.budget)
    np.testing.assert_allclose(a.table["upper_bound"], current_spend(result).to_numpy() * 1.3)
    assert (a.table["identifiability"] == "").all() and a.caveats == ()
    (note,) = a.solver["notes"]
    assert "Identifiability was not measured" in note and "±30%" in note
    assert note in str(a) and json.dumps(a.to_dict())


def test_what_if_is_annotated_but_never_changed(result: FitResult, ident: Identifiability) -> None:
    cur = current_spend(result)
    plan = {"search": cur["search"] * 1.4, "tv": cur["tv"] - cur["search"] * 0.4}
    a = evaluate_plan(result, plan, ident=_forced(ident, search=WEAK))
    t = a.table.set_index("channel")
    assert t.loc["search", "recommended_spend"] == plan["search"]
    assert t.loc["tv", "recommended_spend"] == plan["tv"]
    assert t.loc["search", "upper_bound"] == pytest.approx(cur["search"] * 1.15)
    (text,) = a.caveats
    assert text.startswith("The +¥") and "to search rests on a weakly identified ROI" in text
    assert "beyond the ±15% the optimiser allows for search" in text


def test_tight_bounds_that_miss_the_budget_say_why(
    result: FitResult, ident: Identifiability
) -> None:
    forced = _forced(ident, tv=PRIOR, search=PRIOR, weibo=PRIOR, douyin=PRIOR)
    budget = current_spend(result).sum() * 1.2
    with pytest.raises(
        ScenarioError, match=r"are held near their current spend.*identifiability=False"
    ):
        optimize_budget(result, BudgetScenario(budget=budget), ident=forced)
    off = optimize_budget(result, BudgetScenario(budget=budget, identifiability=False))
    _check_constraints(off, budget)


# ---------------------------------------------------------------------- what-if plans
def test_evaluate_plan_move_tv_to_weibo(result: FitResult) -> None:
    cur = current_spend(result)
    plan = {"tv": cur["tv"] * 0.8, "weibo": cur["weibo"] + cur["tv"] * 0.2}
    a = evaluate_plan(result, plan)
    assert a.mode == "what-if" and a.objective == "what-if"
    t = a.table.set_index("channel")
    assert t.loc["tv", "change_pct"] == pytest.approx(-0.2)
    assert t.loc["search", "change"] == 0 and t.loc["douyin", "change"] == 0
    assert a.budget == pytest.approx(cur.sum())
    # weibo's marginal ROI is far above tv's, so the move helps
    assert t.loc["weibo", "mroi_current"] > t.loc["tv", "mroi_current"]
    assert a.uplift_mean > 0 and a.headline.startswith("Moving")
    same = evaluate_plan(result, a.weekly_recommended)  # the same plan, given week by week
    np.testing.assert_allclose(same.uplift_draws, a.uplift_draws, rtol=1e-9, atol=1e-6)
    unchanged = evaluate_plan(result, {})
    assert unchanged.uplift_mean == 0 and "matches the current" in unchanged.headline


def test_evaluate_plan_reproduces_the_optimum(result: FitResult, alloc: Allocation) -> None:
    plan = dict(zip(alloc.table["channel"], alloc.table["recommended_spend"], strict=True))
    again = evaluate_plan(result, plan)
    np.testing.assert_allclose(again.uplift_draws, alloc.uplift_draws, rtol=1e-9, atol=1e-6)


# ---------------------------------------------------------------------- bad input
BAD = [
    ({"budget": 0.0}, "budget == 0.0, must be > 0"),
    ({"budget": -5.0}, "budget == -5.0, must be > 0"),
    ({"weeks": 0}, "weeks == 0, must be an integer >= 1"),
    ({"max_change": -0.1}, "max_change == -0.1, must be >= 0"),
    ({"objective": "clicks"}, "objective == 'clicks'; allowed: revenue, profit, target_roi"),
    ({"objective": "profit"}, "objective='profit' needs margin"),
    ({"margin": 1.5}, r"margin == 1.5, must be in \(0, 1\]"),
    ({"objective": "target_roi"}, "needs target_roi > 0"),
    ({"risk": "max"}, "risk == 'max'; allowed: mean, lower"),
    ({"bounds": {"tv": (5.0, 1.0)}}, "need 0 <= min <= max"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD)
def test_bad_scenarios_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        BudgetScenario(**kwargs)


def test_bad_scenarios_against_the_data(result: FitResult) -> None:
    cur = current_spend(result)
    last = result.dataset.dates[-1]
    cases = [
        (
            BudgetScenario(budget=cur.sum() * 2),
            r"cannot be met within the channel bounds.*between ¥\d",
        ),
        (BudgetScenario(budget=cur.sum() * 0.5), r"allow a total between .*widen max_change"),
        (BudgetScenario(objective="profit", margin=0.4, budget=cur.sum() * 0.5), "at least ¥"),
        (BudgetScenario(locked=PAID), "Every paid channel is locked"),
        (BudgetScenario(start=last), f"before the data ends \\({last.date()}\\); allowed: "),
        (BudgetScenario(start=last - pd.Timedelta(weeks=10)), "before the data ends"),
        (BudgetScenario(start=last + pd.Timedelta(days=3)), "not a period of the data's calendar"),
        (
            BudgetScenario(weeks=500),
            r"weeks == 500 is longer than the data \(104 periods\); allowed: 1..104",
        ),
        (BudgetScenario(bounds={"tv": (cur["tv"] * 2, None)}), "leaves min > max"),
        (
            BudgetScenario(flighting=pd.DataFrame({"tv": np.ones(5)})),
            "flighting has 5 rows; need one per period",
        ),
    ]
    for sc, message in cases:
        with pytest.raises(ScenarioError, match=message):
            optimize_budget(result, sc)
    unknown = [
        (
            BudgetScenario(locked=["tiktok"]),
            r"Unknown channel 'tiktok' in locked \(paid channels\); allowed: 'tv'",
        ),
        (BudgetScenario(locked=["wechat_posts"]), "Unknown channel 'wechat_posts'"),
        (BudgetScenario(bounds={"kol": (0, 1)}), r"Unknown channel 'kol' in bounds"),
    ]
    for sc, message in unknown:  # one error type for this mistake everywhere
        with pytest.raises(UnknownChannelError, match=message):
            optimize_budget(result, sc)
    with pytest.raises(UnknownChannelError, match=r"Unknown channel 'radio' in the plan"):
        evaluate_plan(result, {"radio": 1.0})
    with pytest.raises(ScenarioError, match="finite and >= 0"):
        evaluate_plan(result, {"tv": -1.0})
    with pytest.raises(ScenarioError, match="weekly plan has 3 rows"):
        evaluate_plan(result, pd.DataFrame({"tv": [1.0, 2.0, 3.0]}))


# ---------------------------------------------------------------------- outputs
def test_write_allocation(alloc: Allocation, tmp_path: Any) -> None:
    paths = write_allocation(alloc, tmp_path / "run")
    csv = pd.read_csv(paths["csv"], keep_default_na=False)
    assert list(csv.columns) == [
        "channel", "media", "social", "current_spend", "recommended_spend", "change",
        "change_pct", "mroi_current", "mroi_recommended", "identifiability", "evidence",
    ]  # fmt: skip
    assert list(csv["identifiability"]) == list(alloc.table["identifiability"])
    assert list(csv["channel"]) == PAID
    np.testing.assert_allclose(csv["recommended_spend"].sum(), alloc.budget)
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["window"] == {
        "start": str(alloc.start.date()),
        "end": str(alloc.end.date()),
        "weeks": 13,
    }
    assert doc["totals"]["recommended_spend"] == pytest.approx(alloc.budget)
    assert set(doc["uplift"]) == {"mean", "lower", "upper", "prob"} and doc["uplift"]["prob"] == 0.9
    assert doc["uplift"]["mean"] == pytest.approx(alloc.uplift_mean)
    assert doc["prob_improvement"] == pytest.approx(alloc.prob_improvement)
    assert doc["solver"]["success"] is True and doc["headline"] == alloc.headline
    assert doc["caveats"] == list(alloc.caveats) and isinstance(doc["solver"]["notes"], list)
    assert len(doc["channels"]) == 4 and doc["groups"][0]["kind"] == "media"


def test_text_and_html(alloc: Allocation) -> None:
    text = str(alloc)
    assert alloc.headline in text and "douyin" in text and "converged" in text
    page = alloc._repr_html_()
    assert "<table" in page and "mroi_recommended" in page
    assert alloc.to_dataframe() is not alloc.table
    assert alloc.headline.startswith("Move ¥") and "probability of improvement" in alloc.headline


def test_headline_wording() -> None:
    t = pd.DataFrame(
        {"channel": ["tv", "outdoor", "douyin", "kol"], "change": [-8e5, -4e5, 9e5, 3e5]}
    )
    text = headline_text(t, (9e5, 3e5, 1.5e6), 0.87)
    assert text == (
        "Move ¥1.2M from tv and outdoor to douyin and kol: +¥900K expected revenue "
        "(90% interval ¥300K to ¥1.5M), 87% probability of improvement."
    )
    assert money(999_999.0) == "¥1.0M" and money(-2.5e9, "$") == "-$2.5B"
    assert money(123.4) == "¥123" and money(float("nan")) == "–"
    keep = headline_text(t.assign(change=0.0), (0.0, 0.0, 0.0), 0.0)
    assert keep.startswith("Keep the current split")
    more = headline_text(t.assign(change=[1e5, 2e5, 3e5, 4e5]), (1e5, 0.0, 2e5), 0.9)
    assert more.startswith("Add ¥1.0M to kol, douyin, outdoor and 1 more")
    assert caveat("tv", -1.2e6, PRIOR, "$").startswith(
        "The $1.2M cut from tv rests on a prior-dominated ROI: the estimate is mostly our prior"
    )


# ---------------------------------------------------------------------- recovery of the true optimum
def true_revenue(brand: SyntheticBrand, a: Allocation, totals: np.ndarray) -> float:
    """Noise-free revenue over the window and a zero-spend tail, the plan flighted like the current one."""
    cmap, data = brand.channel_map, brand.data
    shape = a.weekly_current / a.weekly_current.sum()
    frame = pd.DataFrame({cmap.date: pd.date_range(a.start, periods=a.weeks + TAIL, freq="W-MON")})
    for ch, total in zip(a.table["channel"], totals, strict=True):
        frame[cmap.channel(ch).spend] = np.r_[shape[ch].to_numpy() * total, np.zeros(TAIL)]
    for ch in cmap.channels:
        if ch.media == "owned":
            frame[ch.activity] = data[ch.activity].iloc[-a.weeks :].mean()
    frame[list(cmap.controls)] = [1.0, 0.0]  # price index, promotion
    return float(brand.expected_kpi(frame).sum())


def gain_captured(brand: SyntheticBrand, a: Allocation) -> tuple[float, float, float]:
    """(true gain of the recommendation, true gain of the true optimum, share captured)."""
    t = a.table
    cur, rec = t["current_spend"].to_numpy(), t["recommended_spend"].to_numpy()
    scale = a.budget
    res = minimize(
        lambda y: -true_revenue(brand, a, y * scale) / scale,
        cur / scale,
        method="SLSQP",
        bounds=list(zip(t["lower_bound"] / scale, t["upper_bound"] / scale, strict=True)),
        constraints=[{"type": "eq", "fun": lambda y: y.sum() - 1.0}],
        options={"ftol": 1e-12, "maxiter": 300},
    )
    assert res.success, res.message
    base = true_revenue(brand, a, cur)
    gain_rec = true_revenue(brand, a, rec) - base
    gain_opt = true_revenue(brand, a, res.x * scale) - base
    return gain_rec, gain_opt, gain_rec / gain_opt


def test_recommendation_raises_true_revenue(alloc: Allocation) -> None:
    """Small fit (2 years, 4 paid channels): measured 97% of the true optimum's gain."""
    gain_rec, gain_opt, share = gain_captured(small_brand(), alloc)
    assert gain_opt > 0 and gain_rec > 0
    assert share >= 0.5, (gain_rec, gain_opt)


@pytest.mark.slow
def test_recommendation_recovers_true_optimum_six_paid_channels() -> None:
    """Three years, six paid channels (three social, one owned source of mentions), ±50% moves."""
    from mmm.analysis.fit import MediaMixModel
    from mmm.data.load import from_dataframe
    from mmm.model.spec import ModelSpec

    chans = ["tv", "search", "outdoor", "weibo", "douyin", "kol", "wechat_posts", "mentions"]
    brand = generate(seed=7, weeks=156, channels=chans)
    spec = ModelSpec(chains=2, draws=300, tune=300, seed=2, progress=False, holdout_periods=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MediaMixModel(spec).fit(from_dataframe(brand.data, brand.channel_map))
    a = optimize_budget(fit, BudgetScenario(max_change=0.5))
    assert a.solver["success"]
    _check_constraints(a, a.budget)
    gain_rec, gain_opt, share = gain_captured(brand, a)
    assert gain_rec > 0 and share >= 0.5, (gain_rec, gain_opt)
    assert a.uplift_lower <= gain_rec * 1.5  # the model's claim is not wildly beyond the truth


def test_headline_never_claims_certainty_and_map_has_no_probability() -> None:
    from mmm.decisions.optimize import headline_text

    t = pd.DataFrame({"channel": ["tv", "douyin"], "change": [-1.2e6, 1.2e6]})
    assert ">99% probability" in headline_text(t, (9e5, 3e5, 1.5e6), 1.0)
    approx = headline_text(t, (9e5, 9e5, 9e5), 1.0, approximate=True)
    assert "APPROXIMATE" in approx and "probability of improvement" not in approx
