"""Portfolio outputs from run directories: the ROI table across jobs and the comparison page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmm.batch.portfolio import PORTFOLIO_COLUMNS, write_portfolio


def fake_run(out: Path, job: str, roi: float, report: bool = True) -> None:
    run = out / job
    run.mkdir(parents=True)
    pd.DataFrame({
        "channel": ["tv", "微博"], "media": ["paid", "paid"], "social": [False, True],
        "spend": [100.0, 50.0], "roi_mean": [roi, 2.0], "roi_lower": [roi - 0.5, 1.0],
        "roi_upper": [roi + 0.5, 3.5],
    }).to_csv(run / "roi.csv", index=False)  # fmt: skip
    pd.DataFrame(
        {"channel": ["tv", "微博"], "class": ["well identified", "prior-dominated"]}
    ).to_csv(run / "identifiability.csv", index=False)
    if report:
        (run / "report.html").write_text("<html></html>")


def test_portfolio_table_and_page(tmp_path: Path) -> None:
    fake_run(tmp_path, "brand_a", 1.2)
    fake_run(tmp_path, "brand_b", 0.7, report=False)
    summary = pd.DataFrame({
        "job": ["brand_a", "brand_b", "broken"], "status": ["ok", "ok", "failed"],
        "error": ["", "", "DataValidationError: Column 'revenue' has 1 negative value"],
        "seconds": [12.0, 9.5, 0.1], "diagnostics": ["PASS", "FAIL", ""], "stage": ["", "", "load"],
    })  # fmt: skip
    paths = write_portfolio(tmp_path, summary)
    table = pd.read_csv(paths["portfolio_roi"])
    assert list(table.columns) == list(PORTFOLIO_COLUMNS)
    assert len(table) == 4 and set(table.job) == {"brand_a", "brand_b"}
    assert table.set_index(["job", "channel"]).loc[("brand_b", "微博"), "identifiability"] == (
        "prior-dominated"
    )
    page = paths["index"].read_text(encoding="utf-8")
    assert 'href="brand_a/report.html"' in page and "brand_b/report.html" not in page
    assert "broken" in page and "negative value" in page
    assert "Diagnostics not PASS" in page and "brand_b" in page
    assert "<svg" in page and "微博" in page and "<script" not in page
    assert "--ink" in page  # the report's stylesheet, inlined


def test_no_finished_job_still_writes_a_page(tmp_path: Path) -> None:
    summary = pd.DataFrame(
        {"job": ["x"], "status": ["failed"], "error": ["boom"], "stage": ["fit"]}
    )
    paths = write_portfolio(tmp_path, summary)
    assert pd.read_csv(paths["portfolio_roi"]).empty
    assert "nothing to compare" in paths["index"].read_text()


def test_a_lost_worker_becomes_a_failed_row(tmp_path: Path) -> None:
    from distributed.comm import CommClosedError

    from mmm.batch.jobs import Job
    from mmm.batch.run import collect_row, progress_line

    class Lost:
        def result(self) -> None:
            raise CommClosedError("in <TCP (closed)>: Stream is closed")

    row = collect_row(Lost(), Job("a", "/d.csv", "/c.toml"), tmp_path)
    assert row["status"] == "failed" and row["stage"] == "worker"
    assert "CommClosedError" in row["error"] and "died or was lost" in row["error"]
    assert progress_line(row, 2, 5).startswith("[2/5] a: failed (worker): CommClosedError")
