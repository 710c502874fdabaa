"""Loaders: CSV, Parquet, Excel, SQL and DataFrames → a validated :class:`~mmm.data.dataset.MMMDataset`.

Every loader reads a table and hands it to :func:`from_dataframe`, which

1. pivots a **long** table (columns ``date, metric, value`` and optionally ``channel``)
   to one row per date. A row ``(date, channel="tv", metric="spend", value)`` becomes
   the wide column ``tv_spend`` (``{channel}_{metric}``); a row with an empty channel
   becomes the column ``{metric}``. The date column of a long table is the map's
   ``date`` column if present, else ``date``. Wide tables (one row per date) pass as is.
2. checks that every column named in the channel map exists, the dates parse, and the
   mapped columns hold numbers only: no text (``"1,234.5"`` is an error, never coerced),
   no missing or infinite values, no negative KPI, spend or activity; no duplicate dates.
3. reads the frequency from the channel map (``"D"``, ``"W"`` or ``"M"``) or infers it from
   the median spacing of the dates (1 day → daily, 7 → weekly, 28–31 → monthly) and
   checks the calendar has no gaps. Rows are put in date order.
4. aggregates **daily** data to weeks starting on ``ChannelMap.week_start`` (default
   Monday), each week labelled by its first day: KPI, spend, activity and cost are
   **summed**, controls are **averaged**. A partial first or last week is an error unless
   ``allow_partial_weeks=True``, which drops it with a :class:`UserWarning`. Weekly data
   keeps its weekday (``freq_alias`` ``"W-SUN"`` for Sunday dates); monthly data stays
   monthly, each month labelled by its first day.

Every problem raises :class:`~mmm.exceptions.DataValidationError` naming the column,
channel and dates and saying what is allowed; nothing is silently changed.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mmm.data.load import from_dataframe
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=60, freq="W-MON"),
...                    "tv_spend": rng.gamma(2.0, 50.0, 60)})
>>> df["revenue"] = 1000 + 2 * df["tv_spend"] + rng.normal(0, 20, 60)
>>> ds = from_dataframe(df, {"date": "week", "kpi": "revenue",
...                          "channels": {"tv": {"media": "paid", "spend": "tv_spend"}}})
>>> ds.n_periods, ds.data.attrs["freq_alias"]
(60, 'W-MON')
"""

from __future__ import annotations

import decimal
import difflib
import importlib
import math
import numbers
import re
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.config import WEEKDAYS, ChannelMap, dict_to_toml
from mmm.data.dataset import MMMDataset, build_xarray
from mmm.exceptions import (
    ConfigError,
    DataValidationError,
    MissingDependencyError,
    list_dates,
    list_some,
)

__all__ = [
    "ChannelMapLike",
    "as_channel_map",
    "draft_channel_map",
    "from_dataframe",
    "load",
    "pivot_long",
    "read_csv",
    "read_excel",
    "read_frame",
    "read_parquet",
    "read_sql",
]

ChannelMapLike = ChannelMap | str | Path | Mapping[str, Any]
#: file suffix → reader used by :func:`load` and :func:`read_frame`
SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
}
LONG_COLUMNS = ("metric", "value")
_FREQ_WORDS = {"D": "daily", "W": "weekly", "M": "monthly"}


# ---------------------------------------------------------------------- public loaders
def as_channel_map(channel_map: ChannelMapLike) -> ChannelMap:
    """Turn a :class:`ChannelMap`, a path to a TOML file, TOML text or a dict into a ChannelMap.

    >>> as_channel_map({"date": "week", "kpi": "sales",
    ...                 "channels": {"tv": {"media": "paid", "spend": "tv"}}}).kpi
    'sales'
    """
    if isinstance(channel_map, ChannelMap):
        return channel_map
    if isinstance(channel_map, Mapping):
        return ChannelMap.from_dict(channel_map)
    if isinstance(channel_map, str) and "\n" in channel_map:
        return ChannelMap.from_toml(channel_map)  # TOML text
    if isinstance(channel_map, str | Path):
        if Path(channel_map).is_file() or str(channel_map).endswith(".toml"):
            return ChannelMap.from_toml(Path(channel_map))  # says when the file is missing
        if "=" in str(channel_map):
            return ChannelMap.from_toml(str(channel_map))  # one-line TOML text
        raise ConfigError(f"Channel map file {str(channel_map)!r} does not exist.")
    raise TypeError(
        f"channel_map must be a ChannelMap, a path to a TOML file or a dict, not {type(channel_map).__name__}."
    )


def read_csv(
    path: str | Path, channel_map: ChannelMapLike, *, allow_partial_weeks: bool = False, **kw: Any
) -> MMMDataset:
    """Load a CSV file (UTF-8 by default; ``kw`` go to :func:`pandas.read_csv`).

    >>> ds = read_csv("brand.csv", "brand.toml")  # doctest: +SKIP
    """
    frame = _read(_existing(path), "csv", **kw)
    return from_dataframe(frame, channel_map, allow_partial_weeks=allow_partial_weeks)


def read_parquet(
    path: str | Path, channel_map: ChannelMapLike, *, allow_partial_weeks: bool = False, **kw: Any
) -> MMMDataset:
    """Load a Parquet file (``kw`` go to :func:`pandas.read_parquet`).

    >>> ds = read_parquet("brand.parquet", "brand.toml")  # doctest: +SKIP
    """
    frame = _read(_existing(path), "parquet", **kw)
    return from_dataframe(frame, channel_map, allow_partial_weeks=allow_partial_weeks)


def read_excel(
    path: str | Path,
    channel_map: ChannelMapLike,
    *,
    sheet_name: str | int = 0,
    allow_partial_weeks: bool = False,
    **kw: Any,
) -> MMMDataset:
    """Load one sheet of an Excel workbook (.xlsx via openpyxl; ``kw`` go to :func:`pandas.read_excel`).

    >>> ds = read_excel("brand.xlsx", "brand.toml", sheet_name="weekly")  # doctest: +SKIP
    """
    frame = _read(_existing(path), "excel", sheet_name=sheet_name, **kw)
    return from_dataframe(frame, channel_map, allow_partial_weeks=allow_partial_weeks)


def read_sql(
    query_or_table: str,
    con: Any,
    channel_map: ChannelMapLike,
    *,
    allow_partial_weeks: bool = False,
) -> MMMDataset:
    """Load the result of a SQL query, or a whole table, from a database.

    Parameters
    ----------
    query_or_table
        A ``SELECT`` statement, or a table name (``name`` or ``schema.name``).
    con
        A SQLAlchemy URL string (``"sqlite:///brand.db"``), a SQLAlchemy engine or
        connection (these need ``pip install 'mediamix[sql]'``), or any DB-API 2 connection
        (``sqlite3``, ``duckdb``, ``psycopg``, …), which needs no SQLAlchemy.
    channel_map
        A :class:`ChannelMap`, a path to its TOML file, or a dict.

    Examples
    --------
    >>> import sqlite3
    >>> ds = read_sql("weekly_sales", sqlite3.connect("brand.db"), "brand.toml")  # doctest: +SKIP
    >>> ds = read_sql("SELECT * FROM weekly_sales", "sqlite:///brand.db", "brand.toml")  # doctest: +SKIP
    """
    return from_dataframe(
        _sql_frame(query_or_table, con), channel_map, allow_partial_weeks=allow_partial_weeks
    )


def read_frame(source: str | Path, **kw: Any) -> pd.DataFrame:
    """Read a data file into a raw DataFrame, choosing the reader by suffix (see ``SUFFIXES``).

    >>> df = read_frame("brand.xlsx", sheet_name=0)  # doctest: +SKIP
    """
    path = _existing(source)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataValidationError(
            f"Cannot read {str(path)!r}: unknown file type {path.suffix!r}; allowed: "
            f"{', '.join(SUFFIXES)} (or pass a DataFrame, or use read_sql)."
        )
    return _read(path, kind, **kw)


def load(
    source: str | Path | pd.DataFrame,
    channel_map: ChannelMapLike,
    *,
    allow_partial_weeks: bool = False,
    **kw: Any,
) -> MMMDataset:
    """Load a file (.csv, .parquet, .xlsx, .xls) or a DataFrame with its channel map.

    Examples
    --------
    >>> ds = load("data/brand.csv", "data/brand.toml")  # doctest: +SKIP
    >>> ds.summary()  # doctest: +SKIP
    """
    frame = source if isinstance(source, pd.DataFrame) else read_frame(source, **kw)
    return from_dataframe(frame, channel_map, allow_partial_weeks=allow_partial_weeks)


def from_dataframe(
    df: pd.DataFrame, channel_map: ChannelMapLike, *, allow_partial_weeks: bool = False
) -> MMMDataset:
    """Validate a wide or long DataFrame against a channel map and build an :class:`MMMDataset`.

    Parameters
    ----------
    df
        Wide (one row per date, the date column may also be the index) or long
        (``date, metric, value`` [, ``channel``]) table; see the module docstring.
    channel_map
        A :class:`ChannelMap`, a path to its TOML file, or a dict.
    allow_partial_weeks
        Daily data only: drop an incomplete first/last week (with a ``UserWarning``)
        instead of raising.

    Raises
    ------
    DataValidationError
        Naming the column, channel and dates at fault and what is allowed.

    Examples
    --------
    >>> from mmm.data.synthetic import generate  # doctest: +SKIP
    >>> brand = generate(seed=0, weeks=104)  # doctest: +SKIP
    >>> from_dataframe(brand.data, brand.channel_map).n_periods  # doctest: +SKIP
    104
    """
    cmap = as_channel_map(channel_map)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"from_dataframe needs a pandas DataFrame, not {type(df).__name__}.")
    frame, is_long = df, False
    long_date = cmap.date if cmap.date in df.columns else "date"
    if {long_date, *LONG_COLUMNS} <= set(df.columns):
        frame, is_long = pivot_long(df, date=long_date, rename_date=cmap.date), True
    elif cmap.date not in df.columns and df.index.name == cmap.date:
        frame = df.reset_index()

    roles = _roles(cmap)
    _check_columns(frame, cmap, roles, is_long)
    dates = _parse_dates(frame[cmap.date], cmap.date)
    table = pd.DataFrame(
        {col: _numeric(frame[col], col, role, dates) for col, role in roles.items()},
        index=pd.DatetimeIndex(dates, name=cmap.date),
    )
    _check_values(table, roles)
    _check_duplicates(dates, cmap.date)
    table = table.sort_index(kind="stable")
    index = pd.DatetimeIndex(table.index)

    freq = cmap.frequency or _infer_frequency(index, cmap.date)
    source = "set in the channel map" if cmap.frequency else "inferred from the dates"
    _check_calendar(index, freq, cmap.date, source)
    if freq == "D":
        table = _daily_to_weekly(table, cmap, allow_partial_weeks)
        index, alias = pd.DatetimeIndex(table.index), f"W-{cmap.week_start}"
    elif freq == "W":
        alias = f"W-{WEEKDAYS[index[0].day_of_week]}"
    else:
        index, alias = index.to_period("M").to_timestamp(), "MS"

    def columns(cols: list[str | None]) -> np.ndarray:  # (date, len(cols)); 0 where no column
        n = len(index)
        stacked = np.array([table[c].to_numpy() if c else np.zeros(n) for c in cols], dtype=float)
        return stacked.T.reshape(n, len(cols))

    data = build_xarray(
        index,
        table[cmap.kpi].to_numpy(),
        columns([c.cost_column for c in cmap.channels]),
        columns([c.input_column for c in cmap.channels]),
        columns(list(cmap.controls)),
        cmap,
        frequency="M" if freq == "M" else "W",
        freq_alias=alias,
    )
    data.attrs["source_frequency"] = freq
    return MMMDataset(data, cmap)


def pivot_long(
    df: pd.DataFrame, date: str = "date", rename_date: str | None = None
) -> pd.DataFrame:
    """Pivot a long table (``date, metric, value`` [, ``channel``]) to one row per date.

    Columns are named ``{channel}_{metric}``, or ``{metric}`` where the channel is empty.

    >>> long = pd.DataFrame({"date": ["2024-01-01"] * 2, "channel": ["tv", None],
    ...                      "metric": ["spend", "revenue"], "value": [5.0, 90.0]})
    >>> list(pivot_long(long).columns)
    ['date', 'revenue', 'tv_spend']
    """
    dates = _parse_dates(df[date], date)
    metric = df["metric"]
    empty_metric = np.flatnonzero(
        metric.isna().to_numpy() | (metric.astype(str).str.strip() == "").to_numpy()
    )
    if len(empty_metric):
        raise DataValidationError(
            f"Long table: column 'metric' is empty on {_dates(dates[empty_metric])}; every row needs a metric name."
        )
    names = metric.astype(str).str.strip()
    if "channel" in df.columns:
        ch = df["channel"]
        no_channel = ch.isna() | (ch.astype(str).str.strip() == "")
        names = names.where(no_channel, ch.astype(str).str.strip() + "_" + names)
    key = pd.DataFrame(
        {"__date": dates, "__column": names.to_numpy(), "value": df["value"].to_numpy()}
    )
    dup = key.duplicated(["__date", "__column"], keep=False).to_numpy()
    if dup.any():
        pairs = key.loc[dup, ["__date", "__column"]].drop_duplicates()
        shown = [f"{d.date()} {c}" for d, c in pairs.itertuples(index=False)]
        raise DataValidationError(
            f"Long table has more than one value for {list_some(shown)}; each date may have one row "
            "per metric (and channel). Aggregate or remove the repeated rows."
        )
    wide = key.pivot(index="__date", columns="__column", values="value")
    wide.columns.name = None
    wide.index.name = rename_date or date
    return wide.reset_index()


# ---------------------------------------------------------------------- validation steps
def _roles(cmap: ChannelMap) -> dict[str, str]:
    """Data column → what it is (for messages), in channel-map order."""
    roles = {cmap.kpi: "KPI"}
    for ch in cmap.channels:
        for kind in ("spend", "activity", "cost"):
            col = getattr(ch, kind)
            if col:
                roles[col] = f"{kind} of {ch.media} channel {ch.name!r}"
    roles.update({c: "control" for c in cmap.controls})
    return roles


def _check_columns(
    frame: pd.DataFrame, cmap: ChannelMap, roles: dict[str, str], is_long: bool
) -> None:
    wanted = {cmap.date: "date", **roles}
    have = [str(c) for c in frame.columns]
    repeated = [c for c in wanted if have.count(c) > 1]
    if repeated:
        raise DataValidationError(
            f"Column(s) {list_some(repeated)} appear more than once in the data; each column "
            "name must be unique."
        )
    missing = [c for c in wanted if c not in frame.columns]
    if not missing:
        return
    parts = []
    for col in missing[:5]:
        close = difflib.get_close_matches(col, have, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        parts.append(f"{col!r} ({wanted[col]}{hint})")
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    note = (
        " (long table: pivoted columns are named {channel}_{metric}, or {metric} where channel is empty)"
        if is_long
        else ""
    )
    raise DataValidationError(
        f"Column(s) named in the channel map are not in the data: {'; '.join(parts)}{more}. "
        f"Columns in the data{note}: {list_some(have, 40)}. Fix the names in the channel map or the data."
    )


def _parse_dates(col: pd.Series, name: str) -> pd.DatetimeIndex:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(col.dt.tz_localize(None))
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        parsed = pd.DatetimeIndex(col)
    elif pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        parsed = pd.DatetimeIndex(
            pd.to_datetime(col.astype("string"), format="%Y%m%d", errors="coerce")
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.DatetimeIndex(pd.to_datetime(col, errors="coerce"))
    bad = np.flatnonzero(parsed.isna())
    if len(bad):
        shown = [f"row {i + 1}: {col.iloc[i]!r}" for i in bad[:5]]
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise DataValidationError(
            f"Date column {name!r} has {len(bad)} value(s) that do not parse as dates "
            f"({'; '.join(shown)}{more}; rows counted from 1 after the header). Allowed: dates in one "
            "format throughout, e.g. 2024-01-01 (ISO), or datetime values; no empty cells."
        )
    if parsed.tz is not None:
        parsed = parsed.tz_localize(None)
    return parsed


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    return isinstance(v, str) and not v.strip()


def _numeric(col: pd.Series, name: str, role: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Float values of a mapped column; text or other non-numbers raise, listing them."""
    dtype = col.dtype
    if (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)) and not (
        pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
    ):
        return col.to_numpy(dtype=float, na_value=np.nan)
    values = col.to_numpy(dtype=object)
    out = np.full(len(values), np.nan)
    bad = []
    for i, v in enumerate(values):
        if _is_missing(v):
            continue
        if isinstance(v, numbers.Real | decimal.Decimal):
            out[i] = float(v)
        else:
            bad.append(i)
    if bad:
        # a reader turns the whole column to text for one bad cell: show the cells that are not
        # plain numbers first, and only then numbers stored as text
        worst = [i for i in bad if not _plain_number(values[i])]
        offenders = worst or bad
        shown = ", ".join(f"{dates[i].date()} ({values[i]!r})" for i in offenders[:5])
        more = f" and {len(offenders) - 5} more" if len(offenders) > 5 else ""
        what = f"{len(worst)} non-numeric value(s)" if worst else "numbers stored as text"
        raise DataValidationError(
            f"Column {name!r} ({role}) holds {what}: {shown}{more}. Only numbers are allowed; mmm "
            "never converts text to numbers — remove thousands separators, currency signs and words "
            "such as 'n/a' at the source, and store the column as numbers."
        )
    return out


def _plain_number(v: Any) -> bool:
    try:
        float(str(v))
    except ValueError:
        return False
    return True


def _check_values(table: pd.DataFrame, roles: dict[str, str]) -> None:
    """No missing/infinite values; KPI, spend, activity and cost >= 0 (controls may be negative)."""
    dates = pd.DatetimeIndex(table.index)
    for col, role in roles.items():
        x = table[col].to_numpy()
        rows = np.flatnonzero(~np.isfinite(x))
        if len(rows):
            kinds = "missing (NaN/empty)" if np.isnan(x[rows]).all() else "missing or infinite"
            raise DataValidationError(
                f"Column {col!r} ({role}) has {len(rows)} {kinds} value(s) on {_dates(dates[rows])}. "
                "Missing values are not allowed: fill them with the true figure (0 if nothing was "
                "spent or done) before loading."
            )
        neg = np.flatnonzero(x < 0)
        if len(neg) and role != "control":
            shown = ", ".join(f"{dates[i].date()} ({x[i]:g})" for i in neg[:5])
            more = f" and {len(neg) - 5} more" if len(neg) > 5 else ""
            raise DataValidationError(
                f"Column {col!r} ({role}) has {len(neg)} negative value(s): {shown}{more}; "
                "KPI, spend and activity must be >= 0 (refunds or corrections belong in the source data)."
            )


def _check_duplicates(dates: pd.DatetimeIndex, name: str) -> None:
    dupes = dates[dates.duplicated()].unique()
    if len(dupes):
        raise DataValidationError(
            f"Date column {name!r} has duplicate dates {_dates(dupes)}; each period must appear "
            "once (aggregate or remove the repeated rows)."
        )


def _infer_frequency(dates: pd.DatetimeIndex, name: str) -> str:
    if len(dates) < 2:
        raise DataValidationError(
            f"Date column {name!r} has {len(dates)} row(s); at least two are needed to infer the frequency."
        )
    days = float(np.median(_steps_in_days(dates)))
    if days == 1:
        return "D"
    if days == 7:
        return "W"
    if 28 <= days <= 31:
        return "M"
    raise DataValidationError(
        f"Cannot tell the frequency of date column {name!r}: the median spacing of its dates is "
        f"{days:g} days. Allowed: 1 day (daily, summed to weeks), 7 days (weekly) or 28–31 days "
        "(monthly). Fix the dates, or set frequency in the channel map."
    )


def _steps_in_days(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.diff(dates.values).astype("timedelta64[s]").astype(float) / 86_400


def _check_calendar(dates: pd.DatetimeIndex, freq: str, name: str, source: str) -> None:
    what = f"{_FREQ_WORDS[freq]} data (frequency {freq!r} {source})"
    if freq == "M":
        months = dates.to_period("M")
        dup = dates[months.duplicated(keep=False)]
        if len(dup):
            raise DataValidationError(
                f"Date column {name!r}: {what} has more than one row in the same month on "
                f"{_dates(dup)}; each month must appear once."
            )
        step = np.diff(months.asi8)
        bad = np.flatnonzero(step != 1)
        if len(bad):
            raise DataValidationError(
                f"Date column {name!r}: {what} must have consecutive months; the calendar breaks after "
                f"{_dates(dates[bad])}. Add the missing months (zeros where nothing was spent)."
            )
        return
    want = 1 if freq == "D" else 7
    step = _steps_in_days(dates)
    bad = np.flatnonzero(step != want)
    if len(bad):
        gaps = sorted({round(float(s), 2) for s in step[bad]})
        raise DataValidationError(
            f"Date column {name!r}: {what} must be exactly {want} day(s) apart with no gaps; the calendar "
            f"breaks after {_dates(dates[bad])} (steps of {list_some(gaps)} days). Add the missing "
            "periods (zeros where nothing was spent or done) or fix the dates."
        )


def _daily_to_weekly(table: pd.DataFrame, cmap: ChannelMap, allow_partial: bool) -> pd.DataFrame:
    """Sum KPI/spend/activity/cost and average controls over weeks starting on ``week_start``."""
    dates = pd.DatetimeIndex(table.index)
    offset = (dates.day_of_week - WEEKDAYS.index(cmap.week_start)) % 7
    labels = pd.DatetimeIndex(dates.normalize() - pd.to_timedelta(offset, unit="D"), name=cmap.date)
    counts = pd.Series(1, index=labels).groupby(level=0).size()
    partial = counts[counts < 7].index
    if len(partial):
        desc = []
        for week in partial:
            days = dates[labels == week]
            desc.append(
                f"week of {week.date()} has {len(days)} of 7 days ({days[0].date()} to {days[-1].date()})"
            )
        text = "; ".join(desc)
        if not allow_partial:
            raise DataValidationError(
                f"Daily data in {cmap.date!r} starts or ends part-way through a week (weeks start on "
                f"{cmap.week_start}): {text}. Load whole weeks, set week_start in the channel map to "
                "match your weeks, or pass allow_partial_weeks=True to drop these days."
            )
        warnings.warn(
            f"Dropped partial week(s) from daily data: {text}.", UserWarning, stacklevel=4
        )
        keep = ~labels.isin(partial)
        table, labels = table[keep], labels[keep]
    how = {col: ("mean" if col in cmap.controls else "sum") for col in table.columns}
    return table.groupby(labels).agg(how)


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


def _read(path: Path, kind: str, **kw: Any) -> pd.DataFrame:
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


def _dates(dates: pd.DatetimeIndex) -> str:
    return list_dates(list(dates))


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"Data file {str(p)!r} does not exist.")
    return p


# ---------------------------------------------------------------------- SQL
_TABLE_NAME = re.compile(r"[^\W\d][\w$]*(\.[^\W\d][\w$]*)?")


def _sql_frame(query_or_table: str, con: Any) -> pd.DataFrame:
    sql = query_or_table.strip()
    parts = sql.split(".") if _TABLE_NAME.fullmatch(sql) else []
    # SQLAlchemy only for its own objects and URLs: a DB-API connection needs no SQLAlchemy
    if isinstance(con, str):
        sa = _require("sqlalchemy")
        engine = sa.create_engine(con)
        try:
            return _sql_frame(query_or_table, engine)
        finally:
            engine.dispose()
    sa = _require("sqlalchemy") if type(con).__module__.startswith("sqlalchemy") else None
    if sa is not None and isinstance(con, sa.engine.Engine):
        with con.connect() as conn:
            return _sql_frame(query_or_table, conn)
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


# ---------------------------------------------------------------------- drafting a channel map
_KPI = re.compile(r"revenue|sales|gmv|kpi|销售额|收入", re.IGNORECASE)
_RULES = (
    ("paid", "spend", re.compile(r"^(.+?)_(?:spend|cost|花费|投放)$", re.IGNORECASE)),
    (
        "owned",
        "activity",
        re.compile(r"^(.+?)_(?:posts|push|pushes|sends|emails|推文)$", re.IGNORECASE),
    ),
    (
        "earned",
        "activity",
        re.compile(r"^(.+?)_(?:mentions|shares|ugc|reviews|提及|转发)$", re.IGNORECASE),
    ),
)
SOCIAL_WORDS = (
    "weibo", "wechat", "douyin", "kuaishou", "tiktok", "facebook", "instagram", "twitter", "x",
    "kol", "red", "xiaohongshu", "bilibili", "微博", "微信", "抖音", "快手", "小红书", "达人",
)  # fmt: skip


def _is_social(name: str) -> bool:
    low = name.lower()
    tokens = set(re.split(r"[_\-\s.]+", low))
    return any(w in tokens or ((len(w) >= 4 or not w.isascii()) and w in low) for w in SOCIAL_WORDS)


def _looks_like_dates(col: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return True
    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return False
    values = col.dropna()
    if values.empty:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return bool(pd.to_datetime(values, errors="coerce").notna().all())


def draft_channel_map(df: pd.DataFrame, *, source: str = "") -> str:
    """Draft a commented channel map (TOML text) from a table's column names.

    Rules: the first column that parses as dates → ``date``; a name matching
    ``revenue|sales|gmv|kpi|销售额|收入`` → ``kpi``; ``*_spend|*_cost|*_花费|*_投放`` → paid;
    ``*_posts|*_push(es)|*_sends|*_emails|*_推文`` → owned activity;
    ``*_mentions|*_shares|*_ugc|*_reviews|*_提及|*_转发`` → earned, driven by every channel
    whose name looks social (Weibo, WeChat, Douyin, KOL, 小红书, …); other numeric columns →
    controls. The draft is checked with :meth:`ChannelMap.from_toml` before it is returned.

    Examples
    --------
    >>> df = pd.DataFrame({"week": ["2024-01-01", "2024-01-08"], "revenue": [1.0, 2.0],
    ...                    "weibo_spend": [1.0, 0.0], "weibo_mentions": [3, 4], "price": [1, 1]})
    >>> cmap = ChannelMap.from_toml(draft_channel_map(df))
    >>> cmap.channel("weibo_mentions").driven_by, cmap.controls
    (('weibo',), ('price',))
    """
    if {"date", *LONG_COLUMNS} <= set(df.columns):
        df = pivot_long(df)
    columns = [str(c) for c in df.columns]
    date_col = next((c for c in df.columns if _looks_like_dates(df[c])), None)
    if date_col is None:
        raise DataValidationError(
            f"No column parses as dates, so no date column can be drafted; columns: {list_some(columns, 40)}."
        )
    chans: dict[str, dict[str, Any]] = {}
    notes: dict[str, str] = {}
    kpis, controls, unused = [], [], []
    for col, name in zip(df.columns, columns, strict=True):
        if col == date_col:
            continue
        for media, key, rx in _RULES:
            m = rx.match(name)
            if m:
                ch = m.group(1) if m.group(1) not in chans else name
                chans[ch] = {"media": media, key: name}
                notes[ch] = f"{media}, from column {name!r}"
                if media != "earned" and _is_social(ch):
                    chans[ch]["social"] = True
                    notes[ch] += "; social = true because the name looks like a social platform"
                break
        else:
            if _KPI.search(name):
                kpis.append(name)
            elif pd.api.types.is_numeric_dtype(df[col].dtype) or pd.api.types.is_bool_dtype(
                df[col].dtype
            ):
                controls.append(name)
            else:
                unused.append(name)
    if not kpis:
        raise DataValidationError(
            f"No KPI column: no column name matches {_KPI.pattern}; columns: {list_some(columns, 40)}. "
            "Rename the sales column or write the channel map by hand."
        )
    if not any(c["media"] != "earned" for c in chans.values()):
        raise DataValidationError(
            "No paid or owned channel found: name spend columns *_spend / *_cost / *_花费 / *_投放 and "
            f"activity columns *_posts / *_pushes / *_sends / *_emails / *_推文; columns: {list_some(columns, 40)}."
        )
    social = [n for n, c in chans.items() if c.get("social")]
    for n, c in chans.items():
        if c["media"] == "earned":
            c["driven_by"] = social
            notes[n] += (
                "; driven_by = every social channel: keep only those that generate it"
                if social
                else "; no social channel found: list the channels that generate it in driven_by"
            )
    order = {"paid": 0, "owned": 1, "earned": 2}
    lines = [
        f"# Channel map drafted by `mmm init`{' from ' + source if source else ''}.",
        "# CHECK IT before fitting: media types, `social` flags, `driven_by` and controls below",
        "# are guesses from column names. Then run: mmm validate DATA --config THIS_FILE",
        dict_to_toml({"date": str(date_col), "kpi": kpis[0]}).rstrip(),
        '# frequency = "W"      # optional: "D", "W" or "M"; inferred from the dates otherwise',
        '# week_start = "MON"   # daily data is summed to weeks starting on this day',
    ]
    if kpis[1:]:
        lines.append(f"# also looked like a KPI, left out: {', '.join(kpis[1:])}")
    for n in sorted(chans, key=lambda k: order[chans[k]["media"]]):
        lines += ["", f"# {notes[n]}", dict_to_toml({"channels": {n: chans[n]}}).strip()]
    lines += [
        "",
        "# every other numeric column; remove any that marketing itself drives (they would hide its effect)",
        dict_to_toml({"controls": {"columns": controls}}).strip(),
        '# holidays = "CN"      # optional holiday regressors from the `holidays` package',
    ]
    if unused:
        lines.append(f"# not used (not numeric): {', '.join(unused)}")
    text = "\n".join(lines) + "\n"
    ChannelMap.from_toml(text)
    return text
