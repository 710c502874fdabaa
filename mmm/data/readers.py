"""Readers: files and databases to raw DataFrames (CSV, Parquet, Excel, SQL).

Nothing here validates marketing data: :func:`mmm.data.load.from_dataframe` does that once,
for every source.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from mmm.exceptions import DataValidationError, MissingDependencyError

#: optional packages a reader needs: import name → (what needs it, the extra that installs it)
OPTIONAL = {
    "xlrd": ("Reading .xls (Excel 97-2003) files", "xls"),
    "sqlalchemy": ("A SQLAlchemy URL or engine", "sql"),
}


def _require(module: str) -> Any:
    """Import an optional package, or say what needs it and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        what, extra = OPTIONAL[module]
        alt = " (or save the file as .xlsx)" if module == "xlrd" else " (or pass a DB-API connection)"
        raise MissingDependencyError(
            f"{what} needs the `{module}` package, which is not installed: "
            f"pip install 'mediamix[{extra}]'{alt}."
        ) from None

#: file suffix → reader used by :func:`mmm.data.load.load` and :func:`read_frame`
SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
}


def read_frame(source: str | Path, **kw: Any) -> pd.DataFrame:
    """Read a data file into a raw DataFrame, choosing the reader by suffix (see ``SUFFIXES``).

    >>> df = read_frame("brand.xlsx", sheet_name=0)  # doctest: +SKIP
    """
    path = existing_file(source)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataValidationError(
            f"Cannot read {str(path)!r}: unknown file type {path.suffix!r}; allowed: "
            f"{', '.join(SUFFIXES)} (or pass a DataFrame, or use read_sql)."
        )
    return read_file(path, kind, **kw)


def read_file(path: Path, kind: str, **kw: Any) -> pd.DataFrame:
    if kind == "excel" and path.suffix.lower() == ".xls":
        _require("xlrd")
    try:
        if kind == "csv":
            return pd.read_csv(path, **kw)
        if kind == "parquet":
            return pd.read_parquet(path, **kw)
        return pd.read_excel(path, **{"sheet_name": 0, **kw})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, zipfile.BadZipFile) as exc:
        raise DataValidationError(f"Cannot read {str(path)!r} as {kind}: {exc}") from exc


def existing_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"Data file {str(p)!r} does not exist.")
    return p


# ---------------------------------------------------------------------- SQL
_TABLE_NAME = re.compile(r"[^\W\d][\w$]*(\.[^\W\d][\w$]*)?")


def sql_frame(query_or_table: str, con: Any) -> pd.DataFrame:
    sql = query_or_table.strip()
    parts = sql.split(".") if _TABLE_NAME.fullmatch(sql) else []
    # SQLAlchemy only for its own objects and URLs: a DB-API connection needs no SQLAlchemy
    if isinstance(con, str):
        sa = _require("sqlalchemy")
        engine = sa.create_engine(con)
        try:
            return sql_frame(query_or_table, engine)
        finally:
            engine.dispose()
    sa = _require("sqlalchemy") if type(con).__module__.startswith("sqlalchemy") else None
    if sa is not None and isinstance(con, sa.engine.Engine):
        with con.connect() as conn:
            return sql_frame(query_or_table, conn)
    if sa is not None and isinstance(con, sa.engine.Connection):
        if parts:
            sql = "SELECT * FROM " + ".".join(map(con.dialect.identifier_preparer.quote, parts))
        result = con.exec_driver_sql(sql)
        return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))
    if parts:  # DB-API 2 connection (sqlite3, duckdb, psycopg, ...)
        sql = "SELECT * FROM " + ".".join('"' + p.replace('"', '""') + '"' for p in parts)
    cur = con.cursor()
    try:
        cur.execute(sql)
        columns = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=columns)
    finally:
        cur.close()
