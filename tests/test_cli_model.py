"""`mmm fit`, `optimize`, `report` and `demo` end to end, in-process, on small data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _fits import small_brand

from mmm.cli import main
from mmm.present.runs import ROI_COLUMNS

FAST = ["--chains", "2", "--draws", "60", "--tune", "60", "--quiet", "--holdout", "4"]


@pytest.fixture(scope="module")
def brand_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return small_brand_files(tmp_path_factory.mktemp("brand"))


@pytest.fixture(scope="module")
def run_dir(brand_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data, cmap = brand_files
    out = tmp_path_factory.mktemp("run") / "run"
    assert main(["fit", str(data), "--config", str(cmap), "--out", str(out), *FAST]) == 0
    return out


def test_fit_writes_result_and_contract_tables(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roi = pd.read_csv(run_dir / "roi.csv")
    assert list(roi.columns[: len(ROI_COLUMNS)]) == ROI_COLUMNS
    assert set(roi.channel) == {"tv", "search", "weibo", "douyin"}
    assert (run_dir / "contributions.csv").exists() and (run_dir / "result.json").exists()
    diag = json.loads((run_dir / "diagnostics.json").read_text())
    assert {c["name"] for c in diag["checks"]} >= {"r_hat", "ess", "divergences", "holdout"}
    assert "identifiability" in diag
    ident = pd.read_csv(run_dir / "identifiability.csv")
    assert set(ident.channel) >= {"tv", "search", "weibo", "douyin"}
    assert (run_dir / "experiments.csv").exists()


def test_check_tests_compares_finished_tests_with_the_run(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A finished test the model predicts agrees; one 5x larger and measured tightly does not
    (exit 1, named); a test outside the data is a named error (exit 2)."""
    from mmm.decisions.experiments import true_lift

    dates = sorted(pd.read_csv(run_dir / "contributions.csv")["date"].unique())
    start, end = dates[60], dates[71]
    truth = true_lift(small_brand(), "weibo", start, end, change=-1.0)
    tests = tmp_path / "tests.csv"
    rows = [f"weibo,{start},{end},-1.0,{truth:.0f},{0.3 * abs(truth):.0f}",
            f"weibo,{start},{end},-1.0,{5 * truth:.0f},{0.05 * abs(truth):.0f}"]  # fmt: skip
    tests.write_text("channel,start,end,change,lift,se\n" + "\n".join(rows) + "\n")
    out_csv = tmp_path / "check.csv"
    code = main(["check-tests", str(run_dir), "--lift-tests", str(tests), "--csv", str(out_csv)])
    out = capsys.readouterr().out
    assert code == 1
    lines = [line for line in out.splitlines() if "weibo" in line]
    assert lines[0].startswith("agrees") and lines[1].startswith("DISAGREES"), out
    assert "the model implies" in lines[1] and "standard errors apart" in lines[1]
    table = pd.read_csv(out_csv)
    assert table.agrees.tolist() == [True, False] and table.z.iloc[1] < -2
    # refitted with the agreeing test, `mmm fit` says whether the fit reproduces it
    tests.write_text("channel,start,end,change,lift,se\n" + rows[0] + "\n")
    data, cmap = small_brand_files(tmp_path)
    refit = tmp_path / "refit"
    args = ["fit", str(data), "--config", str(cmap), "--out", str(refit), *FAST]
    assert main([*args, "--lift-tests", str(tests)]) == 0
    assert "lift tests: PASS: The fit reproduces its 1 lift test" in capsys.readouterr().out
    late = tmp_path / "late.csv"
    late.write_text("channel,start,end,change,lift,se\nweibo,2031-01-06,2031-02-03,-1.0,-1e6,1e5\n")
    assert main(["check-tests", str(run_dir), "--lift-tests", str(late)]) == 2
    assert "weibo" in capsys.readouterr().err


def small_brand_files(d: Path) -> tuple[Path, Path]:
    paths = small_brand().to_files(d, "brand")
    return paths["data"], paths["channel_map"]


def test_tiny_fit_is_reported_loudly_not_as_fine(run_dir: Path) -> None:
    # 2 chains x 60 draws cannot reach the ESS bar: the run must say so, not pass quietly
    diag = json.loads((run_dir / "diagnostics.json").read_text())
    assert diag["status"] in {"REVIEW", "FAIL"}


def test_optimize_and_report_from_a_run(run_dir: Path) -> None:
    assert (
        main(["optimize", str(run_dir), "--weeks", "8", "--max-change", "0.2", "--lock", "tv"]) == 0
    )
    alloc = pd.read_csv(run_dir / "allocation.csv")
    tv = alloc.set_index("channel").loc["tv"]
    assert tv.recommended_spend == pytest.approx(tv.current_spend)
    plan = json.loads((run_dir / "allocation.json").read_text())
    assert plan["window"]["weeks"] == 8 and "caveats" in plan
    out = run_dir / "q.html"
    assert main(["report", str(run_dir), "--out", str(out), "--brand", "Test & Co"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Test &amp; Co" in html and "http://" not in html and "https://" not in html


def test_report_says_what_it_does_on_stderr_and_reuses_what_fit_derived(
    run_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmm.analysis import identify

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("identifiability recomputed although `mmm fit` saved it")

    monkeypatch.setattr(identify, "prior_samples", not_again)
    capsys.readouterr()
    assert main(["report", str(run_dir), "--out", str(run_dir / "again.html")]) == 0
    printed = capsys.readouterr()
    wrote = f"wrote {run_dir / 'again.html'} and {run_dir / 'again.xlsx'}"
    assert printed.out.splitlines()[-1] == wrote
    assert all(line.startswith(("plan: ", "wrote ")) for line in printed.out.splitlines())
    assert "mmm: writing the report …" in printed.err
    assert "mmm: writing the report: (" in printed.err


def test_bad_data_exits_2_with_one_line(
    brand_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, cmap = brand_files
    df = pd.read_csv(data)
    df.loc[3, "tv_spend"] = -5
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    code = main(["fit", str(bad), "--config", str(cmap), "--out", str(tmp_path / "r"), *FAST])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "tv_spend" in err and "Traceback" not in err


def test_optimize_on_missing_run_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["optimize", str(tmp_path / "nope")]) == 2
    assert "result.json" in capsys.readouterr().err


def test_demo_runs_the_whole_pipeline_on_bundled_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert (
        main(
            ["demo", "--out", str(out), "--chains", "2", "--draws", "40", "--tune", "40", "--quiet"]
        )
        == 0
    )
    printed = capsys.readouterr()
    assert "Report:" in printed.out
    assert "mmm: " not in printed.err  # --quiet: no progress (a FAIL verdict is still said)
    for name in ("report.html", "roi.csv", "allocation.csv", "diagnostics.json", "result.json"):
        assert (out / name).exists(), name


def test_demo_crisis_shows_the_crisis_in_the_report(tmp_path: Path) -> None:
    """`mmm demo --crisis`: the bundled crisis brand, its declared crisis named in the report."""
    from mmm.data.samples import DEMO_CRISIS, sample_brand
    from mmm.present import text as T

    out = tmp_path / "crisis"
    assert main(["demo", "--crisis", "--out", str(out), "--method", "map", "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    event = str(sample_brand(DEMO_CRISIS).crisis_truth["event"].iloc[0])  # type: ignore[union-attr]
    assert T.TITLE_TONE in html and event in html


def test_demo_takes_one_bundled_brand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--regions", "--crisis"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
