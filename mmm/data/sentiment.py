"""Mentions by sentiment, as the loaders read them: columns, checks and the net-score conversion.

An earned channel may split its mentions by sentiment in the channel map (see
:mod:`mmm.data.config`): ``negative`` (counts), optionally ``positive``, or ``sentiment`` (a net
score ``s = (positive − negative) / all mentions`` in [-1, 1]). The loader checks these columns
on the raw rows (a bad day cannot hide inside a week's total) and turns a net score into counts
(``negative = all · (1 − s) / 2``, ``positive = all · (1 + s) / 2``) before daily rows are summed,
so that weeks add up counts, never scores. :class:`~mmm.data.dataset.MMMDataset` then holds
``negative`` and ``positive`` as (date, geo, channel) variables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm._dims import GEO
from mmm.data.config import ChannelConfig, ChannelMap
from mmm.data.dataset import check_tone
from mmm.exceptions import DataValidationError

#: role of a net sentiment score column (the one sentiment column that may be negative)
SCORE_ROLE = "net sentiment score of earned channel {name!r}"


def tone_roles(cmap: ChannelMap) -> dict[str, str]:
    """Sentiment column → what it is (for messages), in channel-map order."""
    roles = {}
    for ch in cmap.channels:
        if ch.negative:
            roles[ch.negative] = f"negative mentions of earned channel {ch.name!r}"
        if ch.positive:
            roles[ch.positive] = f"positive mentions of earned channel {ch.name!r}"
        if ch.sentiment:
            roles[ch.sentiment] = SCORE_ROLE.format(name=ch.name)
    return roles


def signed_columns(cmap: ChannelMap) -> set[str]:
    """Mapped columns that may hold negative values: controls and net sentiment scores."""
    return {*cmap.controls, *(ch.sentiment for ch in cmap.channels if ch.sentiment)}


def _negative_key(ch: ChannelConfig) -> str:
    return f"__negative__{ch.name}"


def _positive_key(ch: ChannelConfig) -> str:
    return f"__positive__{ch.name}"


def tone_table(table: pd.DataFrame, cmap: ChannelMap) -> pd.DataFrame:
    """Check the sentiment columns of the raw rows and add them as counts.

    ``table`` has one column per mapped column and a (date, geo) index. Returns it with a
    negative (and positive) count column per sentiment channel; net score columns are replaced
    by the counts they imply.

    Raises
    ------
    DataValidationError
        Naming the column, channel, region and dates: negative counts, counts above all
        mentions, a score outside [-1, 1].
    """
    chans = [ch for ch in cmap.channels if ch.has_sentiment]
    if not chans:
        return table
    out = table.copy()
    for region, rows in table.groupby(level=GEO, sort=False):
        dates = pd.DatetimeIndex(rows.index.get_level_values(0))
        where = f" in region {region!r}" if cmap.geo else ""
        at = out.index.get_level_values(GEO) == region
        for ch in chans:
            total = rows[ch.input_column].to_numpy()
            if ch.sentiment:
                score = rows[ch.sentiment].to_numpy()
                _check_score(score, dates, ch, where)
                neg, pos = total * (1 - score) / 2, total * (1 + score) / 2
            else:
                neg = rows[str(ch.negative)].to_numpy()
                pos = rows[ch.positive].to_numpy() if ch.positive else None
            check_tone(total, neg, pos, dates, ch, where)
            out.loc[at, _negative_key(ch)] = neg
            if pos is not None:
                out.loc[at, _positive_key(ch)] = pos
    return out.drop(columns=[ch.sentiment for ch in chans if ch.sentiment])


def _check_score(score: np.ndarray, dates: pd.DatetimeIndex, ch: ChannelConfig, where: str) -> None:
    bad = np.flatnonzero(~np.isfinite(score) | (np.abs(score) > 1))
    if len(bad):
        shown = ", ".join(f"{dates[i].date()} ({score[i]:g})" for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise DataValidationError(
            f"Column {ch.sentiment!r} ({SCORE_ROLE.format(name=ch.name)}) has {len(bad)} value(s) "
            f"outside [-1, 1] or missing{where}: {shown}{more}. A net score is (positive − "
            "negative) / all mentions; give counts with `negative` (and `positive`) instead if "
            "your score is on another scale."
        )


def tone_arrays(
    full: pd.DataFrame, cmap: ChannelMap, shape: tuple[int, int]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(negative, positive) as (date, geo, channel) arrays from a table built by :func:`tone_table`
    (summed to the model's periods); None where no channel has them, zero for other channels."""
    chans = cmap.channels
    out: list[np.ndarray | None] = []
    for key, wanted in ((_negative_key, any(c.has_sentiment for c in chans)),
                        (_positive_key, any(c.positive or c.sentiment for c in chans))):  # fmt: skip
        if not wanted:
            out.append(None)
            continue
        cols = [
            full[key(c)].to_numpy().reshape(shape) if key(c) in full else np.zeros(shape)
            for c in chans
        ]
        out.append(np.stack(cols, axis=-1))
    return out[0], out[1]
