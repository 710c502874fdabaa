"""Excel workbooks: one sheet per table, units in the headers, number formats on the cells.

``report.xlsx`` is written next to ``report.html`` with every table of the report
(:func:`mmm.present.report.build`); ``mmm export RUN --xlsx`` writes the run directory's tables
(:func:`export_run`). Both go through :func:`write_workbook`.

A column's unit comes from its name (:func:`column_unit`): spend and budgets in the currency,
the KPI's numbers (contributions, revenue, lifts) in the currency for a revenue KPI and in
units otherwise, ROI as currency returned per currency spent, shares and probabilities as
percentages, mentions and posts as counts. Channel names in any script (Chinese included) are
kept as they are: xlsx stores text as Unicode.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.config import ChannelMap
from mmm.exceptions import ConfigError

#: tables of a run directory, in sheet order (file stem → sheet name)
RUN_TABLES = ("roi", "allocation", "contributions", "identifiability", "experiments")
#: Excel's limit on sheet names, and the characters it refuses in them
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Unit:
    """How a column is labelled and formatted: ``label`` goes in the header, ``fmt`` on the cells."""

    label: str
    fmt: str


#: (column-name pattern, unit kind), first match wins; kinds are resolved by :func:`column_unit`
RULES: tuple[tuple[str, str], ...] = (
    (r"(^|_)pct$|^p_above|^prob|coverage|mape|(^|_)share(_mean|_lower|_upper|_of_kpi)?$", "percent"),
    (r"^m?roi(_|$)|_per_spend$", "roi"),
    (r"spend|cost|budget|_bound$|^change$", "currency"),
    (r"^(generated|activity|mentions)(_|$)|^weeks$|periods", "count"),
    (r"contribution|revenue|^value(_|$)|lift|response|^actual$|^baseline$|^(paid|owned|earned)$"
     r"|^(mean|lower|upper|pred_lower|pred_upper|start|end)$", "kpi"),
)  # fmt: skip


#: columns whose name misleads the rules, per table: column → unit kind (None: a plain number)
TABLE_UNITS: dict[str, dict[str, str | None]] = {
    "experiments": {"change": "percent", "precision_now": "percent", "precision_after": "percent"},
    "accuracy": {"value": None},  # R², MAPE and coverage in one column
}


def column_unit(
    column: str, currency: str = "¥", kpi_type: str = "revenue", table: str = ""
) -> Unit | None:
    """The unit of a numeric column by its name (and :data:`TABLE_UNITS`); None: a plain number.

    >>> column_unit("roi_mean", "¥")
    Unit(label='¥ per ¥', fmt='0.00')
    >>> column_unit("contribution_mean", "$", kpi_type="units").label
    'units'
    >>> column_unit("change", table="experiments").label
    '%'
    """
    overrides = TABLE_UNITS.get(table, {})
    if column in overrides:
        kind = overrides[column]
    else:
        kind = next((k for pattern, k in RULES if re.search(pattern, column)), None)
    if kind is None:
        return None
    kpi_unit = currency if kpi_type == "revenue" else "units"
    return {
        "percent": Unit("%", "0.0%"),
        "roi": Unit(f"{kpi_unit} per {currency}", "0.00"),
        "currency": Unit(currency, "#,##0"),
        "count": Unit("count", "#,##0"),
        "kpi": Unit(kpi_unit, "#,##0"),
    }[kind]


def sheet_names(keys: list[str]) -> dict[str, str]:
    """Valid, unique Excel sheet names (at most 31 characters, none of ``[]:*?/\\``) for ``keys``."""
    out: dict[str, str] = {}
    for key in keys:
        base = _BAD_SHEET_CHARS.sub("_", key)[:SHEET_NAME_MAX] or "sheet"
        name, n = base, 1
        while name.lower() in {v.lower() for v in out.values()}:
            n += 1
            name = f"{base[: SHEET_NAME_MAX - len(str(n)) - 1]}~{n}"
        out[key] = name
    return out


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    currency: str = "¥",
    kpi_type: str = "revenue",
) -> Path:
    """Write ``tables`` to one ``.xlsx`` workbook, a sheet per table, in the given order.

    Numeric columns get their unit in the header (``spend (¥)``, ``roi_mean (¥ per ¥)``,
    ``change_pct (%)``) and a number format; dates are Excel dates; the header row is bold,
    frozen and filtered. Units follow :func:`column_unit` with the table's key. Missing
    values and empty text are empty cells, infinities the text ``inf`` / ``-inf``. Written with XlsxWriter
    (several times quicker than building the workbook in openpyxl).

    Returns
    -------
    Path
        The workbook.
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = sheet_names(list(tables))
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True})
    formats: dict[str, Any] = {}
    try:
        for key, frame in tables.items():
            frame = frame.reset_index(drop=True)
            sheet = book.add_worksheet(names[key])
            for j in range(frame.shape[1]):
                col, series = frame.columns[j], frame.iloc[:, j]
                unit = None
                if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
                    found = column_unit(str(col), currency, kpi_type, table=key)
                    unit = found or Unit("", "#,##0.00")
                elif pd.api.types.is_datetime64_any_dtype(series):
                    unit = Unit("", "yyyy-mm-dd")
                header = f"{col} ({unit.label})" if unit and unit.label else str(col)
                fmt = None
                if unit is not None:
                    if unit.fmt not in formats:
                        formats[unit.fmt] = book.add_format({"num_format": unit.fmt})
                    fmt = formats[unit.fmt]
                sheet.write_string(0, j, header, bold)
                for i, value in enumerate(series.tolist(), start=1):
                    _write_cell(sheet, i, j, value, fmt)
                width = max([len(header), *(len(str(v)) for v in series.iloc[:200])])
                sheet.set_column(j, j, min(max(width + 2, 8), 60))
            sheet.freeze_panes(1, 0)
            if frame.shape[1]:
                sheet.autofilter(0, 0, len(frame), frame.shape[1] - 1)
    finally:
        book.close()
    return path


def _write_cell(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """One cell by its Python type: numbers, dates and booleans as such, text as text (never a formula)."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, str) and not value):
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool | np.bool_):
        sheet.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, int | float | np.number):
        v = float(value)
        if math.isnan(v):
            sheet.write_blank(row, col, None, fmt)
        elif math.isinf(v):
            sheet.write_string(row, col, "inf" if v > 0 else "-inf", fmt)
        else:
            sheet.write_number(row, col, value, fmt)
    elif isinstance(value, pd.Timestamp):
        sheet.write_datetime(row, col, value.to_pydatetime(), fmt)
    elif isinstance(value, datetime.datetime | datetime.date):
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def export_run(run: str | Path, out: str | Path | None = None) -> Path:
    """Write the tables of a run directory to one workbook (default ``RUN/run.xlsx``).

    Sheets, when the run has them: roi, allocation, contributions, identifiability,
    experiments (from their CSVs) and diagnostics (from ``diagnostics.json``).

    Raises
    ------
    ConfigError
        When ``run`` holds none of these tables (it is not a run directory).
    """
    run = Path(run)
    tables: dict[str, pd.DataFrame] = {}
    for name in RUN_TABLES:
        csv = run / f"{name}.csv"
        if csv.exists():
            frame = pd.read_csv(csv, encoding="utf-8-sig")
            if "date" in frame:
                frame["date"] = pd.to_datetime(frame["date"])
            tables[name] = frame
    diag = run / "diagnostics.json"
    if diag.exists():
        checks = json.loads(diag.read_text(encoding="utf-8")).get("checks", [])
        cols = ["name", "status", "message", "recommendation"]
        tables["diagnostics"] = pd.DataFrame([{k: c.get(k, "") for k in cols} for c in checks])
    if not tables:
        raise ConfigError(
            f"{str(run)!r} holds no run tables ({', '.join(f'{t}.csv' for t in RUN_TABLES)}, "
            "diagnostics.json): run `mmm fit DATA --config MAP --out RUN` first."
        )
    currency, kpi_type = "¥", "revenue"
    cmap_file = run / "channel_map.toml"
    if cmap_file.exists():
        cmap = ChannelMap.from_toml(cmap_file)
        currency, kpi_type = cmap.currency, cmap.kpi_type
    target = Path(out) if out else run / "run.xlsx"
    return write_workbook(tables, target, currency=currency, kpi_type=kpi_type)
