"""Draft a channel map from a table's column names (``mmm init``)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pandas as pd

from mmm.data.config import ChannelMap, dict_to_toml
from mmm.data.load import LONG_COLUMNS, pivot_long
from mmm.exceptions import DataValidationError, list_some

_KPI = re.compile(r"revenue|sales|gmv|kpi|销售额|收入", re.IGNORECASE)
_RULES = (
    ("paid", "spend", re.compile(r"^(.+?)_(?:spend|cost|花费|投放)$", re.IGNORECASE)),
    (
        "owned",
        "activity",
        re.compile(r"^(.+?)_(?:posts|push|pushes|sends|emails|推文)$", re.IGNORECASE),
    ),
    (
        "earned",
        "activity",
        re.compile(r"^(.+?)_(?:mentions|shares|ugc|reviews|提及|转发)$", re.IGNORECASE),
    ),
)
SOCIAL_WORDS = (
    "weibo", "wechat", "douyin", "kuaishou", "tiktok", "facebook", "instagram", "twitter", "x",
    "kol", "red", "xiaohongshu", "bilibili", "微博", "微信", "抖音", "快手", "小红书", "达人",
)  # fmt: skip


def _is_social(name: str) -> bool:
    low = name.lower()
    tokens = set(re.split(r"[_\-\s.]+", low))
    return any(w in tokens or ((len(w) >= 4 or not w.isascii()) and w in low) for w in SOCIAL_WORDS)


def _looks_like_dates(col: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return True
    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return False
    values = col.dropna()
    if values.empty:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return bool(pd.to_datetime(values, errors="coerce").notna().all())


def draft_channel_map(df: pd.DataFrame, *, source: str = "") -> str:
    """Draft a commented channel map (TOML text) from a table's column names.

    Rules: the first column that parses as dates → ``date``; a name matching
    ``revenue|sales|gmv|kpi|销售额|收入`` → ``kpi``; ``*_spend|*_cost|*_花费|*_投放`` → paid;
    ``*_posts|*_push(es)|*_sends|*_emails|*_推文`` → owned activity;
    ``*_mentions|*_shares|*_ugc|*_reviews|*_提及|*_转发`` → earned, driven by every channel
    whose name looks social (Weibo, WeChat, Douyin, KOL, 小红书, …); other numeric columns →
    controls. The draft is checked with :meth:`ChannelMap.from_toml` before it is returned.

    Examples
    --------
    >>> df = pd.DataFrame({"week": ["2024-01-01", "2024-01-08"], "revenue": [1.0, 2.0],
    ...                    "weibo_spend": [1.0, 0.0], "weibo_mentions": [3, 4], "price": [1, 1]})
    >>> cmap = ChannelMap.from_toml(draft_channel_map(df))
    >>> cmap.channel("weibo_mentions").driven_by, cmap.controls
    (('weibo',), ('price',))
    """
    if {"date", *LONG_COLUMNS} <= set(df.columns):
        df = pivot_long(df)
    columns = [str(c) for c in df.columns]
    date_col = next((c for c in df.columns if _looks_like_dates(df[c])), None)
    if date_col is None:
        raise DataValidationError(
            f"No column parses as dates, so no date column can be drafted; columns: {list_some(columns, 40)}."
        )
    chans: dict[str, dict[str, Any]] = {}
    notes: dict[str, str] = {}
    kpis, controls, unused = [], [], []
    for col, name in zip(df.columns, columns, strict=True):
        if col == date_col:
            continue
        for media, key, rx in _RULES:
            m = rx.match(name)
            if m:
                ch = m.group(1) if m.group(1) not in chans else name
                chans[ch] = {"media": media, key: name}
                notes[ch] = f"{media}, from column {name!r}"
                if media != "earned" and _is_social(ch):
                    chans[ch]["social"] = True
                    notes[ch] += "; social = true because the name looks like a social platform"
                break
        else:
            if _KPI.search(name):
                kpis.append(name)
            elif pd.api.types.is_numeric_dtype(df[col].dtype) or pd.api.types.is_bool_dtype(
                df[col].dtype
            ):
                controls.append(name)
            else:
                unused.append(name)
    if not kpis:
        raise DataValidationError(
            f"No KPI column: no column name matches {_KPI.pattern}; columns: {list_some(columns, 40)}. "
            "Rename the sales column or write the channel map by hand."
        )
    if not any(c["media"] != "earned" for c in chans.values()):
        raise DataValidationError(
            "No paid or owned channel found: name spend columns *_spend / *_cost / *_花费 / *_投放 and "
            f"activity columns *_posts / *_pushes / *_sends / *_emails / *_推文; columns: {list_some(columns, 40)}."
        )
    social = [n for n, c in chans.items() if c.get("social")]
    for n, c in chans.items():
        if c["media"] == "earned":
            c["driven_by"] = social
            notes[n] += (
                "; driven_by = every social channel: keep only those that generate it"
                if social
                else "; no social channel found: list the channels that generate it in driven_by"
            )
    order = {"paid": 0, "owned": 1, "earned": 2}
    lines = [
        f"# Channel map drafted by `mmm init`{' from ' + source if source else ''}.",
        "# CHECK IT before fitting: media types, `social` flags, `driven_by` and controls below",
        "# are guesses from column names. Then run: mmm validate DATA --config THIS_FILE",
        dict_to_toml({"date": str(date_col), "kpi": kpis[0]}).rstrip(),
        '# frequency = "W"      # optional: "D", "W" or "M"; inferred from the dates otherwise',
        '# week_start = "MON"   # daily data is summed to weeks starting on this day',
    ]
    if kpis[1:]:
        lines.append(f"# also looked like a KPI, left out: {', '.join(kpis[1:])}")
    for n in sorted(chans, key=lambda k: order[chans[k]["media"]]):
        lines += ["", f"# {notes[n]}", dict_to_toml({"channels": {n: chans[n]}}).strip()]
    lines += [
        "",
        "# every other numeric column; remove any that marketing itself drives (they would hide its effect)",
        dict_to_toml({"controls": {"columns": controls}}).strip(),
        '# holidays = "CN"      # optional holiday regressors from the `holidays` package',
    ]
    if unused:
        lines.append(f"# not used (not numeric): {', '.join(unused)}")
    text = "\n".join(lines) + "\n"
    ChannelMap.from_toml(text)
    return text
