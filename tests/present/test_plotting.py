"""Tests of mmm.present.plotting: figures from result objects, in currency units, text kept as text."""

from __future__ import annotations

import io
import warnings
from types import SimpleNamespace
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mmm.present import plotting
from mmm.present.accessor import ResultPlots
from mmm.present.plotting import chart_fonts, safe
from mmm.present.report import render


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with mpl.rc_context(plotting.style()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def _ticklabels(axis: Any) -> list[str]:
    axis.axes.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


@pytest.fixture(scope="module")
def allocation() -> SimpleNamespace:
    """A stand-in with the agreed Allocation fields the plots read."""
    table = pd.DataFrame({"channel": ["tv", "weibo", "douyin"], "media": ["paid"] * 3, "social": [False, True, True],
                          "current_spend": [4e6, 2e6, 2e6], "recommended_spend": [3e6, 2.4e6, 2.6e6],
                          "change": [-1e6, 4e5, 6e5], "change_pct": [-0.25, 0.2, 0.3],
                          "mroi_current": [0.3, 1.5, 0.8], "mroi_recommended": [0.4, 1.2, 0.7]})  # fmt: skip
    draws = np.random.default_rng(0).normal(9e5, 3e5, 400)
    return SimpleNamespace(table=table, uplift_draws=draws, uplift_mean=9e5, uplift_lower=4e5, uplift_upper=1.4e6,
                           prob_improvement=0.995, weeks=13, currency="¥")  # fmt: skip


def test_accessor_returns_figures(result: Any) -> None:
    plots = result.plot
    assert isinstance(plots, ResultPlots)
    for name in (
        "roi",
        "contributions",
        "waterfall",
        "fit",
        "response_curves",
        "earned",
        "quarter",
    ):
        fig = getattr(plots, name)()
        assert isinstance(fig, Figure), name
        assert fig.axes, name
        assert name in repr(plots)


def test_figures_are_in_currency_units(result: Any) -> None:
    kpi_mean = float(result.dataset.data["kpi"].mean())
    fit = plotting.plot_fit(result)
    assert fit.axes[0].get_ylim()[1] > 0.5 * kpi_mean  # not the model's O(1) scale
    assert all(t.startswith(("¥", "-¥")) for t in _ticklabels(fit.axes[0].yaxis))
    contrib = plotting.plot_contributions(result)
    assert contrib.axes[0].get_ylim()[1] > 0.5 * kpi_mean
    curves = plotting.plot_response_curves(result)
    spend_tv = float(result.dataset.data["spend"].sel(channel="tv").isel(geo=0).values[-13:].sum())
    tv = next(ax for ax in curves.axes if ax.get_title("left").startswith("tv"))
    assert tv.get_xlim()[1] >= spend_tv  # x axis is spend in currency
    assert all(t.startswith(("¥", "-¥")) for t in _ticklabels(tv.xaxis))
    roi = plotting.plot_roi(result)
    labels = [t.get_text() for t in roi.axes[0].get_yticklabels()]
    assert set(labels) == set(result.dataset.channels_of(has_cost=True))
    assert any(line.get_xdata()[0] == 1.0 for line in roi.axes[0].lines)  # break-even


def test_waterfall_sums_to_expected_total(result: Any) -> None:
    fig = plotting.plot_waterfall(result)
    bars = fig.axes[0].patches
    total = result.fitted()["mean"].values[-13:].sum()
    assert bars[-1].get_height() == pytest.approx(total, rel=1e-6)


def test_allocation_and_uplift_plots(allocation: SimpleNamespace) -> None:
    fig = plotting.plot_allocation(allocation)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "tv",
        "weibo",
        "douyin",
    ]  # sorted by change
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches}
    assert len(colours) == 2  # social vs other
    up = plotting.plot_uplift(allocation)
    assert ">99%" in up.axes[0].get_title("left")
    assert all(t.startswith(("¥", "-¥")) for t in _ticklabels(up.axes[0].xaxis))


def test_real_allocation_plots(result: Any) -> None:
    optimize = pytest.importorskip("mmm.decisions.optimize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alloc = optimize.optimize_budget(result, optimize.BudgetScenario())
    assert isinstance(plotting.plot_allocation(alloc), Figure)
    assert isinstance(plotting.plot_uplift(alloc), Figure)
    curves = result.plot.response_curves(alloc)
    assert any(line.get_marker() == "D" for ax in curves.axes for line in ax.lines)


def test_user_strings_stay_literal_and_escaped() -> None:
    assert safe("$1 and $2") == r"\$1 and \$2"
    table = pd.DataFrame({"channel": ["<script>alert(1)</script>", "$tv$", "微博"], "social": [False, False, True],
                          "change": [-1.0, 0.5, 0.5]})  # fmt: skip
    svg = _svg(plotting.draw_allocation(table, currency="$"))
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert ">$tv$<" in svg  # no mathtext
    assert ">微博<" in svg  # text element, not glyph paths
    clean = render.clean_svg(svg, "f1-")
    assert clean.startswith("<svg") and "http" not in clean and "xlink:" not in clean


def test_chart_fonts_and_cjk_glyphs() -> None:
    fonts = chart_fonts()
    assert fonts[0] == "DejaVu Sans"
    if len(fonts) == 1:
        pytest.skip(
            "no CJK font installed (Debian: fonts-noto-cjk); SVG text still renders in the browser"
        )
    table = pd.DataFrame(
        {"channel": ["微博", "抖音"], "social": [True, True], "change": [1.0, -1.0]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        fig = plotting.draw_allocation(table)
        fig.canvas.draw()


def test_plots_leave_global_state_alone(result: Any) -> None:
    before = dict(mpl.rcParams)
    import matplotlib.pyplot as plt

    n = len(plt.get_fignums())
    plotting.plot_roi(result)
    assert len(plt.get_fignums()) == n  # no pyplot figures left open
    assert dict(mpl.rcParams) == before


def test_roi_chart_marks_prior_dominated_channels(result: Any) -> None:
    from mmm.present import sections as S
    from mmm.present import text as T

    table = S.roi_table(result)
    plain = plotting.draw_roi(table)
    assert not any(p.get_hatch() for p in plain.axes[0].patches)
    fig = plotting.draw_roi(table, classes={"search": "prior-dominated", "tv": "weakly identified"})
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1  # search only
    labels = {t.get_text(): t for t in ax.get_yticklabels()}
    assert labels["search"].get_fontstyle() == "italic"
    assert labels["tv"].get_fontstyle() == "normal"
    assert T.LEGEND_PRIOR in [t.get_text() for t in ax.get_legend().get_texts()]
    svg = render.clean_svg(_svg(fig), "f1-")
    assert "url(#f1-" in svg  # the hatch pattern, with its id prefixed
