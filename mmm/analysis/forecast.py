"""Predict the KPI for future periods from planned inputs, carrying over the observed past."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._dims import DATE, GEO, SAMPLE
from mmm.analysis.attribution import PROB, iter_params, simulate_window, summarise
from mmm.exceptions import DataValidationError, list_some
from mmm.model.design import fourier_features, holiday_features
from mmm.model.forward import baseline
from mmm.model.graph import SOFT_FLOOR

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult


def future_dates(result: FitResult, periods: int) -> pd.DatetimeIndex:
    """The ``periods`` dates that follow the data, at its frequency."""
    ds = result.dataset
    alias = ds.data.attrs.get("freq_alias") or ("W-MON" if ds.frequency == "W" else "MS")
    return pd.date_range(ds.dates[-1], periods=periods + 1, freq=alias)[1:]


def future_activity(
    result: FitResult, future: pd.DataFrame
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Dates, activity (W, G, C) and controls (W, G, K) from a future frame in the channel map's columns.

    A national fit takes one row per future period; a regional fit one row per period and
    region (the region column of the channel map), national channels repeating the national
    figure on every row as in the data.
    """
    ds = result.dataset
    cmap = ds.channel_map
    if cmap.date not in future.columns:
        raise DataValidationError(f"The future frame needs the date column {cmap.date!r}.")
    if ds.is_panel and cmap.geo not in future.columns:
        raise DataValidationError(f"The future frame needs the region column {cmap.geo!r}.")
    days = pd.DatetimeIndex(pd.to_datetime(future[cmap.date]).to_numpy())
    dates = pd.DatetimeIndex(days.unique(), name=DATE)
    if len(dates) and dates[0] <= ds.dates[-1]:
        raise DataValidationError(
            f"Future dates must start after the data ends ({ds.dates[-1].date()}); the first is {dates[0].date()}."
        )
    expected = future_dates(result, len(dates))
    if not dates.equals(expected):
        raise DataValidationError(
            f"Future dates must continue the data's calendar without gaps: expected {list_some([d.date().isoformat() for d in expected])}."
        )
    geos = list(ds.geos)
    regions = future[cmap.geo].astype(str).to_numpy() if ds.is_panel else np.full(len(future), geos[0])
    unknown = sorted(set(regions) - set(geos))
    if unknown:
        raise DataValidationError(
            f"Future frame has region(s) {list_some(unknown)} that are not in the data ({list_some(geos, 50)})."
        )
    index = pd.MultiIndex.from_arrays([days, regions])
    if index.duplicated().any():
        raise DataValidationError("The future frame has more than one row for a period (and region).")
    full = pd.MultiIndex.from_product([dates, geos])
    if len(full.difference(index)):
        raise DataValidationError("The future frame needs one row for every future period (and every region).")
    order = index.get_indexer(full)

    def grid(col: str) -> np.ndarray:
        return future[col].to_numpy(dtype=float)[order].reshape(len(dates), len(geos))

    act = np.zeros((len(dates), len(geos), ds.n_channels))
    missing = []
    for j, ch in enumerate(ds.channels):
        cfg = cmap.channel(ch)
        if cfg.media == "earned":
            continue  # predicted from its sources
        col = cfg.input_column
        if col not in future.columns:
            missing.append(col)
            continue
        values = grid(col)
        act[:, :, j] = values[:, :1] * ds.geo_weight[None, :] if cfg.level == "national" else values
    missing += [c for c in cmap.controls if c not in future.columns]
    if missing:
        raise DataValidationError(
            f"The future frame lacks column(s) {list_some(missing)} named in the channel map."
        )
    if (act < 0).any():
        raise DataValidationError("Planned spend / activity must be >= 0.")
    ctrl = np.stack([grid(c) for c in cmap.controls], axis=-1) if cmap.controls else np.zeros((len(dates), len(geos), 0))
    return dates, act, ctrl


def baseline_rows(
    result: FitResult, dates: pd.DatetimeIndex, controls: np.ndarray
) -> dict[str, np.ndarray]:
    """Baseline features for future dates: trend extrapolated, season and holidays from the calendar.

    ``controls`` is (W, G, K) in the data's units.
    """
    design = result.design
    ds = result.dataset
    mean, sd = ds.control_scale
    ctrl = (controls - mean.values) / sd.values if controls.shape[-1] else np.zeros((len(dates), ds.n_geos, 0))
    country = result.spec.holidays or ds.channel_map.holidays
    if design.holidays.shape[1] and country:
        # over the data and the future together: a holiday counts when it recurs in the whole
        # span (a 13-week window alone holds most holidays once, and would drop them)
        span, names = holiday_features(ds.dates.append(dates), country, ds.frequency)
        hol_all = span[-len(dates) :]
        unknown = [h for h in design.holiday_names if h not in names]
        if unknown:
            warnings.warn(
                f"The installed `holidays` package does not list {list_some(unknown)} (the fit "
                f"had them); they count as absent in the forecast from {dates[0].date()}.",
                UserWarning,
                stacklevel=3,
            )
        hol = np.column_stack(
            [
                hol_all[:, names.index(h)] if h in names else np.zeros(len(dates))
                for h in design.holiday_names
            ]
        )
    else:
        hol = np.zeros((len(dates), design.holidays.shape[1]))
    return {
        "t": design.future_t(len(dates)),
        "fourier": fourier_features(dates, ds.periods_per_year, result.spec.fourier_modes),
        "controls": ctrl,
        "holidays": hol,
    }


def predict_draws(
    result: FitResult, future: pd.DataFrame
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Posterior draws of the expected KPI (currency) for future periods: (dates, mu, media),
    each (S, W, G).

    ``media`` is the expected media contribution per period and region, earned media included
    (predicted from its sources: a future frame's earned columns are ignored).
    """
    dates, act, ctrl = future_activity(result, future)
    rows = baseline_rows(result, dates, ctrl)
    design = result.design
    hist = result.dataset.data["activity"].values
    scale = design.kpi_scale[None, None, :]
    mus, media = [], []
    for p in iter_params(result):
        base = baseline(np, design, p, rows=rows)
        b = sum(np.broadcast_to(v, (p["beta"].shape[0], len(dates), design.n_geos)) for v in base.values()) * scale
        direct, _ = simulate_window(result, act, p, history=hist, attribute=False)
        m = direct.sum(axis=-1)
        mus.append(b + m)
        media.append(m)
    return dates, np.concatenate(mus), np.concatenate(media)


def predictive_draws(
    result: FitResult, mu: np.ndarray, sigma: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """KPI draws (currency, (S, W, G)) around expected KPI draws ``mu`` (S, W, G) with each
    draw's noise ``sigma`` (S, G).

    The likelihood of the fit: log-normal around the smoothly floored mean, or normal with sd
    ``sigma`` × the region's KPI scale.
    """
    scale = result.design.kpi_scale
    z = rng.normal(size=mu.shape)
    if result.spec.likelihood == "lognormal":
        mu_pos = np.logaddexp(0, SOFT_FLOOR * mu / scale) / SOFT_FLOOR * scale
        return mu_pos * np.exp(z * sigma[:, None, :])
    return mu + z * sigma[:, None, :] * scale


def predict(result: FitResult, future: pd.DataFrame, prob: float = PROB, geo: bool = False) -> xr.Dataset:
    """Expected KPI (currency) for each future period, mean and ``prob`` interval (dims: date).

    Also returns ``media_mean`` (expected media contribution, incl. earned) per period.
    National totals; ``geo=True`` per region (dims: date, geo).
    """
    dates, mu, media = predict_draws(result, future)
    if not geo:
        mu, media = mu.sum(axis=2), media.sum(axis=2)
    dims = (SAMPLE, DATE, GEO) if geo else (SAMPLE, DATE)
    coords: dict[str, Any] = {DATE: dates}
    if geo:
        coords[GEO] = list(result.design.geos)
    out = summarise(xr.DataArray(mu, dims=dims, coords=coords), prob)
    out["media_mean"] = (dims[1:], media.mean(axis=0))
    return out
