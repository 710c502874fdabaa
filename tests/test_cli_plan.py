"""`mmm report` shows the plan `mmm optimize` saved, leaves its files alone, and re-plans only when told."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _fits import small_brand

from mmm.cli import main
from mmm.decisions.optimize import Allocation

FAST = ["--chains", "2", "--draws", "60", "--tune", "60", "--quiet"]
PLAN_FILES = ("allocation.csv", "allocation.json")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("plan")
    paths = small_brand().to_files(d, "brand")
    out = d / "run"
    args = ["fit", str(paths["data"]), "--config", str(paths["channel_map"]), "--out", str(out)]
    assert main([*args, *FAST]) == 0
    return out


def _files(run: Path) -> dict[str, bytes]:
    return {name: (run / name).read_bytes() for name in PLAN_FILES}


def test_report_shows_the_locked_plan_and_leaves_its_files_unchanged(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = ["optimize", str(run_dir), "--lock", "tv", "--max-change", "0.1", "--weeks", "8"]
    assert main(lock) == 0
    before = _files(run_dir)
    saved = pd.read_csv(run_dir / "allocation.csv").set_index("channel")
    capsys.readouterr()

    assert main(["report", str(run_dir), "--out", str(run_dir / "q.html")]) == 0
    printed = capsys.readouterr().out
    assert "plan saved by mmm optimize" in printed
    assert _files(run_dir) == before  # the user's plan is untouched

    shown = pd.read_csv(run_dir / "q_plan.csv").set_index("channel")  # the report's plan table
    assert shown.loc["tv", "locked"]
    assert shown.loc["tv", "recommended_spend"] == pytest.approx(shown.loc["tv", "current_spend"])
    pd.testing.assert_series_equal(
        shown["recommended_spend"], saved["recommended_spend"], check_exact=True
    )
    # no channel moved more than the saved plan's ±10% (the default is ±30%)
    assert (shown["change_pct"].abs() <= 0.1 + 1e-6).all()
    html = (run_dir / "q.html").read_text(encoding="utf-8")
    assert "This is the plan saved by mmm optimize" in html and "kept at current spend: tv" in html


def test_budget_options_without_replan_are_refused(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(run_dir)
    assert main(["report", str(run_dir), "--max-change", "0.3"]) == 2
    err = capsys.readouterr().err
    assert "--max-change" in err and "--replan" in err
    assert _files(run_dir) == before


def test_replan_reoptimises_and_saves_the_new_plan(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_dir / "replanned.html"
    assert main(["report", str(run_dir), "--replan", "--weeks", "8", "--out", str(out)]) == 0
    assert "re-optimised for this report" in capsys.readouterr().out
    plan = Allocation.load(run_dir).table
    assert not plan["locked"].any()  # the new plan has no lock: it replaced the saved one
    assert "re-optimised for this report" in out.read_text(encoding="utf-8")


def test_a_plan_from_an_earlier_fit_is_not_shown_as_this_fits(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = run_dir / "allocation.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**saved, "fit_id": "an-earlier-fit"}), encoding="utf-8")
    assert main(["report", str(run_dir)]) == 2
    assert "earlier fit" in capsys.readouterr().err
