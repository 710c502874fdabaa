"""Attribution: contributions, ROI, marginal ROI and response curves from a FitResult.

All functions take a :class:`~mmm.analysis.results.FitResult`, work through posterior samples in
chunks (so memory stays bounded), and return labelled xarray objects in currency units:
dims ``sample`` (chain × draw, flattened), ``date`` and ``channel``. Summaries carry
``mean``, ``lower`` and ``upper`` (equal-tailed 90% interval by default).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._dims import CHANNEL, DATE, GEO, SAMPLE
from mmm.exceptions import DataValidationError
from mmm.model.forward import (
    Effects,
    in_sample_effects,
    mentions_generated,
    saturated_media,
    simulate,
)

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

CHUNK = 500
PROB = 0.9
#: most bytes of per-sample, per-period effects a result keeps (:func:`iter_effects`): the
#: demo's 4 × 1000 draws of 156 weeks and 11 channels take about 150 MB, the report's 1000
#: draws of the 20-region demo ~780 MB (kept: its report took 14 s instead of 31 s, peak
#: memory 1.6 GB instead of 1.3 GB); a fit's 4000 draws of that panel (~3.1 GB) do not fit
#: and recompute their effects for each summary instead
EFFECTS_MEMORY = 2**30


# ---------------------------------------------------------------------- samples
def iter_params(result: FitResult, chunk: int = CHUNK) -> Iterator[dict[str, np.ndarray]]:
    """Posterior parameters as NumPy arrays with a leading sample axis, ``chunk`` samples at a time."""
    post = result.posterior.stack({SAMPLE: ("chain", "draw")}).transpose(SAMPLE, ...)
    n = post.sizes[SAMPLE]
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        yield {str(name): np.asarray(post[name].values[sl], dtype=float) for name in post.data_vars}


def effects_bytes(result: FitResult) -> int:
    """Upper bound of the bytes :func:`in_sample_effects` takes over all of ``result``'s samples.

    Direct and via-earned effects (sample, period, geo, channel), and per (sample, period,
    geo): the expected KPI, up to seven baseline parts and the negative mentions' effects.
    """
    d = result.design
    per_cell = 2 * len(d.channels) + 7 + 1 + len(d.negative_channels)
    return 8 * result.n_samples * d.n_periods * len(d.geos) * per_cell


def iter_effects(result: FitResult) -> Iterator[tuple[dict[str, np.ndarray], Effects]]:
    """Posterior parameters and their in-sample effects (:func:`in_sample_effects`), chunk by chunk.

    The effects of every chunk are computed once per result and kept (read-only) when they fit
    in :data:`EFFECTS_MEMORY` bytes (:func:`effects_bytes`), so every summary (each window's
    totals, contributions, fitted values, identifiability, experiments) reads the same arrays
    instead of recomputing carry-over and saturation; the chunks are those of
    :func:`iter_params`, so every number is the one a fresh computation gives. Larger results
    recompute them on each call, one chunk at a time, so memory stays bounded.
    """
    if effects_bytes(result) > EFFECTS_MEMORY:
        yield from _effects(result)
        return
    yield from result.once(("in_sample_effects",), lambda: list(_effects(result, freeze=True)))


def _effects(
    result: FitResult, freeze: bool = False
) -> Iterator[tuple[dict[str, np.ndarray], Effects]]:
    """Each chunk's parameters and effects; ``freeze``: read-only, for sharing between summaries."""
    for p in iter_params(result):
        eff = in_sample_effects(result.design, p)
        if freeze:
            for arr in (*p.values(), eff.direct, eff.via_earned, eff.mu, *eff.baseline.values(),
                        *eff.negative.values()):  # fmt: skip
                arr.flags.writeable = False  # shared by every summary: nobody may change it
        yield p, eff


# ---------------------------------------------------------------------- window helpers
def window_mask(dates: pd.DatetimeIndex, window: Any) -> np.ndarray:
    """Boolean mask of periods in ``window``: None (all), (start, end), a slice, or "last:N"."""
    if window is None:
        return np.ones(len(dates), dtype=bool)
    if isinstance(window, str) and window.startswith("last:"):
        n = int(window.split(":", 1)[1])
        mask = np.zeros(len(dates), dtype=bool)
        mask[-n:] = True
        return mask
    if isinstance(window, str):
        period = pd.Period(window)  # e.g. "2024Q3" or "2024-05"
        start, end = period.start_time, period.end_time
    elif isinstance(window, slice):
        start, end = window.start, window.stop
    else:
        start, end = window
    start = pd.Timestamp(start) if start is not None else dates[0]
    end = pd.Timestamp(end) if end is not None else dates[-1]
    mask = np.asarray((dates >= start) & (dates <= end))
    if not mask.any():
        raise DataValidationError(
            f"Window {start.date()}..{end.date()} contains no period of the data ({dates[0].date()}..{dates[-1].date()})."
        )
    return mask


def summarise(draws: xr.DataArray, prob: float = PROB, prefix: str = "") -> xr.Dataset:
    """Mean and equal-tailed ``prob`` interval over samples, NaN draws skipped."""
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    # Without NaN, NumPy's own mean and quantile (the NaN-skipping quantile runs once per
    # series). The quantile works on one copy with the samples contiguous: the same numbers as
    # ``DataArray.quantile``, in a fifth of the time on the demo's contributions (2,652 series).
    skipna = bool(np.isnan(draws.values).any())
    rest = [d for d in draws.dims if d != SAMPLE]
    values = np.array(draws.transpose(*rest, SAMPLE).values, order="C")  # a copy: sorted in place
    quantile = np.nanquantile if skipna else np.quantile
    q = quantile(values, [lo, hi], axis=-1, overwrite_input=True)
    coords = {k: v for k, v in draws.coords.items() if SAMPLE not in v.dims}
    return xr.Dataset(
        {
            f"{prefix}mean": draws.mean(SAMPLE, skipna=skipna),
            f"{prefix}lower": xr.DataArray(q[0], dims=rest, coords=coords),
            f"{prefix}upper": xr.DataArray(q[1], dims=rest, coords=coords),
        }
    )


# ---------------------------------------------------------------------- public computations
def effect_totals(result: FitResult, window: Any = None, by_geo: bool = False) -> xr.Dataset:
    """Per-sample totals over ``window``: direct, via_earned, total contributions and spend.

    Dims (sample, channel), summed over regions; with ``by_geo`` (sample, geo, channel).
    Computed once per result and window, national and regional totals from the same pass over
    the draws (the tables, identifiability and the report share them).
    """
    return result.once(
        ("effect_totals", repr(window), by_geo), lambda: _effect_totals(result, window, by_geo)
    ).copy(deep=True)


def _effect_totals(result: FitResult, window: Any, by_geo: bool) -> xr.Dataset:
    design = result.design
    d, v = result.once(("effect_sums", repr(window)), lambda: _effect_sums(result, window))
    spend = result.dataset.data["spend"].values[window_mask(design.dates, window)].sum(axis=0)
    coords: dict[str, Any] = {CHANNEL: list(design.channels)}
    if by_geo:
        coords[GEO] = list(design.geos)
        dims: tuple[str, ...] = (SAMPLE, GEO, CHANNEL)
        spend_var: Any = ((GEO, CHANNEL), spend)
    else:  # a panel's regions summed here, not in another pass over the draws
        d, v = d.sum(axis=1), v.sum(axis=1)
        dims = (SAMPLE, CHANNEL)
        spend_var = (CHANNEL, spend.sum(axis=0))
    return xr.Dataset(
        {"direct": (dims, d), "via_earned": (dims, v), "total": (dims, d + v), "spend": spend_var},
        coords=coords,
    )


def _effect_sums(result: FitResult, window: Any) -> tuple[np.ndarray, np.ndarray]:
    """Direct and via-earned contributions summed over ``window``, (sample, geo, channel) each."""
    mask = window_mask(result.design.dates, window)
    direct, via = [], []
    for _, eff in iter_effects(result):
        direct.append(eff.direct[:, mask].sum(axis=1))
        via.append(eff.via_earned[:, mask].sum(axis=1))
    d, v = np.concatenate(direct), np.concatenate(via)
    d.flags.writeable = False  # shared by the national and regional totals
    v.flags.writeable = False
    return d, v


def roi(result: FitResult, window: Any = None, prob: float = PROB, by: str | None = None) -> xr.Dataset:
    """ROI per channel with a cost, over ``window``: total (incl. via earned) and direct.

    Returns an :class:`xarray.Dataset` over ``channel`` with ``spend``, ``contribution_mean``,
    ``roi_mean``/``roi_lower``/``roi_upper``, ``roi_direct_*`` and ``roi_via_earned_*``;
    ``.to_dataframe()`` gives the ``roi.csv`` table. National ROI = total contribution over all
    regions ÷ total spend. ``by="geo"``: the same per region, dims (geo, channel) — a region
    where a channel had no spend has NaN ROI.
    """
    if by not in (None, "geo"):
        raise ValueError(f"by == {by!r}; allowed: None (national), 'geo'.")
    tot = effect_totals(result, window, by_geo=by == "geo")
    cost = [c for c, h in zip(result.design.channels, result.design.has_cost, strict=True) if h]
    tot = tot.sel({CHANNEL: cost})
    spend = tot["spend"]
    safe = xr.where(spend > 0, spend, np.nan)
    sel = result.dataset.data.sel({CHANNEL: cost})
    out = xr.Dataset(
        {
            "media": (CHANNEL, sel["media"].values.astype(str)),
            "social": (CHANNEL, sel["social"].values.astype(bool)),
            "spend": spend,
            "contribution_mean": tot["total"].mean(SAMPLE),
        },
        coords={CHANNEL: cost},
    )
    out = out.merge(summarise(tot["total"] / safe, prob, "roi_"))
    out = out.merge(summarise(tot["direct"] / safe, prob, "roi_direct_"))
    out = out.merge(summarise(tot["via_earned"] / safe, prob, "roi_via_earned_"))
    out.attrs.update(prob=prob, currency=result.dataset.channel_map.currency)
    return out


def contributions(
    result: FitResult, window: Any = None, by: str = "channel", prob: float = PROB, geo: bool = False
) -> xr.Dataset:
    """Weekly contributions in currency with intervals.

    ``by="channel"``: dims (date, component) where components are every channel (its direct
    effect) plus baseline parts (intercept, trend, seasonality, controls, holidays, and for a
    panel the national weekly effect). ``by="media"``: channels summed by media type (paid /
    owned / earned) plus ``baseline``. National totals (summed over regions); with ``geo``
    the dims are (date, geo, component).
    """
    if by not in ("channel", "media"):
        raise ValueError(f"by == {by!r}; allowed: 'channel', 'media'.")
    return result.once(
        ("contributions", repr(window), by, prob, geo),
        lambda: _contributions(result, window, by, prob, geo),
    ).copy(deep=True)


def _contributions(result: FitResult, window: Any, by: str, prob: float, geo: bool) -> xr.Dataset:
    design = result.design
    mask = window_mask(design.dates, window)
    chunks = []
    names: list[str] = []
    for _, eff in iter_effects(result):
        parts = {ch: eff.direct[..., i][:, mask] for i, ch in enumerate(design.channels)}
        base = {k: v[:, mask] for k, v in eff.baseline.items()}
        if by == "media":
            grouped: dict[str, np.ndarray] = {}
            for i, ch in enumerate(design.channels):
                m = design.media[i]
                grouped[m] = grouped[m] + parts[ch] if m in grouped else parts[ch]
            parts = grouped
            base = {"baseline": np.sum(list(base.values()), axis=0)}
        allp = {**base, **parts}
        names = list(allp)
        stacked = np.stack([allp[n] for n in names], axis=-1)  # (S, T, G, K)
        chunks.append(stacked if geo else stacked.sum(axis=2))
    coords: dict[str, Any] = {DATE: design.dates[mask], "component": names}
    if geo:  # one region at a time: the panel's draws are never copied whole (20 regions: 5.9 GB)
        per_geo = [
            summarise(
                xr.DataArray(
                    np.concatenate([c[:, :, g] for c in chunks]),
                    dims=(SAMPLE, DATE, "component"),
                    coords=coords,
                ),
                prob,
            )
            for g in range(len(design.geos))
        ]
        out = xr.concat(per_geo, dim=pd.Index(list(design.geos), name=GEO)).transpose(
            DATE, GEO, "component"
        )
    else:
        out = summarise(
            xr.DataArray(np.concatenate(chunks), dims=(SAMPLE, DATE, "component"), coords=coords),
            prob,
        )
    out.attrs.update(prob=prob, currency=result.dataset.channel_map.currency)
    return out


def fitted(result: FitResult, prob: float = PROB, predictive: bool = True, geo: bool = False) -> xr.Dataset:
    """Expected KPI per period (mean and interval) and, with ``predictive``, the posterior predictive interval.

    National totals (summed over regions); with ``geo`` per region, dims (date, geo).
    """
    return result.once(
        ("fitted", prob, predictive, geo), lambda: _fitted(result, prob, predictive, geo)
    ).copy(deep=True)


def _fitted(result: FitResult, prob: float, predictive: bool, geo: bool) -> xr.Dataset:
    design = result.design
    rng = np.random.default_rng(result.spec.seed)
    scale = design.kpi_scale[None, None, :]
    mus, ys = [], []
    for p, eff in iter_effects(result):
        mu = eff.mu  # (S, T, G)
        if predictive:
            sig = p["sigma"][:, None, :]
            if result.spec.likelihood == "lognormal":
                mu_pos = np.logaddexp(0, 50 * mu / scale) / 50 * scale
                y = mu_pos * np.exp(rng.normal(size=mu.shape) * sig)
            else:
                y = mu + rng.normal(size=mu.shape) * sig * scale
            ys.append(y if geo else y.sum(axis=2))
        mus.append(mu if geo else mu.sum(axis=2))
    dims = (SAMPLE, DATE, GEO) if geo else (SAMPLE, DATE)
    coords: dict[str, Any] = {DATE: design.dates}
    if geo:
        coords[GEO] = list(design.geos)
    out = summarise(xr.DataArray(np.concatenate(mus), dims=dims, coords=coords), prob)
    if predictive:
        y_da = xr.DataArray(np.concatenate(ys), dims=dims, coords=coords)
        out = out.merge(summarise(y_da, prob, "pred_"))
    kpi = result.dataset.data["kpi"].values
    out["actual"] = ((DATE, GEO), kpi) if geo else (DATE, kpi.sum(axis=1))
    out["train"] = (DATE, design.train)
    return out


def earned_summary(result: FitResult, window: Any = None, prob: float = PROB) -> xr.Dataset:
    """Earned media each source generated over ``window`` and the KPI it was worth (dims: source)."""
    design = result.design
    mask = window_mask(design.dates, window)
    rows_gen: list[np.ndarray] = []
    rows_val: list[np.ndarray] = []
    names: list[str] = []
    for p, eff in iter_effects(result):
        sat = saturated_media(np, design, p)
        gen = mentions_generated(design, p, sat)
        g_cols: list[np.ndarray] = []
        v_cols: list[np.ndarray] = []
        names = []
        for e, sources in design.earned.items():
            if e not in gen:
                continue
            for k, s in enumerate(sources):
                g_cols.append(gen[e][..., k][:, mask].sum(axis=(1, 2)))
                v_cols.append(eff.via_earned[..., design.index(s)][:, mask].sum(axis=(1, 2)))
                names.append(f"{s}→{e}")
        if names:
            rows_gen.append(np.stack(g_cols, axis=-1))
            rows_val.append(np.stack(v_cols, axis=-1))
    if not names:
        return xr.Dataset(coords={"source": []})
    coords = {"source": names}
    gen_da = xr.DataArray(np.concatenate(rows_gen), dims=(SAMPLE, "source"), coords=coords)
    val_da = xr.DataArray(np.concatenate(rows_val), dims=(SAMPLE, "source"), coords=coords)
    out = summarise(gen_da, prob, "generated_").merge(summarise(val_da, prob, "value_"))
    out.coords["channel"] = ("source", [n.split("→")[0] for n in names])
    out.coords["earned"] = ("source", [n.split("→")[1] for n in names])
    return out


# ---------------------------------------------------------------------- forward simulation
def simulate_window(
    result: FitResult,
    activity: np.ndarray,
    p: Mapping[str, np.ndarray],
    history: np.ndarray | None = None,
    history_mentions: Mapping[str, np.ndarray] | None = None,
    attribute: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Media effect (currency) of an activity plan, per sample: (direct, via_earned), each (S, W, G, C).

    :func:`mmm.model.forward.simulate` on the fit's design: ``activity`` is (W, G, C) — or
    (W, C) for a national fit — in original units (earned columns are predicted from their
    sources); ``history`` supplies carry-over, by default the last ``max_lag - 1`` observed
    periods; ``attribute=False``: direct effects only (``via_earned`` zeros), cheaper.
    """
    act = np.asarray(activity, dtype=float)
    if act.ndim == 2:
        act = act[:, None, :]
    hist = None if history is None else np.asarray(history, dtype=float)
    if hist is not None and hist.ndim == 2:
        hist = hist[:, None, :]
    return simulate(result.design, p, act, hist, history_mentions, attribute=attribute)


def response_curves(
    result: FitResult,
    channels: Any = None,
    n_points: int = 25,
    max_multiple: float = 2.0,
    window: Any = "last:13",
    prob: float = PROB,
) -> xr.Dataset:
    """Incremental KPI of each channel vs its spend over ``window`` scaled 0..max_multiple× (dims: channel, multiple).

    Each point scales the channel's observed activity in the window by ``multiple`` (other
    channels unchanged; in every region) and measures the change in KPI against zero activity
    in the window: every channel's direct effect, the earned channels' included (they hold the
    mentions the channel generates, so its via-earned part is not added again), carry-over
    inside the window, summed over regions.
    """
    design, ds = result.design, result.dataset
    idx, hist, base_act = _window_inputs(result, window)
    chans = (
        list(channels)
        if channels is not None
        else [c for c, m in zip(design.channels, design.media, strict=True) if m != "earned"]
    )
    mult = np.linspace(0, max_multiple, n_points)
    draws: list[np.ndarray] = []
    for p in iter_params(result):
        chunk = np.zeros((p["beta"].shape[0], len(chans), n_points))
        for ci, ch in enumerate(chans):
            j = design.index(ch)
            zero = base_act.copy()
            zero[..., j] = 0
            d0, _ = simulate_window(result, zero, p, history=hist, attribute=False)
            base_total = d0.sum(axis=(1, 2, 3))  # earned channels' direct holds what sources made
            for k, mlt in enumerate(mult):
                act = base_act.copy()
                act[..., j] = base_act[..., j] * mlt
                d, _ = simulate_window(result, act, p, history=hist, attribute=False)
                chunk[:, ci, k] = d.sum(axis=(1, 2, 3)) - base_total
        draws.append(chunk)
    arr = xr.DataArray(
        np.concatenate(draws),
        dims=(SAMPLE, CHANNEL, "multiple"),
        coords={CHANNEL: chans, "multiple": mult},
    )
    out = summarise(arr, prob)
    spend = ds.data["spend"].values[idx].sum(axis=(0, 1))
    out["spend"] = ((CHANNEL, "multiple"), np.outer([spend[design.index(c)] for c in chans], mult))
    out["activity"] = (
        (CHANNEL, "multiple"),
        np.outer([base_act[..., design.index(c)].sum() for c in chans], mult),
    )
    return out


def _window_inputs(
    result: FitResult, window: Any
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Period positions of ``window``, the observed activity before it (None at the start), and in it.

    Activity arrays are (periods, geo, channel).
    """
    activity = result.dataset.data["activity"].values
    idx = np.flatnonzero(window_mask(result.design.dates, window))
    return idx, (activity[: idx[0]] if idx[0] > 0 else None), activity[idx]


def mroi(
    result: FitResult, window: Any = "last:13", step: float = 0.01, prob: float = PROB
) -> xr.Dataset:
    """Marginal ROI: extra KPI per extra unit of spend when a channel's spend in ``window`` rises by ``step`` (dims: channel)."""
    design, ds = result.design, result.dataset
    idx, hist, act = _window_inputs(result, window)
    spend = ds.data["spend"].values[idx].sum(axis=(0, 1))
    chans = [c for c, h in zip(design.channels, design.has_cost, strict=True) if h]
    draws = []
    for p in iter_params(result):
        d0, _ = simulate_window(result, act, p, history=hist, attribute=False)
        base = d0.sum(axis=(1, 2, 3))  # earned channels' direct holds what sources made
        cols = []
        for ch in chans:
            j = design.index(ch)
            a = act.copy()
            a[..., j] *= 1 + step
            d, _ = simulate_window(result, a, p, history=hist, attribute=False)
            extra_spend = spend[j] * step
            cols.append(
                (d.sum(axis=(1, 2, 3)) - base) / extra_spend
                if extra_spend > 0
                else np.full(len(base), np.nan)
            )
        draws.append(np.stack(cols, axis=-1))
    arr = xr.DataArray(np.concatenate(draws), dims=(SAMPLE, CHANNEL), coords={CHANNEL: chans})
    out = summarise(arr, prob, "mroi_")
    out["spend"] = (CHANNEL, [spend[design.index(c)] for c in chans])
    return out
