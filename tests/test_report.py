"""Tests of the HTML report (mmm.report): sections, self-containment, CSVs, escaping, browser.

The report is built from the shared small real fit (tests/_fits.py) and from a quick MAP
fit whose channels are named ``<script>alert(1)</script>`` and ``微博``. A headless
Chromium (Debian's ``chromium``, installed by .ci/run) loads the file offline and must
report no console error and no network request; the test is skipped without it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import warnings
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand, small_result
from markupsafe import escape

from mmm._checks import Check, Checks
from mmm.config import ChannelMap
from mmm.exceptions import DataValidationError
from mmm.identify import PRIOR, WELL, Identifiability, identifiability
from mmm.io import from_dataframe
from mmm.model import MediaMixModel
from mmm.report import build
from mmm.report import evidence as EV
from mmm.report import render as R
from mmm.report import sections as S
from mmm.report import text as T
from mmm.report.blocks import IDENT_CSS
from mmm.spec import ModelSpec
from mmm.synthetic import generate

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


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def result() -> Any:
    return small_result()


@pytest.fixture(scope="module")
def report(result: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(result, out=tmp_path_factory.mktemp("report") / "q.html", brand="Test & Co")


@pytest.fixture(scope="module")
def html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def evil_result() -> Any:
    """A MAP fit (seconds) whose channels are a script tag and a Chinese name."""
    brand = generate(seed=5, weeks=60, channels=["tv", "weibo", "mentions"])
    raw = brand.channel_map.to_dict()
    ch = raw["channels"]
    raw["channels"] = {
        EVIL: ch["tv"],
        ZH: ch["weibo"],
        "提及": {**ch["mentions"], "driven_by": [ZH]},
    }
    raw["controls"].pop("holidays", None)
    ds = from_dataframe(brand.data, ChannelMap.from_dict(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MediaMixModel(ModelSpec(method="map", seed=0, progress=False)).fit(ds)


@pytest.fixture(scope="module")
def evil_html(evil_result: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("evil") / "evil.html"
    path = build(
        evil_result, out=out, title="<b>Q1</b> & review", brand="<i>品牌</i>", currency="$"
    )
    return path, path.read_text(encoding="utf-8")


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


# ---------------------------------------------------------------------- identifiability, tests
@pytest.fixture(scope="module")
def ident(result: Any) -> Identifiability:
    return identifiability(result)


def _forced(ident: Identifiability, classes: dict[str, str]) -> Identifiability:
    """``ident`` with some channels' class overridden (prior-dominated gets a reason)."""
    t = ident.table.copy()
    for ch, cls in classes.items():
        t.loc[t["channel"] == ch, "class"] = cls
        t.loc[t["channel"] == ch, "reason"] = (
            "" if cls == WELL else "its spend rises and falls with the season (corr 0.91)"
        )
    return replace(ident, table=t)


def test_roi_rows_show_identifiability(html: str, ident: Identifiability, report: Path) -> None:
    roi = _section(html, "roi")
    for ch, cls in ident.classes.items():
        if ident.row(ch)["metric"] != "roi":
            continue
        label = T.IDENT_CLASSES[cls]
        assert f'<td class="ident ident-{IDENT_CSS[cls]}">{label}</td>' in roi
        sentence = str(escape(ident.sentence(ch)))
        assert (sentence in roi) == (cls != WELL), ch  # the sentence only where it matters
    saved = pd.read_csv(report.parent / "q_roi.csv", keep_default_na=False)
    assert {"identifiability", "identifiability_note"} <= set(saved.columns)


def test_experiments_section_and_csv(html: str, ident: Identifiability, report: Path) -> None:
    sec = _section(html, "experiments")
    assert T.SECTIONS["experiments"] in sec
    assert "--lift-tests tests.csv" in sec and "channel,start,end,lift,se" in sec
    todo = [c for c, k in ident.classes.items() if k != WELL and ident.row(c)["metric"] == "roi"]
    assert todo  # the small fit has weakly identified paid channels
    assert 'data-table="experiments"' in sec
    for ch in todo:
        assert f"<td>{ch}</td>" in sec
    saved = pd.read_csv(report.parent / "q_experiments.csv")
    assert sorted(saved["channel"]) == sorted(todo)
    assert {"design", "spend_change", "expected_lift", "lift_se", "reason", "note"} <= set(
        saved.columns
    )


def test_prior_dominated_channel_in_plain_words(
    result: Any, ident: Identifiability, tmp_path: Path
) -> None:
    forced = _forced(ident, {"search": PRIOR})
    path = build(result, out=tmp_path / "prior.html", identifiability=forced, max_samples=100)
    text = path.read_text(encoding="utf-8")
    sentence = forced.sentence("search")
    assert sentence.startswith("The data cannot distinguish an ROI of")
    roi = _section(text, "roi")
    assert str(escape(sentence)) in roi
    assert '<td class="ident ident-prior">Prior-dominated</td>' in roi
    assert T.LEGEND_PRIOR in roi  # the chart marks it
    summary = _section(text, "summary")
    expected = T.fill(T.SUMMARY_PRIOR_NO_PLAN, channels="search", their="its", them="it")
    assert str(escape(expected)) in summary
    tests = pd.read_csv(tmp_path / "prior_experiments.csv")
    assert "search" in set(tests["channel"])
    assert tests.set_index("channel").loc["search", "class"] == PRIOR
    assert "Prior-dominated" in _section(text, "experiments")


def test_no_test_needed_is_said_plainly(
    result: Any, ident: Identifiability, tmp_path: Path
) -> None:
    calm = _forced(ident, dict.fromkeys(ident.classes, WELL))
    path = build(result, out=tmp_path / "calm.html", identifiability=calm, max_samples=100)
    text = path.read_text(encoding="utf-8")
    sec = _section(text, "experiments")
    assert T.TESTS_NONE in sec and 'data-table="experiments"' not in sec
    assert not (tmp_path / "calm_experiments.csv").exists()
    assert 'class="has-detail"' not in _section(text, "roi")
    assert T.SUMMARY_PRIOR.split("{")[0] not in _section(text, "summary")


def test_identifiability_computed_once(
    result: Any, ident: Identifiability, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counted(res: Any) -> Identifiability:
        calls.append(res.n_samples)
        return ident

    monkeypatch.setattr(EV, "identifiability", counted)
    build(result, out=tmp_path / "a.html", max_samples=100)
    assert len(calls) == 1 and calls[0] >= EV.MIN_SAMPLES
    build(result, out=tmp_path / "b.html", max_samples=100, identifiability=ident)
    assert len(calls) == 1  # given: not measured again


def test_plan_shows_caveats_and_evidence(result: Any, tmp_path: Path) -> None:
    table = pd.DataFrame({"channel": ["tv", "search"], "media": ["paid"] * 2, "social": [False, False],
                          "current_spend": [100.0, 100.0], "recommended_spend": [120.0, 80.0],
                          "change": [20.0, -20.0], "change_pct": [0.2, -0.2],
                          "identifiability": [WELL, PRIOR],
                          "evidence": ["", f"This move rests on {EVIL}'s prior."]})  # fmt: skip
    alloc = SimpleNamespace(table=table, caveats=(f"Careful with {EVIL}.",), weeks=13)
    text = build(result, alloc, out=tmp_path / "p.html", max_samples=100).read_text("utf-8")
    plan = _section(text, "plan")
    assert T.PLAN_CAVEATS in plan
    assert "Careful with &lt;script&gt;alert(1)&lt;/script&gt;." in plan
    assert "This move rests on &lt;script&gt;" in plan and '<tr class="detail">' in plan
    assert '<td class="ident ident-prior">Prior-dominated</td>' in plan
    assert "<script" not in text.lower()


def test_plan_without_identifiability_columns_is_annotated(ident: Identifiability) -> None:
    table = pd.DataFrame({"channel": ["tv", "search"], "current_spend": [100.0, 100.0],
                          "change": [20.0, -20.0], "change_pct": [0.2, -0.2]})  # fmt: skip
    plan = EV.annotate_plan(
        S.plan_data(SimpleNamespace(table=table)), EV.Evidence(_forced(ident, {"search": PRIOR}))
    )
    assert plan is not None
    assert list(plan.table["identifiability"]) == [ident.classes["tv"], PRIOR]
    assert "search's prior" in plan.table["evidence"].iloc[1]
    assert EV.annotate_plan(None, EV.Evidence(ident)) is None


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


# ---------------------------------------------------------------------- data behind sections
def test_quarter_windows(result: Any) -> None:
    dates = result.dataset.dates
    q = S.quarter_windows(result)
    assert q.current == (dates[-13], dates[-1]) and q.previous == (dates[-26], dates[-14])
    assert q.label == "2023Q4"
    q3 = S.quarter_windows(result, "2023Q3")
    assert q3.current[0] >= pd.Timestamp("2023-07-01") and q3.current[1] <= pd.Timestamp(
        "2023-09-30"
    )
    assert q3.previous[1] < pd.Timestamp("2023-07-01")
    assert S.quarter_windows(result, "Q4 budget review").label == "Q4 budget review"
    with pytest.raises(DataValidationError, match="2030Q1"):
        S.quarter_windows(result, "2030Q1")


def test_section_numbers_add_up(result: Any) -> None:
    src = S.Source(result, None)
    q = S.quarter_windows(src)
    wf = S.waterfall_table(src, q.current)
    fitted = result.fitted()["mean"].values[-13:].sum()
    assert wf["value"].sum() == pytest.approx(fitted, rel=1e-6)
    assert wf["end"].iloc[-1] == pytest.approx(wf["value"].sum())
    qt = S.quarter_table(src, q)
    spend = result.dataset.data["spend"].values
    assert qt["spend_current"].sum() == pytest.approx(spend[-13:].sum())
    assert qt["spend_previous"].sum() == pytest.approx(spend[-26:-13].sum())
    media = S.media_totals(src, q.current)
    assert media["revenue_mean"].sum() == pytest.approx(qt["revenue_current"].sum(), rel=1e-9)
    # the report's ROI table is the core's ROI
    core = result.roi().to_dataframe()
    mine = S.roi_table(src).set_index("channel")
    for col in ("roi_mean", "roi_lower", "roi_upper", "roi_direct_mean", "contribution_mean"):
        np.testing.assert_allclose(mine.loc[core.index, col], core[col], rtol=1e-9)
    assert mine["roi_mean"].is_monotonic_decreasing
    assert mine["p_above_breakeven"].between(0, 1).all()


def test_thinning_keeps_diagnostics_on_all_draws(result: Any) -> None:
    src = S.Source(result, max_samples=100)
    assert src.result.n_samples <= 100 < result.n_samples
    assert src.full is result
    assert src.diagnostics().status == result.diagnostics().status


def test_earned_and_curves_tables(result: Any) -> None:
    q = S.quarter_windows(result)
    by_source, totals = S.earned_tables(result, q.current)
    assert set(by_source["source"]) == set(small_brand().channel_map.channel("mentions").driven_by)
    assert (totals["organic_share"].between(0, 1)).all()
    curves, marks = S.curve_tables(result, q.current)
    assert set(marks["channel"]) == set(result.dataset.channels_of(has_cost=True))
    assert curves.groupby("channel")["mean"].apply(lambda s: s.is_monotonic_increasing).all()
    spend = result.dataset.data["spend"].sel(channel="tv").values[-13:].sum()
    assert marks.set_index("channel").loc["tv", "spend_current"] == pytest.approx(spend)


def test_plan_data_from_a_duck_typed_allocation() -> None:
    table = pd.DataFrame({"channel": ["tv", "weibo", "douyin"], "media": ["paid"] * 3, "social": [False, True, True],
                          "current_spend": [100.0, 50.0, 50.0], "recommended_spend": [70.0, 60.0, 70.0],
                          "change": [-30.0, 10.0, 20.0]})  # fmt: skip
    plan = S.plan_data(
        type("A", (), {"table": table, "uplift_draws": np.ones(5), "prob_improvement": 0.87})()
    )
    assert plan is not None
    assert plan.move == {"amount": 30.0, "from": "tv", "to": "douyin", "n_from": 1, "n_to": 2}
    assert plan.uplift["prob"] == 0.87 and plan.budget == 200.0
    assert S.plan_data(None) is None


def test_report_with_a_real_allocation(result: Any, tmp_path: Path) -> None:
    optimize = pytest.importorskip("mmm.optimize")
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


# ---------------------------------------------------------------------- wording
def test_money_and_percent_formats() -> None:
    assert T.money(1_234_567, "¥") == "¥1.2M"
    assert T.money(350_000, "¥") == "¥350K"
    assert T.money(999_950, "¥") == "¥1.0M"
    assert T.money(12_000_000, "¥") == "¥12M"
    assert T.money(2.5e9, "$") == "$2.5B"
    assert T.money(-80_400, "¥") == "-¥80.4K"
    assert T.money(900_000, "¥", signed=True) == "+¥900K"
    assert T.money(float("nan")) == T.DASH
    assert T.pct(0.123, signed=True) == "+12%"
    assert T.probability(0.999) == ">99%" and T.probability(0.87) == "87%"
    assert T.interval(1.0, 2.5) == "1.00 – 2.50"
    assert T.join_names(["a", "b", "c"]) == "a, b and c"


# ---------------------------------------------------------------------- browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _WebSocket:
    """The few bytes of RFC 6455 a DevTools session needs (text frames, client masking)."""

    def __init__(self, url: str, timeout: float) -> None:
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()  # fmt: skip
        )
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        n = len(data)
        head = bytearray([0x81])
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        body = (
            np.frombuffer(data, np.uint8) ^ np.resize(np.frombuffer(mask, np.uint8), n)
        ).tobytes()
        self.sock.sendall(bytes(head) + mask + body)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self) -> dict[str, Any]:
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            payload = self._read(n)
            if b0 & 0x0F == 0x8:
                raise ConnectionError("DevTools closed the connection")
            if b0 & 0x0F in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message)


class _DevTools:
    """A page in headless Chromium driven over the DevTools protocol; events are recorded."""

    def __init__(self, ws: _WebSocket) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        self._id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        self.ws.send(msg)
        while True:
            reply = self.ws.recv()
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            assert time.monotonic() < end, f"no {method} within {timeout} s"
            self.events.append(self.ws.recv())

    def drain(self, seconds: float) -> None:
        """Record the events that arrive in the next ``seconds``."""
        before = self.ws.sock.gettimeout()
        self.ws.sock.settimeout(seconds)
        try:
            while True:
                self.events.append(self.ws.recv())
        except TimeoutError:
            pass
        finally:
            self.ws.sock.settimeout(before)


def open_in_chromium(
    html: Path, screenshot: Path, timeout: float = 25.0
) -> tuple[list[str], list[str]]:
    """Load ``html`` in headless Chromium with no network; return (console errors, requested URLs).

    Saves a full-page PNG screenshot to ``screenshot``.
    """
    exe = _chromium()
    assert exe is not None
    profile = Path(tempfile.mkdtemp(prefix="mmm-chromium-"))
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars", "--window-size=1280,1600",
            f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            assert proc.poll() is None, "chromium exited at start"
            assert time.monotonic() < end, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        cdp = _DevTools(_WebSocket(f"ws://127.0.0.1:{port}{path}", timeout))
        target = cdp.call("Target.createTarget", url="about:blank")["targetId"]
        cdp.session = cdp.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.call(f"{domain}.enable")
        url = html.resolve().as_uri()
        cdp.call("Page.navigate", url=url)
        cdp.wait_for("Page.loadEventFired", timeout)
        cdp.drain(0.5)
        size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": min(size["height"], 16000), "scale": 1})  # fmt: skip
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors, requests = [], []
        for e in cdp.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(json.dumps(p.get("args", []))[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        with contextlib.suppress(ConnectionError, OSError):
            cdp.call("Browser.close")
        return errors, [r for r in requests if r != url]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)",
)
def test_opens_offline_in_chromium(evil_html: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = evil_html
    shot = tmp_path / "report.png"
    t0 = time.monotonic()
    errors, requests = open_in_chromium(path, shot)
    assert errors == []
    assert requests == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert time.monotonic() - t0 < 30


def test_dataclass_replace_of_report_data_keeps_banners_logic(result: Any) -> None:
    data = S.collect(result, max_samples=50)
    passing = replace(data, checks=Checks((Check("x", "PASS", "ok"),)))
    assert R._banners(passing, approximate=False) == []
    kinds = [
        b["kind"]
        for b in R._banners(
            replace(data, checks=Checks((Check("x", "FAIL", "bad"),))), approximate=True
        )
    ]
    assert kinds == ["fail", "approx"]


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)",
)
def test_browser_check_would_catch_errors_and_requests(tmp_path: Path) -> None:
    """The browser check itself: a page with a script error and an external image fails it."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><p>x</p><img src="http://mmm-test.invalid/x.png"><script>console.error("boom")</script>',
        encoding="utf-8",
    )
    errors, requests = open_in_chromium(page, tmp_path / "bad.png")
    assert any("boom" in e for e in errors)
    assert any("mmm-test.invalid" in r for r in requests)
