"""Write the report: one self-contained HTML file (inline CSS and SVG, no JavaScript), CSVs, xlsx.

:func:`build` computes every section's data (:mod:`mmm.present.sections`), draws the
charts (:mod:`mmm.present.plotting`) as inline SVG with text kept as text, fills the Jinja2
template with autoescaping on (every user string — channel names, titles, brand — is
escaped), and writes each table as ``<stem>_<table>.csv`` beside the HTML, and all of them
as sheets of ``<stem>.xlsx``.

The page loads nothing: no script, no web font, no external stylesheet or image, so it
opens offline and prints to PDF from a browser (one section per page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from mmm import __version__, _progress
from mmm.present import evidence as EV
from mmm.present import plotting, stored
from mmm.present import sections as S
from mmm.present import text as T
from mmm.present.assemble import ReportData
from mmm.present.export import write_workbook
from mmm.present.report.blocks import (
    Block,
    Fmt,
    Section,
    Table,
    Writer,
    clean_svg,
    ident_class,
    pre,
    status_class,
)
from mmm.present.report.optional import cross_validation_blocks, sentiment_blocks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mmm._checks import Checks
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult
    from mmm.analysis.validate import CrossValidation
    from mmm.present.stored import StoredRun

__all__ = ["Block", "Section", "Table", "build", "clean_svg"]
_Writer = Writer  # the name before the building blocks moved to mmm.present.report.blocks


# ---------------------------------------------------------------------- sections
class ReportPage:
    """Turns :class:`~mmm.present.assemble.ReportData` into sections of blocks."""

    def __init__(
        self,
        data: ReportData,
        result: FitResult | StoredRun,
        writer: Writer,
        currency: str,
        plan_note: str | None = None,
    ) -> None:
        self.d = data
        self.plan_note = plan_note
        self.res = result
        self.w = writer
        self.cur = currency
        cmap = result.dataset.channel_map
        self.kpi = cmap.kpi
        self.revenue = cmap.kpi_type == "revenue"
        self.unit = T.UNITS.get(result.dataset.frequency, T.UNITS["W"])
        self.money: Fmt = lambda v: T.money(v, currency)
        self.kfmt: Fmt = self.money if self.revenue else T.number
        self.words = {"kpi": self.kpi, "currency": currency}
        regional = data.regions is not None
        self.order = T.SECTION_ORDER_REGIONAL if regional else T.SECTION_ORDER
        self.titles = T.SECTIONS_REGIONAL if regional else T.SECTIONS

    def _cols(self, spec: Mapping[str, str]) -> dict[str, str]:
        return T.columns(spec, **self.words)

    def _chart(self, draw: Callable[..., Figure], *args: Any, csv: str = "") -> Block:
        """The figure ``draw(*args)`` as a block (its SVG from the figure cache when drawn before)."""
        return Block("figure", svg=self.w.chart(draw, *args), csv=csv)

    # 1 ------------------------------------------------------------------
    def summary(self) -> Section:
        s, q, m = self.d.summary, self.d.quarter, self.money
        lines = [
            T.fill(
                T.SUMMARY_SPEND,
                label=q.label,
                spend=m(s["spend_current"]),
                spend_change=T.pct(s["spend_change"], signed=True),
                revenue=self.kfmt(s["kpi_current"]),
                kpi=self.kpi,
                revenue_change=T.pct(s["kpi_change"], signed=True),
            ),  # fmt: skip
            T.fill(
                T.SUMMARY_MEDIA if self.revenue else T.SUMMARY_MEDIA_UNITS,
                media=self.kfmt(s["media_mean"]),
                share=T.pct(s["media_share"]),
                kpi=self.kpi,
            ),  # fmt: skip
        ]
        media = s["media"]
        paid = media[media["media"] == "paid"]
        if len(paid) and paid["spend"].iloc[0] > 0:
            p = paid.iloc[0]
            lines.append(
                T.fill(
                    T.SUMMARY_PAID,
                    roi=T.ratio(p["roi_mean"]),
                    currency=self.cur,
                    interval=T.interval(p["roi_lower"], p["roi_upper"]),
                )
            )
        if s["best"]:
            b = s["best"]
            lines.append(T.fill(T.SUMMARY_BEST, channel=b["channel"], roi=T.ratio(b["roi_mean"]), currency=self.cur,
                                interval=T.interval(b["roi_lower"], b["roi_upper"])))  # fmt: skip
        if s["below_breakeven"] and self.revenue:
            lines.append(T.fill(T.SUMMARY_BELOW, channels=T.join_names(s["below_breakeven"])))
        if np.isfinite(s["earned_value"]):
            lines.append(T.fill(T.SUMMARY_SOCIAL, value=self.kfmt(s["earned_value"])))
        prior = self.d.evidence.prior_dominated("paid")
        if prior:
            one = len(prior) == 1
            lines.append(T.fill(T.SUMMARY_PRIOR if self.d.plan is not None else T.SUMMARY_PRIOR_NO_PLAN,
                                channels=T.join_names(prior), their="its" if one else "their", them="it" if one else "them"))  # fmt: skip
        recommendation = self.recommendation()
        tiles = [
            (
                T.QUARTER_COLUMNS["spend_current"],
                m(s["spend_current"]),
                T.fill(T.VS_LAST_QUARTER, change=T.pct(s["spend_change"], signed=True)),
            ),
            (
                T.fill(T.QUARTER_KPI, kpi=self.kpi),
                self.kfmt(s["kpi_current"]),
                T.fill(T.VS_LAST_QUARTER, change=T.pct(s["kpi_change"], signed=True)),
            ),
            (
                T.fill(T.MEDIA_COLUMNS["revenue"], kpi=self.kpi),
                self.kfmt(s["media_mean"]),
                T.fill(T.OF_KPI, share=T.pct(s["media_share"]), kpi=self.kpi),
            ),
        ]
        if len(paid) and paid["spend"].iloc[0] > 0:
            tiles.append((f"{T.MEDIA_NAMES['paid']} ROI", T.ratio(paid["roi_mean"].iloc[0]),
                          T.fill(T.INTERVAL_NOTE, interval=T.interval(paid["roi_lower"].iloc[0], paid["roi_upper"].iloc[0]))))  # fmt: skip
        shown = media.assign(
            media=media["media"].map(T.MEDIA_NAMES),
            revenue_interval=[
                T.interval(a, b, self.kfmt)
                for a, b in zip(media["revenue_lower"], media["revenue_upper"], strict=True)
            ],
            roi_interval=[
                T.interval(a, b)
                for a, b in zip(media["roi_lower"], media["roi_upper"], strict=True)
            ],
            share=media["share_mean"],
        )
        shown2 = shown.rename(columns={"revenue_mean": "revenue", "roi_mean": "roi"})
        table = self.w.table("summary_media", shown2, self._cols(T.MEDIA_COLUMNS),
                             {"spend": m, "revenue": self.kfmt, "share": T.pct, "roi": T.ratio}, raw=media)  # fmt: skip
        table.caption = T.MEDIA_TABLE
        return Section("summary", self.titles["summary"], [
            Block("tiles", items=tiles),
            Block("callout", text=T.fill(T.SUMMARY_PLAN, text=recommendation) if recommendation else T.SUMMARY_NO_PLAN),
            Block("list", items=lines),
            Block("table", table=table),
            Block("note", text=T.fill(T.MEDIA_NOTE, kpi=self.kpi)),
        ])  # fmt: skip

    def recommendation(self) -> str:
        plan = self.d.plan
        if plan is None:
            return ""
        u, mv = plan.uplift, plan.move
        words = {"kpi": self.kpi, "uplift": T.money(u["mean"], self.cur, signed=True) if self.revenue else T.number(u["mean"]),
                 "lo": self.kfmt(u["lower"]), "hi": self.kfmt(u["upper"]), "prob": T.probability(u["prob"])}  # fmt: skip
        if not mv.get("amount"):
            return T.fill(T.PLAN_KEEP, **words)
        src = (
            mv["from"]
            if mv["n_from"] == 1
            else T.fill(T.PLAN_MOVE_MORE, name=mv["from"], n=mv["n_from"] - 1)
        )
        dst = (
            mv["to"]
            if mv["n_to"] == 1
            else T.fill(T.PLAN_MOVE_MORE, name=mv["to"], n=mv["n_to"] - 1)
        )
        return T.fill(T.PLAN_MOVE, amount=self.money(mv["amount"]), source=src, target=dst, **words)

    # 2 ------------------------------------------------------------------
    def quarter(self) -> Section:
        t = self.d.quarter_table
        m, k = self.money, self.kfmt
        fmts = {"spend_previous": m, "spend_current": m, "spend_change_pct": lambda v: T.pct(v, signed=True),
                "activity_previous": T.number, "activity_current": T.number, "revenue_previous": k, "revenue_current": k,
                "revenue_change_pct": lambda v: T.pct(v, signed=True), "roi_previous": T.ratio, "roi_current": T.ratio}  # fmt: skip
        shown = t.assign(media=t["media"].map(T.MEDIA_NAMES))
        table = self.w.table(
            "quarter_by_channel", shown, self._cols(T.QUARTER_COLUMNS), fmts, raw=t
        )
        return Section("quarter", self.titles["quarter"], [
            Block("p", text=T.fill(T.QUARTER_INTRO, kpi=self.kpi, label=self.d.quarter.label)),
            self._chart(plotting.draw_quarter, t, self.cur, self.kpi),
            Block("table", table=table),
        ])  # fmt: skip

    # 3 ------------------------------------------------------------------
    def contributions(self) -> Section:
        wf = self.d.waterfall
        shown = wf.assign(step=[T.MEDIA_NAMES["baseline"] if m == "baseline" else s for s, m in zip(wf["step"], wf["media"], strict=True)],
                          media=wf["media"].map(T.MEDIA_NAMES))  # fmt: skip
        table = self.w.table(
            "waterfall",
            shown,
            self._cols(T.WATERFALL_COLUMNS),
            {"value": self.kfmt, "share": T.pct},
            raw=wf,
        )
        weekly = self.w.csv("contributions_over_time", self.d.contributions)
        return Section("contributions", self.titles["contributions"], [
            Block("p", text=T.fill(T.CONTRIB_INTRO, kpi=self.kpi)),
            self._chart(plotting.draw_contributions, self.d.contributions, self.cur, self.kpi, csv=weekly),
            Block("p", text=T.fill(T.WATERFALL_INTRO, kpi=self.kpi, total=self.kfmt(wf["value"].sum()))),
            self._chart(plotting.draw_waterfall, wf, self.cur),
            Block("table", table=table),
        ])  # fmt: skip

    # 4 ------------------------------------------------------------------
    def roi(self) -> Section:
        ev = self.d.evidence
        r = ev.annotate(self.d.roi)
        dates = self.res.dataset.dates
        intro = T.ROI_INTRO if self.revenue else T.ROI_INTRO_UNITS
        blocks = [
            Block(
                "p", text=T.fill(intro, start=dates[0].date(), end=dates[-1].date(), **self.words)
            )
        ]
        ident = self._ident_note()
        if ident is not None:
            blocks.append(ident)
        if len(r):
            blocks.append(
                self._chart(plotting.draw_roi, r, self.cur, self.kpi, self.revenue, ev.classes())
            )
            shown = r.assign(roi_interval=[T.interval(a, b) for a, b in zip(r["roi_lower"], r["roi_upper"], strict=True)],
                             media=r["media"].map(T.MEDIA_NAMES))  # fmt: skip
            fmts = {"spend": self.money, "contribution_mean": self.kfmt, "roi_mean": T.ratio, "roi_direct_mean": T.ratio,
                    "roi_via_earned_mean": T.ratio, "p_above_breakeven": T.pct, "identifiability": _ident_label}  # fmt: skip
            table = self.w.table("roi", shown, self._cols(self._ident_cols(T.ROI_COLUMNS)), fmts, raw=self._raw(r),
                                 classes={"identifiability": ident_class}, details="identifiability_note")  # fmt: skip
            blocks.append(Block("table", table=table))
        nc = ev.annotate(self.d.no_cost)
        if len(nc):
            shown = nc.assign(share=nc["share_mean"], media=nc["media"].map(T.MEDIA_NAMES),
                              share_interval=[T.interval(a, b, T.pct) for a, b in zip(nc["share_lower"], nc["share_upper"], strict=True)])  # fmt: skip
            blocks.append(Block("p", text=T.fill(T.NO_COST_INTRO, kpi=self.kpi)))
            blocks.append(Block("table", table=self.w.table("no_cost_channels", shown, self._cols(self._ident_cols(T.NO_COST_COLUMNS)),
                                                            {"contribution_mean": self.kfmt, "share": T.pct, "identifiability": _ident_label},
                                                            raw=self._raw(nc), classes={"identifiability": ident_class},
                                                            details="identifiability_note")))  # fmt: skip
        if ev.available:
            blocks.append(Block("note", text=T.IDENT_ROI_NOTE))
        return Section("roi", self.titles["roi"], blocks)

    def _ident_note(self) -> Block | None:
        """Why there is no identifiability (a MAP fit, or an error), or None when there is."""
        missing = self.d.evidence.missing
        if not missing:
            return None
        if missing == EV.APPROXIMATE:
            return Block("warning", text=T.IDENT_NEEDS_FULL_FIT)
        return Block("warning", text=T.fill(T.IDENT_FAILED, error=missing))

    def _ident_cols(self, spec: Mapping[str, str]) -> dict[str, str]:
        """Column headings without the evidence column when identifiability was not measured."""
        keep = self.d.evidence.available
        return {k: v for k, v in spec.items() if keep or k != "identifiability"}

    def _raw(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table for its CSV: the evidence columns only when identifiability was measured."""
        if self.d.evidence.available:
            return frame
        return frame.drop(columns=["identifiability", "identifiability_note"], errors="ignore")

    # 5 ------------------------------------------------------------------
    def earned(self) -> Section:
        src, tot = self.d.earned, self.d.earned_totals
        if src.empty:
            none = [Block("p", text=T.EARNED_NONE)] if self.d.sentiment is None else []
            return Section("earned", self.titles["earned"], none + sentiment_blocks(self))
        k = self.kfmt
        shown = src.assign(
            generated_interval=[
                T.interval(a, b, T.number)
                for a, b in zip(src["generated_lower"], src["generated_upper"], strict=True)
            ],
            value_interval=[
                T.interval(a, b, k)
                for a, b in zip(src["value_lower"], src["value_upper"], strict=True)
            ],
        )
        fmts = {"generated_mean": T.number, "value_mean": k, "value_per_spend": T.ratio}
        return Section("earned", self.titles["earned"], [
            Block("p", text=T.fill(T.EARNED_INTRO, kpi=self.kpi)),
            self._chart(plotting.draw_earned, src, self.cur),
            Block("table", table=self.w.table("earned_by_source", shown, self._cols(T.EARNED_COLUMNS), fmts, raw=src)),
            Block("table", table=self.w.table("earned_totals", tot, self._cols(T.EARNED_TOTALS_COLUMNS),
                                              {"activity": T.number, "generated": T.number, "organic_share": T.pct, "contribution": k})),
            *sentiment_blocks(self),
        ])  # fmt: skip

    # 6 ------------------------------------------------------------------
    def curves(self) -> Section:
        curves, marks = self.d.curves, self.d.marks
        if marks.empty:
            return Section("curves", self.titles["curves"], [Block("p", text=T.CURVES_NONE)])
        shown = marks.assign(
            mroi_interval=[
                T.interval(a, b)
                for a, b in zip(marks["mroi_lower"], marks["mroi_upper"], strict=True)
            ]
        )
        shown = shown.drop(
            columns=[c for c in ("spend_recommended", "mroi_recommended") if shown[c].isna().all()]
        )
        fmts = {
            "spend_current": self.money,
            "mroi_mean": T.ratio,
            "spend_recommended": self.money,
            "mroi_recommended": T.ratio,
        }
        return Section("curves", self.titles["curves"], [
            Block("p", text=T.fill(T.CURVES_INTRO, **self.words)),
            self._chart(plotting.draw_response_curves, curves, marks, self.cur, self.kpi, csv=self.w.csv("response_curves", curves)),
            Block("table", table=self.w.table("marginal_roi", shown, self._cols(T.MROI_COLUMNS), fmts, raw=marks)),
        ])  # fmt: skip

    # 7 ------------------------------------------------------------------
    def plan(self) -> Section:
        plan = self.d.plan
        if plan is None:
            return Section("plan", self.titles["plan"], [Block("callout", text=T.PLAN_NONE)])
        m, u = self.money, plan.uplift
        source = [Block("note", text=self.plan_note)] if self.plan_note else []
        blocks = [
            *source,
            Block(
                "p",
                text=T.fill(
                    T.PLAN_INTRO,
                    start=_day(plan.start),
                    end=_day(plan.end),
                    weeks=plan.weeks,
                    budget=m(plan.budget),
                    objective=plan.objective,
                ),
            ),  # fmt: skip
            Block(
                "callout",
                text=T.fill(
                    T.PLAN_UPLIFT,
                    kpi=self.kpi,
                    uplift=T.money(u["mean"], self.cur, signed=True)
                    if self.revenue
                    else T.number(u["mean"]),
                    lo=self.kfmt(u["lower"]),
                    hi=self.kfmt(u["upper"]),
                    prob=T.probability(u["prob"]),
                ),
            ),  # fmt: skip
        ]
        if plan.solver and not plan.solver.get("success", True):
            blocks.append(
                Block("warning", text=T.fill(T.PLAN_SOLVER, message=plan.solver.get("message", "")))
            )
        t = plan.table
        shown = t.assign(media=t["media"].map(T.MEDIA_NAMES)) if "media" in t else t.copy()
        if "identifiability" in t and not t["identifiability"].fillna("").astype(bool).any():
            shown = shown.drop(columns="identifiability")  # not measured
        if {"lower_bound", "upper_bound"} <= set(t.columns):
            shown["bounds"] = [
                T.interval(a, b, m) for a, b in zip(t["lower_bound"], t["upper_bound"], strict=True)
            ]
        fmts = {"current_spend": m, "recommended_spend": m, "change": lambda v: T.money(v, self.cur, signed=True),
                "change_pct": lambda v: T.pct(v, signed=True), "mroi_current": T.ratio, "mroi_recommended": T.ratio}  # fmt: skip
        table = self.w.table("plan", shown, self._cols(T.PLAN_COLUMNS), {**fmts, "identifiability": _ident_label}, raw=t,
                             classes={"identifiability": ident_class}, details="evidence")  # fmt: skip
        blocks.append(Block("table", table=table))
        if plan.caveats:
            blocks += [Block("p", text=T.PLAN_CAVEATS), Block("list", items=list(plan.caveats))]
        if "identifiability" in shown:
            blocks.append(Block("note", text=T.PLAN_EVIDENCE_NOTE))
        blocks += [
            Block("p", text=T.SHIFTS_INTRO),
            self._chart(plotting.draw_allocation, t, self.cur),
        ]
        g = plan.groups
        if len(g):
            gshown = g.rename(columns={g.columns[0]: "group"}) if "group" not in g else g
            blocks.append(
                Block(
                    "table",
                    table=self.w.table(
                        "plan_groups", gshown, self._cols(T.GROUP_COLUMNS), fmts, raw=g
                    ),
                )
            )
        if plan.draws.size:
            blocks += [
                Block("p", text=T.fill(T.UPLIFT_INTRO, kpi=self.kpi)),
                self._chart(plotting.draw_uplift, plan.draws, u, self.cur, self.kpi),
            ]
        return Section("plan", self.titles["plan"], blocks)

    # 8 ------------------------------------------------------------------
    def experiments(self) -> Section:
        ev = self.d.evidence
        blocks = [Block("p", text=T.fill(T.TESTS_INTRO, roi=T.NUMBER["roi"], kpi=self.kpi, target=T.pct(ev.target)))]  # fmt: skip
        missing = self._ident_note()
        if missing is not None:
            return Section("experiments", self.titles["experiments"], [*blocks, missing])
        t = ev.test_table()
        if t.empty:
            blocks.append(Block("callout", text=T.TESTS_NONE))
        else:
            signed = (lambda v: T.money(v, self.cur, signed=True)) if self.revenue else T.number
            shown = t.assign(
                lift=[T.fill(T.TESTS_LIFT, lift=signed(a), se=self.kfmt(b)) for a, b in zip(t["expected_lift"], t["lift_se"], strict=True)],
                roi_now_after=[T.fill(T.TESTS_ROI, now=T.interval(a, b), after=T.interval(c, d)) for a, b, c, d in
                               zip(t["roi_lower_now"], t["roi_upper_now"], t["roi_lower_after"], t["roi_upper_after"], strict=True)],
            )  # fmt: skip
            raw = ev.tests.copy()
            raw.insert(min(2, raw.shape[1]), "reason", list(t["reason"]))
            table = self.w.table("experiments", shown, self._cols(T.TESTS_COLUMNS),
                                 {"spend_change": lambda v: T.money(v, self.cur, signed=True), "class": _ident_label},
                                 raw=raw, classes={"class": ident_class}, details="note")  # fmt: skip
            blocks += [
                Block("table", table=table),
                Block("note", text=T.fill(T.TESTS_NOTE, kpi=self.kpi)),
            ]
        no_cost = ev.uncertain_without_cost()
        if no_cost:
            blocks.append(Block("p", text=T.fill(T.TESTS_NO_COST, channels=T.join_names(no_cost))))
        blocks.append(Block("p", text=T.fill(T.TESTS_LOOP, kpi=self.kpi)))
        return Section("experiments", self.titles["experiments"], blocks)

    # 9 ------------------------------------------------------------------
    def health(self) -> Section:
        checks = self.d.checks
        frame = checks.to_dataframe()
        table = self.w.table("diagnostics", frame, T.HEALTH_COLUMNS,
                             classes={"status": status_class, "message": pre, "recommendation": pre})  # fmt: skip
        acc = self.d.accuracy
        pct_rows = {"mape", "coverage", "holdout_mape", "holdout_coverage"}
        shown = acc.assign(
            measure=acc["measure"].map(T.ACCURACY_ROWS),
            value=[
                T.pct(v, digits=1) if k in pct_rows else T.ratio(v) if k == "r2" else T.number(v)
                for k, v in zip(acc["measure"], acc["value"], strict=True)
            ],
        )
        vals = dict(zip(acc["measure"], acc["value"], strict=True))
        n_hold = int(self.d.fit["holdout"].sum())
        hold = (T.fill(T.FIT_HOLDOUT, n=n_hold, unit=self.unit[1], mape=T.pct(vals.get("holdout_mape"), digits=1), cover=T.pct(vals.get("holdout_coverage")))
                if n_hold else T.FIT_NO_HOLDOUT)  # fmt: skip
        return Section("health", self.titles["health"], [
            Block("p", text=T.fill(T.HEALTH_INTRO, status=checks.status)),
            Block("table", table=table),
            Block("p", text=T.fill(T.FIT_INTRO, kpi=self.kpi, holdout=hold)),
            self._chart(plotting.draw_fit, self.d.fit, self.cur, self.kpi, csv=self.w.csv("fitted", self.d.fit)),
            Block("table", table=self.w.table("accuracy", shown, T.ACCURACY_COLUMNS, raw=acc)),
            *cross_validation_blocks(self),
            *self._ident_checks(),
        ])  # fmt: skip

    def _ident_checks(self) -> list[Block]:
        ident = self.d.evidence.ident
        if ident is None:
            return []
        table = self.w.table("identifiability", ident.checks().to_dataframe(), T.HEALTH_COLUMNS, raw=ident.table,
                             classes={"status": status_class, "message": pre, "recommendation": pre})  # fmt: skip
        return [
            Block("h3", text=T.IDENT_CHECKS),
            Block("p", text=T.fill(T.IDENT_CHECKS_INTRO, kpi=self.kpi)),
            Block("table", table=table),
        ]

    # 10 -----------------------------------------------------------------
    def appendix(self) -> Section:
        a = self.d.appendix
        data = a["data"].assign(item=a["data"]["item"].map(T.DATA_ROWS))
        data.loc[a["data"]["item"] == "frequency", "value"] = T.FREQUENCY_NAMES.get(
            self.res.dataset.frequency, self.res.dataset.frequency
        )
        pri = a["priors"].assign(
            kind=a["priors"]["kind"].map(T.PRIOR_KINDS),
            source=a["priors"]["source"].map(T.PRIOR_SOURCES),
        )
        return Section("appendix", self.titles["appendix"], [
            Block("h3", text=T.APPENDIX_DATA),
            Block("table", table=self.w.table("appendix_data", data, T.DATA_COLUMNS, raw=a["data"])),
            Block("h3", text=T.APPENDIX_CHANNELS),
            Block("table", table=self.w.table("appendix_channel_map", a["channels"], T.CHANNEL_COLUMNS)),
            Block("h3", text=T.APPENDIX_PRIORS),
            Block("p", text=T.fill(T.APPENDIX_PRIORS_INTRO, kpi=self.kpi)),
            Block("table", table=self.w.table("appendix_priors", pri, T.PRIOR_COLUMNS, {"median": lambda v: T.number(v, 3), "sigma": lambda v: T.number(v, 2)}, raw=a["priors"])),
            Block("h3", text=T.APPENDIX_SETTINGS),
            Block("table", table=self.w.table("appendix_settings", a["settings"], T.SETTING_COLUMNS)),
            Block("h3", text=T.APPENDIX_VERSIONS),
            Block("table", table=self.w.table("appendix_versions", a["versions"], T.VERSION_COLUMNS)),
        ])  # fmt: skip

    def regions(self) -> Section:
        r = self.d.regions
        if r is None:
            return Section(
                "regions", self.titles.get("regions", "Regions"), [Block("p", text=T.REGIONS_NONE)]
            )
        blocks = [Block("p", text=T.fill(T.REGIONS_INTRO, n=len(r.heat) - 1))]
        national = [c.name for c in self.res.dataset.channel_map.channels if c.level == "national"]
        if national and r.split in T.REGIONS_SPLIT:
            blocks.append(
                Block(
                    "note",
                    text=T.fill(
                        T.REGIONS_SPLIT[r.split], channels=", ".join(national), kpi=self.kpi
                    ),
                )
            )
        blocks.append(Block("p", text=T.REGIONS_HEAT))
        blocks.append(self._chart(plotting.draw_roi_by_geo, r.heat))
        heat = r.heat.reset_index().rename(columns={"index": "geo"})
        heat = heat.rename(columns={heat.columns[0]: "geo"})
        headers = {"geo": T.REGIONS_COLUMNS["geo"], **{c: str(c) for c in r.heat.columns}}
        blocks.append(
            Block(
                "table",
                table=self.w.table(
                    "roi_by_geo", heat, headers, {c: T.ratio for c in r.heat.columns}, raw=r.roi
                ),
            )
        )
        if r.plan is not None:
            m = self.money
            fmts = {
                "current_spend": m,
                "recommended_spend": m,
                "change": lambda v: T.money(v, self.cur, signed=True),
                "change_pct": lambda v: T.pct(v, signed=True),
            }
            blocks.append(Block("p", text=T.REGIONS_PLAN))
            blocks.append(
                Block("table", table=self.w.table("plan_by_geo", r.plan, T.REGIONS_COLUMNS, fmts))
            )
        if r.least_known is not None and len(r.least_known):
            names = T.join_names(list(r.least_known["geo"]))
            ratio = T.ratio(float(r.least_known["width_ratio"].mean()))
            blocks.append(Block("note", text=T.fill(T.REGIONS_LEAST, regions=names, ratio=ratio)))
        return Section("regions", self.titles["regions"], blocks)  # fmt: skip

    def all(self) -> list[Section]:
        """Every section, in the order (and so with the numbers) of :data:`~mmm.present.text.SECTION_ORDER`
        (:data:`~mmm.present.text.SECTION_ORDER_REGIONAL` for a regional fit)."""
        return [getattr(self, key)() for key in self.order]


def _ident_label(v: Any) -> str:
    return T.IDENT_CLASSES.get(str(v), str(v)) if v else T.DASH


def _day(v: Any) -> str:
    if v is None:
        return T.DASH
    try:
        return str(pd.Timestamp(v).date())
    except (ValueError, TypeError):
        return str(v)


def _banners(data: ReportData, approximate: bool) -> list[dict[str, str]]:
    out = []
    if data.checks.status == "FAIL":
        names = [c.name for c in data.checks.failed]
        out.append(
            {
                "kind": "fail",
                "title": T.FAIL_BANNER,
                "detail": T.fill(T.FAIL_BANNER_DETAIL, checks=T.join_names(names)),
            }
        )
    if approximate:
        out.append({"kind": "approx", "title": T.APPROX_BANNER, "detail": T.APPROX_BANNER_DETAIL})
    return out


# ---------------------------------------------------------------------- entry point
def _environment() -> Environment:
    env = Environment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env


def _resource(*parts: str) -> str:
    return resources.files("mmm.present.report").joinpath(*parts).read_text(encoding="utf-8")


def build(
    result: FitResult | StoredRun,
    allocation: Any = None,
    *,
    out: str | Path,
    title: str | None = None,
    brand: str | None = None,
    currency: str | None = None,
    quarter: str | None = None,
    max_samples: int | None = S.MAX_SAMPLES,
    identifiability: Identifiability | None = None,
    experiments: pd.DataFrame | None = None,
    plan_note: str | None = None,
    xlsx: bool = True,
    diagnostics: Checks | None = None,
    cross_validation: CrossValidation | None = None,
    run: str | Path | None = None,
) -> Path:
    """Write the quarterly report for ``result`` (and a budget plan) as one HTML file plus CSVs.

    Parameters
    ----------
    result : FitResult or StoredRun
        The fit to report on; or a run directory read with its stored tables
        (:func:`mmm.present.stored.open_run`, what ``mmm report`` does), which needs no
        posterior when ``diagnostics`` (and for a full fit ``identifiability`` and
        ``experiments``) are given.
    allocation : Allocation, optional
        Next quarter's plan from :func:`mmm.decisions.optimize.optimize_budget`; without it the plan
        section says that no plan was computed. Its ``caveats`` and the table's
        ``identifiability`` / ``evidence`` columns are shown when present.
    out : str or Path
        The HTML file to write (``.html`` is added when missing; an existing directory gets
        ``report.html``). Parent directories are created. Each table is written beside it
        as ``<stem>_<table>.csv``.
    title, brand, currency : str, optional
        Override the default title, the channel map's brand and its currency symbol.
    quarter : str, optional
        Reporting quarter such as ``"2024Q3"`` (compared with the quarter before); by
        default the last 13 weeks of the data, compared with the 13 before.
    max_samples : int or None
        Posterior samples summarised in the report (evenly thinned; None: all). The
        diagnostics always use every draw.
    identifiability : Identifiability, optional
        What the data can tell per channel (:func:`mmm.analysis.identify.identifiability`), shown
        next to each ROI, in the plan and under model health; measured here once (on the
        summarised draws) when not given. A MAP fit has none: the report says that the
        classification needs a full fit.
    experiments : DataFrame, optional
        The recommended lift tests (:func:`mmm.decisions.experiments.experiments`) for the section
        "What to test next quarter"; computed here once from ``identifiability`` when not given.
    plan_note : str, optional
        One line at the top of the plan section saying which plan it shows (``mmm report``
        passes :func:`mmm.present.runs.plan_note`: the plan saved by ``mmm optimize``, or one
        optimised for the report).
    xlsx : bool
        Also write every table to one workbook beside the HTML, ``<stem>.xlsx`` (a sheet per
        table, units in the headers; :func:`mmm.present.export.write_workbook`).
    diagnostics : Checks, optional
        ``result.diagnostics()`` when already computed (``mmm report`` reads the ones ``mmm fit``
        saved, see :func:`mmm.present.runs.load_derived`); computed here when not given.
    cross_validation : CrossValidation, optional
        Out-of-sample validation (:func:`mmm.analysis.validate.cross_validate`, ``mmm cv``), shown
        under model health; without it the section says how to run one.
    run : str or Path, optional
        The run directory ``result`` is saved in (``mmm fit --out``). The report's tables are
        read from there when a report of this result computed them before, and kept there
        (``report_tables.zip``, :mod:`mmm.present.stored`) when computed here.

    Returns
    -------
    Path
        The HTML file.

    Examples
    --------
    >>> from mmm.present.report import build  # doctest: +SKIP
    >>> build(result, allocation, out="reports/q3.html", quarter="2024Q3")  # doctest: +SKIP
    PosixPath('reports/q3.html')
    """
    with _progress.step("writing the report"):
        return _build(
            result, allocation, out, title, brand, currency, quarter, max_samples,
            identifiability, experiments, plan_note, xlsx, diagnostics, cross_validation, run,
        )  # fmt: skip


def _build(
    result: FitResult | StoredRun,
    allocation: Any,
    out: str | Path,
    title: str | None,
    brand: str | None,
    currency: str | None,
    quarter: str | None,
    max_samples: int | None,
    identifiability: Identifiability | None,
    experiments: pd.DataFrame | None,
    plan_note: str | None,
    xlsx: bool,
    diagnostics: Checks | None,
    cross_validation: CrossValidation | None,
    run: str | Path | None,
) -> Path:
    path = Path(out)
    if path.is_dir():
        path = path / "report.html"
    elif path.suffix.lower() not in (".html", ".htm"):
        path = path.with_name(path.name + ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmap = result.dataset.channel_map
    cur = currency if currency is not None else cmap.currency
    data = stored.report_data(
        result, allocation, quarter, max_samples, identifiability, experiments, diagnostics,
        cross_validation, run,
    )  # fmt: skip
    writer = Writer(path)
    page = ReportPage(data, result, writer, cur, plan_note)
    sections = page.all()
    q = data.quarter
    ds = result.dataset
    unit = T.UNITS.get(ds.frequency, T.UNITS["W"])[1]
    status = data.checks.status
    context = {
        "T": T,
        "lang": "zh"
        if any(_is_cjk(c) for c in (*result.channels, brand or cmap.brand or ""))
        else "en",
        "title": title or T.DEFAULT_TITLE,
        "brand": brand if brand is not None else (cmap.brand or ""),
        "quarter_label": q.label,
        "quarter_line": T.fill(
            T.QUARTER_LINE,
            label=q.label,
            start=q.current[0].date(),
            end=q.current[1].date(),
            n=q.n_current,
            unit=unit,
            prev_start=q.previous[0].date(),
            prev_end=q.previous[1].date(),
        ),  # fmt: skip
        "data_line": T.fill(
            T.DATA_RANGE,
            start=ds.dates[0].date(),
            end=ds.dates[-1].date(),
            n=ds.n_periods,
            unit=unit,
        ),
        "generated": T.fill(
            T.GENERATED, when=pd.Timestamp.now().strftime("%Y-%m-%d %H:%M"), version=__version__
        ),
        "status": status,
        "badge": T.fill(T.BADGE, status=status),
        "badge_help": T.BADGE_HELP[status],
        "banners": _banners(data, result.is_approximate),
        "sections": sections,
        "css": Markup(_resource("static", "report.css")),
    }
    html = _environment().from_string(_resource("templates", "report.html.j2")).render(**context)
    path.write_text(html, encoding="utf-8")
    if xlsx:
        write_workbook(
            writer.frames, path.with_suffix(".xlsx"), currency=cur, kpi_type=cmap.kpi_type
        )
    return path


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(s))
