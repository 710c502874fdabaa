"""MMMDataset: the validated, labelled data every later stage trusts.

An :class:`MMMDataset` wraps an :class:`xarray.Dataset` with

========== ================== ==========================================================
variable   dims               meaning
========== ================== ==========================================================
kpi        (date)             sales / revenue per period, in currency (or units)
spend      (date, channel)    what each channel cost, in currency (0 where it has no cost)
activity   (date, channel)    what drives the model: activity if mapped, else spend
controls   (date, control)    control regressors (price, promotions, …)
========== ================== ==========================================================

and channel coordinates ``media`` (paid | owned | earned), ``social``, ``platform`` and
``has_cost``. Validation runs once, at construction, in named steps; each failure raises
:class:`~mmm.exceptions.DataValidationError` naming the column, the dates and what is
allowed. Nothing is ever silently changed.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._checks import Check, Checks
from mmm._dims import CHANNEL, CONTROL, DATE, MIN_PERIODS, PERIODS_PER_YEAR
from mmm.data.config import ChannelMap
from mmm.exceptions import DataValidationError, list_dates, list_some

VARIABLES = ("kpi", "spend", "activity", "controls")


@dataclass(frozen=True, eq=False)
class MMMDataset:
    """Validated marketing data: KPI, spend and activity by channel, controls.

    Build one with :func:`mmm.data.load.from_dataframe` (or any other loader in :mod:`mmm.data.load`);
    the constructor only takes an already labelled :class:`xarray.Dataset`.

    Examples
    --------
    >>> from mmm.data.synthetic import generate
    >>> from mmm.data.load import from_dataframe
    >>> brand = generate(seed=0, weeks=104)
    >>> ds = from_dataframe(brand.data, brand.channel_map)
    >>> ds.n_periods
    104
    """

    data: xr.Dataset
    channel_map: ChannelMap

    def __post_init__(self) -> None:
        for step in (
            self._validate_structure,
            self._validate_calendar,
            self._validate_nas,
            self._validate_non_negative,
            self._validate_kpi,
            self._validate_channels,
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

    def _validate_calendar(self) -> None:
        dates = pd.DatetimeIndex(self.data[DATE].values)
        dupes = dates[dates.duplicated()].unique()
        if len(dupes):
            raise DataValidationError(
                f"Column {self.channel_map.date!r} has duplicate dates {list_dates(dupes)}; "
                "each period must appear once (aggregate or remove the repeated rows)."
            )
        if not dates.is_monotonic_increasing:
            raise DataValidationError(f"Column {self.channel_map.date!r} must be sorted ascending.")
        freq = self.frequency
        if len(dates) < 2:
            return
        if freq == "W":
            step = np.diff(dates.values).astype("timedelta64[D]").astype(int)
            bad = np.flatnonzero(step != 7)
            if len(bad):
                raise DataValidationError(
                    f"Column {self.channel_map.date!r}: weekly dates must be exactly 7 days apart; "
                    f"the calendar breaks after {list_dates(dates[bad])} "
                    f"(gaps of {list_some(sorted(set(step[bad].tolist())))} days). Fill missing weeks "
                    "with zeros where nothing was spent, or fix the dates."
                )
        elif freq == "M":
            periods = dates.to_period("M")
            step = np.diff(periods.asi8)
            bad = np.flatnonzero(step != 1)
            if len(bad):
                raise DataValidationError(
                    f"Column {self.channel_map.date!r}: monthly dates must be consecutive months; "
                    f"the calendar breaks after {list_dates(dates[bad])}."
                )

    def _validate_nas(self) -> None:
        dates = pd.DatetimeIndex(self.data[DATE].values)
        for var in VARIABLES:
            arr = self.data[var]
            if arr.size == 0:
                continue
            nan = np.isnan(arr.values)
            if not nan.any():
                continue
            if arr.ndim == 1:
                col, rows = self._column(var), np.flatnonzero(nan)
            else:
                j = int(np.flatnonzero(nan.any(axis=0))[0])
                other = arr.dims[1]
                label = str(arr[other].values[j])
                col = self._column(var, channel=label) if other == CHANNEL else label
                rows = np.flatnonzero(nan[:, j])
            raise DataValidationError(
                f"Column {col!r} has {len(rows)} missing (NaN/empty) value(s) on {list_dates(dates[rows])}. "
                "Missing values are not allowed: fill them with the true figure (0 if nothing was "
                "spent or done) before loading."
            )

    def _validate_non_negative(self) -> None:
        dates = pd.DatetimeIndex(self.data[DATE].values)
        for var in ("spend", "activity"):
            arr = self.data[var].values
            for j, ch in enumerate(self.channels):
                rows = np.flatnonzero(arr[:, j] < 0)
                if len(rows):
                    raise DataValidationError(
                        f"Column {self._column(var, channel=ch)!r} (channel {ch!r}) has negative values "
                        f"on {list_dates(dates[rows])}; {var} must be >= 0."
                    )

    def _validate_kpi(self) -> None:
        kpi = self.data["kpi"].values
        dates = pd.DatetimeIndex(self.data[DATE].values)
        col = self.channel_map.kpi
        neg = np.flatnonzero(kpi < 0)
        if len(neg):
            raise DataValidationError(
                f"KPI column {col!r} has negative values on {list_dates(dates[neg])}; sales must be >= 0."
            )
        if np.all(kpi == 0):
            raise DataValidationError(
                f"KPI column {col!r} is zero in every period; there is nothing to explain."
            )
        if np.nanstd(kpi) == 0:
            raise DataValidationError(
                f"KPI column {col!r} is constant ({kpi[0]:g}) in every period; the model needs a KPI that varies."
            )

    def _validate_channels(self) -> None:
        spend = self.data["spend"].values
        act = self.data["activity"].values
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
    def driven_by(self) -> dict[str, tuple[str, ...]]:
        """Earned channel → the channels that generate it."""
        return {c.name: c.driven_by for c in self.channel_map.channels if c.media == "earned"}

    # ------------------------------------------------------------------ scales
    @cached_property
    def kpi_scale(self) -> float:
        """Mean KPI per period: the model works in KPI / kpi_scale."""
        return float(self.data["kpi"].mean())

    @cached_property
    def input_scale(self) -> xr.DataArray:
        """Mean activity per period for each channel (dims: channel)."""
        return self.data["activity"].mean(DATE)

    @cached_property
    def control_scale(self) -> tuple[xr.DataArray, xr.DataArray]:
        """(mean, std) of each control (dims: control); std of a constant control is 1."""
        c = self.data["controls"]
        sd = c.std(DATE)
        return c.mean(DATE), xr.where(sd > 0, sd, 1.0)

    # ------------------------------------------------------------------ views
    def isel_dates(self, sl: slice) -> MMMDataset:
        """A new (re-validated) dataset restricted to a slice of periods."""
        return MMMDataset(self.data.isel({DATE: sl}), self.channel_map)

    def to_dataframe(self) -> pd.DataFrame:
        """Wide frame with the original column names; ``from_dataframe(df, channel_map)`` round-trips."""
        cmap = self.channel_map
        df = pd.DataFrame({cmap.date: self.dates, cmap.kpi: self.data["kpi"].values})
        for ch in cmap.channels:
            sel = self.data.sel(channel=ch.name)
            if ch.spend:
                df[ch.spend] = sel["spend"].values
            if ch.cost:
                df[ch.cost] = sel["spend"].values
            if ch.activity:
                df[ch.activity] = sel["activity"].values
        for ctl in self.controls:
            df[ctl] = self.data["controls"].sel(control=ctl).values
        return df

    # ------------------------------------------------------------------ summaries
    def summary(self) -> DatasetSummary:
        """Periods, date range, spend and share by channel and media type, KPI totals."""
        d = self.data
        spend = d["spend"].sum(DATE).values
        paid_total = float(spend.sum())
        rows = []
        for j, ch in enumerate(self.channels):
            act = d["activity"].values[:, j]
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
        return DatasetSummary(
            n_periods=self.n_periods,
            frequency=self.frequency,
            start=self.dates[0],
            end=self.dates[-1],
            kpi_name=self.channel_map.kpi,
            kpi_total=float(d["kpi"].sum()),
            kpi_mean=self.kpi_scale,
            currency=self.channel_map.currency,
            by_channel=by_channel,
            by_media=by_media,
            controls=self.controls,
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        return (
            f"MMMDataset({self.n_periods} {'weeks' if self.frequency == 'W' else 'months'} "
            f"{self.dates[0].date()}..{self.dates[-1].date()}, channels={list(self.channels)}, "
            f"controls={list(self.controls)})"
        )

    def eda(self) -> Checks:
        """Data checks before modelling: collinearity, VIF, variation, spend shares.

        Suspicious but legal data is a REVIEW, never an error.
        """
        return Checks(tuple(fn(self) for fn in _EDA_CHECKS), title="Data checks")


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

    def __str__(self) -> str:
        unit = "weeks" if self.frequency == "W" else "months"
        lines = [
            f"{self.n_periods} {unit}, {self.start.date()} to {self.end.date()}",
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
        head = (
            f"<p><strong>{self.n_periods} {unit}</strong>, {self.start.date()} – {self.end.date()}; "
            f"KPI <code>{html.escape(self.kpi_name)}</code> total "
            f"{html.escape(self.currency)}{self.kpi_total:,.0f}</p>"
        )
        table = self.by_channel.to_html(
            index=False,
            float_format=lambda x: f"{x:,.2f}",
            formatters={"spend_share": "{:.1%}".format, "active_periods": "{:.0%}".format},
        )
        return f"<div class='mmm-dataset'>{head}{table}</div>"


# ---------------------------------------------------------------------- EDA checks
def _eda_correlation(ds: MMMDataset) -> Check:
    x = ds.data["activity"].values
    chans = ds.channels
    if x.shape[1] < 2:
        return Check("correlation", "PASS", "Only one channel; nothing to compare.")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(x, rowvar=False)
    pairs = []
    for i in range(len(chans)):
        for j in range(i + 1, len(chans)):
            if np.isfinite(r[i, j]) and abs(r[i, j]) >= 0.9:
                pairs.append((chans[i], chans[j], float(r[i, j])))
    values = {"max_abs_r": float(np.nanmax(np.abs(r - np.eye(len(chans)))))}
    if pairs:
        txt = ", ".join(f"{a}–{b} (r={v:.2f})" for a, b, v in pairs[:5])
        return Check(
            "correlation",
            "REVIEW",
            f"Near-collinear channels: {txt}. The model cannot tell their effects apart from this data.",
            "Combine them into one channel, vary their budgets independently, or add a lift test for one of them.",
            values | {"pairs": [[a, b, v] for a, b, v in pairs]},
        )
    return Check(
        "correlation",
        "PASS",
        f"No pair of channels has |r| >= 0.9 (max {values['max_abs_r']:.2f}).",
        "",
        values,
    )


def _eda_vif(ds: MMMDataset) -> Check:
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    x = ds.data["activity"].values
    if x.shape[1] < 2:
        return Check("vif", "PASS", "Only one channel; VIF not defined.")
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    design = np.column_stack([np.ones(len(z)), z])
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singular designs give inf VIFs, reported below
        vifs = {
            ch: float(variance_inflation_factor(design, j + 1)) for j, ch in enumerate(ds.channels)
        }
    high = {k: v for k, v in vifs.items() if not np.isfinite(v) or v >= 10}
    if high:
        txt = ", ".join(f"{k} ({v:.1f})" for k, v in list(high.items())[:5])
        return Check(
            "vif",
            "REVIEW",
            f"High variance inflation (VIF >= 10): {txt}; these channels' ROI will be uncertain.",
            "Expect wide intervals for them; a lift test pins one down.",
            {"vif": vifs},
        )
    return Check(
        "vif", "PASS", f"All VIFs below 10 (max {max(vifs.values()):.1f}).", "", {"vif": vifs}
    )


def _eda_variation(ds: MMMDataset) -> Check:
    x = ds.data["activity"].values
    zero_share = (x == 0).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = x.std(axis=0) / x.mean(axis=0)
    flagged = []
    for j, ch in enumerate(ds.channels):
        if zero_share[j] >= 0.95:
            flagged.append(f"{ch} is zero in {zero_share[j]:.0%} of periods")
        elif cv[j] < 0.05:
            flagged.append(f"{ch} barely varies (coefficient of variation {cv[j]:.3f})")
    values = {
        "zero_share": dict(zip(ds.channels, map(float, zero_share), strict=True)),
        "cv": dict(zip(ds.channels, map(float, cv), strict=True)),
    }
    if flagged:
        return Check(
            "variation",
            "REVIEW",
            "; ".join(flagged[:5]) + ". Little variation leaves the effect to the prior.",
            "Treat these channels' ROI as prior-driven unless a lift test confirms it.",
            values,
        )
    return Check("variation", "PASS", "Every channel varies enough over time.", "", values)


def _eda_spend_share(ds: MMMDataset) -> Check:
    spend = ds.data["spend"].sum(DATE).values
    total = spend.sum()
    if total <= 0:
        return Check("spend_share", "PASS", "No channel has spend.")
    share = spend / total
    small = [
        (ch, float(share[j]))
        for j, ch in enumerate(ds.channels)
        if ds.data["has_cost"].values[j] and share[j] < 0.01
    ]
    values = {"share": dict(zip(ds.channels, map(float, share), strict=True))}
    if small:
        txt = ", ".join(f"{c} ({s:.1%})" for c, s in small[:5])
        return Check(
            "spend_share",
            "REVIEW",
            f"Channels with under 1% of spend: {txt}; their effect may sit below the noise.",
            "Read their ROI intervals, not their means.",
            values,
        )
    return Check(
        "spend_share", "PASS", "Every costed channel has at least 1% of spend.", "", values
    )


_EDA_CHECKS: tuple[Callable[[MMMDataset], Check], ...] = (
    _eda_correlation,
    _eda_vif,
    _eda_variation,
    _eda_spend_share,
)


def build_xarray(
    dates: pd.DatetimeIndex,
    kpi: np.ndarray,
    spend: np.ndarray,
    activity: np.ndarray,
    controls: np.ndarray,
    channel_map: ChannelMap,
    frequency: str,
    freq_alias: str,
) -> xr.Dataset:
    """Assemble the labelled dataset from arrays in channel-map order (used by :mod:`mmm.data.load`)."""
    chans = channel_map.channels
    coords: dict[str, Any] = {
        DATE: pd.DatetimeIndex(dates, name=DATE),
        CHANNEL: [c.name for c in chans],
        "media": (CHANNEL, [c.media for c in chans]),
        "social": (CHANNEL, [c.social for c in chans]),
        "platform": (CHANNEL, [c.platform or c.name for c in chans]),
        "has_cost": (CHANNEL, [c.cost_column is not None for c in chans]),
        CONTROL: list(channel_map.controls),
    }
    return xr.Dataset(
        {
            "kpi": (DATE, np.asarray(kpi, dtype=float)),
            "spend": (
                (DATE, CHANNEL),
                np.asarray(spend, dtype=float).reshape(len(dates), len(chans)),
            ),
            "activity": (
                (DATE, CHANNEL),
                np.asarray(activity, dtype=float).reshape(len(dates), len(chans)),
            ),
            "controls": (
                (DATE, CONTROL),
                np.asarray(controls, dtype=float).reshape(len(dates), len(channel_map.controls)),
            ),
        },
        coords=coords,
        attrs={
            "frequency": frequency,
            "freq_alias": freq_alias,
            "kpi_name": channel_map.kpi,
            "kpi_type": channel_map.kpi_type,
            "currency": channel_map.currency,
        },
    )
