"""Finding public-opinion crises in the data without being told: spikes of negative mentions.

A crisis shows in a brand's data as a spike of negative mentions far above their own recent
level, often with a run of weeks in which the KPI sits below its own recent level. Declared as
an event (``[events.NAME]``, kind ``"crisis"``), the model gives those weeks a baseline shift
of their own; undeclared, the dip lands on whatever media ran at the time, usually the paid
social bought to answer the crisis.

:func:`crisis_candidates` scans every earned channel split by sentiment, nationally and (for a
panel) in each region, and returns the runs of weeks that look like a crisis and are not
already declared as one. Per period ``t`` it takes the robust z-score of ``log(1 + N_t)``
against the previous :data:`BASELINE_PERIODS` periods (their median and scaled MAD, with a
spread of the whole series, with a floor of :data:`MIN_SPREAD` so a very steady series does
not flag small wobbles; the first periods are compared with the periods that follow instead):

* a period is a spike at ``z >= SPIKE_Z``, or at ``z >= WEAK_Z`` when the KPI's own robust
  z-score (same baseline) is ``<= -KPI_Z`` in that period: a smaller spike that coincides
  with a KPI dip;
* a run starts at the first spike and lasts while ``z >= TAIL_Z`` (the crisis's tail).

A run found in the national total hits every region unless fewer than half of the regions
spike on their own in it (then it names them, ``geo``); a run found only in some regions'
own series (at a stricter threshold) names them too. Nothing is changed: :func:`mmm.data.checks.data_checks` reports the
candidates as a REVIEW with the channel-map text that declares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mmm.data.events import event_toml, period_ends

if TYPE_CHECKING:
    from mmm.data.dataset import MMMDataset

#: periods of recent history a period is compared with
BASELINE_PERIODS = 13
#: floor of the robust spread of log counts (a 5% wobble is never a crisis)
MIN_SPREAD = 0.05
#: robust z of log negative mentions that is a spike on its own
SPIKE_Z = 6.0
#: a smaller spike that counts when the KPI dips in the same period …
WEAK_Z = 4.0
#: … by at least this robust z below its own recent level
KPI_Z = 2.5
#: a run lasts while the spike stays this far above the baseline
TAIL_Z = 2.5
#: regions are checked with a stricter threshold (many series: more chance of a fluke)
REGIONAL_EXTRA_Z = 2.0


@dataclass(frozen=True)
class CrisisCandidate:
    """A run of periods that looks like a crisis in one earned channel's negative mentions."""

    channel: str
    start: pd.Timestamp
    end: pd.Timestamp  # last day of the last period
    geo: tuple[str, ...]
    peak_z: float
    peak_ratio: float  # negative mentions at the peak / their baseline level
    kpi_change: float  # KPI in the run vs its recent level (relative; negative: a dip)

    @property
    def name(self) -> str:
        return f"crisis_{self.start:%Y_%m_%d}"

    @property
    def toml(self) -> str:
        """The channel-map text that declares this run as a crisis."""
        return event_toml(self.name, "crisis", self.start, self.end, self.geo)

    def describe(self) -> str:
        where = f" in {', '.join(self.geo)}" if self.geo else ""
        kpi = (
            f", KPI {self.kpi_change:+.0%} vs its recent level"
            if np.isfinite(self.kpi_change)
            else ""
        )
        return (
            f"{self.start.date()} – {self.end.date()}{where}: negative mentions of "
            f"{self.channel!r} up to {self.peak_ratio:.1f}× their usual level{kpi}"
        )


def robust_z(
    y: np.ndarray, baseline: int = BASELINE_PERIODS, floor: float = MIN_SPREAD
) -> tuple[np.ndarray, np.ndarray]:
    """(z, baseline level) of each value of ``y`` against the ``baseline`` values before it.

    The level is the median of the previous ``baseline`` values (for the first periods, of the
    ``baseline`` periods after them); the spread is one for the whole series, the scaled median
    absolute deviation of every value from its level (at least ``floor``), which a few weeks
    of crisis cannot move and a short window cannot make tiny by chance.

    >>> z, _ = robust_z(np.r_[np.zeros(20), 1.0, np.zeros(5)])
    >>> int(np.argmax(z)), float(z.max())
    (20, 20.0)
    """
    n = len(y)
    level = np.full(n, np.nan)
    for t in range(n):
        ref = y[t - baseline : t] if t >= baseline else y[t + 1 : t + 1 + baseline]
        if len(ref) >= 4:
            level[t] = float(np.median(ref))
    resid = y - level
    ok = np.isfinite(resid)
    spread = max(1.4826 * float(np.median(np.abs(resid[ok]))) if ok.any() else 0.0, floor)
    return np.where(ok, resid / spread, 0.0), np.where(ok, level, y)


def spike_runs(
    negative: np.ndarray, kpi: np.ndarray, extra_z: float = 0.0
) -> list[tuple[int, int, float, float, float]]:
    """Runs of crisis-like periods: ``(first, last, peak z, peak ratio, KPI change)`` each.

    ``negative`` and ``kpi`` are one series each, (periods,).
    """
    y = np.log1p(np.maximum(negative, 0.0))
    z, level = robust_z(y)
    kz, klevel = robust_z(np.log(np.maximum(kpi, 1e-9)), floor=0.01)
    spike = (z >= SPIKE_Z + extra_z) | ((z >= WEAK_Z + extra_z) & (kz <= -KPI_Z))
    runs = []
    t = 0
    n = len(y)
    while t < n:
        if not spike[t]:
            t += 1
            continue
        first = t
        while t + 1 < n and (spike[t + 1] or z[t + 1] >= TAIL_Z):
            t += 1
        peak = first + int(np.argmax(z[first : t + 1]))
        ratio = float(np.expm1(y[peak]) / max(np.expm1(level[peak]), 1e-9))
        change = float(
            np.mean(np.expm1(np.log(np.maximum(kpi[first : t + 1], 1e-9)) - klevel[first : t + 1]))
        )
        runs.append((first, t, float(z[peak]), ratio, change))
        t += 1
    return runs


def crisis_candidates(ds: MMMDataset) -> tuple[CrisisCandidate, ...]:
    """Undeclared crisis-like runs in ``ds``'s negative mentions (see the module docstring).

    Runs that overlap a declared crisis event (in the same regions) are left out.
    """
    cmap = ds.channel_map
    dates = ds.dates
    ends = period_ends(dates, ds.frequency) - pd.Timedelta(days=1)
    declared = [e for e in cmap.events if e.kind == "crisis"]
    out: list[CrisisCandidate] = []
    for name in cmap.sentiment_channels:
        j = ds.channels.index(name)
        neg = ds.negative[:, :, j]
        national = spike_runs(neg.sum(axis=1), ds.kpi_total)
        found: list[tuple[tuple[int, int, float, float, float], tuple[str, ...]]] = [
            (r, ()) for r in national
        ]
        if ds.is_panel:
            kpi = ds.data["kpi"].values
            found = [(r, _regions_hit(neg, r, ds.geos)) for r in national]
            regional: list[tuple[tuple[int, int, float, float, float], str]] = []
            for g, region in enumerate(ds.geos):
                regional += [
                    (run, region) for run in spike_runs(neg[:, g], kpi[:, g], REGIONAL_EXTRA_Z)
                ]
            found += _group_regions(regional, national)
        for (first, last, z, ratio, change), geo in found:
            start, end = dates[first], ends[last]
            if any(_overlaps(e.start, e.end, start, end) and (not e.geo or not geo or set(e.geo) & set(geo))
                   for e in declared):  # fmt: skip
                continue
            out.append(CrisisCandidate(name, start, end, tuple(geo), z, ratio, change))
    return tuple(sorted(out, key=lambda c: (c.start, c.channel)))


def _regions_hit(
    neg: np.ndarray, run: tuple[int, int, float, float, float], geos: tuple[str, ...]
) -> tuple[str, ...]:
    """The regions whose own negative mentions spike in a national run; () when at least half do
    (a national crisis, where small regions may just be noisy)."""
    hit = []
    for g, region in enumerate(geos):
        z, _ = robust_z(np.log1p(np.maximum(neg[:, g], 0.0)))
        if z[run[0] : run[1] + 1].max() >= SPIKE_Z:
            hit.append(region)
    return tuple(hit) if 0 < len(hit) < len(geos) / 2 else ()


def _overlaps(a0: pd.Timestamp, a1: pd.Timestamp, b0: pd.Timestamp, b1: pd.Timestamp) -> bool:
    return bool(a0 <= b1 and b0 <= a1)


def _group_regions(
    regional: list[tuple[tuple[int, int, float, float, float], str]],
    national: list[tuple[int, int, float, float, float]],
) -> list[tuple[tuple[int, int, float, float, float], tuple[str, ...]]]:
    """Regional runs not inside a national one, merged where they overlap in time."""
    left = [
        (run, g)
        for run, g in regional
        if not any(run[0] <= n[1] and n[0] <= run[1] for n in national)
    ]
    left.sort(key=lambda item: item[0][0])
    groups: list[tuple[tuple[int, int, float, float, float], tuple[str, ...]]] = []
    for run, g in left:
        if groups and run[0] <= groups[-1][0][1]:
            (f, last, z, ratio, change), geos = groups[-1]
            best = (z, ratio, change) if z >= run[2] else run[2:]
            groups[-1] = ((f, max(last, run[1]), *best), (*geos, g) if g not in geos else geos)
        else:
            groups.append((run, (g,)))
    return groups
