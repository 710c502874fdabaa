"""Data checks before modelling: what is legal but suspicious, as PASS / REVIEW checks.

Each check takes an :class:`~mmm.data.dataset.MMMDataset` and returns a
:class:`~mmm.Check` with a plain-language message and recommendation; nothing here raises
or changes data (that is :class:`~mmm.data.dataset.MMMDataset`'s validation). Checks read
the national totals (summed over regions for a panel).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mmm._checks import Check, Checks
from mmm.data.detect import crisis_candidates

if TYPE_CHECKING:
    from mmm.data.dataset import MMMDataset


def data_checks(ds: MMMDataset) -> Checks:
    """Every data check on ``ds`` (collinearity, VIF, variation, spend shares, undeclared crises)."""
    return Checks(tuple(fn(ds) for fn in _EDA_CHECKS), title="Data checks")


def _eda_correlation(ds: MMMDataset) -> Check:
    x = ds.activity_total
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

    x = ds.activity_total
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
    x = ds.activity_total
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
    spend = ds.spend_total.sum(axis=0)
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


def _eda_crisis(ds: MMMDataset) -> Check:
    """Spikes of negative mentions that look like a public-opinion crisis and are not declared."""
    cmap = ds.channel_map
    declared = [e.label for e in cmap.events if e.kind == "crisis"]
    if not cmap.sentiment_channels:
        return Check(
            "crisis",
            "PASS",
            "No earned channel is split by sentiment, so crises cannot be looked for; give the "
            "negative mentions (`negative` or `sentiment` on the earned channel) to have them found.",
            "",
            {"candidates": [], "declared": declared},
        )
    found = crisis_candidates(ds)
    toml = "\n\n".join(c.toml for c in found)
    values = {
        "candidates": [
            {"channel": c.channel, "start": c.start.date().isoformat(), "end": c.end.date().isoformat(),
             "geo": list(c.geo), "peak_z": c.peak_z, "peak_ratio": c.peak_ratio, "kpi_change": c.kpi_change}
            for c in found
        ],
        "declared": declared,
        "toml": toml,
    }  # fmt: skip
    if not found:
        also = f" outside the declared crisis window(s) {', '.join(declared)}" if declared else ""
        return Check("crisis", "PASS", f"No spike of negative mentions{also}.", "", values)
    listed = "; ".join(c.describe() for c in found[:5])
    return Check(
        "crisis",
        "REVIEW",
        f"Negative mentions spike like a public-opinion crisis in {len(found)} undeclared "
        f"window(s): {listed}. Undeclared, a crisis's dip is blamed on the media that ran at the "
        "time — usually the paid social bought to answer it.",
        "If these were crises (舆情), declare them in the channel map so the model gives them a "
        "baseline shift of their own; nothing is changed until you do:\n\n" + toml,
        values,
    )


_EDA_CHECKS: tuple[Callable[[MMMDataset], Check], ...] = (
    _eda_correlation,
    _eda_vif,
    _eda_variation,
    _eda_spend_share,
    _eda_crisis,
)
