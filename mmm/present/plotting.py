"""Matplotlib figures from result objects, in currency units (never the model's scaled units).

Each ``plot_<name>(result, ...)`` computes its table with :mod:`mmm.present.sections` and
draws it with the matching ``draw_<name>(table, ...)``; the report calls the ``draw_``
functions on data it has already computed. Figures are built with
:class:`matplotlib.figure.Figure` (no pyplot state, Agg rendering) and display inline in
notebooks. ``result.plot.<name>()`` (:class:`ResultPlots`) is the short form.

Text stays text: user strings are protected from mathtext (``$``), and the font list
falls back to a CJK font when one is installed (Debian: ``fonts-noto-cjk``), so Chinese
channel names render as characters.

Examples
--------
>>> from mmm.present.plotting import plot_roi          # doctest: +SKIP
>>> fig = plot_roi(result)                    # doctest: +SKIP
>>> fig = result.plot.response_curves()       # doctest: +SKIP
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.present import sections as S
from mmm.present import text as T
from mmm.present.plan import plan_data

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mmm.analysis.results import FitResult


MEDIA_COLOURS = {"baseline": "#b8c0cc", "paid": "#3b6fb6", "owned": "#e0962b", "earned": "#3f9d68"}
SOCIAL_COLOUR = "#c2417a"
OTHER_COLOUR = "#8a94a3"
INK = "#1f2733"
#: the identifiability class drawn differently (mmm.analysis.identify.PRIOR)
PRIOR_DOMINATED = "prior-dominated"
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Arial Unicode MS",
)
_CJK_FILE_HINTS = ("cjk", "wqy", "sourcehan", "notosanssc", "simhei", "msyh")


# ---------------------------------------------------------------------- style
@functools.cache
def chart_fonts() -> tuple[str, ...]:
    """Font families for charts: DejaVu Sans, then the CJK families installed here.

    Registers system CJK fonts with matplotlib when its font cache predates them.
    """
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if not names.intersection(CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            if any(h in path.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file is skipped
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(f for f in CJK_FAMILIES if f in names))


#: the rcParams of every chart besides its fonts (:func:`style`)
STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#9aa3af",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.grid": True,
    "grid.color": "#e5e8ec",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "svg.fonttype": "none",
    "figure.dpi": 100,
}


def style() -> dict[Any, Any]:
    """The rcParams every chart is drawn with (text kept as text in SVG output)."""
    return {"font.family": list(chart_fonts()), **STYLE}


def styled[**P](fn: Callable[P, Figure]) -> Callable[P, Figure]:
    """Draw inside the chart style; tick labels are created there too so fonts stick."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        import matplotlib as mpl

        if "ipykernel" in sys.modules:
            import matplotlib.pyplot  # noqa: F401 - loads the notebook backend, which displays figures inline
        with mpl.rc_context(style()):
            fig = fn(*args, **kwargs)
            for ax in fig.axes:
                ax.xaxis.get_major_ticks()
                ax.yaxis.get_major_ticks()
        return fig

    return wrapper


def safe(s: Any) -> str:
    """A user string made literal for matplotlib (``$`` would start mathtext)."""
    return str(s).replace("$", r"\$")


#: every chart has the same width, so text has the same size once scaled to the page
WIDTH = 9.0


def _figure(height: float, **kw: Any) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), layout="constrained", **kw)


def money_axis(axis: Any, currency: str, nbins: int = 5) -> None:
    """Format an axis in compact currency (``¥1.2M``) with at most ``nbins`` ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=nbins))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: safe(T.money(v, currency))))


def _kpi(result: FitResult) -> str:
    return result.dataset.channel_map.kpi


def _cur(result: FitResult) -> str:
    return result.dataset.channel_map.currency


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, safe(message), ha="center", va="center", wrap=True)
    return fig


# ---------------------------------------------------------------------- draw from tables
@styled
def draw_roi(
    table: pd.DataFrame,
    currency: str = "¥",
    kpi: str = "revenue",
    breakeven: bool = True,
    classes: Mapping[str, str] | None = None,
) -> Figure:
    """ROI per channel with 90% intervals, best at the top, break-even line at 1.

    ``table`` is :func:`mmm.present.sections.roi_table`. Social channels also show their
    direct ROI (hollow marker) next to the total including earned amplification.
    ``classes`` (channel → identifiability class, :mod:`mmm.analysis.identify`) marks the
    prior-dominated channels: a grey hatched interval, a hollow marker and a grey label.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = len(table)
    fig = _figure(0.4 * n + 1.3)
    if n == 0:
        return _empty(fig, T.NOT_AVAILABLE)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    prior = {str(c) for c, k in (classes or {}).items() if k == PRIOR_DOMINATED}
    for yi, row in zip(y, table.itertuples(), strict=True):
        colour = MEDIA_COLOURS.get(str(row.media), OTHER_COLOUR)
        if str(row.channel) in prior:
            ax.barh(yi, row.roi_upper - row.roi_lower, left=row.roi_lower, height=0.3, color="white",
                    edgecolor=OTHER_COLOUR, hatch="////", lw=0.8)  # fmt: skip
            ax.plot(row.roi_mean, yi, "o", mfc="white", mec=OTHER_COLOUR, mew=1.5, ms=7)
        else:
            ax.plot([row.roi_lower, row.roi_upper], [yi, yi], color=colour, lw=5, alpha=0.35,
                    solid_capstyle="round")  # fmt: skip
            ax.plot(row.roi_mean, yi, "o", color=colour, ms=7)
        if row.social:
            ax.plot(row.roi_direct_mean, yi, "D", mfc="white", mec=SOCIAL_COLOUR, ms=6, mew=1.5)
        ax.annotate(
            T.ratio(row.roi_mean),
            (row.roi_upper, yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, labels=[safe(c) for c in table["channel"]])
    for label, c in zip(ax.get_yticklabels(), table["channel"], strict=True):
        if str(c) in prior:
            label.set_color(OTHER_COLOUR)
            label.set_fontstyle("italic")
    ax.grid(axis="y", visible=False)
    handles: list[Any] = [
        Line2D(
            [],
            [],
            marker="o",
            color=MEDIA_COLOURS["paid"],
            lw=5,
            alpha=0.6,
            label=T.LEGEND_TOTAL_ROI,
        )
    ]
    if prior & {str(c) for c in table["channel"]}:
        handles.append(
            Patch(facecolor="white", edgecolor=OTHER_COLOUR, hatch="////", label=T.LEGEND_PRIOR)
        )
    if table["social"].any():
        handles.append(
            Line2D(
                [], [], marker="D", ls="", mfc="white", mec=SOCIAL_COLOUR, label=T.LEGEND_DIRECT_ROI
            )
        )
    if breakeven:
        ax.axvline(1.0, color="#cf222e", ls="--", lw=1)
        handles.append(Line2D([], [], color="#cf222e", ls="--", label=T.LEGEND_BREAKEVEN))
    ax.set_xlim(
        left=min(0.0, float(np.nanmin(table["roi_lower"]))),
        right=float(np.nanmax(table["roi_upper"])) * 1.15 + 0.05,
    )
    ax.set_xlabel(safe(T.fill(T.AXIS_ROI, kpi=kpi, currency=currency)))
    ax.set_title(T.TITLE_ROI)
    ax.legend(handles=handles, loc="lower right")
    return fig


@styled
def draw_contributions(frame: pd.DataFrame, currency: str = "¥", kpi: str = "revenue") -> Figure:
    """Stacked baseline / paid / owned / earned contributions per period, with the actual KPI.

    ``frame`` is :func:`mmm.present.sections.contributions_over_time`.
    """
    fig = _figure(3.4)
    ax = fig.add_subplot()
    parts = [c for c in ("baseline", "paid", "owned", "earned") if c in frame]
    dates = pd.to_datetime(frame["date"])
    ax.stackplot(dates, *[frame[c].clip(lower=0) for c in parts], colors=[MEDIA_COLOURS[c] for c in parts],
                 labels=[T.MEDIA_NAMES[c] for c in parts], alpha=0.9, lw=0)  # fmt: skip
    ax.plot(dates, frame["actual"], color=INK, lw=1, label=T.LEGEND_ACTUAL)
    money_axis(ax.yaxis, currency)
    ax.set_ylabel(safe(T.fill(T.AXIS_KPI, kpi=kpi, currency=currency)))
    ax.set_title(T.TITLE_CONTRIB)
    ax.margins(x=0)
    ax.legend(loc="upper left", ncols=len(parts) + 1)
    return fig


@styled
def draw_waterfall(table: pd.DataFrame, currency: str = "¥") -> Figure:
    """Baseline plus each channel's contribution, coloured by media group, up to the expected total.

    ``table`` is :func:`mmm.present.sections.waterfall_table`.
    """
    from matplotlib.patches import Patch

    n = len(table)
    fig = _figure(3.6)
    ax = fig.add_subplot()
    x = np.arange(n + 1)
    colours = [MEDIA_COLOURS.get(m, OTHER_COLOUR) for m in table["media"]]
    ax.bar(x[:-1], table["value"], bottom=table["start"], color=colours, width=0.7)
    total = float(table["value"].sum())
    ax.bar(x[-1], total, color=INK, width=0.7)
    for xi, (v, end) in enumerate(zip(table["value"], table["end"], strict=True)):
        ax.annotate(
            safe(T.money(v, currency)),
            (xi, max(end, end - v)),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    ax.annotate(
        safe(T.money(total, currency)),
        (x[-1], total),
        xytext=(0, 2),
        textcoords="offset points",
        ha="center",
        fontsize=7,
    )
    labels = [
        safe(T.MEDIA_NAMES["baseline"] if m == "baseline" else s)
        for s, m in zip(table["step"], table["media"], strict=True)
    ]
    ax.set_xticks(x, labels=[*labels, T.WATERFALL_TOTAL], rotation=30, ha="right")
    ax.grid(axis="x", visible=False)
    money_axis(ax.yaxis, currency)
    media = [m for m in ("baseline", "paid", "owned", "earned") if m in set(table["media"])]
    ax.legend(
        handles=[Patch(color=MEDIA_COLOURS[m], label=T.MEDIA_NAMES[m]) for m in media],
        loc="upper left",
        ncols=len(media),
    )
    ax.set_ylim(top=total * 1.12)
    ax.set_title(T.TITLE_WATERFALL)
    return fig


@styled
def draw_fit(frame: pd.DataFrame, currency: str = "¥", kpi: str = "revenue") -> Figure:
    """Actual vs expected KPI with the 90% predictive interval; the holdout is shaded.

    ``frame`` is :func:`mmm.present.sections.fit_table`.
    """
    fig = _figure(3.2)
    ax = fig.add_subplot()
    dates = pd.to_datetime(frame["date"])
    ax.fill_between(
        dates,
        frame["pred_lower"],
        frame["pred_upper"],
        color=MEDIA_COLOURS["paid"],
        alpha=0.18,
        lw=0,
        label=T.LEGEND_INTERVAL,
    )
    ax.plot(dates, frame["mean"], color=MEDIA_COLOURS["paid"], lw=1.4, label=T.LEGEND_EXPECTED)
    ax.plot(dates, frame["actual"], "o", color=INK, ms=2.5, label=T.LEGEND_ACTUAL)
    hold = frame["holdout"].to_numpy(dtype=bool)
    if hold.any():
        ax.axvspan(
            dates[hold].min(),
            dates[hold].max(),
            color="#f2cc60",
            alpha=0.25,
            lw=0,
            label=T.LEGEND_HOLDOUT,
        )
    money_axis(ax.yaxis, currency)
    ax.set_ylabel(safe(T.fill(T.AXIS_KPI, kpi=kpi, currency=currency)))
    ax.margins(x=0.01)
    ax.set_title(T.TITLE_FIT)
    ax.legend(loc="upper left", ncols=4)
    return fig


@styled
def draw_response_curves(
    curves: pd.DataFrame, marks: pd.DataFrame, currency: str = "¥", kpi: str = "revenue"
) -> Figure:
    """One panel per channel: incremental KPI vs spend (90% band), current and recommended spend marked.

    ``curves`` and ``marks`` come from :func:`mmm.present.sections.curve_tables`.
    """
    from matplotlib.lines import Line2D

    chans = list(marks["channel"]) if len(marks) else []
    ncols = min(3, max(1, len(chans)))
    nrows = max(1, -(-len(chans) // ncols))
    fig = _figure(2.4 * nrows + 0.6)
    if not chans:
        return _empty(fig, T.CURVES_NONE)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, row in zip(axes.ravel(), marks.itertuples(), strict=False):
        cv = curves[curves["channel"] == row.channel]
        ax.fill_between(
            cv["spend"], cv["lower"], cv["upper"], color=MEDIA_COLOURS["paid"], alpha=0.18, lw=0
        )
        ax.plot(cv["spend"], cv["mean"], color=MEDIA_COLOURS["paid"], lw=1.5)
        ax.plot(row.spend_current, row.response_current, "o", color=INK, ms=6, zorder=3)
        if np.isfinite(row.spend_recommended):
            ax.plot(
                row.spend_recommended,
                row.response_recommended,
                "D",
                color=SOCIAL_COLOUR,
                ms=6,
                zorder=3,
            )
        ax.set_title(
            safe(T.fill(T.TITLE_CURVE, channel=row.channel, mroi=T.ratio(row.mroi_mean))),
            fontsize=9,
        )
        money_axis(ax.xaxis, currency, nbins=4)
        money_axis(ax.yaxis, currency, nbins=4)
        ax.set_xlim(left=0)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(chans) :]:
        ax.axis("off")
    handles = [Line2D([], [], marker="o", ls="", color=INK, label=T.LEGEND_CURRENT)]
    if marks["spend_recommended"].notna().any():
        handles.append(
            Line2D([], [], marker="D", ls="", color=SOCIAL_COLOUR, label=T.LEGEND_RECOMMENDED)
        )
    fig.legend(handles=handles, loc="outside upper right", ncols=2)
    fig.supxlabel(safe(T.fill(T.AXIS_SPEND, currency=currency)), fontsize=8)
    fig.supylabel(safe(T.fill(T.AXIS_KPI, kpi=kpi, currency=currency)), fontsize=8)
    return fig


@styled
def draw_earned(by_source: pd.DataFrame, currency: str = "¥") -> Figure:
    """Earned activity generated by each source and what it was worth (90% intervals).

    ``by_source`` is the first table of :func:`mmm.present.sections.earned_tables`.
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(by_source)
    fig = _figure(0.45 * n + 1.4)
    if n == 0:
        return _empty(fig, T.EARNED_NONE)
    left, right = fig.subplots(1, 2, sharey=True)
    labels = [
        safe(f"{s} → {e}") for s, e in zip(by_source["source"], by_source["earned"], strict=True)
    ]
    y = np.arange(n)[::-1]
    for ax, stem, colour, fmt in (
        (left, "generated", MEDIA_COLOURS["earned"], T.number),
        (right, "value", MEDIA_COLOURS["paid"], lambda v: T.money(v, currency)),
    ):
        m = by_source[f"{stem}_mean"].to_numpy(float)
        err = np.vstack([m - by_source[f"{stem}_lower"], by_source[f"{stem}_upper"] - m]).clip(
            min=0
        )
        ax.barh(
            y, m, xerr=err, color=colour, alpha=0.85, height=0.6, error_kw={"lw": 1, "ecolor": INK}
        )
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p, f=fmt: safe(f(v))))
    left.set_yticks(y, labels=labels)
    left.set_title(T.AXIS_ACTIVITY)
    right.set_title(T.TITLE_EARNED)
    return fig


#: shading of named event windows by kind
EVENT_COLOURS = {"crisis": "#d64541", "launch": "#3f9d68", "outage": "#7f8c8d", "promotion": "#e0962b"}


@styled
def draw_tone(tone: pd.DataFrame, windows: pd.DataFrame) -> Figure:
    """Mentions that are not negative vs negative mentions per period, event windows shaded.

    ``tone`` and ``windows`` are :attr:`mmm.present.sentiment.SentimentData.tone` and ``.windows``.
    """
    from matplotlib.ticker import FuncFormatter

    fig = _figure(3.0)
    ax = fig.add_subplot()
    for ch, grp in tone.groupby("earned", sort=False):
        dates = pd.to_datetime(grp["date"])
        ax.plot(dates, grp["other"], color=MEDIA_COLOURS["earned"], lw=1.2,
                label=safe(T.fill(T.LEGEND_OTHER_MENTIONS, channel=ch)))  # fmt: skip
        ax.plot(dates, grp["negative"], color=EVENT_COLOURS["crisis"], lw=1.2,
                label=safe(T.fill(T.LEGEND_NEGATIVE_MENTIONS, channel=ch)))  # fmt: skip
    seen: set[str] = set()
    for w in windows.itertuples():
        label = None if w.event in seen else safe(f"{w.event} ({w.kind})")
        seen.add(str(w.event))
        ax.axvspan(pd.Timestamp(w.start), pd.Timestamp(w.end), alpha=0.15, lw=0,
                   color=EVENT_COLOURS.get(str(w.kind), OTHER_COLOUR), label=label)  # fmt: skip
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: safe(T.number(v))))
    ax.set_ylabel(T.AXIS_MENTIONS)
    ax.set_title(T.TITLE_TONE)
    ax.margins(x=0)
    ax.legend(loc="upper left", ncols=2)
    return fig


@styled
def draw_roi_by_geo(heat: pd.DataFrame) -> Figure:
    """ROI by region (rows) and channel (columns) as a heat map; the last row is the national ROI.

    ``heat`` is :attr:`mmm.present.regions.RegionData.heat`. Each column is coloured on its own
    scale around the channel's national ROI (green: above it, red: below), so a region's
    strong and weak channels stand out whatever the channels' size.
    """
    n_geo, n_ch = heat.shape
    fig = _figure(0.28 * n_geo + 1.6)
    ax = fig.add_subplot()
    values = heat.to_numpy(dtype=float)
    nat = values[-1]
    rel = np.log(np.clip(values, 1e-6, None) / np.clip(nat, 1e-6, None))
    ax.imshow(np.clip(rel, -0.7, 0.7), cmap="RdYlGn", vmin=-0.7, vmax=0.7, aspect="auto")
    for i in range(n_geo):
        for j in range(n_ch):
            v = values[i, j]
            text = "–" if not np.isfinite(v) else f"{v:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    fontweight="bold" if i == n_geo - 1 else "normal", color=INK)  # fmt: skip
    ax.axhline(n_geo - 1.5, color=INK, lw=1.2)
    ax.set_xticks(np.arange(n_ch), labels=[safe(c) for c in heat.columns], rotation=30, ha="right")
    ax.set_yticks(np.arange(n_geo), labels=[safe(g) for g in heat.index])
    ax.grid(False)
    ax.set_title(T.TITLE_ROI_BY_GEO)
    return fig


@styled
def draw_quarter(table: pd.DataFrame, currency: str = "¥", kpi: str = "revenue") -> Figure:
    """Spend (channels with a cost) and attributed KPI (all channels), last vs this quarter.

    ``table`` is :func:`mmm.present.sections.quarter_table`.
    """
    from matplotlib.patches import Patch

    n = len(table)
    fig = _figure(0.38 * n + 1.4)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(n)[::-1]
    h = 0.38
    for ax, stem, title in (
        (left, "spend", T.TITLE_QUARTER),
        (right, "revenue", T.fill(T.TITLE_QUARTER_KPI, kpi=kpi)),
    ):
        ax.barh(
            y + h / 2, table[f"{stem}_previous"], height=h, color="#c5ccd6", label=T.LEGEND_LAST_Q
        )
        ax.barh(
            y - h / 2,
            table[f"{stem}_current"],
            height=h,
            color=[MEDIA_COLOURS.get(m, OTHER_COLOUR) for m in table["media"]],
            label=T.LEGEND_THIS_Q,
        )
        money_axis(ax.xaxis, currency, nbins=4)
        ax.grid(axis="y", visible=False)
        ax.set_title(safe(title))
    left.set_yticks(y, labels=[safe(c) for c in table["channel"]])
    left.legend(
        handles=[
            Patch(color="#c5ccd6", label=T.LEGEND_LAST_Q),
            Patch(color=MEDIA_COLOURS["paid"], label=T.LEGEND_THIS_Q),
        ],
        loc="lower right",
    )
    return fig


@styled
def draw_allocation(table: pd.DataFrame, currency: str = "¥") -> Figure:
    """Recommended change in spend per channel: social channels in colour, others in grey.

    ``table`` is an Allocation's ``table`` (channel, social, change).
    """
    from matplotlib.patches import Patch

    t = table.sort_values("change") if len(table) else table
    n = len(t)
    fig = _figure(0.4 * n + 1.3)
    if n == 0:
        return _empty(fig, T.NOT_AVAILABLE)
    ax = fig.add_subplot()
    y = np.arange(n)
    social = t["social"].astype(bool) if "social" in t else pd.Series(False, index=t.index)
    ax.barh(
        y, t["change"], color=[SOCIAL_COLOUR if s else OTHER_COLOUR for s in social], height=0.6
    )
    ax.axvline(0, color=INK, lw=0.8)
    for yi, v in zip(y, t["change"], strict=True):
        ax.annotate(safe(T.money(v, currency, signed=True)), (v, yi), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(y, labels=[safe(c) for c in t["channel"]])
    ax.grid(axis="y", visible=False)
    money_axis(ax.xaxis, currency)
    lim = float(np.nanmax(np.abs(t["change"]))) or 1.0
    ax.set_xlim(-lim * 1.35, lim * 1.35)
    ax.set_xlabel(safe(T.fill(T.AXIS_CHANGE, currency=currency)))
    ax.set_title(T.TITLE_SHIFTS)
    ax.legend(
        handles=[
            Patch(color=SOCIAL_COLOUR, label="social"),
            Patch(color=OTHER_COLOUR, label="other"),
        ],
        loc="lower right",
    )
    return fig


@styled
def draw_uplift(
    draws: np.ndarray, uplift: Mapping[str, float], currency: str = "¥", kpi: str = "revenue"
) -> Figure:
    """Histogram of the plan's uplift draws with the mean, the 90% interval and zero marked."""
    from matplotlib.ticker import PercentFormatter

    fig = _figure(3.0)
    draws = np.asarray(draws, dtype=float).ravel()
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return _empty(fig, T.NOT_AVAILABLE)
    ax = fig.add_subplot()
    ax.hist(
        draws,
        bins=min(40, max(5, draws.size // 10)),
        weights=np.full(draws.size, 1 / draws.size),
        color=MEDIA_COLOURS["earned"],
        alpha=0.8,
    )
    lo, hi = uplift.get("lower", np.nan), uplift.get("upper", np.nan)
    if np.isfinite(lo) and np.isfinite(hi):
        ax.axvspan(lo, hi, color=MEDIA_COLOURS["earned"], alpha=0.1, lw=0)
    ax.axvline(0, color="#cf222e", ls="--", lw=1, label=T.LEGEND_ZERO)
    ax.axvline(float(np.mean(draws)), color=INK, lw=1.2, label=T.LEGEND_MEAN)
    money_axis(ax.xaxis, currency)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(safe(T.fill(T.AXIS_UPLIFT, kpi=kpi, currency=currency)))
    ax.set_ylabel(T.AXIS_DRAWS)
    ax.set_title(T.fill(T.TITLE_UPLIFT, prob=T.probability(uplift.get("prob"))))
    ax.legend(loc="upper right")
    return fig


# ---------------------------------------------------------------------- from result objects
def plot_roi(result: FitResult, window: Any = None, identifiability: Any = None) -> Figure:
    """ROI by channel over ``window`` (default: all data) with 90% intervals and break-even.

    Parameters
    ----------
    result : FitResult
    window : optional
        Any window :meth:`FitResult.roi` accepts (None, ``(start, end)``, ``"2024Q3"``, ``"last:13"``).
    identifiability : Identifiability, optional
        From :func:`mmm.analysis.identify.identifiability`: prior-dominated channels are drawn hatched
        in grey.
    """
    classes = getattr(identifiability, "classes", None)
    return draw_roi(
        S.roi_table(result, window),
        _cur(result),
        _kpi(result),
        result.dataset.channel_map.kpi_type == "revenue",
        classes,
    )


def plot_roi_by_geo(result: FitResult) -> Figure:
    """ROI by region and channel (a heat map around each channel's national ROI); regional fits."""
    from mmm.present.regions import region_data

    data = region_data(result)
    if data is None:
        return _empty(_figure(1.5), T.REGIONS_NONE)
    return draw_roi_by_geo(data.heat)


def plot_contributions(result: FitResult) -> Figure:
    """Baseline vs paid / owned / earned contributions over time, with the actual KPI."""
    return draw_contributions(S.contributions_over_time(result), _cur(result), _kpi(result))


def plot_waterfall(result: FitResult, window: Any = "last:13") -> Figure:
    """Waterfall of ``window``'s expected KPI: baseline then each channel, grouped by media type."""
    return draw_waterfall(S.waterfall_table(result, window), _cur(result))


def plot_fit(result: FitResult) -> Figure:
    """Actual vs fitted KPI with the 90% predictive interval; the holdout is shaded."""
    return draw_fit(S.fit_table(result), _cur(result), _kpi(result))


def plot_response_curves(
    result: FitResult, allocation: Any = None, window: Any = "last:13"
) -> Figure:
    """Response curve per channel with a cost; current spend marked, and recommended spend with ``allocation``."""
    curves, marks = S.curve_tables(result, window, allocation)
    return draw_response_curves(curves, marks, _cur(result), _kpi(result))


def plot_earned(result: FitResult, window: Any = "last:13") -> Figure:
    """Earned media generated by each source over ``window`` and what it was worth."""
    return draw_earned(S.earned_tables(result, window)[0], _cur(result))


def plot_quarter(result: FitResult, quarter: str | None = None) -> Figure:
    """Spend and attributed KPI by channel, this quarter vs last (see :func:`~mmm.present.sections.quarter_windows`)."""
    src = S.source(result)
    return draw_quarter(
        S.quarter_table(src, S.quarter_windows(src, quarter)), _cur(result), _kpi(result)
    )


def _alloc_currency(allocation: Any, currency: str | None) -> str:
    if currency is not None:
        return currency
    found = getattr(allocation, "currency", None)
    if found is None:
        res = getattr(allocation, "result", None)
        found = getattr(
            getattr(getattr(res, "dataset", None), "channel_map", None), "currency", None
        )
    return str(found) if found is not None else "¥"


def plot_allocation(allocation: Any, currency: str | None = None) -> Figure:
    """Recommended shifts per channel of an Allocation, toward or away from social channels."""
    return draw_allocation(allocation.table, _alloc_currency(allocation, currency))


def plot_uplift(allocation: Any, currency: str | None = None, kpi: str = "revenue") -> Figure:
    """Distribution of an Allocation's expected uplift, with P(improvement) in the title."""
    plan = plan_data(allocation)
    assert plan is not None
    return draw_uplift(plan.draws, plan.uplift, _alloc_currency(allocation, currency), kpi)
