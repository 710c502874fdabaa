"""Data for each report section: plain DataFrames and dicts computed from a FitResult.

Nothing here draws or writes HTML: :mod:`mmm.present.plotting` turns these tables into figures and
:mod:`mmm.present.report.render` into the page. Every function takes a
:class:`~mmm.analysis.results.FitResult` (or the :class:`Source` that wraps one for a report, so
that posterior passes are shared between sections) and returns amounts in currency.

"This quarter" is the reporting quarter: by default the last 13 weeks (3 months) of the
data, compared with the 13 weeks before; or a calendar quarter such as ``"2023Q4"``.
"""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._checks import Checks
from mmm._dims import CHANNEL, MEDIA_TYPES, SAMPLE
from mmm.analysis import attribution
from mmm.exceptions import DataValidationError
from mmm.present.plan import recommended_spend

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

Window = tuple[pd.Timestamp, pd.Timestamp]
PERIODS_PER_QUARTER = {"W": 13, "M": 3}
PROB = attribution.PROB
#: posterior samples a report summarises (diagnostics use all draws)
MAX_SAMPLES = 1000
#: posterior samples behind the response-curve bands (each curve point is a forward simulation
#: per sample, 16 per channel: the report's costliest pass; 250 draws place a 90% band's edges
#: to within a few percent, finer than the chart shows)
CURVE_SAMPLES = 250
_LO, _HI = (1 - PROB) / 2, 1 - (1 - PROB) / 2
SOFTWARE = (
    "mediamix",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "matplotlib",
    "jinja2",
)


# ---------------------------------------------------------------------- shared inputs
class Source:
    """A FitResult prepared for one report: thinned draws and memoised attribution passes.

    Summaries (contributions, ROI, curves) use at most ``max_samples`` evenly spaced
    posterior samples, which keeps a report of a 4 × 1000-draw fit to a few seconds;
    the diagnostics always use every draw.

    Parameters
    ----------
    result : FitResult
        The fit to report on.
    max_samples : int or None
        Most posterior samples (chains × draws) to summarise; None uses all.
    diagnostics : Checks, optional
        ``result.diagnostics()`` when already computed (e.g. saved by ``mmm fit``).
    """

    def __init__(
        self,
        result: FitResult,
        max_samples: int | None = MAX_SAMPLES,
        diagnostics: Checks | None = None,
    ) -> None:
        self.full = result
        result.design  # noqa: B018 - built once here, shared by every thinned view
        self.result = result.thin(max_samples)
        self._memo: dict[tuple[Any, ...], Any] = {}
        if diagnostics is not None:
            self._memo[("diagnostics",)] = diagnostics

    def _get(self, key: tuple[Any, ...], make: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def totals(self, window: Any) -> xr.Dataset:
        """Per-sample direct / via-earned / total contributions over ``window`` (sample, channel)."""
        return self._get(("totals", window), lambda: attribution.effect_totals(self.result, window))

    def diagnostics(self) -> Checks:
        """Every diagnostic check, on all draws."""
        return self._get(("diagnostics",), self.full.diagnostics)

    def fitted(self) -> xr.Dataset:
        return self._get(("fitted",), self.result.fitted)


def source(result: FitResult | Source) -> Source:
    """``result`` wrapped in a :class:`Source` (unchanged if it already is one)."""
    return result if isinstance(result, Source) else Source(result, None)


@dataclass(frozen=True)
class Quarter:
    """The reporting quarter and the one before it, as date windows over the data."""

    label: str
    current: Window
    previous: Window
    n_current: int
    n_previous: int


def quarter_windows(result: FitResult | Source, quarter: str | None = None) -> Quarter:
    """This quarter and last quarter as (start, end) windows.

    Parameters
    ----------
    result : FitResult or Source
    quarter : str, optional
        A calendar quarter such as ``"2023Q4"``: report on the periods in it and compare
        with the quarter before. By default (or for a label that is not a quarter) the last
        13 weeks (3 months) of the data, compared with the 13 before.

    Raises
    ------
    DataValidationError
        When ``quarter`` names a quarter outside the data.
    """
    ds = source(result).result.dataset
    dates = ds.dates
    n = PERIODS_PER_QUARTER.get(ds.frequency, 13)
    period = _as_quarter(quarter)
    if period is not None:
        cur = (dates >= period.start_time) & (dates <= period.end_time)
        prev = (dates >= (period - 1).start_time) & (dates <= (period - 1).end_time)
        if not cur.any() or not prev.any():
            raise DataValidationError(
                f"quarter == {quarter!r}: the data ({dates[0].date()}..{dates[-1].date()}) must cover it "
                "and the quarter before; pass another quarter or None for the last 13 weeks."
            )
        c, p = dates[cur], dates[prev]
        return Quarter(str(quarter), (c[0], c[-1]), (p[0], p[-1]), int(cur.sum()), int(prev.sum()))
    label = quarter or f"{dates[-1].year}Q{dates[-1].quarter}"
    return Quarter(label, (dates[-n], dates[-1]), (dates[-2 * n], dates[-n - 1]), n, n)


def _as_quarter(quarter: str | None) -> pd.Period | None:
    if not quarter:
        return None
    try:
        return pd.Period(str(quarter).replace(" ", ""), freq="Q")
    except (ValueError, TypeError):
        return None


def _mask(result: FitResult, window: Any) -> np.ndarray:
    return attribution.window_mask(result.dataset.dates, window)


def _stats(draws: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    draws = np.asarray(draws, dtype=float)
    lo, hi = np.nanquantile(draws, [_LO, _HI], axis=axis)
    return np.nanmean(draws, axis=axis), lo, hi


def _safe_div(a: Any, b: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            np.asarray(b) != 0,
            np.asarray(a, dtype=float) / np.where(np.asarray(b) != 0, b, 1),
            np.nan,
        )


def _channel_info(result: FitResult) -> pd.DataFrame:
    d = result.dataset.data
    return pd.DataFrame(
        {
            "channel": list(result.channels),
            "media": [str(m) for m in d["media"].values],
            "social": d["social"].values.astype(bool),
            "has_cost": d["has_cost"].values.astype(bool),
        }
    )


# ---------------------------------------------------------------------- 1. summary
def media_totals(result: FitResult | Source, window: Any) -> pd.DataFrame:
    """Incremental KPI, spend and ROI by media type (paid / owned / earned) over ``window``.

    Contributions are each channel's direct effect (so earned media bought by paid social
    counts under earned and nothing is counted twice). Returns one row per media type
    present with ``spend``, ``revenue_mean/lower/upper``, ``share_*`` (of the actual KPI)
    and ``roi_*`` (NaN where the type has no spend).
    """
    src = source(result)
    res = src.result
    tot = src.totals(window)
    info = _channel_info(res)
    kpi = float(res.dataset.kpi_total[_mask(res, window)].sum())
    rows = []
    for media in MEDIA_TYPES:
        chans = info.loc[info["media"] == media, "channel"].tolist()
        if not chans:
            continue
        direct = tot["direct"].sel({CHANNEL: chans}).sum(CHANNEL).values
        spend = float(tot["spend"].sel({CHANNEL: chans}).sum())
        m, lo, hi = _stats(direct)
        row = {
            "media": media,
            "spend": spend,
            "revenue_mean": m,
            "revenue_lower": lo,
            "revenue_upper": hi,
        }
        row |= dict(
            zip(
                ("share_mean", "share_lower", "share_upper"),
                (x / kpi for x in (m, lo, hi)),
                strict=True,
            )
        )
        r = _stats(direct / spend) if spend > 0 else (np.nan,) * 3
        row |= dict(zip(("roi_mean", "roi_lower", "roi_upper"), r, strict=True))
        rows.append(row)
    return pd.DataFrame(rows)


def executive_summary(src: Source, q: Quarter, plan: dict[str, Any] | None) -> dict[str, Any]:
    """Headline numbers: spend and KPI this vs last quarter, media totals, best/worst channels."""
    res = src.result
    d = res.dataset.data
    cur, prev = _mask(res, q.current), _mask(res, q.previous)
    spend = d["spend"].values
    kpi = d["kpi"].values
    media = media_totals(src, q.current)
    all_media = src.totals(q.current)["direct"].sum(CHANNEL).values
    m_mean, m_lo, m_hi = _stats(all_media)
    roi_cur = roi_table(src, q.current)
    out: dict[str, Any] = {
        "spend_current": float(spend[cur].sum()),
        "spend_previous": float(spend[prev].sum()),
        "kpi_current": float(kpi[cur].sum()),
        "kpi_previous": float(kpi[prev].sum()),
        "media_mean": float(m_mean),
        "media_lower": float(m_lo),
        "media_upper": float(m_hi),
        "media": media,
        "best": None,
        "below_breakeven": [],
        "earned_value": float("nan"),
        "plan": plan,
    }
    out["spend_change"] = (
        out["spend_current"] / out["spend_previous"] - 1 if out["spend_previous"] else float("nan")
    )
    out["kpi_change"] = (
        out["kpi_current"] / out["kpi_previous"] - 1 if out["kpi_previous"] else float("nan")
    )
    out["media_share"] = (
        out["media_mean"] / out["kpi_current"] if out["kpi_current"] else float("nan")
    )
    ranked = roi_cur[roi_cur["spend"] > 0]
    if len(ranked):
        out["best"] = ranked.iloc[0].to_dict()
        out["below_breakeven"] = ranked.loc[ranked["p_above_breakeven"] <= 0.05, "channel"].tolist()
    via = src.totals(q.current)["via_earned"].sum(CHANNEL).values
    if np.any(via != 0):
        out["earned_value"] = float(np.mean(via))
    return out


# ---------------------------------------------------------------------- 2. quarter vs quarter
def quarter_table(result: FitResult | Source, q: Quarter) -> pd.DataFrame:
    """Spend, activity, attributed KPI (direct) and ROI (total) per channel, this vs last quarter."""
    src = source(result)
    res = src.result
    info = _channel_info(res)
    out = info[["channel", "media", "social"]].copy()
    for name, win in (("previous", q.previous), ("current", q.current)):
        mask = _mask(res, win)
        tot = src.totals(win)
        spend = res.dataset.spend_total[mask].sum(axis=0)
        out[f"spend_{name}"] = spend
        out[f"activity_{name}"] = res.dataset.activity_total[mask].sum(axis=0)
        out[f"revenue_{name}"] = tot["direct"].mean(SAMPLE).values
        out[f"roi_{name}"] = np.where(
            info["has_cost"] & (spend > 0),
            _safe_div(tot["total"].mean(SAMPLE).values, spend),
            np.nan,
        )
    out["spend_change_pct"] = _safe_div(
        out["spend_current"] - out["spend_previous"], out["spend_previous"]
    )
    out["revenue_change_pct"] = _safe_div(
        out["revenue_current"] - out["revenue_previous"], np.abs(out["revenue_previous"])
    )
    cols = ["channel", "media", "social", "spend_previous", "spend_current", "spend_change_pct", "activity_previous",
            "activity_current", "revenue_previous", "revenue_current", "revenue_change_pct", "roi_previous", "roi_current"]  # fmt: skip
    return out[cols]


# ---------------------------------------------------------------------- 3. contributions
def contributions_over_time(result: FitResult | Source) -> pd.DataFrame:
    """Posterior-mean contribution per period of baseline, paid, owned and earned media, with the actual KPI."""
    res = source(result).result
    c = pd.DataFrame(res.contributions(by="media")["mean"].to_pandas())
    c.columns = [str(x) for x in c.columns]
    c = c[[x for x in ("baseline", *MEDIA_TYPES) if x in c.columns]]
    c.insert(0, "actual", res.dataset.kpi_total)
    c.index.name = "date"
    return c.reset_index()


def waterfall_table(result: FitResult | Source, window: Any) -> pd.DataFrame:
    """Baseline then each channel's (direct) contribution over ``window``, grouped paid / owned / earned.

    Columns: ``step`` (component name), ``media`` (baseline | paid | owned | earned),
    ``value``, ``start`` and ``end`` (running total) and ``share`` of the expected total.
    """
    res = source(result).result
    c = pd.Series(res.contributions(window=window)["mean"].sum("date").to_pandas())
    info = _channel_info(res).set_index("channel")
    chans = [str(x) for x in c.index if str(x) in info.index]
    rows = [{"step": "baseline", "media": "baseline", "value": float(c.drop(chans).sum())}]
    for media in MEDIA_TYPES:
        members = [ch for ch in chans if info.loc[ch, "media"] == media]
        members.sort(key=lambda ch: -float(c[ch]))
        rows += [{"step": ch, "media": media, "value": float(c[ch])} for ch in members]
    out = pd.DataFrame(rows)
    out["end"] = out["value"].cumsum()
    out["start"] = out["end"] - out["value"]
    total = float(out["value"].sum())
    out["share"] = out["value"] / total if total else np.nan
    return out


# ---------------------------------------------------------------------- 4. ROI
def roi_table(result: FitResult | Source, window: Any = None) -> pd.DataFrame:
    """ROI per channel with a cost over ``window``, sorted from best to worst.

    The columns of :meth:`FitResult.roi` (``spend``, ``contribution_mean``,
    ``roi_mean/lower/upper`` for the total incl. earned amplification, ``roi_direct_*``,
    ``roi_via_earned_*``) plus ``p_above_breakeven``: the posterior probability that the
    total ROI exceeds 1.
    """
    src = source(result)
    tot = src.totals(window)
    info = _channel_info(src.result)
    cost = info.loc[info["has_cost"]]
    chans = cost["channel"].tolist()
    spend = tot["spend"].sel({CHANNEL: chans}).values
    df = pd.DataFrame(
        {
            "channel": chans,
            "media": cost["media"].values,
            "social": cost["social"].values,
            "spend": spend,
        }
    )
    df["contribution_mean"] = tot["total"].sel({CHANNEL: chans}).mean(SAMPLE).values
    denom = np.where(spend > 0, spend, np.nan)
    for prefix, var in (
        ("roi_", "total"),
        ("roi_direct_", "direct"),
        ("roi_via_earned_", "via_earned"),
    ):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = tot[var].sel({CHANNEL: chans}).values / denom
        m, lo, hi = _stats(r) if len(chans) else (np.zeros(0),) * 3
        df[f"{prefix}mean"], df[f"{prefix}lower"], df[f"{prefix}upper"] = m, lo, hi
        if var == "total":
            df["p_above_breakeven"] = (
                np.where(spend > 0, np.mean(r > 1, axis=0), np.nan) if len(chans) else []
            )
    return df.sort_values("roi_mean", ascending=False, na_position="last").reset_index(drop=True)


def no_cost_table(result: FitResult | Source, window: Any = None) -> pd.DataFrame:
    """Channels without a cost (owned / earned): incremental KPI and share of the KPI over ``window``."""
    src = source(result)
    res = src.result
    info = _channel_info(res)
    chans = info.loc[~info["has_cost"], "channel"].tolist()
    if not chans:
        cols = ["channel", "media", "contribution_mean", "share_mean", "share_lower", "share_upper"]
        return pd.DataFrame(columns=cols)
    kpi = float(res.dataset.kpi_total[_mask(res, window)].sum())
    direct = src.totals(window)["direct"].sel({CHANNEL: chans}).values
    m, lo, hi = _stats(direct)
    return pd.DataFrame(
        {
            "channel": chans,
            "media": info.set_index("channel").loc[chans, "media"].values,
            "contribution_mean": m,
            "share_mean": m / kpi,
            "share_lower": lo / kpi,
            "share_upper": hi / kpi,
        }
    )


# ---------------------------------------------------------------------- 5. earned
def earned_tables(result: FitResult | Source, window: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(by source, by earned channel) over ``window``.

    By source: earned activity each source generated and the KPI it was worth
    (``generated_*``, ``value_*``) and ``value_per_spend``. By earned channel: observed
    activity, the part generated by sources, the organic share and its whole contribution.
    """
    src = source(result)
    res = src.result
    ds = res.dataset
    e = res.earned(window)
    if e.sizes.get("source", 0) == 0:
        return pd.DataFrame(), pd.DataFrame()
    by_source = e.to_dataframe().reset_index()
    mask = _mask(res, window)
    spend = dict(zip(ds.channels, ds.spend_total[mask].sum(axis=0), strict=True))
    by_source["value_per_spend"] = [
        v / spend[c] if spend.get(c, 0) > 0 else np.nan
        for c, v in zip(by_source["channel"], by_source["value_mean"], strict=True)
    ]
    by_source = by_source.rename(columns={"channel": "source_channel"})
    by_source["source"] = by_source["source_channel"]
    tot = src.totals(window)["direct"].mean(SAMPLE)
    rows = []
    for earned_ch, grp in by_source.groupby("earned", sort=False):
        activity = float(ds.activity_total[mask, ds.channels.index(earned_ch)].sum())
        generated = float(grp["generated_mean"].sum())
        rows.append(
            {
                "earned": earned_ch,
                "activity": activity,
                "generated": generated,
                "organic_share": max(0.0, 1 - generated / activity) if activity > 0 else np.nan,
                "contribution": float(tot.sel({CHANNEL: earned_ch})),
            }
        )
    cols = [
        "source",
        "earned",
        "generated_mean",
        "generated_lower",
        "generated_upper",
        "value_mean",
        "value_lower",
        "value_upper",
        "value_per_spend",
    ]
    return by_source[cols], pd.DataFrame(rows)


# ---------------------------------------------------------------------- 6. curves
#: the largest spend multiple a response curve reaches unless the plan recommends more
CURVE_TOP = 2.0


def curve_spend(result: FitResult | Source, window: Any) -> tuple[dict[str, float], int]:
    """Spend over ``window`` of the channels whose response curves are drawn, and its periods.

    The channels with a cost and spend in ``window``, in channel order.
    """
    res = source(result).result
    mask = _mask(res, window)
    spend = dict(zip(res.channels, res.dataset.spend_total[mask].sum(axis=0), strict=True))
    info = _channel_info(res)
    chans = [c for c in info.loc[info["has_cost"], "channel"] if spend[c] > 0]
    return {c: spend[c] for c in chans}, int(mask.sum())


def curve_top(allocation: Any, spend: dict[str, float], n_periods: int) -> float:
    """How far the curves reach (a multiple of the current spend): past the plan's recommendation."""
    rec = recommended_spend(allocation, list(spend), n_periods)
    return max([CURVE_TOP] + [1.1 * rec[c] / spend[c] for c in rec])


def curve_tables(
    result: FitResult | Source, window: Any, allocation: Any = None, n_points: int = 15
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Response curves of the channels with spend in ``window`` and the points to mark on them.

    Returns ``(curves, marks)``: ``curves`` is long (channel, multiple, spend, mean, lower,
    upper: incremental KPI over the window); ``marks`` has per channel ``spend_current``,
    ``response_current``, ``spend_recommended``, ``response_recommended`` (interpolated on
    the mean curve), and the marginal ROI now (``mroi_mean/lower/upper``) and at the
    recommended spend (``mroi_recommended``, from the allocation).
    """
    spend, n = curve_spend(result, window)
    curves, points = curve_points(result, window, curve_top(allocation, spend, n), n_points)
    return curves, plan_marks(curves, points, allocation, n)


def curve_points(
    result: FitResult | Source, window: Any, top: float, n_points: int = 15
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The curves of :func:`curve_tables` up to ``top`` × current spend, and the point now.

    The points have per channel ``spend_current``, ``response_current`` and ``mroi_mean/lower/upper``.
    """
    src = source(result)
    res = src.result
    spend, _ = curve_spend(src, window)
    chans = list(spend)
    if not chans:
        return pd.DataFrame(), pd.DataFrame()
    rc = res.thin(CURVE_SAMPLES).response_curves(
        chans, n_points=n_points, max_multiple=top, window=window
    )
    curves = rc[["mean", "lower", "upper", "spend"]].to_dataframe().reset_index()
    mr = res.mroi(window).to_dataframe()
    rows = []
    for c in chans:
        cv = curves[curves["channel"] == c]
        row = {
            "channel": c,
            "spend_current": spend[c],
            "response_current": float(np.interp(spend[c], cv["spend"], cv["mean"])),
        }
        for k in ("mroi_mean", "mroi_lower", "mroi_upper"):
            row[k] = float(mr.loc[c, k]) if c in mr.index else np.nan
        rows.append(row)
    return curves, pd.DataFrame(rows)


def plan_marks(
    curves: pd.DataFrame, points: pd.DataFrame, allocation: Any, n_periods: int
) -> pd.DataFrame:
    """:func:`curve_points`' points with the plan's recommended spend, response and marginal ROI."""
    if points.empty:
        return pd.DataFrame()
    rec = recommended_spend(allocation, list(points["channel"]), n_periods)
    alloc_mroi = {}
    table = getattr(allocation, "table", None)
    if table is not None and "mroi_recommended" in table:
        alloc_mroi = dict(
            zip(table["channel"].astype(str), table["mroi_recommended"].astype(float), strict=True)
        )
    rows = []
    for p in points.to_dict("records"):
        c = p["channel"]
        cv = curves[curves["channel"] == c]
        row = {k: p[k] for k in ("channel", "spend_current", "response_current")}
        row["spend_recommended"] = rec.get(c, np.nan)
        row["response_recommended"] = (
            float(np.interp(rec[c], cv["spend"], cv["mean"])) if c in rec else np.nan
        )
        for k in ("mroi_mean", "mroi_lower", "mroi_upper"):
            row[k] = p[k]
        row["mroi_recommended"] = alloc_mroi.get(c, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- 8. health
def fit_table(result: FitResult | Source) -> pd.DataFrame:
    """Actual vs expected KPI per period with the 90% predictive interval and the holdout flag."""
    f = source(result).fitted()
    out = f[["actual", "mean", "lower", "upper", "pred_lower", "pred_upper"]].to_dataframe()
    out["holdout"] = ~f["train"].values.astype(bool)
    out.index.name = "date"
    return out.reset_index()


def accuracy_table(checks: Checks) -> pd.DataFrame:
    """In-sample and holdout accuracy numbers from the diagnostics' values."""
    rows = []
    for name in ("fit_in_sample", "predictive_coverage", "holdout"):
        try:
            vals = checks[name].values
        except KeyError:
            continue
        for k in ("r2", "mape", "coverage", "holdout_mape", "holdout_coverage", "holdout_periods"):
            if k in vals:
                rows.append({"measure": k, "value": float(vals[k])})
    return pd.DataFrame(rows, columns=["measure", "value"])


# ---------------------------------------------------------------------- 9. appendix
def appendix_tables(result: FitResult | Source) -> dict[str, pd.DataFrame]:
    """Data facts, channel map, priors, model/sampler settings and software versions."""
    res = source(result).result
    ds = res.dataset
    cmap = ds.channel_map
    data = pd.DataFrame(
        [
            ("range", f"{ds.dates[0].date()} – {ds.dates[-1].date()}"),
            ("periods", str(ds.n_periods)),
            ("frequency", ds.frequency),
            ("kpi", cmap.kpi),
            ("kpi_type", cmap.kpi_type),
            ("controls", ", ".join(ds.controls) or "–"),
            ("holidays", res.spec.holidays or cmap.holidays or "–"),
            ("currency", cmap.currency),
        ],
        columns=["item", "value"],
    )
    channels = pd.DataFrame(
        [
            {
                "channel": c.name,
                "media": c.media,
                "social": c.social,
                "platform": c.platform or "",
                "spend_column": c.cost_column or "",
                "activity_column": c.activity or "",
                "driven_by": ", ".join(c.driven_by),
            }
            for c in cmap.channels
        ]
    )
    priors = []
    design = res.design
    for ch, has_cost in zip(design.channels, design.has_cost, strict=True):
        cfg = cmap.channel(ch)
        where = (
            "spec"
            if ch in res.spec.channel_priors
            else "map"
            if (cfg.roi_prior if has_cost else cfg.share_prior)
            else "default"
        )
        med, sig = design.prior_for(ch)
        priors.append(
            {
                "channel": ch,
                "kind": "roi" if has_cost else "share",
                "median": med,
                "sigma": sig,
                "source": where,
            }
        )
    spec = res.spec.to_dict()
    spec["lift_tests"] = len(res.spec.lift_tests)
    for key in ("channel_transforms", "channel_priors", "roi_prior", "share_prior"):
        spec.pop(key, None)
    settings = pd.DataFrame([(k, _plain(v)) for k, v in spec.items()], columns=["setting", "value"])
    for k in ("fit_s", "sample_s", "compile_s"):
        if k in res.info:
            settings.loc[len(settings)] = (k, f"{float(res.info[k]):.1f}")
    versions = [("python", platform.python_version())]
    for pkg in SOFTWARE:
        try:
            versions.append((pkg, importlib.metadata.version(pkg)))
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "data": data,
        "channels": channels,
        "priors": pd.DataFrame(priors),
        "settings": settings,
        "versions": pd.DataFrame(versions, columns=["package", "version"]),
    }


def _plain(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v) or "–"
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items()) or "–"
    return "–" if v is None else str(v)
