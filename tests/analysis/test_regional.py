"""A regional panel end to end: load → hierarchical fit → ROI by region → plan by region → report.

One small real fit (3 provinces, two years, 2 chains × 150 draws) shared by the tests below:
enough to check that every stage carries the region axis consistently, not to claim recovery
(that is the slow test at the bottom, on more data).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.data.regions import RegionalBrand, generate_panel
from mmm.decisions.optimize import BudgetScenario, optimize_budget
from mmm.exceptions import ScenarioError
from mmm.model.spec import ModelSpec
from mmm.present.report.render import build
from mmm.present.runs import fit_and_write

CHANNELS = ["tv", "search", "weibo", "douyin", "mentions"]


@lru_cache(maxsize=1)
def panel() -> RegionalBrand:
    return generate_panel(seed=4, regions=3, weeks=104, channels=CHANNELS)


@lru_cache(maxsize=1)
def panel_run(out: str) -> Any:
    brand = panel()
    ds = from_dataframe(brand.data, brand.channel_map)
    spec = ModelSpec(chains=2, draws=150, tune=300, seed=2, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a tiny test fit's convergence is not what is tested
        return fit_and_write(ds, spec, out, say=lambda _: None, warn=lambda _: None)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return panel_run(str(tmp_path_factory.mktemp("panel") / "run"))


def test_the_fit_keeps_every_region(run: Any) -> None:
    res = run.result
    assert res.dataset.is_panel and list(res.design.geos) == list(panel().regions)
    beta = res.posterior["beta"]
    assert beta.sizes["geo"] == 3  # a regional effect per region, around the national one


def test_national_roi_is_the_spend_weighted_regional_roi(run: Any) -> None:
    res = run.result
    national = res.roi()
    by_geo = res.roi(by="geo")
    assert set(by_geo["geo"].values) == set(panel().regions)
    spend = res.dataset.data["spend"].sum("date")  # (geo, channel)
    for ch in national["channel"].values:
        w = spend.sel(channel=ch).values
        weighted = float((by_geo["roi_mean"].sel(channel=ch).values * w).sum() / w.sum())
        assert weighted == pytest.approx(float(national["roi_mean"].sel(channel=ch)), rel=1e-6)


def test_regional_contributions_add_up_to_the_national_ones(run: Any) -> None:
    res = run.result
    national = res.contributions()
    by_geo = res.contributions(geo=True)
    np.testing.assert_allclose(
        by_geo["mean"].sum("geo").values, national["mean"].values, rtol=1e-6, atol=1e-6
    )


def test_fitted_tracks_each_region(run: Any) -> None:
    fitted = run.result.fitted(geo=True)
    kpi = run.result.dataset.data["kpi"]
    for g in kpi["geo"].values:
        obs = kpi.sel(geo=g).values
        mape = float(np.mean(np.abs(fitted["mean"].sel(geo=g).values - obs) / obs))
        assert mape < 0.15, (g, mape)


def test_run_directory_has_the_regional_tables(run: Any) -> None:
    by_geo = pd.read_csv(run.paths["roi_by_geo"], encoding="utf-8-sig")
    assert set(by_geo["geo"]) == set(panel().regions)
    assert {"channel", "roi_mean"} <= set(by_geo.columns)


def test_the_plan_is_made_by_region_and_keeps_locked_regions(run: Any) -> None:
    res = run.result
    locked = panel().regions[0]
    sc = BudgetScenario(weeks=13, max_change=0.3, locked_geos=[locked])
    plan = optimize_budget(res, sc)
    assert plan.by_geo is not None
    rows = plan.by_geo
    assert set(rows["geo"]) == set(panel().regions)
    total_now, total_new = rows["current_spend"].sum(), rows["recommended_spend"].sum()
    assert total_new == pytest.approx(total_now, rel=1e-4)  # same budget, moved between cells
    mine = rows[(rows["geo"] == locked) & ~rows["national"]]
    np.testing.assert_allclose(mine["recommended_spend"], mine["current_spend"], rtol=1e-6)
    with pytest.raises(ScenarioError, match="Unknown region"):
        optimize_budget(res, BudgetScenario(weeks=13, locked_geos=["Atlantis"]))


def test_report_has_a_regions_section(run: Any, tmp_path: Path) -> None:
    res = run.result
    plan = optimize_budget(res, BudgetScenario(weeks=13, max_change=0.2))
    html = build(res, plan, out=tmp_path / "report.html", xlsx=False).read_text(encoding="utf-8")
    assert 'id="regions"' in html
    for g in panel().regions:
        assert g in html


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="issue 12, open: the panel model over-estimates ramped social channels' ROI "
    "(seed 11: Weibo and Douyin outside their 90% intervals, median error under 25%)",
)
def test_panel_recovers_national_roi_of_ramped_social_channels() -> None:
    """Six provinces, three years, social channels launched at different weeks per province:
    the national ROI of every paid channel lies in its 90% interval and the median error is
    small (one seed here; benchmarks/regional.py runs several)."""
    brand = generate_panel(seed=11, regions=6, weeks=156, channels=CHANNELS)
    ds = from_dataframe(brand.data, brand.channel_map)
    spec = ModelSpec(chains=2, draws=300, tune=800, seed=3, progress=False)
    res = MediaMixModel(spec).fit(ds)
    roi = res.roi()
    truth = brand.truth.set_index("channel")["roi"]
    errors = []
    inside = []
    for ch in roi["channel"].values:
        true = float(truth[ch])
        est = float(roi["roi_mean"].sel(channel=ch))
        lo, hi = float(roi["roi_lower"].sel(channel=ch)), float(roi["roi_upper"].sel(channel=ch))
        errors.append(abs(est - true) / true)
        inside.append(lo <= true <= hi)
    assert np.median(errors) < 0.25, dict(zip(roi["channel"].values, errors, strict=True))
    assert np.mean(inside) >= 0.75, dict(zip(roi["channel"].values, inside, strict=True))


def test_experiments_offer_a_matched_region_design(run: Any) -> None:
    from mmm.decisions.experiments import candidate_tests, scopes, true_lift

    res = run.result
    national, geo = scopes(res)
    assert geo.name == "geo" and set(geo.test_regions).isdisjoint(geo.control_regions)
    assert set(geo.test_regions) | set(geo.control_regions) == set(panel().regions)
    table = candidate_tests(res, ["weibo"], changes=[-1.0], durations=[6], draws=100)
    rows = table.set_index("scope")
    assert set(rows.index) == {"national", "geo"}
    assert rows.loc["geo", "test_regions"] == ";".join(geo.test_regions)
    # the geo design changes spend only in the test regions: less spend moved, less lift
    assert abs(rows.loc["geo", "spend_change"]) < abs(rows.loc["national", "spend_change"])
    assert abs(rows.loc["geo", "expected_lift"]) < abs(rows.loc["national", "expected_lift"])
    assert "regions" in rows.loc["geo", "design"]
    # national TV cannot be tested in some regions only
    tv = candidate_tests(res, ["tv"], changes=[-1.0], durations=[6], draws=50)
    assert set(tv["scope"]) == {"national"}
    # the generator's truth of a geo test: only the test regions' change counts
    dates = sorted(panel().data["week"].unique())
    start, end = dates[60], dates[65]
    some = true_lift(panel(), "weibo", start, end, change=-1.0, geo=geo.test_regions)
    every = true_lift(panel(), "weibo", start, end, change=-1.0)
    assert every < some < 0


def test_a_panel_gets_validation_tests_for_its_social_channels(run: Any) -> None:
    """A panel can be confidently wrong about a ramped social channel: experiments.csv checks
    the well identified ones with a matched-region test where that measures well."""
    from dataclasses import replace

    from mmm.analysis.identify import WELL, identifiability
    from mmm.decisions.experiments import experiments

    res = run.result
    ident = identifiability(res, draws=200)
    well = replace(ident, table=ident.table.assign(**{"class": WELL}))
    exp = experiments(res, well, draws=100).set_index("channel")
    assert {"weibo", "douyin"} <= set(exp.index)
    assert (exp.purpose == "validate").all()
    assert exp.loc["weibo", "note"].startswith("The data identifies weibo's ROI")
    # written by mmm fit on a panel: the file has the column, one row per channel at most
    written = pd.read_csv(Path(run.paths["experiments"]))
    assert "purpose" in written.columns and written.channel.is_unique


@lru_cache(maxsize=1)
def _calibrated(out: str) -> tuple[Any, Any, float]:
    """The 3-region fit refitted with a matched-region experiment: Weibo dark in the test
    regions for 8 weeks, measured with a 10% standard error (the generator's true outcome)."""
    from mmm.decisions.experiments import scopes, true_lift
    from mmm.model.lift import LiftTest

    res = panel_run(out).result
    geo = scopes(res)[1].test_regions
    dates = sorted(panel().data["week"].unique())
    start, end = dates[80], dates[87]
    lift = true_lift(panel(), "weibo", start, end, change=-1.0, geo=geo)
    test = LiftTest("weibo", start, end, lift, se=0.1 * abs(lift), change=-1.0, geo=geo)
    ds = from_dataframe(panel().data, panel().channel_map)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calibrated = MediaMixModel(res.spec.replace(lift_tests=(test,))).fit(ds)
    truth = float(panel().truth.set_index("channel").loc["weibo", "roi"])
    return res, calibrated, truth


def _weibo(r: Any) -> tuple[float, float]:
    roi = r.roi().sel(channel="weibo")
    return float(roi["roi_lower"]), float(roi["roi_upper"])


@pytest.mark.slow
def test_a_regional_lift_test_narrows_that_channels_interval(run: Any) -> None:
    res, calibrated, _ = _calibrated(str(run.paths["roi"].parent))
    (lo0, hi0), (lo1, hi1) = _weibo(res), _weibo(calibrated)
    assert hi1 - lo1 < 0.8 * (hi0 - lo0)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="issue 12/13, open: on this panel the calibrated Weibo interval (2.48 and up) "
    "excluded the true ROI 2.34 — the model's counterfactual and the generator's disagree "
    "somewhere (carry-over tail, earned media or the national effect); not yet found",
)
def test_the_calibrated_interval_covers_the_truth(run: Any) -> None:
    _, calibrated, truth = _calibrated(str(run.paths["roi"].parent))
    lo, hi = _weibo(calibrated)
    assert lo <= truth <= hi
