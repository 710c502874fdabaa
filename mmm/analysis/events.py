"""What named events did to the KPI: a crisis's cost and what the spend that answered it returned.

Both are computed from posterior draws with the model's own forward maths
(:mod:`mmm.model.forward`), in currency, summed over regions:

* :func:`event_summary` — per named event, its baseline shift over its windows (``shift``)
  and, for a crisis, the effect of the negative mentions above their usual level in its windows,
  carry-over after the window included (``negative``); ``effect`` is their sum, so a crisis's
  KPI lost is ``-effect``;
* :func:`response_summary` — per crisis and paid social channel that spent in its windows, what
  that spend returned: the KPI lost had the channel spent nothing in those periods (its
  carry-over and the earned media it generated included), and the ratio to the spend.

Examples
--------
>>> result.events().to_dataframe()            # doctest: +SKIP
>>> result.crisis_response().to_dataframe()   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from mmm._dims import SAMPLE
from mmm.analysis.attribution import PROB, iter_params, summarise
from mmm.model.forward import change_effect, event_contributions, negative_effect

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

EVENT = "event"
RESPONSE = "response"


def _windows(result: FitResult) -> dict[str, np.ndarray]:
    """Event name → (period, geo) mask of the periods and regions its windows touch."""
    design = result.design
    assert design.events is not None
    return {name: design.events[:, :, v] > 0 for v, name in enumerate(design.event_names)}


def event_summary(result: FitResult, prob: float = PROB) -> xr.Dataset:
    """Each named event's effect on the KPI, in currency, with ``prob`` intervals (dims: event).

    Variables ``shift_*`` (the baseline shift over its windows), ``negative_*`` (crises: the
    effect of negative mentions above their usual level in the windows, with carry-over; 0 for
    other kinds), ``effect_*`` (their sum: negative for a crisis that cost KPI), and the
    coordinates ``kind``, ``start``, ``end`` (first and last day over its windows) and
    ``periods`` (periods touched). Empty when the channel map declares no event.
    """
    design = result.design
    names = design.event_names
    if not names:
        return xr.Dataset(coords={EVENT: []})
    masks = _windows(result)
    scale = design.kpi_scale[None, None, :]
    shift, negative = [], []
    for p in iter_params(result):
        eff = event_contributions(design, p)
        shift.append(np.stack([eff[n].sum(axis=(1, 2)) for n in names], axis=-1))
        neg = np.zeros((p["event_coef"].shape[0], len(names)))
        excess = design.negative
        for v, (name, kind) in enumerate(zip(names, design.event_kinds, strict=True)):
            if kind != "crisis" or excess is None:
                continue
            for k, e in enumerate(design.negative_channels):
                inside = excess[..., k] * masks[name]
                neg[:, v] += (negative_effect(np, design, p, e, inside) * scale).sum(axis=(1, 2))
        negative.append(neg)
    coords = {EVENT: list(names)}
    s = xr.DataArray(np.concatenate(shift), dims=(SAMPLE, EVENT), coords=coords)
    n = xr.DataArray(np.concatenate(negative), dims=(SAMPLE, EVENT), coords=coords)
    out = (
        summarise(s + n, prob, "effect_")
        .merge(summarise(s, prob, "shift_"))
        .merge(summarise(n, prob, "negative_"))
    )
    cmap = result.dataset.channel_map
    out = out.assign_coords(
        kind=(EVENT, list(design.event_kinds)),
        start=(
            EVENT,
            [min(e.start for e in cmap.events if e.name == v).date().isoformat() for v in names],
        ),
        end=(
            EVENT,
            [max(e.end for e in cmap.events if e.name == v).date().isoformat() for v in names],
        ),
        periods=(EVENT, [int(masks[v].any(axis=1).sum()) for v in names]),
    )
    out.attrs.update(prob=prob, currency=cmap.currency)
    return out


def response_summary(result: FitResult, prob: float = PROB) -> xr.Dataset:
    """What each paid social channel's spend during each declared crisis returned (dims: response).

    One entry per (crisis, social channel with a cost that spent in the crisis's periods):
    coordinates ``event`` and ``channel``; ``spend`` in those periods, ``spend_usual`` (the
    channel's average spend per period elsewhere × the periods: the part of ``spend`` above it
    is the response), ``returned_*`` (KPI that spend returned, carry-over and earned media
    included) and ``roi_*`` (returned / spend). Empty without a declared crisis.
    """
    design, ds = result.design, result.dataset
    masks = _windows(result) if design.event_names else {}
    crises = [
        n for n, k in zip(design.event_names, design.event_kinds, strict=True) if k == "crisis"
    ]
    social = ds.channels_of(social=True, has_cost=True)
    spend = ds.spend_total  # (T, C)
    pairs = []
    for name in crises:
        periods = masks[name].any(axis=1)
        for ch in social:
            j = design.index(ch)
            if spend[periods, j].sum() > 0:
                pairs.append((name, ch, periods, j))
    if not pairs:
        return xr.Dataset(coords={RESPONSE: []})
    # the counterfactual of the lift tests (forward.change_effect): no input in the window
    removals = [(ch, np.where(m[:, None], -design.x[:, :, j], 0.0)) for _, ch, m, j in pairs]
    draws = []
    for p in iter_params(result):
        draws.append(np.stack([-(change_effect(np, design, p, ch, delta) * design.kpi_scale).sum(axis=(1, 2))
                               for ch, delta in removals], axis=-1))  # fmt: skip
    labels = [f"{ch} · {name}" for name, ch, _, _ in pairs]
    returned = xr.DataArray(
        np.concatenate(draws), dims=(SAMPLE, RESPONSE), coords={RESPONSE: labels}
    )
    spent = np.array([spend[m, j].sum() for _, _, m, j in pairs])
    usual = np.array([spend[~m, j].mean() * m.sum() if (~m).any() else 0.0 for _, _, m, j in pairs])
    out = summarise(returned, prob, "returned_").merge(
        summarise(
            returned / xr.DataArray(spent, dims=RESPONSE, coords={RESPONSE: labels}), prob, "roi_"
        )
    )
    out["spend"] = (RESPONSE, spent)
    out["spend_usual"] = (RESPONSE, usual)
    out = out.assign_coords(
        event=(RESPONSE, [n for n, _, _, _ in pairs]),
        channel=(RESPONSE, [c for _, c, _, _ in pairs]),
    )
    out.attrs.update(prob=prob, currency=ds.channel_map.currency)
    return out
