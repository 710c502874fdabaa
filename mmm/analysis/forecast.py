"""Predict the KPI for future periods from planned inputs, carrying over the observed past."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from mmm._dims import DATE, SAMPLE
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
    """Dates, activity (W, C) and controls (W, K) from a future frame in the channel map's columns."""
    ds = result.dataset
    cmap = ds.channel_map
    if cmap.date not in future.columns:
        raise DataValidationError(f"The future frame needs the date column {cmap.date!r}.")
    dates = pd.DatetimeIndex(pd.to_datetime(future[cmap.date]).to_numpy(), name=DATE)
    if len(dates) and dates[0] <= ds.dates[-1]:
        raise DataValidationError(
            f"Future dates must start after the data ends ({ds.dates[-1].date()}); the first is {dates[0].date()}."
        )
    expected = future_dates(result, len(dates))
    if not dates.equals(expected):
        raise DataValidationError(
            f"Future dates must continue the data's calendar without gaps: expected {list_some([d.date().isoformat() for d in expected])}."
        )
    act = np.zeros((len(dates), ds.n_channels))
    missing = []
    for j, ch in enumerate(ds.channels):
        cfg = cmap.channel(ch)
        if cfg.media == "earned":
            continue  # predicted from its sources
        col = cfg.input_column
        if col not in future.columns:
            missing.append(col)
            continue
        act[:, j] = future[col].to_numpy(dtype=float)
    missing += [c for c in cmap.controls if c not in future.columns]
    if missing:
        raise DataValidationError(
            f"The future frame lacks column(s) {list_some(missing)} named in the channel map."
        )
    if (act < 0).any():
        raise DataValidationError("Planned spend / activity must be >= 0.")
    ctrl = (
        future[list(cmap.controls)].to_numpy(dtype=float)
        if cmap.controls
        else np.zeros((len(dates), 0))
    )
    return dates, act, ctrl


def baseline_rows(
    result: FitResult, dates: pd.DatetimeIndex, controls: np.ndarray
) -> dict[str, np.ndarray]:
    """Baseline features for future dates: trend extrapolated, season and holidays from the calendar."""
    design = result.design
    ds = result.dataset
    mean, sd = ds.control_scale
    ctrl = (controls - mean.values) / sd.values if controls.shape[1] else np.zeros((len(dates), 0))
    country = result.spec.holidays or ds.channel_map.holidays
    if design.holidays.shape[1] and country:
        hol_all, names = holiday_features(dates, country, ds.frequency)
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
    """Posterior draws of the expected KPI (currency) for future periods: (dates, mu (S, W), media (S, W)).

    ``media`` is the expected media contribution per period, earned media included (predicted
    from its sources: a future frame's earned columns are ignored).
    """
    dates, act, ctrl = future_activity(result, future)
    rows = baseline_rows(result, dates, ctrl)
    design = result.design
    hist = result.dataset.data["activity"].values
    mus, media = [], []
    for p in iter_params(result):
        base = baseline(np, design, p, rows=rows)
        b = (
            sum(np.broadcast_to(v, (p["beta"].shape[0], len(dates))) for v in base.values())
            * design.kpi_scale
        )
        direct, _ = simulate_window(result, act, p, history=hist)
        m = direct.sum(axis=-1)
        mus.append(b + m)
        media.append(m)
    return dates, np.concatenate(mus), np.concatenate(media)


def predictive_draws(
    result: FitResult, mu: np.ndarray, sigma: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """KPI draws (currency) around expected KPI draws ``mu`` (S, W) with each draw's noise ``sigma`` (S,).

    The likelihood of the fit: log-normal around the smoothly floored mean, or normal with sd
    ``sigma`` × the KPI scale.
    """
    design = result.design
    z = rng.normal(size=mu.shape)
    if result.spec.likelihood == "lognormal":
        mu_pos = np.logaddexp(0, SOFT_FLOOR * mu / design.kpi_scale) / SOFT_FLOOR * design.kpi_scale
        return mu_pos * np.exp(z * sigma[:, None])
    return mu + z * sigma[:, None] * design.kpi_scale


def predict(result: FitResult, future: pd.DataFrame, prob: float = PROB) -> xr.Dataset:
    """Expected KPI (currency) for each future period, mean and ``prob`` interval (dims: date).

    Also returns ``media_mean`` (expected media contribution, incl. earned) per period.
    """
    dates, mu, media = predict_draws(result, future)
    da = xr.DataArray(mu, dims=(SAMPLE, DATE), coords={DATE: dates})
    out = summarise(da, prob)
    out["media_mean"] = (DATE, media.mean(axis=0))
    return out
