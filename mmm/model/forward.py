"""The forward model, written once: media transforms, the earned-media path and the baseline.

Every function takes an array namespace ``xp``: ``pytensor.tensor`` inside the PyMC graph
(:mod:`mmm.model.graph`) and NumPy for everything computed from posterior draws (attribution,
forecasts, experiment design, the budget optimiser). Parameters broadcast over leading axes:
``(channel,)`` in the graph, ``(sample, channel)`` in post-processing. So the model that is
fitted and every number reported from it share one definition; ``tests/model/test_forward.py``
checks the two namespaces agree on random parameters.

Units are the design's scaled units (KPI / ``kpi_scale``, input / ``input_scale``) unless a
function says it returns currency.

Earned media has a sign: an earned channel split by sentiment reaches the KPI twice, through
its mentions that are not negative (the earned path above, which its sources feed) and through
its negative mentions above their usual level (:func:`negative_effect`, a coefficient that may
be and usually is negative, with the channel's own carry-over). Named events (a crisis, a
launch) are baseline shifts (:func:`baseline`'s ``events``), never media effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmm.model.design import Design, TransformGroup
from mmm.model.transforms import lag_matrix


# ---------------------------------------------------------------------- media transforms
def pick(arr: Any, idx: np.ndarray, size: int) -> Any:
    """``arr[..., idx]`` along the last axis, as a basic slice whenever ``idx`` is contiguous.

    Basic slices keep the compiled model small (advanced indexing is slow to compile).
    """
    idx = np.asarray(idx)
    if len(idx) == size and np.array_equal(idx, np.arange(size)):
        return arr
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return arr[..., int(idx[0]) : int(idx[0]) + len(idx)]
    return arr[..., idx]


#: data axes after any leading sample axes: (period, geo)
DATA_AXES = 2


def group_params(g: TransformGroup, params: Mapping[str, Any], at: int | None = None) -> dict[str, Any]:
    """The parameters of transform group ``g`` (``{param: array}``).

    With ``at``, only that position of the group's channel axis, expanded to broadcast over a
    (period, geo) series (indexed, then expanded, so that PyTensor knows it broadcasts).
    """
    if at is None:
        return {name: params[g.param_name(name)] for name in g.transform.params}
    return {name: params[g.param_name(name)][..., at, None, None] for name in g.transform.params}


def lag_weights(xp: Any, design: Design, params: Mapping[str, Any]) -> np.ndarray:
    """Normalised carry-over weights of every channel, (..., channel, lag) (NumPy only)."""
    parts = [
        (g.index, g.transform.weights(xp, mask=design.lag_mask[g.index], **group_params(g, params)))
        for g in design.adstock_groups
    ]
    lead = parts[0][1].shape[:-2]
    out = np.zeros((*lead, len(design.channels), design.max_lag))
    for idx, w in parts:
        out[..., idx, :] = w
    return out


def saturated_media(
    xp: Any, design: Design, params: Mapping[str, Any], lagged: Any | None = None
) -> Any:
    """Adstocked then saturated input of every channel, (..., period, geo, channel).

    ``params`` maps ``{transform}_{param}`` names (e.g. ``geometric_alpha``) to arrays with
    a trailing group-channel axis; ``lagged`` defaults to the design's lag tensor
    (period, geo, channel, lag).
    """
    lagged = design.lagged if lagged is None else lagged
    parts, order = [], []
    for g in design.adstock_groups:
        mask = design.lag_mask[g.index]
        lag_g = _channels(lagged, g.index, len(design.channels))
        parts.append(g.transform.apply(xp, lag_g, mask=mask, **group_params(g, params)))
        order.append(g.index)
    adstocked = _concat(xp, parts, order)
    parts, order = [], []
    for g in design.saturation_groups:
        p = {name: v[..., None, None, :] for name, v in group_params(g, params).items()}
        parts.append(g.transform.apply(xp, pick(adstocked, g.index, len(design.channels)), **p))
        order.append(g.index)
    return _concat(xp, parts, order)


def _channels(lagged: Any, idx: np.ndarray, size: int) -> Any:
    """The channels ``idx`` of a lag tensor (..., channel, lag), as a basic slice when contiguous."""
    if len(idx) == size and np.array_equal(idx, np.arange(size)):
        return lagged
    if np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return lagged[..., int(idx[0]) : int(idx[0]) + len(idx), :]
    return lagged[..., idx, :]


def _concat(xp: Any, parts: list[Any], order: list[np.ndarray]) -> Any:
    """Concatenate per-group parts along the last axis and restore the channel order."""
    idx = np.concatenate(order)
    joined = parts[0] if len(parts) == 1 else xp.concatenate(parts, axis=-1)
    if np.array_equal(idx, np.arange(len(idx))):
        return joined
    return joined[..., np.argsort(idx)]


def adstock_series(xp: Any, series: Any, weights: Any, n_lag: int) -> Any:
    """Causal convolution of (..., period, geo) with ``n_lag`` weights (..., lag), zeros before the start."""
    out = series * weights[..., 0, None, None]  # an indexed axis is broadcastable in PyTensor too
    for lag in range(1, n_lag):
        zeros = series[..., :lag, :] * 0.0
        shifted = xp.concatenate([zeros, series[..., :-lag, :]], axis=-2)
        out = out + shifted * weights[..., lag, None, None]
    return out


def _group_of(groups: tuple[TransformGroup, ...], i: int) -> tuple[TransformGroup, int]:
    for g in groups:
        if i in g.index:
            return g, int(np.flatnonzero(g.index == i)[0])
    raise KeyError(i)


def channel_weights(xp: Any, design: Design, params: Mapping[str, Any], channel: str) -> Any:
    """Normalised lag weights (..., lag) of one channel."""
    i = design.index(channel)
    g, at = _group_of(design.adstock_groups, i)
    p = {name: params[g.param_name(name)][..., at, None] for name in g.transform.params}
    w = g.transform.weights(xp, mask=design.lag_mask[i : i + 1], **p)  # (..., 1, lag)
    return w[..., 0, :]


def channel_saturation(
    xp: Any, design: Design, params: Mapping[str, Any], channel: str, x: Any
) -> Any:
    """Saturation curve of one channel applied to adstocked, scaled input ``x`` (..., period, geo)."""
    transform, p = _saturation_of(design, params, channel)
    return transform.apply(xp, x, **p)


def channel_saturation_slope(
    design: Design, params: Mapping[str, Any], channel: str, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`channel_saturation` in NumPy and its derivative d/dx (the optimiser's gradients)."""
    transform, p = _saturation_of(design, params, channel)
    return transform.value_and_slope(x, **p)


def _saturation_of(
    design: Design, params: Mapping[str, Any], channel: str
) -> tuple[Any, dict[str, Any]]:
    """One channel's saturation transform and its parameters (broadcasting over a series)."""
    g, at = _group_of(design.saturation_groups, design.index(channel))
    return g.transform, group_params(g, params, at)


# ---------------------------------------------------------------------- earned media
def earned_saturation(
    xp: Any, design: Design, params: Mapping[str, Any], earned: str, m: Any
) -> Any:
    """``s_e(adstock_e(m))``: earned activity ``m`` (..., period, geo; scaled) through its own transforms."""
    w = channel_weights(xp, design, params, earned)
    return channel_saturation(xp, design, params, earned, adstock_series(xp, m, w, design.max_lag))


def earned_effect(
    xp: Any,
    design: Design,
    params: Mapping[str, Any],
    earned: str,
    m: Any,
    m_cf: Any,
    beta_e: Any,
    full: Any = None,
) -> Any:
    """What earned activity ``m`` is worth over a counterfactual ``m_cf`` (scaled KPI, (..., period, geo)).

    ``beta_e · (s_e(adstock_e(m)) − s_e(adstock_e(m_cf)))``: both series re-adstocked and
    re-saturated with the earned channel's own transforms; ``beta_e`` is (..., geo). The
    counterfactual is the observed (or predicted) series without the mentions a source
    generated (attribution), or with the mentions a spend change would add (experiments,
    lift tests). ``full`` is ``earned_saturation(m)`` when the caller already has it.
    """
    if full is None:
        full = earned_saturation(xp, design, params, earned, m)
    return beta_e[..., None, :] * (full - earned_saturation(xp, design, params, earned, m_cf))


def change_effect(
    xp: Any,
    design: Design,
    params: Mapping[str, Any],
    channel: str,
    delta: Any,
    x: Any = None,
    mentions: Mapping[str, Any] | None = None,
) -> Any:
    """KPI change (scaled, (..., period, geo)) of adding ``delta`` to one channel's input.

    The counterfactual of a spend change (a lift test, an experiment's design): the channel's
    input ``x`` (period, geo; default the design's) and the changed input ``x + delta`` each go
    through the channel's own carry-over and saturation, times its β; for a source of earned
    media, the earned activity it generates changes by its gain times the change in its
    saturated input, and that change is valued through the earned channel's own transforms
    (:func:`earned_effect`; activity floored at zero). ``params`` holds the transform
    parameters, ``beta`` (..., geo, channel) and each earned channel's ``{earned}_gain``
    (..., source); ``mentions`` the earned series (period, geo; default the design's). The
    PyMC graph passes its data inputs as ``delta``, ``x`` and ``mentions``.
    """
    i = design.index(channel)
    w = channel_weights(xp, design, params, channel)
    x0 = design.x[:, :, i] if x is None else x
    x1 = x0 + delta
    s0 = channel_saturation(xp, design, params, channel, adstock_series(xp, x0, w, design.max_lag))
    s1 = channel_saturation(xp, design, params, channel, adstock_series(xp, x1, w, design.max_lag))
    d_sat = s1 - s0
    beta = params["beta"]
    out = beta[..., None, :, i] * d_sat
    for e, sources in design.earned.items():
        if channel not in sources:
            continue
        ei = design.index(e)
        m0 = design.x[:, :, ei] if mentions is None else mentions[e]
        gain = params[f"{e}_gain"][..., sources.index(channel), None, None]
        m1 = xp.maximum(m0 + gain * d_sat, 0.0)
        out = out + earned_effect(xp, design, params, e, m1, m0, beta[..., :, ei])
    return out


def organic_mentions(params: Mapping[str, np.ndarray], earned: str, t: np.ndarray) -> np.ndarray:
    """Organic (not generated) earned activity at time index ``t`` per sample, (S, len(t), G), scaled."""
    drift = np.exp(params[f"{earned}_drift"][:, None, None] * t[None, :, None])
    return params[f"{earned}_organic"][:, None, :] * drift


# ---------------------------------------------------------------------- baseline
def baseline(
    xp: Any, design: Design, params: Mapping[str, Any], rows: Any = None
) -> dict[str, Any]:
    """Baseline components in scaled KPI units, each (..., period, geo).

    Intercept, trend, seasonality, controls and holidays; for a panel with a national time
    effect, ``national`` (the weekly effect shared by every region; zero after the data).
    ``rows`` replaces the design's time features (future periods: ``t``, ``fourier``,
    ``controls`` (period, geo, control), ``holidays``).
    """
    t, changepoints = design.t, design.changepoints
    fourier, controls, hol = design.fourier, design.controls, design.holidays
    in_sample = rows is None
    if rows is not None:
        t, fourier, controls, hol = rows["t"], rows["fourier"], rows["controls"], rows["holidays"]
        changepoints = rows.get("changepoints", changepoints)
        in_sample = bool(rows.get("in_sample", False))
    ones = xp.ones_like(t)[:, None]  # (T, 1)
    out = {"intercept": params["intercept"][..., None, :] * ones}
    if design.spec.trend != "none":
        trend = params["trend_slope"][..., None, :] * t[:, None]
        if len(design.changepoints):
            basis = xp.maximum(0.0, t[:, None] - changepoints[None, :])
            trend = trend + (params["trend_delta"][..., None, :] * basis).sum(axis=-1)[..., None] * ones
        out["trend"] = trend
    if design.fourier.shape[1]:
        out["seasonality"] = (params["season"][..., None, :, :] * fourier[:, None, :]).sum(axis=-1)
    if design.controls.shape[-1]:
        out["controls"] = (params["control_coef"][..., None, None, :] * controls).sum(axis=-1)
    if design.holidays.shape[1]:
        out["holidays"] = (params["holiday_coef"][..., None, :] * hol).sum(axis=-1)[..., None] * ones
    if "national" in params and in_sample:
        out["national"] = params["national"][..., :, None] * ones
    events = design.events if rows is None else rows.get("events")
    if design.n_events and events is not None:
        out["events"] = (params["event_coef"][..., None, None, :] * events).sum(axis=-1)
    return out


# ---------------------------------------------------------------------- sentiment and events
def negative_effect(xp: Any, design: Design, params: Mapping[str, Any], earned: str, excess: Any) -> Any:
    """Effect on the KPI of an earned channel's negative mentions above their usual level.

    ``negative_coef[k] · adstock_e(excess)``, scaled KPI (..., period, geo): ``excess`` is
    (period, geo) in the design's units (``Design.negative[..., k]``, or a counterfactual
    such as only a crisis window's excess); the carry-over is the earned channel's own.
    """
    k = design.negative_index(earned)
    w = channel_weights(xp, design, params, earned)
    coef = params["negative_coef"][..., k]
    return coef[..., None, None] * adstock_series(xp, excess, w, design.max_lag)


def negative_media(xp: Any, design: Design, params: Mapping[str, Any], negative: Any = None) -> Any:
    """Sum of :func:`negative_effect` over the earned channels split by sentiment (0 without any).

    ``negative`` (period, geo, channel) defaults to ``Design.negative``.
    """
    neg: Any = design.negative if negative is None else negative
    total: Any = 0.0
    for k, e in enumerate(design.negative_channels):
        total = total + negative_effect(xp, design, params, e, neg[..., k])
    return total


def event_contributions(design: Design, p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each named event's baseline shift in currency per sample, (S, period, geo), NumPy."""
    assert design.events is not None
    coef = p["event_coef"]  # (S, V)
    scale = design.kpi_scale[None, None, :]
    return {
        name: coef[:, v, None, None] * design.events[None, :, :, v] * scale
        for v, name in enumerate(design.event_names)
    }


# ---------------------------------------------------------------------- effects from draws
@dataclass(frozen=True)
class Effects:
    """Per-sample effects over a span of periods, in currency.

    ``direct`` and ``via_earned`` are (S, T, G, C); ``baseline`` parts and ``mu`` (S, T, G);
    ``mentions``: earned channel → observed activity (S, T, G), scaled; ``negative``: earned
    channel split by sentiment → the effect of its negative mentions above their usual level
    (S, T, G), in currency (part of ``mu``, attributed to no channel).
    """

    direct: np.ndarray
    via_earned: np.ndarray
    baseline: Mapping[str, np.ndarray]
    mu: np.ndarray
    mentions: Mapping[str, np.ndarray]
    negative: Mapping[str, np.ndarray] = field(default_factory=dict)


def in_sample_effects(design: Design, p: Mapping[str, np.ndarray]) -> Effects:
    """Direct and via-earned effects of every channel on the observed data."""
    sat = saturated_media(np, design, p)  # (S, T, G, C)
    beta = p["beta"]  # (S, G, C)
    scale = design.kpi_scale  # (G,)
    direct = sat * beta[:, None, :, :] * scale[None, None, :, None]
    via = np.zeros_like(direct)
    mentions = {}
    for e, sources in design.earned.items():
        if not sources:
            continue
        ei = design.index(e)
        m_obs = np.broadcast_to(design.x[:, :, ei], sat.shape[:3])
        mentions[e] = m_obs
        full = earned_saturation(np, design, p, e, m_obs)
        gain = p[f"{e}_gain"]  # (S, n_sources)
        for k, src in enumerate(sources):
            si = design.index(src)
            m_cf = np.maximum(m_obs - gain[:, k, None, None] * sat[..., si], 0.0)
            value = earned_effect(np, design, p, e, m_obs, m_cf, beta[:, :, ei], full)
            via[..., si] = value * scale[None, None, :]
    base = {k: np.broadcast_to(v * scale, sat.shape[:3]) for k, v in baseline(np, design, p).items()}
    excess = design.negative
    negative = {
        e: negative_effect(np, design, p, e, excess[..., k]) * scale
        for k, e in enumerate(design.negative_channels)
        if excess is not None
    }
    mu = sum(base.values()) + direct.sum(axis=-1) + sum(negative.values())
    return Effects(direct, via, base, mu, mentions, negative)


def mentions_generated(
    design: Design, p: Mapping[str, np.ndarray], sat: np.ndarray
) -> dict[str, np.ndarray]:
    """Earned activity each source generated, in original units: earned → (S, T, G, sources)."""
    out = {}
    for e, sources in design.earned.items():
        if not sources:
            continue
        src = [design.index(s) for s in sources]
        scale = design.input_scale[:, design.index(e)]  # (G,)
        out[e] = p[f"{e}_gain"][:, None, None, :] * sat[..., src] * scale[None, None, :, None]
    return out


def simulate(
    design: Design,
    p: Mapping[str, np.ndarray],
    activity: np.ndarray,
    history: np.ndarray | None = None,
    history_mentions: Mapping[str, np.ndarray] | None = None,
    attribute: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Media effect (currency) of an activity plan after the data: (direct, via_earned), each (S, W, G, C).

    ``activity`` is (W, G, C) in original units for every channel (earned columns are ignored:
    earned activity is predicted from its sources). ``history`` (periods, G, C, original
    units) supplies carry-over; by default the last ``max_lag - 1`` observed periods. With
    ``attribute=False`` the attribution of earned effects to their sources (a counterfactual per
    source: ~40% of a simulation of the 20-region demo brand) is skipped and ``via_earned`` is
    all zeros, for callers that only sum the direct effects (they hold the earned channels').
    """
    scale = design.input_scale  # (G, C)
    lag = design.max_lag
    hist = design.x[len(design.x) - (lag - 1) :] if history is None else np.asarray(history) / scale
    x = np.asarray(activity, dtype=float) / scale
    lagged = lag_matrix(x, lag, history=hist if lag > 1 else None)
    n_s = p["beta"].shape[0]
    w_len = x.shape[0]
    kpi = design.kpi_scale[None, None, :]
    sat = saturated_media(np, design, p, lagged=lagged)  # earned columns: placeholder input
    direct = sat * p["beta"][:, None, :, :] * kpi[..., None]
    via = np.zeros_like(direct)
    for e, sources in design.earned.items():
        if not sources:
            continue
        ei = design.index(e)
        src = [design.index(s) for s in sources]
        gen = p[f"{e}_gain"][:, None, None, :] * sat[..., src]  # (S, W, G, nsrc)
        m = organic_mentions(p, e, design.future_t(w_len)) + gen.sum(axis=-1)  # (S, W, G)
        m_hist = (
            design.x[len(design.x) - (lag - 1) :, :, ei]
            if history_mentions is None
            else np.asarray(history_mentions[e])
        )
        past = np.broadcast_to(m_hist, (n_s, *m_hist.shape))
        m_full = np.concatenate([past, m], axis=1)
        full = earned_saturation(np, design, p, e, m_full)
        beta_e = p["beta"][:, :, ei]  # (S, G)
        direct[..., ei] = beta_e[:, None, :] * full[:, -w_len:] * kpi
        for k, s in enumerate(sources if attribute else ()):
            m_cf = np.concatenate([past, np.maximum(m - gen[..., k], 0)], axis=1)
            value = earned_effect(np, design, p, e, m_full, m_cf, beta_e, full)
            via[..., design.index(s)] = value[:, -w_len:] * kpi
    return direct, via
