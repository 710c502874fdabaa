"""The report's evidence: identifiability per channel, recommended tests, plan caveats (mmm.present.evidence)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape

from mmm.analysis.identify import PRIOR, WELL, Identifiability, identifiability
from mmm.present import evidence as EV
from mmm.present import text as T
from mmm.present.plan import plan_data
from mmm.present.report import build
from mmm.present.report.blocks import IDENT_CSS

EVIL = "<script>alert(1)</script>"


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start : html.index("</section>", start)]


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
    assert "--lift-tests tests.csv" in sec and "channel,start,end,change,lift,se" in sec
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
        plan_data(SimpleNamespace(table=table)), EV.Evidence(_forced(ident, {"search": PRIOR}))
    )
    assert plan is not None
    assert list(plan.table["identifiability"]) == [ident.classes["tv"], PRIOR]
    assert "search's prior" in plan.table["evidence"].iloc[1]
    assert EV.annotate_plan(None, EV.Evidence(ident)) is None
