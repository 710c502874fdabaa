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
import math
import numbers
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm._dims import GEO
from mmm.data.config import WEEKDAYS, ChannelMap
from mmm.data.dataset import NATIONAL, MMMDataset, build_xarray, check_values
from mmm.data.readers import existing_file, read_file, read_frame, sql_frame
from mmm.data.sentiment import signed_columns, tone_arrays, tone_roles, tone_table
from mmm.exceptions import ConfigError, DataValidationError, list_dates, list_some

__all__ = [
    "ChannelMapLike",
    "as_channel_map",
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
    frame = read_file(existing_file(path), "csv", **kw)
    return from_dataframe(frame, channel_map, allow_partial_weeks=allow_partial_weeks)


def read_parquet(
    path: str | Path, channel_map: ChannelMapLike, *, allow_partial_weeks: bool = False, **kw: Any
) -> MMMDataset:
    """Load a Parquet file (``kw`` go to :func:`pandas.read_parquet`).

    >>> ds = read_parquet("brand.parquet", "brand.toml")  # doctest: +SKIP
    """
    frame = read_file(existing_file(path), "parquet", **kw)
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
    frame = read_file(existing_file(path), "excel", sheet_name=sheet_name, **kw)
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
        sql_frame(query_or_table, con), channel_map, allow_partial_weeks=allow_partial_weeks
    )


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
        Wide (one row per date, or per date and region for a regional panel; the date column
        may also be the index) or long (``date, metric, value`` [, ``channel``] [, region]) table;
        see the module docstring.
    channel_map
        A :class:`ChannelMap`, a path to its TOML file, or a dict.
    allow_partial_weeks
        Daily data only: drop an incomplete first/last week (with a ``UserWarning``)
        instead of raising.

    Raises
    ------
    DataValidationError
        Naming the column, region, channel and dates at fault and what is allowed.

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
        frame = pivot_long(df, date=long_date, rename_date=cmap.date, geo=cmap.geo)
        is_long = True
    elif cmap.date not in df.columns and df.index.name == cmap.date:
        frame = df.reset_index()

    roles = _roles(cmap)
    _check_columns(frame, cmap, roles, is_long)
    dates = _parse_dates(frame[cmap.date], cmap.date)
    geo = _regions(frame, cmap, dates)
    table = pd.DataFrame(
        {col: _numeric(frame[col], col, role, dates) for col, role in roles.items()},
        index=pd.MultiIndex.from_arrays([dates, geo], names=[cmap.date, GEO]),
    )
    _check_rows(table, cmap, roles)
    table = table.sort_index(level=0, kind="stable", sort_remaining=False)
    table = tone_table(table, cmap)  # sentiment as counts, checked on the raw rows
    days = pd.DatetimeIndex(table.index.get_level_values(0).unique())

    freq = cmap.frequency or _infer_frequency(days, cmap.date)
    source = "set in the channel map" if cmap.frequency else "inferred from the dates"
    if freq == "D":
        _check_calendar(days, freq, cmap.date, source)
        signed = signed_columns(cmap)
        for col, role in roles.items():
            if col not in table:  # a net score, already checked and turned into counts
                continue
            for region, part in table[col].groupby(level=GEO, sort=False):
                where = f" in region {region!r}" if cmap.geo else ""
                check_values(part.to_numpy(), pd.DatetimeIndex(part.index.get_level_values(0)),
                             col, role, where, col in signed)  # fmt: skip
        table = _daily_to_weekly(table, cmap, allow_partial_weeks)
        alias = f"W-{cmap.week_start}"
    elif freq == "W":
        alias = f"W-{WEEKDAYS[days[0].day_of_week]}"
    else:
        _check_months(days, cmap.date)
        table.index = table.index.set_levels(
            pd.DatetimeIndex(table.index.levels[0]).to_period("M").to_timestamp(), level=0
        )
        alias = "MS"
    index = pd.DatetimeIndex(table.index.get_level_values(0).unique(), name=cmap.date)
    geos = tuple(dict.fromkeys(str(g) for g in table.index.get_level_values(GEO)))
    full = table.reindex(pd.MultiIndex.from_product([index, list(geos)]))

    def columns(cols: list[str | None]) -> np.ndarray:  # (date, geo, len(cols)); 0 where no column
        shape = (len(index), len(geos))
        stacked = [full[c].to_numpy().reshape(shape) if c else np.zeros(shape) for c in cols]
        return np.stack(stacked, axis=-1) if stacked else np.zeros((*shape, 0))

    spend = columns([c.cost_column for c in cmap.channels])
    activity = columns([c.input_column for c in cmap.channels])
    negative, positive = tone_arrays(full, cmap, (len(index), len(geos)))
    population = _population(frame, cmap, geos)
    _split_national(cmap, spend, activity, full[cmap.kpi].to_numpy().reshape(len(index), len(geos)),
                    population, index, geos)  # fmt: skip
    data = build_xarray(
        index,
        full[cmap.kpi].to_numpy().reshape(len(index), len(geos)),
        spend,
        activity,
        columns(list(cmap.controls)),
        cmap,
        frequency="M" if freq == "M" else "W",
        freq_alias=alias,
        geos=geos,
        population=population,
        negative=negative,
        positive=positive,
    )
    data.attrs["source_frequency"] = freq
    if cmap.geo and any(c.level == "national" for c in cmap.channels):
        data.attrs["national_split"] = "population" if population is not None else "kpi"
    return MMMDataset(data, cmap)


def pivot_long(
    df: pd.DataFrame, date: str = "date", rename_date: str | None = None, geo: str | None = None
) -> pd.DataFrame:
    """Pivot a long table (``date, metric, value`` [, ``channel``] [, ``geo``]) to one row per date.

    Columns are named ``{channel}_{metric}``, or ``{metric}`` where the channel is empty. With
    a region column ``geo``, there is one row per date and region.

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
    index = ["__date"]
    if geo is not None and geo in df.columns:
        key["__geo"] = df[geo].to_numpy()
        index.append("__geo")
    dup = key.duplicated([*index, "__column"], keep=False).to_numpy()
    if dup.any():
        pairs = key.loc[dup, [*index, "__column"]].drop_duplicates()
        shown = [" ".join([r[0].date().isoformat(), *map(str, r[1:])]) for r in pairs.itertuples(index=False)]
        raise DataValidationError(
            f"Long table has more than one value for {list_some(shown)}; each date may have one row "
            f"per metric (and channel{', region' if len(index) > 1 else ''}). Aggregate or remove "
            "the repeated rows."
        )
    wide = key.pivot_table(index=index, columns="__column", values="value", aggfunc="first",
                           dropna=False, sort=False)  # fmt: skip
    wide.columns.name = None
    wide.index.names = [rename_date or date, *([geo] if len(index) > 1 else [])]
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
    roles.update(tone_roles(cmap))
    roles.update({c: "control" for c in cmap.controls})
    return roles


def _check_columns(
    frame: pd.DataFrame, cmap: ChannelMap, roles: dict[str, str], is_long: bool
) -> None:
    wanted = {cmap.date: "date", **roles}
    if cmap.geo:
        wanted[cmap.geo] = "region"
    if cmap.population:
        wanted[cmap.population] = "population"
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


def _regions(frame: pd.DataFrame, cmap: ChannelMap, dates: pd.DatetimeIndex) -> np.ndarray:
    """Region of each row (``"national"`` for every row of a national table)."""
    if cmap.geo is None:
        return np.full(len(frame), NATIONAL, dtype=object)
    col = frame[cmap.geo]
    missing = np.flatnonzero(col.isna().to_numpy() | (col.astype(str).str.strip() == "").to_numpy())
    if len(missing):
        raise DataValidationError(
            f"Region column {cmap.geo!r} is empty on {len(missing)} row(s) ({_dates(dates[missing])}); "
            "every row needs its region."
        )
    return col.astype(str).str.strip().to_numpy(dtype=object)


def _check_rows(table: pd.DataFrame, cmap: ChannelMap, roles: dict[str, str]) -> None:
    """One row per (date, region); every region has every date and every column."""
    dates = pd.DatetimeIndex(table.index.get_level_values(0))
    geo = table.index.get_level_values(GEO)
    dup = table.index.duplicated(keep=False)
    if dup.any():
        if cmap.geo is None:
            raise DataValidationError(
                f"Date column {cmap.date!r} has duplicate dates {_dates(dates[dup].unique())}; each "
                "period must appear once (aggregate or remove the repeated rows)."
            )
        pairs = sorted({f"{d.date()} {g}" for d, g in zip(dates[dup], geo[dup], strict=True)})
        raise DataValidationError(
            f"Duplicate (date, region) rows: {list_some(pairs)}; each region may have one row per "
            f"period in {cmap.date!r} × {cmap.geo!r} (aggregate or remove the repeated rows)."
        )
    if cmap.geo is None:
        return
    regions = list(dict.fromkeys(geo))
    if len(regions) < 2:
        raise DataValidationError(
            f"Region column {cmap.geo!r} holds {len(regions)} region(s) ({list_some(regions)}); a "
            "regional panel needs at least 2 (remove `geo` from the channel map for one national series)."
        )
    all_dates = pd.DatetimeIndex(dates.unique()).sort_values()
    for region in regions:
        have = pd.DatetimeIndex(dates[geo == region])
        lacking = all_dates.difference(have)
        if len(lacking):
            raise DataValidationError(
                f"Region {region!r} is missing {len(lacking)} period(s) that other regions have: "
                f"{_dates(lacking)}; every region needs a row for every period (zeros where nothing "
                "was spent or sold)."
            )
        rows = table.xs(region, level=GEO)
        empty = [c for c in roles if rows[c].isna().all()]
        if empty and len(empty) < len(roles):
            raise DataValidationError(
                f"Region {region!r} has no values in column(s) {list_some(empty)} "
                f"({', '.join(roles[c] for c in empty[:3])}) but has the other columns: every region "
                "needs every column (e.g. sales as well as spend)."
            )


def _population(frame: pd.DataFrame, cmap: ChannelMap, geos: tuple[str, ...]) -> np.ndarray | None:
    """Population per region from the population column or the channel map's table."""
    if cmap.population_table is not None:
        table = dict(cmap.population_table)
        missing = [g for g in geos if g not in table]
        if missing:
            raise DataValidationError(
                f"The channel map's population table has no entry for region(s) {list_some(missing)}; "
                f"it lists {list_some(table, 50)}."
            )
        return np.array([table[g] for g in geos])
    if cmap.population is None:
        return None
    by_region = frame.groupby(frame[str(cmap.geo)].astype(str).str.strip())[cmap.population]
    out = []
    for g in geos:
        values = pd.to_numeric(by_region.get_group(g), errors="coerce").dropna().unique()
        if len(values) != 1:
            raise DataValidationError(
                f"Population column {cmap.population!r} must hold one number per region; region "
                f"{g!r} has {list_some(values) if len(values) else 'none'}."
            )
        out.append(float(values[0]))
    return np.array(out)


def _split_national(
    cmap: ChannelMap,
    spend: np.ndarray,
    activity: np.ndarray,
    kpi: np.ndarray,
    population: np.ndarray | None,
    dates: pd.DatetimeIndex,
    geos: tuple[str, ...],
) -> None:
    """Split channels bought nationally (``level = "national"``) to regions, in place.

    Their columns repeat the national figure on every region's row; each region gets the
    national figure × its share of the population (or, without a population, of the KPI).
    """
    national = [j for j, c in enumerate(cmap.channels) if c.level == "national"]
    if not national:
        return
    size = population if population is not None else np.nansum(kpi, axis=0)
    weight = size / size.sum()
    for j in national:
        ch = cmap.channels[j]
        for arr, col in ((spend, ch.cost_column), (activity, ch.input_column)):
            if col is None:
                continue
            x = arr[:, :, j]
            differs = np.flatnonzero(np.nanmax(x, axis=1) - np.nanmin(x, axis=1) > 1e-9 * (1 + np.abs(np.nanmax(x, axis=1))))
            if len(differs):
                raise DataValidationError(
                    f"Channel {ch.name!r} is level = \"national\", so column {col!r} must repeat the "
                    f"national figure on every region's row; it differs between regions on "
                    f"{_dates(dates[differs])}. Give the national total on each row, or make the "
                    "channel regional."
                )
            arr[:, :, j] = x[:, :1] * weight[None, :]


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
    """Daily rows must be consecutive days (weekly and monthly calendars are MMMDataset's check)."""
    what = f"{_FREQ_WORDS[freq]} data (frequency {freq!r} {source})"
    step = _steps_in_days(dates)
    bad = np.flatnonzero(step != 1)
    if len(bad):
        gaps = sorted({round(float(x), 2) for x in step[bad]})
        raise DataValidationError(
            f"Date column {name!r}: {what} must be exactly 1 day(s) apart with no gaps; the calendar "
            f"breaks after {_dates(dates[bad])} (steps of {list_some(gaps)} days). Add the missing "
            "periods (zeros where nothing was spent or done) or fix the dates."
        )


def _check_months(dates: pd.DatetimeIndex, name: str) -> None:
    """Monthly rows are labelled by their month: two rows in one month would become one date."""
    months = dates.to_period("M")
    dup = dates[months.duplicated(keep=False)]
    if len(dup):
        raise DataValidationError(
            f"Date column {name!r}: monthly data has more than one row in the same month on "
            f"{_dates(dup)}; each month must appear once."
        )


def _daily_to_weekly(table: pd.DataFrame, cmap: ChannelMap, allow_partial: bool) -> pd.DataFrame:
    """Sum KPI/spend/activity/cost and average controls over weeks starting on ``week_start``."""
    dates = pd.DatetimeIndex(table.index.get_level_values(0))
    offset = (dates.day_of_week - WEEKDAYS.index(cmap.week_start)) % 7
    labels = pd.DatetimeIndex(dates.normalize() - pd.to_timedelta(offset, unit="D"), name=cmap.date)
    days = pd.DatetimeIndex(dates.unique())
    day_labels = pd.DatetimeIndex(
        days.normalize() - pd.to_timedelta((days.day_of_week - WEEKDAYS.index(cmap.week_start)) % 7, unit="D")
    )
    counts = pd.Series(1, index=day_labels).groupby(level=0).size()
    partial = counts[counts < 7].index
    if len(partial):
        desc = []
        for week in partial:
            in_week = days[day_labels == week]
            desc.append(
                f"week of {week.date()} has {len(in_week)} of 7 days ({in_week[0].date()} to {in_week[-1].date()})"
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
    geo = table.index.get_level_values(GEO)
    return table.groupby([labels, geo], sort=False).agg(how)


def _dates(dates: pd.DatetimeIndex) -> str:
    return list_dates(list(dates))


