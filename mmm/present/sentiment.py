"""Data of the report's sentiment and crisis part (inside the earned-media section).

Shown when the channel map splits an earned channel by sentiment or declares named events:
the earned channel's mentions that are not negative against its negative mentions over time,
the event windows (to shade), each event's effect on the KPI (a crisis's cost) and what the
paid social spent during a crisis returned (:mod:`mmm.analysis.events`).

Nothing here draws or writes HTML: :func:`mmm.present.plotting.draw_tone` draws the chart and
:mod:`mmm.present.report.render` lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

#: columns of :attr:`SentimentData.events` taken from :meth:`FitResult.events`
EVENT_COLUMNS = ("event", "kind", "start", "end", "effect_mean", "effect_lower", "effect_upper",
                 "shift_mean", "negative_mean")  # fmt: skip
#: columns of :attr:`SentimentData.response` taken from :meth:`FitResult.crisis_response`
RESPONSE_COLUMNS = ("event", "channel", "spend", "spend_usual", "returned_mean", "returned_lower",
                    "returned_upper", "roi_mean", "roi_lower", "roi_upper")  # fmt: skip


@dataclass(frozen=True)
class SentimentData:
    """What the report shows about sentiment and named events.

    ``tone``: one row per period and earned channel split by sentiment (``date``, ``earned``,
    ``other`` — mentions that are not negative — and ``negative``), national totals;
    ``windows``: one row per event window (``event``, ``kind``, ``start``, ``end``) to shade;
    ``events``: :data:`EVENT_COLUMNS` per named event (empty without one);
    ``response``: :data:`RESPONSE_COLUMNS` per crisis and paid social channel that spent in it.
    """

    tone: pd.DataFrame
    windows: pd.DataFrame
    events: pd.DataFrame
    response: pd.DataFrame


def sentiment_data(result: FitResult) -> SentimentData | None:
    """The sentiment part's data, or None when the map splits no channel and declares no event."""
    ds = result.dataset
    cmap = ds.channel_map
    chans = cmap.sentiment_channels
    if not chans and not cmap.events:
        return None
    rows = []
    negative = ds.negative.sum(axis=1)  # (T, C)
    for ch in chans:
        j = ds.channels.index(ch)
        neg = negative[:, j]
        rows.append(pd.DataFrame({"date": ds.dates, "earned": ch,
                                  "other": ds.activity_total[:, j] - neg, "negative": neg}))  # fmt: skip
    tone = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["date", "earned", "other", "negative"])
    )
    windows = pd.DataFrame(
        [{"event": e.name, "kind": e.kind, "start": e.start, "end": e.end} for e in cmap.events],
        columns=["event", "kind", "start", "end"],
    )
    ev = result.events()
    events = (
        ev.to_dataframe().reset_index()[list(EVENT_COLUMNS)]
        if ev.sizes.get("event", 0)
        else pd.DataFrame(columns=list(EVENT_COLUMNS))
    )
    resp = result.crisis_response()
    response = (
        resp.to_dataframe().reset_index()[list(RESPONSE_COLUMNS)]
        if resp.sizes.get("response", 0)
        else pd.DataFrame(columns=list(RESPONSE_COLUMNS))
    )
    return SentimentData(tone, windows, events, response)
