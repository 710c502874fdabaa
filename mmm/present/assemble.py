"""Everything one report shows, assembled from the per-section functions of :mod:`mmm.present.sections`.

The report's data comes in two parts:

- :class:`ResultTables`: what depends on the fit alone (and the reporting quarter). It takes
  the posterior passes (contributions, ROI, response curves, fitted values), so it is most of a
  report's time; :mod:`mmm.present.stored` keeps it beside a run, so that the next report of
  the same run reads it instead of computing it again.
- the rest: the budget plan, identifiability and the lift tests, the diagnostics and the
  cross-validation, which :func:`report_data` joins to the tables. It is quick.

:func:`collect` does both: ``report_data(result_tables(...), ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from mmm.present import sections as S
from mmm.present.evidence import Evidence, annotate_plan, evidence_data, evidence_source
from mmm.present.plan import Plan, plan_data
from mmm.present.regions import RegionData, region_base, with_plan
from mmm.present.sentiment import SentimentData, sentiment_data

if TYPE_CHECKING:
    from mmm._checks import Checks
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult
    from mmm.analysis.validate import CrossValidation


@dataclass(frozen=True)
class FitTables:
    """The tables of a report that depend on the fit and the reporting quarter only."""

    quarter: S.Quarter
    summary: dict[str, Any]
    quarter_table: pd.DataFrame
    contributions: pd.DataFrame
    waterfall: pd.DataFrame
    roi: pd.DataFrame
    no_cost: pd.DataFrame
    earned: pd.DataFrame
    earned_totals: pd.DataFrame
    curves: pd.DataFrame
    fit: pd.DataFrame
    appendix: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class ReportData(FitTables):
    """Everything the report shows, as plain data (one attribute group per section)."""

    marks: pd.DataFrame
    plan: Plan | None
    checks: Checks
    accuracy: pd.DataFrame
    evidence: Evidence = field(default_factory=lambda: Evidence(None))
    regions: RegionData | None = None
    #: out-of-sample validation of the specification (``mmm cv``), when one was run
    cross_validation: CrossValidation | None = None
    sentiment: SentimentData | None = None


@dataclass(frozen=True)
class ResultTables(FitTables):
    """The part of :class:`ReportData` that depends on the fit and the reporting quarter only.

    ``summary`` is :func:`~mmm.present.sections.executive_summary` without the plan;
    ``curve_points`` the point now on each response curve (:func:`~mmm.present.sections.curve_points`),
    the curves reaching ``curve_top`` × the spend of ``curve_periods`` periods; ``regions`` the
    regional section without the plan (:func:`~mmm.present.regions.region_base`);
    ``approximate`` and ``evidence_samples`` say whether identifiability can be measured on the
    draws (:func:`~mmm.present.evidence.evidence_without_draws`).
    """

    curve_points: pd.DataFrame
    curve_top: float
    curve_periods: int
    regions: RegionData | None
    sentiment: SentimentData | None
    approximate: bool
    evidence_samples: int

    def curve_top_for(self, allocation: Any) -> float:
        """How far the curves must reach to show ``allocation``'s recommendation."""
        points = self.curve_points
        spend = (
            {}
            if points.empty
            else dict(zip(points["channel"], points["spend_current"], strict=True))
        )
        return S.curve_top(allocation, spend, self.curve_periods)


def result_tables(
    src: S.Source, quarter: str | None = None, top: float = S.CURVE_TOP
) -> ResultTables:
    """Compute :class:`ResultTables` for the report on ``src`` (curves up to ``top`` × spend)."""
    q = S.quarter_windows(src, quarter)
    earned, earned_totals = S.earned_tables(src, q.current)
    curves, points = S.curve_points(src, q.current, top)
    _, periods = S.curve_spend(src, q.current)
    ev = evidence_source(src)
    return ResultTables(
        quarter=q,
        summary=S.executive_summary(src, q, None),
        quarter_table=S.quarter_table(src, q),
        contributions=S.contributions_over_time(src),
        waterfall=S.waterfall_table(src, q.current),
        roi=S.roi_table(src, None),
        no_cost=S.no_cost_table(src, None),
        earned=earned,
        earned_totals=earned_totals,
        curves=curves,
        curve_points=points,
        curve_top=float(top),
        curve_periods=periods,
        fit=S.fit_table(src),
        appendix=S.appendix_tables(src),
        regions=region_base(src.result),
        sentiment=sentiment_data(src.result),
        approximate=ev.is_approximate,
        evidence_samples=ev.n_samples,
    )


def report_data(
    tables: ResultTables,
    allocation: Any,
    evidence: Evidence,
    checks: Checks,
    cross_validation: CrossValidation | None = None,
) -> ReportData:
    """The report's data: ``tables`` with the plan, the evidence, the checks and the validation.

    Raises
    ------
    ValueError
        When ``tables``' response curves stop short of ``allocation``'s recommendation
        (:meth:`ResultTables.curve_top_for`): compute the tables for this plan.
    """
    if tables.curve_top_for(allocation) != tables.curve_top:
        raise ValueError(
            f"the response curves reach {tables.curve_top}× the current spend; this plan needs "
            f"{tables.curve_top_for(allocation)}×: compute the tables with that top."
        )
    plan = annotate_plan(plan_data(allocation), evidence)
    summary = dict(tables.summary)
    summary["plan"] = None if plan is None else {"move": plan.move, "uplift": plan.uplift}
    regions = (
        None if tables.regions is None else with_plan(tables.regions, allocation, evidence.ident)
    )
    shared = {f.name: getattr(tables, f.name) for f in fields(FitTables)}
    return ReportData(
        **shared | {"summary": summary},
        marks=S.plan_marks(tables.curves, tables.curve_points, allocation, tables.curve_periods),
        plan=plan,
        checks=checks,
        accuracy=S.accuracy_table(checks),
        evidence=evidence,
        regions=regions,
        cross_validation=cross_validation,
        sentiment=tables.sentiment,
    )


def collect(
    result: FitResult | S.Source,
    allocation: Any = None,
    quarter: str | None = None,
    max_samples: int | None = S.MAX_SAMPLES,
    identifiability: Identifiability | None = None,
    experiments: pd.DataFrame | None = None,
    diagnostics: Checks | None = None,
    cross_validation: CrossValidation | None = None,
    tables: ResultTables | None = None,
) -> ReportData:
    """Compute the data of every section for one report.

    Parameters
    ----------
    result : FitResult or Source
    allocation : Allocation, optional
        A budget plan from :func:`mmm.decisions.optimize.optimize_budget` (None: the plan section says so).
    quarter : str, optional
        The reporting quarter (see :func:`~mmm.present.sections.quarter_windows`).
    max_samples : int or None
        Posterior samples to summarise (see :class:`~mmm.present.sections.Source`).
    identifiability, experiments : optional
        Computed here (once) when not given; see :func:`mmm.present.evidence.evidence_data`.
    diagnostics : Checks, optional
        ``result.diagnostics()``, computed here (on every draw) when not given.
    cross_validation : CrossValidation, optional
        Out-of-sample validation (:func:`mmm.analysis.validate.cross_validate`) shown under model
        health; the section says how to run one when it is None.
    tables : ResultTables, optional
        This result's tables for ``quarter`` and ``max_samples`` computed before (e.g. read by
        :func:`mmm.present.stored.read_tables`); used when their curves reach far enough for
        ``allocation``, else computed here.
    """
    src = result if isinstance(result, S.Source) else S.Source(result, max_samples, diagnostics)
    if tables is None or tables.curve_top_for(allocation) != tables.curve_top:
        tables = tables_for(src, quarter, allocation)
    evidence = evidence_data(src, identifiability, experiments)
    return report_data(tables, allocation, evidence, src.diagnostics(), cross_validation)


def tables_for(src: S.Source, quarter: str | None, allocation: Any) -> ResultTables:
    """:func:`result_tables` with curves reaching as far as ``allocation`` needs."""
    spend, n = S.curve_spend(src, S.quarter_windows(src, quarter).current)
    return result_tables(src, quarter, S.curve_top(allocation, spend, n))
