"""The HTML report page (mmm.present.report): sections in order, self-contained, CSVs, banners, escaping, Chinese names."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape

from mmm._checks import Check, Checks
from mmm.present import sections as S
from mmm.present import text as T
from mmm.present.report import build

SECTION_IDS = (
    "summary",
    "quarter",
    "contributions",
    "roi",
    "earned",
    "curves",
    "plan",
    "experiments",
    "health",
    "appendix",
)


EVIL = "<script>alert(1)</script>"


ZH = "微博"


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start : html.index("</section>", start)]


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


# ---------------------------------------------------------------------- structure
def test_every_section_present_in_order(html: str) -> None:
    positions = [html.index(f'<section id="{sid}" class="section">') for sid in SECTION_IDS]
    assert positions == sorted(positions)
    for sid in SECTION_IDS:
        assert T.SECTIONS[sid] in _section(html, sid)
        assert f'href="#{sid}"' in html  # table of contents


def test_sections_are_numbered_in_order(html: str) -> None:
    toc = re.findall(r'<li><a href="#(\w+)">(\d+)\. ', html)
    assert toc == [(sid, str(i)) for i, sid in enumerate(SECTION_IDS, 1)]
    assert T.SECTIONS["experiments"] == "8. What to test next quarter"
    assert "section 9" in T.BADGE_HELP["REVIEW"] and "section 9" in T.FAIL_BANNER_DETAIL


def test_sections_hold_their_content(html: str, result: Any) -> None:
    assert _section(html, "summary").count('class="tile"') >= 3
    assert "<svg" in _section(html, "quarter")
    assert _section(html, "contributions").count("<svg") == 2  # over time + waterfall
    roi = _section(html, "roi")
    for ch in result.dataset.channels_of(has_cost=True):
        assert f"<td>{ch}</td>" in roi
    assert T.LEGEND_BREAKEVEN in roi
    assert T.LEGEND_DIRECT_ROI in roi  # social channels: direct vs earned-amplified
    assert "mentions" in _section(html, "earned")
    assert "<svg" in _section(html, "curves")
    assert T.PLAN_NONE in _section(html, "plan")
    health = _section(html, "health")
    for c in result.diagnostics():
        assert f"<td>{c.name}</td>" in health
    assert T.ACCURACY_ROWS["holdout_mape"] in health
    assert 'data-table="identifiability"' in health and T.IDENT_CHECKS in health
    appendix = _section(html, "appendix")
    for word in (
        "pymc",
        "nutpie",
        "draws",
        "2022-01-03",
        "driven_by".replace("_", " ").capitalize()[:6],
    ):
        assert word in appendix


def test_report_is_self_contained(html: str) -> None:
    assert not re.search(r"https?://", html)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?//""", html)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "@font-face" not in html
    assert not re.search(r"url\((?!#)", html)  # only in-page references (SVG clip paths)
    assert "<style>" in html  # CSS inline
    for ref in _hrefs(html):
        assert ref.startswith("#") or ref.endswith(".csv"), ref


def test_svg_text_is_text_and_ids_unique(html: str) -> None:
    assert html.count("<svg") >= 7
    assert "<text" in html  # svg.fonttype none: labels are text, not paths
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r"url\(#([^)]+)\)", html)) | {
        r[1:] for r in _hrefs(html) if r.startswith("#")
    }
    assert refs <= set(ids)


def test_every_table_written_as_csv(report: Path, html: str) -> None:
    links = [r for r in _hrefs(html) if r.endswith(".csv")]
    assert html.count("<table") <= len(links)
    for name in links:
        assert (report.parent / name).exists(), name
        assert name.startswith("q_")
    roi = pd.read_csv(report.parent / "q_roi.csv")
    assert {"channel", "roi_mean", "roi_lower", "roi_upper", "p_above_breakeven"} <= set(
        roi.columns
    )
    assert list(roi["roi_mean"]) == sorted(roi["roi_mean"], reverse=True)
    diag = pd.read_csv(report.parent / "q_diagnostics.csv")
    assert set(diag["status"]) <= {"PASS", "REVIEW", "FAIL"}


def test_title_brand_and_quarter(html: str) -> None:
    assert "<h1>Marketing mix report</h1>" in html
    assert "Test &amp; Co" in html
    assert "2023Q4" in html


# ---------------------------------------------------------------------- health banners
def test_fail_banner_at_the_top_when_diagnostics_fail(html: str, result: Any) -> None:
    failed = result.diagnostics().status == "FAIL"
    assert ('class="banner banner-fail"' in html) == failed
    if failed:
        assert html.index('class="banner banner-fail"') < html.index('<section id="summary"')
        assert 'class="badge badge-FAIL"' in html


def test_no_fail_banner_when_checks_pass(
    result: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = Checks(
        (
            Check("r_hat", "PASS", "fine"),
            Check("holdout", "PASS", "fine", values={"holdout_mape": 0.05}),
        )
    )
    monkeypatch.setattr(S.Source, "diagnostics", lambda self: ok)
    text = build(result, out=tmp_path / "ok.html").read_text(encoding="utf-8")
    assert 'class="banner banner-fail"' not in text
    assert 'class="badge badge-PASS"' in text
    failing = Checks((Check("r_hat", "FAIL", "bad", "fix it"),))
    monkeypatch.setattr(S.Source, "diagnostics", lambda self: failing)
    text = build(result, out=tmp_path / "bad.html").read_text(encoding="utf-8")
    assert text.index('class="banner banner-fail"') < text.index('<section id="summary"')
    assert "r_hat" in text[: text.index('<section id="summary"')]


# ---------------------------------------------------------------------- escaping, Chinese, MAP
def test_user_strings_are_escaped(evil_html: tuple[Path, str]) -> None:
    _, text = evil_html
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>Q1</b>" not in text and "&lt;b&gt;Q1&lt;/b&gt; &amp; review" in text
    assert "<i>" not in text and "&lt;i&gt;品牌&lt;/i&gt;" in text
    # inside the charts too (matplotlib escapes SVG text)
    svg = text[text.index("<svg") :]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_chinese_names_render_as_text(evil_html: tuple[Path, str]) -> None:
    path, text = evil_html
    assert f"<td>{ZH}</td>" in text
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", text)
    assert any(ZH in s for s in labels)  # a text element, not glyph paths
    assert 'lang="zh"' in text
    roi = pd.read_csv(path.parent / "evil_roi.csv")
    assert set(roi["channel"]) == {EVIL, ZH}


def test_approximate_fit_is_flagged(evil_html: tuple[Path, str]) -> None:
    _, text = evil_html
    note = str(escape(T.IDENT_NEEDS_FULL_FIT))
    assert note in _section(text, "roi") and note in _section(text, "experiments")
    assert 'data-table="identifiability"' not in _section(text, "health")
    assert 'class="ident ' not in text and 'data-table="experiments"' not in text
    top = text[: text.index('<section id="summary"')]
    assert 'class="banner banner-approx"' in top and "APPROXIMATE" in top
    assert 'class="banner banner-fail"' in top  # the MAP 'method' check is a FAIL


def test_currency_override_and_dollar_signs_stay_literal(evil_html: tuple[Path, str]) -> None:
    _, text = evil_html
    assert "$" in text and "¥" not in _section(text, "summary")
    assert "<!--" not in text  # no mathtext (which writes comments) from '$' in labels


def test_report_with_a_real_allocation(result: Any, tmp_path: Path) -> None:
    optimize = pytest.importorskip("mmm.decisions.optimize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alloc = optimize.optimize_budget(result, optimize.BudgetScenario())
    path = build(result, alloc, out=tmp_path / "plan")
    assert path.name == "plan.html"
    text = path.read_text(encoding="utf-8")
    plan = _section(text, "plan")
    assert 'data-table="plan"' in plan and plan.count("<svg") == 2  # shifts + uplift
    assert T.SUMMARY_PLAN.split("{")[0] in _section(text, "summary")
    assert T.LEGEND_RECOMMENDED in _section(text, "curves")
    saved = pd.read_csv(tmp_path / "plan_plan.csv")
    assert set(saved["channel"]) == set(alloc.table["channel"])
    assert not re.search(r"https?://", text)


def test_out_may_be_a_directory(result: Any, tmp_path: Path) -> None:
    assert build(result, out=tmp_path, max_samples=50) == tmp_path / "report.html"
    assert (tmp_path / "report_roi.csv").exists()
