"""MMMDataset: the validated, labelled data every later stage trusts.

An :class:`MMMDataset` wraps an :class:`xarray.Dataset` with

========== ======================== ====================================================
variable   dims                     meaning
========== ======================== ====================================================
kpi        (date, geo)              sales / revenue per period, in currency (or units)
spend      (date, geo, channel)     what each channel cost, in currency (0 without a cost)
activity   (date, geo, channel)     what drives the model: activity if mapped, else spend
controls   (date, geo, control)     control regressors (price, promotions, …)
negative   (date, geo, channel)     negative mentions of earned channels split by sentiment
                                    (0 for other channels; only when the map has such a channel)
positive   (date, geo, channel)     positive mentions, where the map gives a ``positive`` column
========== ======================== ====================================================

and channel coordinates ``media`` (paid | owned | earned), ``social``, ``platform``,
``has_cost`` and ``level`` (regional | national). A national dataset is the one-region case:
its ``geo`` dimension holds the single region ``"national"``. A regional panel (the channel
map names a ``geo`` column) has one entry per province, city or market, and optionally a
``population`` coordinate over ``geo``.

Validation runs once, at construction, in named steps; each failure raises
:class:`~mmm.exceptions.DataValidationError` naming the column, the region, the dates and
what is allowed. Nothing is ever silently changed.

Sentiment: an earned channel with ``negative`` counts all its mentions in ``activity`` and the
negative ones in ``negative`` (at most the total); ``positive`` (optional) counts positive ones
(negative + positive at most the total, the rest being neutral). A net ``sentiment`` score
``s`` in [-1, 1] is read as counts: ``negative = activity · (1 − s) / 2`` and ``positive =
activity · (1 + s) / 2`` (every mention positive or negative), converted row by row before
daily rows are summed to weeks. Named events (``ChannelMap.events``) must fall inside the data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._checks import Checks
from mmm._dims import CHANNEL, CONTROL, DATE, GEO, MIN_PERIODS, PERIODS_PER_YEAR
from mmm._xarray import defer_dask_array_check
from mmm.data.config import ChannelMap
from mmm.data.events import period_ends, restrict
from mmm.exceptions import DataValidationError, list_dates, list_some

defer_dask_array_check()  # see mmm._xarray: spares every process importing dask.array

VARIABLES = ("kpi", "spend", "activity", "controls")
#: optional variables of mentions by sentiment, (date, geo, channel)
TONES = ("negative", "positive")
#: the one region of a national dataset
NATIONAL = "national"


@dataclass(frozen=True, eq=False)
class MMMDataset:
    """Validated marketing data: KPI, spend and activity by region and channel, controls.

    Build one with :func:`mmm.data.load.from_dataframe` (or any other loader in
    :mod:`mmm.data.load`); the constructor only takes an already labelled
    :class:`xarray.Dataset`.

    Examples
    --------
    >>> from mmm.data.synthetic import generate
    >>> from mmm.data.load import from_dataframe
    >>> brand = generate(seed=0, weeks=104)
    >>> ds = from_dataframe(brand.data, brand.channel_map)
    >>> ds.n_periods, ds.geos
    (104, ('national',))
    """

    data: xr.Dataset
    channel_map: ChannelMap

    def __post_init__(self) -> None:
        for step in (
            self._validate_structure,
            self._validate_regions,
            self._validate_calendar,
            self._validate_values,
            self._validate_kpi,
            self._validate_channels,
            self._validate_sentiment,
            self._validate_events,
            self._validate_length,
        ):
            step()

    # ------------------------------------------------------------------ validators
    def _column(self, var: str, channel: str | None = None, control: str | None = None) -> str:
        """Original column name behind a variable (for error messages)."""
        cmap = self.channel_map
        if var == "kpi":
            return cmap.kpi
        if var == "controls":
            return str(control)
        ch = cmap.channel(str(channel))
        if var == "spend":
            return str(ch.cost_column)
        return ch.input_column

    def _where(self, g: int) -> str:
        """`` in region 'X'`` for a panel, nothing for a national dataset."""
        return f" in region {self.geos[g]!r}" if self.is_panel else ""

    def _validate_structure(self) -> None:
        missing = [v for v in VARIABLES if v not in self.data]
        if missing:
            raise DataValidationError(
                f"MMMDataset needs variables {list_some(missing)} (have {list(self.data)})."
            )
        if self.data.sizes.get(CHANNEL, 0) == 0:
            raise DataValidationError(
                "MMMDataset has no channels; the channel map must name at least one."
            )
        want = {"kpi": (DATE, GEO), "spend": (DATE, GEO, CHANNEL),
                "activity": (DATE, GEO, CHANNEL), "controls": (DATE, GEO, CONTROL)}  # fmt: skip
        cmap = self.channel_map
        needed = {"negative": cmap.sentiment_channels,
                  "positive": tuple(c.name for c in cmap.channels if c.positive or c.sentiment)}  # fmt: skip
        for var, chans in needed.items():
            if chans and var not in self.data:
                raise DataValidationError(
                    f"Channel(s) {list_some(chans)} are split by sentiment in the channel map but the "
                    f"dataset has no {var!r} variable (build it with mmm.data.load.from_dataframe)."
                )
            if var in self.data:
                want[var] = (DATE, GEO, CHANNEL)
        for var, dims in want.items():
            if tuple(self.data[var].dims) != dims:
                raise DataValidationError(
                    f"MMMDataset variable {var!r} has dims {tuple(self.data[var].dims)}; "
                    f"expected {dims} (build it with mmm.data.load.from_dataframe)."
                )

    def _validate_regions(self) -> None:
        geos = self.geos
        if self.channel_map.geo is not None and len(geos) < 2:
            raise DataValidationError(
                f"The channel map sets geo = {self.channel_map.geo!r} but the data has "
                f"{len(geos)} region(s) ({list_some(geos)}); a regional panel needs at least 2 "
                "regions (remove `geo` to fit one national series)."
            )
        if self.channel_map.geo is None and geos != (NATIONAL,):
            raise DataValidationError(
                f"The data has regions {list_some(geos)} but the channel map sets no `geo` column."
            )
        if len(set(geos)) != len(geos):
            dupes = sorted({g for g in geos if geos.count(g) > 1})
            raise DataValidationError(f"Region(s) {list_some(dupes)} appear more than once.")
        if "population" in self.data.coords:
            pop = self.data["population"].values.astype(float)
            bad = [geos[g] for g in np.flatnonzero(~(np.isfinite(pop) & (pop > 0)))]
            if bad:
                raise DataValidationError(
                    f"Population of region(s) {list_some(bad)} is missing, zero or negative; "
                    "every region needs a positive population."
                )

    def _validate_calendar(self) -> None:
        dates = pd.DatetimeIndex(self.data[DATE].values)
        col = self.channel_map.date
        dupes = dates[dates.duplicated()].unique()
        if len(dupes):
            raise DataValidationError(
                f"Column {col!r} has duplicate dates {list_dates(dupes)}; "
                "each period must appear once (aggregate or remove the repeated rows)."
            )
        if not dates.is_monotonic_increasing:
            raise DataValidationError(f"Column {col!r} must be sorted ascending.")
        if len(dates) < 2:
            return
        if self.frequency == "W":
            step = np.diff(dates.values).astype("timedelta64[D]").astype(int)
            bad = np.flatnonzero(step != 7)
            if len(bad):
                raise DataValidationError(
                    f"Column {col!r}: weekly dates must be exactly 7 days apart; "
                    f"the calendar breaks after {list_dates(dates[bad])} "
                    f"(gaps of {list_some(sorted(set(step[bad].tolist())))} days). Fill missing weeks "
                    "with zeros where nothing was spent, or fix the dates."
                )
        elif self.frequency == "M":
            step = np.diff(dates.to_period("M").asi8)
            bad = np.flatnonzero(step != 1)
            if len(bad):
                raise DataValidationError(
                    f"Column {col!r}: monthly dates must be consecutive months; "
                    f"the calendar breaks after {list_dates(dates[bad])}."
                )

    def _validate_values(self) -> None:
        dates = self.dates
        d = self.data
        for g in range(self.n_geos):
            where = self._where(g)
            check_values(d["kpi"].values[:, g], dates, self.channel_map.kpi, "KPI", where)
            for j, ch in enumerate(self.channel_map.channels):
                for var, col, kind in (("spend", ch.cost_column, "cost" if ch.cost else "spend"),
                                       ("activity", ch.input_column, "activity" if ch.activity else "spend")):  # fmt: skip
                    if col is None or (var == "activity" and col == ch.cost_column):
                        continue
                    role = f"{kind} of {ch.media} channel {ch.name!r}"
                    check_values(d[var].values[:, g, j], dates, col, role, where)
            for k, ctl in enumerate(self.controls):
                check_values(d["controls"].values[:, g, k], dates, ctl, "control", where, True)

    def _validate_kpi(self) -> None:
        kpi = self.data["kpi"].values
        col = self.channel_map.kpi
        zero = [self.geos[g] for g in range(self.n_geos) if np.all(kpi[:, g] == 0)]
        if zero and self.is_panel:
            raise DataValidationError(
                f"KPI column {col!r} is zero in every period in region(s) {list_some(zero)}; a "
                "region without sales has nothing to explain (drop it from the data)."
            )
        total = kpi.sum(axis=1)
        if np.all(total == 0):
            raise DataValidationError(
                f"KPI column {col!r} is zero in every period; there is nothing to explain."
            )
        if np.nanstd(total) == 0:
            raise DataValidationError(
                f"KPI column {col!r} is constant ({total[0]:g}) in every period; the model needs a KPI that varies."
            )

    def _validate_channels(self) -> None:
        spend = self.data["spend"].values.sum(axis=1)
        act = self.data["activity"].values.sum(axis=1)
        for j, ch in enumerate(self.channels):
            cfg = self.channel_map.channel(ch)
            if cfg.media == "paid" and spend[:, j].sum() == 0:
                raise DataValidationError(
                    f"Paid channel {ch!r} has zero total spend in column {cfg.spend!r}; "
                    "remove it from the channel map or load a period in which it ran."
                )
            if act[:, j].sum() == 0:
                raise DataValidationError(
                    f"Channel {ch!r} has no activity at all in column {cfg.input_column!r}; "
                    "its effect cannot be estimated — remove it from the channel map."
                )

    def _validate_sentiment(self) -> None:
        cmap = self.channel_map
        for j, ch in enumerate(cmap.channels):
            for var in TONES:
                if var in self.data and not ch.has_sentiment and np.any(self.data[var].values[:, :, j] != 0):
                    raise DataValidationError(
                        f"Variable {var!r} has mentions for channel {ch.name!r}, which the channel map "
                        "does not split by sentiment; only earned channels with `negative` or "
                        "`sentiment` may have them."
                    )
            if not ch.has_sentiment:
                continue
            neg = self.data["negative"].values[:, :, j]
            pos = self.data["positive"].values[:, :, j] if "positive" in self.data else None
            for g in range(self.n_geos):
                check_tone(self.data["activity"].values[:, g, j], neg[:, g],
                           None if pos is None else pos[:, g], self.dates, ch, self._where(g))  # fmt: skip
            if np.all(self.data["activity"].values[:, :, j] - neg <= 0):
                raise DataValidationError(
                    f"Every mention of earned channel {ch.name!r} is negative (column "
                    f"{ch.negative or ch.sentiment!r}); there are no other mentions for its sources "
                    "to have generated."
                )

    def _validate_events(self) -> None:
        if not self.channel_map.events:
            return
        first = self.dates[0]
        last = period_ends(self.dates[-1:], self.frequency)[0] - pd.Timedelta(days=1)
        for e in self.channel_map.events:
            if e.start < first or e.end > last:
                raise DataValidationError(
                    f"Event {e.label} falls outside the data ({first.date()} – {last.date()}); an "
                    "event window must lie inside the modelled period (shorten it, or drop the event)."
                )
            unknown = [g for g in e.geo if g not in self.geos]
            if unknown:
                raise DataValidationError(
                    f"Event {e.label} names unknown region(s) {list_some(unknown)}; the data has "
                    f"{list_some(self.geos, 50)}."
                )

    def _validate_length(self) -> None:
        need = MIN_PERIODS[self.frequency]
        n_inputs = self.n_channels + self.data.sizes.get(CONTROL, 0)
        need = max(need, 4 * n_inputs)
        unit = "weeks" if self.frequency == "W" else "months"
        if self.n_periods < need:
            raise DataValidationError(
                f"The data has {self.n_periods} {unit}; at least {need} are needed to separate trend, "
                f"seasonality and {self.n_channels} channel(s) + {self.data.sizes.get(CONTROL, 0)} control(s) "
                f"(minimum {MIN_PERIODS[self.frequency]} {unit}, and 4 per input)."
            )

    # ------------------------------------------------------------------ basic properties
    @property
    def frequency(self) -> str:
        """Model frequency: ``"W"`` (weekly) or ``"M"`` (monthly)."""
        return str(self.data.attrs.get("frequency", "W"))

    @property
    def periods_per_year(self) -> float:
        return PERIODS_PER_YEAR[self.frequency]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.data[DATE].values, name=DATE)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.data[CHANNEL].values)

    @property
    def geos(self) -> tuple[str, ...]:
        """Region names (``("national",)`` for a national dataset)."""
        return tuple(str(g) for g in self.data[GEO].values)

    @property
    def is_panel(self) -> bool:
        """Whether this is a regional panel (the channel map names a ``geo`` column)."""
        return self.channel_map.geo is not None

    @property
    def n_geos(self) -> int:
        return int(self.data.sizes[GEO])

    @property
    def controls(self) -> tuple[str, ...]:
        return (
            tuple(str(c) for c in self.data[CONTROL].values) if CONTROL in self.data.coords else ()
        )

    @property
    def n_periods(self) -> int:
        return int(self.data.sizes[DATE])

    @property
    def n_channels(self) -> int:
        return int(self.data.sizes[CHANNEL])

    @property
    def media(self) -> xr.DataArray:
        """Media type per channel (dims: channel)."""
        return self.data["media"]

    def channels_of(
        self, media: str | None = None, *, social: bool | None = None, has_cost: bool | None = None
    ) -> tuple[str, ...]:
        """Channel names filtered by media type, social flag and whether they have a cost."""
        out = []
        for ch in self.channels:
            c = self.data.sel(channel=ch)
            if media is not None and str(c["media"].values) != media:
                continue
            if social is not None and bool(c["social"].values) != social:
                continue
            if has_cost is not None and bool(c["has_cost"].values) != has_cost:
                continue
            out.append(ch)
        return tuple(out)

    @property
    def negative(self) -> np.ndarray:
        """Negative mentions (date, geo, channel); zero for channels not split by sentiment."""
        if "negative" in self.data:
            return self.data["negative"].values
        return np.zeros(self.data["activity"].shape)

    @property
    def positive(self) -> np.ndarray | None:
        """Positive mentions (date, geo, channel) where the map gives them (None: not given)."""
        return self.data["positive"].values if "positive" in self.data else None

    @property
    def driven_by(self) -> dict[str, tuple[str, ...]]:
        """Earned channel → the channels that generate it."""
        return {c.name: c.driven_by for c in self.channel_map.channels if c.media == "earned"}

    # ------------------------------------------------------------------ national totals
    @property
    def kpi_total(self) -> np.ndarray:
        """KPI per period summed over regions, (date,)."""
        return self.data["kpi"].values.sum(axis=1)

    @property
    def spend_total(self) -> np.ndarray:
        """Spend per period and channel summed over regions, (date, channel)."""
        return self.data["spend"].values.sum(axis=1)

    @property
    def activity_total(self) -> np.ndarray:
        """Activity per period and channel summed over regions, (date, channel)."""
        return self.data["activity"].values.sum(axis=1)

    # ------------------------------------------------------------------ scales
    @cached_property
    def kpi_scale(self) -> float:
        """Mean national KPI per period (the sum over regions)."""
        return float(self.kpi_total.mean())

    @cached_property
    def geo_kpi_scale(self) -> np.ndarray:
        """Mean KPI per period of each region, (geo,): the model works in KPI / this."""
        return self.data["kpi"].values.mean(axis=0)

    @cached_property
    def input_scale(self) -> xr.DataArray:
        """Mean national activity per period for each channel (dims: channel)."""
        return self.data["activity"].sum(GEO).mean(DATE)

    @cached_property
    def geo_weight(self) -> np.ndarray:
        """Each region's size as a share of the total, (geo,): population if given, else KPI."""
        if "population" in self.data.coords:
            size = self.data["population"].values.astype(float)
        else:
            size = self.geo_kpi_scale
        return size / size.sum()

    @cached_property
    def control_scale(self) -> tuple[xr.DataArray, xr.DataArray]:
        """(mean, std) of each control over periods and regions (dims: control); std of a constant is 1."""
        c = self.data["controls"]
        sd = c.std((DATE, GEO))
        return c.mean((DATE, GEO)), xr.where(sd > 0, sd, 1.0)

    # ------------------------------------------------------------------ views
    def isel_dates(self, sl: slice) -> MMMDataset:
        """A new (re-validated) dataset restricted to a slice of periods.

        Events are clipped to the periods kept (those left with no day are dropped).
        """
        data = self.data.isel({DATE: sl})
        dates = pd.DatetimeIndex(data[DATE].values)
        last = period_ends(dates[-1:], self.frequency)[0] - pd.Timedelta(days=1)
        events = restrict(self.channel_map.events, dates[0], last, self.geos)
        return MMMDataset(data, replace(self.channel_map, events=events))

    def sel_geos(self, geos: Any) -> MMMDataset:
        """A new (re-validated) panel restricted to some regions (at least two)."""
        wanted = [str(g) for g in geos]
        unknown = [g for g in wanted if g not in self.geos]
        if unknown:
            raise DataValidationError(
                f"Unknown region(s) {list_some(unknown)}; the data has {list_some(self.geos, 50)}."
            )
        far = pd.Timestamp.max.normalize()
        events = restrict(self.channel_map.events, pd.Timestamp(0), far, wanted)
        return MMMDataset(self.data.sel({GEO: wanted}), replace(self.channel_map, events=events))

    def national(self) -> MMMDataset:
        """The panel summed over regions: one national series (controls averaged over regions).

        A national dataset is returned as it is.
        """
        if not self.is_panel:
            return self
        d = self.data
        data = xr.Dataset(
            {
                "kpi": d["kpi"].sum(GEO).expand_dims({GEO: [NATIONAL]}, axis=1),
                "spend": d["spend"].sum(GEO).expand_dims({GEO: [NATIONAL]}, axis=1),
                "activity": d["activity"].sum(GEO).expand_dims({GEO: [NATIONAL]}, axis=1),
                "controls": d["controls"].mean(GEO).expand_dims({GEO: [NATIONAL]}, axis=1),
            }
            | {v: d[v].sum(GEO).expand_dims({GEO: [NATIONAL]}, axis=1) for v in TONES if v in d},
            attrs=dict(d.attrs),
        )
        data = data.assign_coords({k: d[k] for k in ("media", "social", "platform", "has_cost", "level")
                                   if k in d.coords})  # fmt: skip
        far = pd.Timestamp.max.normalize()
        cmap = replace(self.channel_map, geo=None, population=None, population_table=None,
                       channels=tuple(replace(c, level="regional") for c in self.channel_map.channels),
                       events=restrict(self.channel_map.events, pd.Timestamp(0), far, None))  # fmt: skip
        return MMMDataset(data, cmap)

    def to_dataframe(self) -> pd.DataFrame:
        """The data with the original column names: one row per date (national) or per (date, region).

        ``from_dataframe(ds.to_dataframe(), ds.channel_map)`` round-trips. National channels of a
        panel repeat their national total on every region's row, as they are read.
        """
        cmap = self.channel_map
        g = np.tile(np.arange(self.n_geos), self.n_periods)
        t = np.repeat(np.arange(self.n_periods), self.n_geos)
        df = pd.DataFrame({cmap.date: self.dates[t]})
        if self.is_panel:
            df[str(cmap.geo)] = np.asarray(self.geos)[g]
            if cmap.population:
                df[cmap.population] = self.data["population"].values[g]
        df[cmap.kpi] = self.data["kpi"].values[t, g]
        spend, act = self.data["spend"].values, self.data["activity"].values
        for j, ch in enumerate(cmap.channels):
            if ch.level == "national":
                s_col, a_col = spend[:, :, j].sum(axis=1)[t], act[:, :, j].sum(axis=1)[t]
            else:
                s_col, a_col = spend[t, g, j], act[t, g, j]
            for col, values in ((ch.spend, s_col), (ch.cost, s_col), (ch.activity, a_col)):
                if col:
                    df[col] = values
            if ch.has_sentiment:
                neg = self.negative[t, g, j]
                pos = self.positive[t, g, j] if self.positive is not None else None
                if ch.negative:
                    df[ch.negative] = neg
                if ch.positive and pos is not None:
                    df[ch.positive] = pos
                if ch.sentiment and pos is not None:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        df[ch.sentiment] = np.where(a_col > 0, (pos - neg) / a_col, 0.0)
        for k, ctl in enumerate(self.controls):
            df[ctl] = self.data["controls"].values[t, g, k]
        return df

    # ------------------------------------------------------------------ summaries
    def summary(self) -> DatasetSummary:
        """Periods, date range, regions, spend and share by channel and media type, KPI totals."""
        d = self.data
        spend = self.spend_total.sum(axis=0)
        act_all = self.activity_total
        paid_total = float(spend.sum())
        rows = []
        for j, ch in enumerate(self.channels):
            act = act_all[:, j]
            rows.append(
                {
                    "channel": ch,
                    "media": str(d["media"].values[j]),
                    "social": bool(d["social"].values[j]),
                    "platform": str(d["platform"].values[j]),
                    "spend": float(spend[j]),
                    "spend_share": float(spend[j] / paid_total) if paid_total > 0 else 0.0,
                    "activity": float(act.sum()),
                    "active_periods": float((act > 0).mean()),
                }
            )
        by_channel = pd.DataFrame(rows)
        by_media = (
            by_channel.groupby("media", sort=False)[["spend", "spend_share", "activity"]]
            .sum()
            .reset_index()
        )
        by_geo = pd.DataFrame(
            {
                "geo": self.geos,
                "kpi": d["kpi"].values.sum(axis=0),
                "spend": d["spend"].values.sum(axis=(0, 2)),
                "weight": self.geo_weight,
            }
        )
        return DatasetSummary(
            n_periods=self.n_periods,
            frequency=self.frequency,
            start=self.dates[0],
            end=self.dates[-1],
            kpi_name=self.channel_map.kpi,
            kpi_total=float(self.kpi_total.sum()),
            kpi_mean=self.kpi_scale,
            currency=self.channel_map.currency,
            by_channel=by_channel,
            by_media=by_media,
            controls=self.controls,
            by_geo=by_geo if self.is_panel else None,
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        regions = f", {self.n_geos} regions" if self.is_panel else ""
        return (
            f"MMMDataset({self.n_periods} {'weeks' if self.frequency == 'W' else 'months'} "
            f"{self.dates[0].date()}..{self.dates[-1].date()}{regions}, channels={list(self.channels)}, "
            f"controls={list(self.controls)})"
        )

    def eda(self) -> Checks:
        """Data checks before modelling: collinearity, VIF, variation, spend shares.

        Suspicious but legal data is a REVIEW, never an error (see :mod:`mmm.data.checks`).
        """
        from mmm.data.checks import data_checks

        return data_checks(self)


@dataclass(frozen=True)
class DatasetSummary:
    """What is in a dataset, as text, HTML and tables."""

    n_periods: int
    frequency: str
    start: pd.Timestamp
    end: pd.Timestamp
    kpi_name: str
    kpi_total: float
    kpi_mean: float
    currency: str
    by_channel: pd.DataFrame
    by_media: pd.DataFrame
    controls: tuple[str, ...]
    by_geo: pd.DataFrame | None = None

    def __str__(self) -> str:
        unit = "weeks" if self.frequency == "W" else "months"
        regions = f", {len(self.by_geo)} regions" if self.by_geo is not None else ""
        lines = [
            f"{self.n_periods} {unit}, {self.start.date()} to {self.end.date()}{regions}",
            f"KPI {self.kpi_name!r}: total {self.currency}{self.kpi_total:,.0f}, "
            f"mean {self.currency}{self.kpi_mean:,.0f} per {unit[:-1]}",
            "",
            "channel            media   social  spend              share  active",
        ]
        for r in self.by_channel.itertuples():
            lines.append(
                f"{str(r.channel):<18} {r.media:<7} {'yes' if r.social else 'no':<7} "
                f"{self.currency}{r.spend:>16,.0f} {r.spend_share:>6.1%} {r.active_periods:>6.0%}"
            )
        lines.append("")
        for r in self.by_media.itertuples():
            lines.append(f"{r.media:<8} spend {self.currency}{r.spend:,.0f} ({r.spend_share:.1%})")
        if self.controls:
            lines.append(f"controls: {', '.join(self.controls)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        unit = "weeks" if self.frequency == "W" else "months"
        regions = f", {len(self.by_geo)} regions" if self.by_geo is not None else ""
        head = (
            f"<p><strong>{self.n_periods} {unit}</strong>{regions}, {self.start.date()} – "
            f"{self.end.date()}; KPI <code>{html.escape(self.kpi_name)}</code> total "
            f"{html.escape(self.currency)}{self.kpi_total:,.0f}</p>"
        )
        table = self.by_channel.to_html(
            index=False,
            float_format=lambda x: f"{x:,.2f}",
            formatters={"spend_share": "{:.1%}".format, "active_periods": "{:.0%}".format},
        )
        return f"<div class='mmm-dataset'>{head}{table}</div>"


def build_xarray(
    dates: pd.DatetimeIndex,
    kpi: np.ndarray,
    spend: np.ndarray,
    activity: np.ndarray,
    controls: np.ndarray,
    channel_map: ChannelMap,
    frequency: str,
    freq_alias: str,
    geos: tuple[str, ...] = (NATIONAL,),
    population: np.ndarray | None = None,
    negative: np.ndarray | None = None,
    positive: np.ndarray | None = None,
) -> xr.Dataset:
    """Assemble the labelled dataset from arrays in channel-map order (used by :mod:`mmm.data.load`).

    ``kpi`` is (date, geo), ``spend`` and ``activity`` (date, geo, channel) and ``controls``
    (date, geo, control); a national dataset passes ``geos=("national",)``. ``negative`` and
    ``positive`` (date, geo, channel; mentions by sentiment) are added when given.
    """
    chans = channel_map.channels
    t, g, c, k = len(dates), len(geos), len(chans), len(channel_map.controls)
    coords: dict[str, Any] = {
        DATE: pd.DatetimeIndex(dates, name=DATE),
        GEO: list(geos),
        CHANNEL: [ch.name for ch in chans],
        "media": (CHANNEL, [ch.media for ch in chans]),
        "social": (CHANNEL, [ch.social for ch in chans]),
        "platform": (CHANNEL, [ch.platform or ch.name for ch in chans]),
        "has_cost": (CHANNEL, [ch.cost_column is not None for ch in chans]),
        "level": (CHANNEL, [ch.level for ch in chans]),
        CONTROL: list(channel_map.controls),
    }
    if population is not None:
        coords["population"] = (GEO, np.asarray(population, dtype=float))
    tones = {name: ((DATE, GEO, CHANNEL), np.asarray(arr, dtype=float).reshape(t, g, c))
             for name, arr in (("negative", negative), ("positive", positive)) if arr is not None}  # fmt: skip
    return xr.Dataset(
        {
            "kpi": ((DATE, GEO), np.asarray(kpi, dtype=float).reshape(t, g)),
            "spend": ((DATE, GEO, CHANNEL), np.asarray(spend, dtype=float).reshape(t, g, c)),
            "activity": ((DATE, GEO, CHANNEL), np.asarray(activity, dtype=float).reshape(t, g, c)),
            "controls": ((DATE, GEO, CONTROL), np.asarray(controls, dtype=float).reshape(t, g, k)),
        }
        | tones,
        coords=coords,
        attrs={
            "frequency": frequency,
            "freq_alias": freq_alias,
            "kpi_name": channel_map.kpi,
            "kpi_type": channel_map.kpi_type,
            "currency": channel_map.currency,
        },
    )


def check_values(
    x: np.ndarray,
    dates: pd.DatetimeIndex,
    column: str,
    role: str,
    where: str = "",
    allow_negative: bool = False,
) -> None:
    """No missing or infinite values in a column; no negative ones unless ``allow_negative``.

    The one definition of these checks and their messages: :class:`MMMDataset` runs it on
    every variable, and the loader on raw daily rows before they are summed to weeks (where a
    negative day could hide inside a positive week).
    """
    rows = np.flatnonzero(~np.isfinite(x))
    if len(rows):
        kinds = "missing (NaN/empty)" if np.isnan(x[rows]).all() else "missing or infinite"
        raise DataValidationError(
            f"Column {column!r} ({role}) has {len(rows)} {kinds} value(s){where} on "
            f"{list_dates(dates[rows])}. Missing values are not allowed: fill them with the true "
            "figure (0 if nothing was spent or done) before loading."
        )
    neg = np.flatnonzero(x < 0)
    if len(neg) and not allow_negative:
        shown = ", ".join(f"{dates[i].date()} ({x[i]:g})" for i in neg[:5])
        more = f" and {len(neg) - 5} more" if len(neg) > 5 else ""
        raise DataValidationError(
            f"Column {column!r} ({role}) has {len(neg)} negative value(s){where}: {shown}{more}; "
            "KPI, spend and activity must be >= 0 (refunds or corrections belong in the source data)."
        )


def check_tone(
    total: np.ndarray,
    negative: np.ndarray,
    positive: np.ndarray | None,
    dates: pd.DatetimeIndex,
    channel: Any,
    where: str = "",
) -> None:
    """Mentions by sentiment of one earned channel are counts that fit inside all its mentions.

    ``negative`` (and ``positive``) must be finite and >= 0, and ``negative (+ positive) <=
    total``. ``channel`` is the channel's :class:`~mmm.data.config.ChannelConfig`; messages name
    its columns. :class:`MMMDataset` runs it on every region, and the loader on raw rows before
    daily rows are summed to weeks.
    """
    neg_col = channel.negative or f"{channel.sentiment} (as negative mentions)"
    role = f"negative mentions of earned channel {channel.name!r}"
    check_values(negative, dates, neg_col, role, where)
    parts = [(negative, neg_col)]
    if positive is not None and (channel.positive or channel.sentiment):
        pos_col = channel.positive or f"{channel.sentiment} (as positive mentions)"
        check_values(positive, dates, pos_col, f"positive mentions of earned channel {channel.name!r}", where)
        parts.append((positive, pos_col))
    used = np.sum([p for p, _ in parts], axis=0)
    over = np.flatnonzero(used > total * (1 + 1e-9) + 1e-9)
    if len(over):
        names = " + ".join(repr(c) for _, c in parts)
        shown = ", ".join(f"{dates[i].date()} ({used[i]:g} > {total[i]:g})" for i in over[:5])
        more = f" and {len(over) - 5} more" if len(over) > 5 else ""
        raise DataValidationError(
            f"Earned channel {channel.name!r}{where}: {names} exceeds all mentions in "
            f"{channel.activity!r} on {len(over)} period(s): {shown}{more}. `activity` must count "
            "every mention, negative ones included; negative (+ positive) mentions are part of it."
        )
