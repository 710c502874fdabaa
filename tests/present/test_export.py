"""Workbooks: report.xlsx beside report.html and `mmm export RUN --xlsx`, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from mmm.cli import main
from mmm.exceptions import ConfigError
from mmm.present.export import column_unit, export_run, sheet_names, write_workbook

ZH = "微博"  # a channel of the `evil_result` fixture (tests/present/conftest.py)


def _headers(sheet: Any) -> list[str]:
    return [c.value for c in sheet[1]]


def _column(sheet: Any, header: str) -> list[Any]:
    j = _headers(sheet).index(header) + 1
    return [row[0] for row in sheet.iter_rows(min_row=2, min_col=j, max_col=j, values_only=True)]


def test_report_xlsx_has_a_sheet_per_table_with_units(report: Path) -> None:
    book = openpyxl.load_workbook(report.with_suffix(".xlsx"))
    csvs = sorted(p.name[len("q_") : -len(".csv")] for p in report.parent.glob("q_*.csv"))
    assert sorted(book.sheetnames) == csvs  # every table of the report, once
    roi = book["roi"]
    heads = _headers(roi)
    assert {"channel", "spend (¥)", "roi_mean (¥ per ¥)", "p_above_breakeven (%)"} <= set(heads)
    spend_cell = roi.cell(row=2, column=heads.index("spend (¥)") + 1)
    assert spend_cell.number_format == "#,##0" and isinstance(spend_cell.value, int | float)
    assert roi.cell(row=2, column=heads.index("roi_mean (¥ per ¥)") + 1).number_format == "0.00"
    assert roi.freeze_panes == "A2" and roi["A1"].font.bold
    raw = pd.read_csv(report.parent / "q_roi.csv")
    assert _column(roi, "roi_mean (¥ per ¥)") == pytest.approx(raw["roi_mean"].tolist())
    fitted = book["fitted"]
    assert fitted.cell(row=2, column=1).number_format == "yyyy-mm-dd"
    assert fitted.cell(row=2, column=1).is_date
    # a column of mixed measures gets no unit
    assert "value" in _headers(book["accuracy"])


def test_chinese_names_survive_in_the_workbook_and_csvs(
    evil_html: tuple[Path, str], evil_result: Any
) -> None:
    path, _ = evil_html
    book = openpyxl.load_workbook(path.with_suffix(".xlsx"))
    channels = _column(book["roi"], "channel")
    assert ZH in channels
    assert "spend ($)" in _headers(book["roi"])  # the currency override reaches the workbook
    raw = (path.parent / f"{path.stem}_roi.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and ZH in raw.decode("utf-8-sig")


def test_export_run_and_the_cli(
    result: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmm.present.runs import write_fit_tables

    run = tmp_path / "run"
    result.save(run)
    write_fit_tables(result, run)
    assert main(["export", str(run), "--xlsx"]) == 0
    assert "run.xlsx" in capsys.readouterr().out
    book = openpyxl.load_workbook(run / "run.xlsx")
    assert book.sheetnames[:2] == ["roi", "contributions"] and "diagnostics" in book.sheetnames
    contrib = book["contributions"]
    assert _headers(contrib)[:3] == ["date", "component", "mean (¥)"]
    assert contrib.cell(row=2, column=1).is_date
    diag = pd.DataFrame(book["diagnostics"].values)
    assert {"r_hat", "ess"} <= set(diag.iloc[1:, 0])
    out = tmp_path / "elsewhere.xlsx"
    assert export_run(run, out) == out and out.exists()
    assert main(["export", str(run)]) == 2
    assert "--xlsx" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="holds no run tables"):
        export_run(tmp_path / "empty")


def test_units_by_column_name() -> None:
    assert column_unit("change_pct").label == "%"  # type: ignore[union-attr]
    assert column_unit("share_mean").fmt == "0.0%"  # type: ignore[union-attr]
    assert column_unit("mroi_current", "$").label == "$ per $"  # type: ignore[union-attr]
    assert column_unit("current_spend", "$").label == "$"  # type: ignore[union-attr]
    assert column_unit("generated_mean").label == "count"  # type: ignore[union-attr]
    assert column_unit("contribution_mean", "$", "units").label == "units"  # type: ignore[union-attr]
    assert column_unit("spend", "$", "units").label == "$"  # type: ignore[union-attr]
    assert column_unit("corr_trend") is None


def test_sheet_names_are_valid_and_unique(tmp_path: Path) -> None:
    names = sheet_names(["a" * 40, "a" * 40 + "b", "x/y", "Roi", "roi"])
    assert all(len(n) <= 31 for n in names.values())
    assert len({n.lower() for n in names.values()}) == 5 and names["x/y"] == "x_y"
    frames = {k: pd.DataFrame({"v": [1.0]}) for k in names}
    book = openpyxl.load_workbook(write_workbook(frames, tmp_path / "w.xlsx"))
    assert book.sheetnames == list(names.values())


def test_cells_keep_their_type_and_missing_values_are_empty(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "spend": [1.5, float("nan"), float("inf")],
        "channel": ["a", None, ""],
        "social": [True, False, True],
        "date": pd.to_datetime(["2024-01-01", "2024-01-08", None]),
        "n": [1, 2, 3],
        "note": pd.Series([1, "=1+1", None], dtype=object),
    })  # fmt: skip
    sheet = openpyxl.load_workbook(write_workbook({"roi": frame}, tmp_path / "t.xlsx"))["roi"]
    assert _headers(sheet) == ["spend (¥)", "channel", "social", "date", "n", "note"]
    rows = [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [v for v, _ in rows[0]] == [1.5, "a", True, pd.Timestamp("2024-01-01"), 1, 1]
    assert [v for v, _ in rows[1]] == [None, None, False, pd.Timestamp("2024-01-08"), 2, "=1+1"]
    assert [v for v, _ in rows[2]] == ["inf", None, True, None, 3, None]  # text "=1+1", no formula
    assert [f for _, f in rows[2]] == ["#,##0", "General", "General", "yyyy-mm-dd", "#,##0.00", "General"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F4"
