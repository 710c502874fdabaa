"""Named events of the channel map: crises, launches, outages and promotions.

An event is a stretch of dates in which the KPI's baseline may shift for a known reason that is
no channel's doing: a public-opinion crisis (舆情), a product launch, a site outage, a
promotion that no control column carries. The model gives each named event one coefficient
and its window as a regressor (the share of each period's days inside the window), so what
happened in those weeks is not credited to, or blamed on, the media that ran at the time::

    [events.crisis_2024_03]
    kind = "crisis"          # crisis | launch | outage | promotion
    start = "2024-03-04"
    end = "2024-03-31"
    geo = ["广东", "浙江"]     # optional, regional panels: only these regions

An event that recurs (a yearly promotion) lists its windows as an array of tables; they share
one coefficient and must not overlap::

    [[events.anniversary_sale]]
    kind = "promotion"
    start = "2023-05-08"
    end = "2023-05-14"
    [[events.anniversary_sale]]
    kind = "promotion"
    start = "2024-05-06"
    end = "2024-05-12"

This module parses and writes that table and computes the window regressors; whether a window
falls inside the data is checked by :class:`~mmm.data.dataset.MMMDataset`, which knows the dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm.exceptions import ConfigError, list_some

#: the kinds of event a channel map may declare
EVENT_KINDS = ("crisis", "launch", "outage", "promotion")
EVENT_KEYS = {
    "kind": "crisis | launch | outage | promotion (required)",
    "start": 'first day of the event, e.g. "2024-03-04" (required)',
    "end": 'last day of the event, inclusive, e.g. "2024-03-31" (required)',
    "geo": "regional panels: list of the regions the event hit (default: every region)",
}


@dataclass(frozen=True)
class EventConfig:
    """One window of a named event (an event that recurs has one per window, same name)."""

    name: str
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    geo: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``name (start – end)`` for messages and tables."""
        return f"{self.name} ({self.start.date()} – {self.end.date()})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
        }
        if self.geo:
            out["geo"] = list(self.geo)
        return out


def parse_events(raw: Any, where: str) -> tuple[EventConfig, ...]:
    """The ``[events]`` table of a channel map, checked: kinds, dates, no overlap within a name.

    Raises
    ------
    ConfigError
        Naming the event, the key and what is allowed.

    Examples
    --------
    >>> ev = parse_events({"crisis_03": {"kind": "crisis", "start": "2024-03-04",
    ...                                  "end": "2024-03-31"}}, "(dict)")
    >>> ev[0].label
    'crisis_03 (2024-03-04 – 2024-03-31)'
    """
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"Channel map {where}: [events] must hold one [events.NAME] table per event, e.g.\n"
            '[events.crisis_2024_03]\nkind = "crisis"\nstart = "2024-03-04"\nend = "2024-03-31"'
        )
    out: list[EventConfig] = []
    for name, spec in raw.items():
        windows = spec if isinstance(spec, list) else [spec]
        if not windows:
            raise ConfigError(f"Channel map {where}: event {name!r} has no window.")
        parsed = [_window(str(name), w, f"channel map {where}, [events.{name}]") for w in windows]
        kinds = sorted({e.kind for e in parsed})
        if len(kinds) > 1:
            raise ConfigError(
                f"Channel map {where}: the windows of event {name!r} have different kinds "
                f"({list_some(kinds)}); one name is one kind of event (use another name)."
            )
        ordered = sorted(parsed, key=lambda e: e.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.start <= a.end and (not a.geo or not b.geo or set(a.geo) & set(b.geo)):
                raise ConfigError(
                    f"Channel map {where}: windows of event {name!r} overlap: "
                    f"{a.start.date()}..{a.end.date()} and {b.start.date()}..{b.end.date()}. "
                    "Windows of one event must not overlap; merge them into one window, or give "
                    "them different names."
                )
        out.extend(ordered)
    return tuple(out)


def _window(name: str, spec: Any, ctx: str) -> EventConfig:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"In {ctx}: expected a table with kind, start and end, got {spec!r}.")
    unknown = [k for k in spec if k not in EVENT_KEYS]
    if unknown:
        allowed = "; ".join(f"{k}: {v}" for k, v in EVENT_KEYS.items())
        raise ConfigError(
            f"Unknown key(s) {list_some(unknown)} in {ctx}. Allowed keys — {allowed}."
        )
    kind = spec.get("kind")
    if kind not in EVENT_KINDS:
        raise ConfigError(
            f"In {ctx}: kind = {kind!r} is not an event kind; allowed: {', '.join(EVENT_KINDS)}."
        )
    start, end = _date(spec, "start", ctx), _date(spec, "end", ctx)
    if end < start:
        raise ConfigError(f"In {ctx}: end {end.date()} is before start {start.date()}.")
    geo = spec.get("geo", [])
    if isinstance(geo, str):
        geo = [geo]
    if not isinstance(geo, list) or not all(isinstance(g, str) and g for g in geo):
        raise ConfigError(f"In {ctx}: geo must be a list of region names, got {spec.get('geo')!r}.")
    return EventConfig(name, str(kind), start, end, tuple(dict.fromkeys(geo)))


def _date(spec: Mapping[str, Any], key: str, ctx: str) -> pd.Timestamp:
    value = spec.get(key)
    if value is None:
        raise ConfigError(f'In {ctx}: `{key}` is required, e.g. {key} = "2024-03-04".')
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        try:
            return pd.Timestamp(value).normalize()
        except ValueError:
            pass
    raise ConfigError(f'In {ctx}: {key} = {value!r} is not a date; write it as "2024-03-04".')


def events_to_dict(events: Sequence[EventConfig]) -> dict[str, Any]:
    """``name → table`` (one window) or ``name → [tables]`` (several), as :func:`parse_events` reads."""
    out: dict[str, Any] = {}
    for name in dict.fromkeys(e.name for e in events):
        windows = [e.to_dict() for e in events if e.name == name]
        out[name] = windows[0] if len(windows) == 1 else windows
    return out


def event_names(events: Sequence[EventConfig]) -> tuple[str, ...]:
    """Distinct event names in order of first appearance (one model coefficient each)."""
    return tuple(dict.fromkeys(e.name for e in events))


def period_ends(dates: pd.DatetimeIndex, frequency: str) -> pd.DatetimeIndex:
    """The day after each period (a week: +7 days; a month: the next month's first day)."""
    if frequency == "M":
        return pd.DatetimeIndex(dates + pd.offsets.MonthBegin(1))
    return pd.DatetimeIndex(dates + pd.Timedelta(days=7))


def window_share(
    dates: pd.DatetimeIndex, frequency: str, start: pd.Timestamp, end: pd.Timestamp
) -> np.ndarray:
    """Share of each period's days that fall inside ``start``..``end`` (inclusive), (periods,).

    >>> weeks = pd.date_range("2024-03-04", periods=3, freq="W-MON")
    >>> window_share(weeks, "W", pd.Timestamp("2024-03-06"), pd.Timestamp("2024-03-14")).round(3).tolist()
    [0.714, 0.571, 0.0]
    """
    first = dates.values.astype("datetime64[D]")
    after = period_ends(dates, frequency).values.astype("datetime64[D]")
    lo = np.maximum(first, np.datetime64(start.date(), "D"))
    hi = np.minimum(after, np.datetime64((end + pd.Timedelta(days=1)).date(), "D"))
    days = np.clip((hi - lo).astype(int), 0, None)
    return days / (after - first).astype(int)


def event_regressors(
    events: Sequence[EventConfig], dates: pd.DatetimeIndex, frequency: str, geos: Sequence[str]
) -> np.ndarray:
    """The model's event regressors, (period, geo, event name): window shares, 0 outside the event's regions."""
    names = event_names(events)
    out = np.zeros((len(dates), len(geos), len(names)))
    for e in events:
        share = window_share(dates, frequency, e.start, e.end)
        hit = np.array([not e.geo or g in e.geo for g in geos], dtype=float)
        out[:, :, names.index(e.name)] += share[:, None] * hit[None, :]
    return np.clip(out, 0.0, 1.0)


def restrict(
    events: Sequence[EventConfig],
    start: pd.Timestamp,
    end: pd.Timestamp,
    geos: Sequence[str] | None,
) -> tuple[EventConfig, ...]:
    """The events as they apply to a part of the data: windows clipped to ``start``..``end``,
    regions limited to ``geos`` (None: a national view, where an event hits the whole series);
    windows left with no day or no region are dropped."""
    out = []
    for e in events:
        s, t = max(e.start, start), min(e.end, end)
        if t < s:
            continue
        if geos is None:
            geo: tuple[str, ...] = ()
        else:
            geo = tuple(g for g in e.geo if g in geos) if e.geo else ()
            if e.geo and not geo:
                continue
        out.append(EventConfig(e.name, e.kind, s, t, geo))
    return tuple(out)


def event_toml(name: str, kind: str, start: pd.Timestamp, end: pd.Timestamp,
               geo: Sequence[str] = ()) -> str:  # fmt: skip
    """The channel-map text declaring one event window (for advice to paste).

    >>> print(event_toml("crisis_2024_03_04", "crisis", pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-31")))
    [events.crisis_2024_03_04]
    kind = "crisis"
    start = "2024-03-04"
    end = "2024-03-31"
    """
    lines = [
        f"[events.{name}]",
        f'kind = "{kind}"',
        f'start = "{start.date()}"',
        f'end = "{end.date()}"',
    ]
    if geo:
        lines.append("geo = [" + ", ".join(f'"{g}"' for g in geo) + "]")
    return "\n".join(lines)
