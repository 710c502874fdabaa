"""Synthetic brands with a public-opinion crisis (舆情), and the truth of what it cost.

:func:`generate_crisis` (national) and :func:`generate_crisis_panel` (regional) take a brand from
:func:`mmm.data.synthetic.generate` / :func:`mmm.data.regions.generate_panel` and add a crisis
episode, the way the essays describe it: a viral complaint floods the platforms with negative
posts, sales dip for some weeks, and the brand answers with a burst of paid social. The result
is a :class:`CrisisBrand` with the data, a channel map that splits mentions by sentiment and
declares the crisis, the true ROI of every channel and the truth of the crisis.

What is added to the base brand, per week ``t`` (and region ``g`` of a panel):

* **response burst**: each channel of ``Crisis.response`` has its flighting multiplied by
  ``Crisis.boost`` for ``Crisis.response_weeks`` weeks from ``Crisis.response_lag`` weeks
  after the crisis starts (before its spend is scaled to the preset level, so the brand spends
  more overall that year);
* **negative mentions** ``N_t = usual_t · (1 + spike_t)``: a usual level of
  ``Crisis.negative_share`` × the brand's mean mentions, growing with the organic trend, with
  AR(1) and independent log-normal noise, and in the regions hit a spike that reaches
  ``Crisis.peak`` × the usual level in the crisis's second week (60% of it in the first) and
  decays by ``Crisis.decay`` a week. The earned channel's ``activity`` becomes all mentions
  (the base brand's mentions, which are what the sources generated plus organic ones, plus
  the negative ones), with the negative ones in their own column;
* **KPI dip** (additive, per region in currency): a baseline shift of ``−Crisis.depth`` × the
  region's mean expected KPI in each week of the crisis window (``Crisis.weeks`` long), plus
  the effect of negative mentions above their usual level,
  ``−Crisis.negative_effect`` × mean expected KPI × ``adstock((N_t − median N) / mean N)``
  with the earned channel's own carry-over;
* ``revenue = (mu + dip) · exp(eps)`` with the base brand's noise ``eps``.

Everything else (baseline, paid, owned and positive earned media, the generated mentions) is
the base brand's, so the true ROI of every channel is the base generator's truth: the
crisis is additive and does not change what a channel's spend returns.

Examples
--------
>>> from mmm.data.crisis import generate_crisis
>>> brand = generate_crisis(seed=1, weeks=104, channels=["tv", "weibo", "douyin", "mentions"])
>>> brand.event.kind, len(brand.data)
('crisis', 104)
>>> bool(brand.crisis_truth["kpi_lost"].iloc[0] > 0)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.config import ChannelMap
from mmm.data.events import EventConfig, events_to_dict
from mmm.data.regions import RegionalBrand, generate_panel
from mmm.data.synthetic import (
    MAX_LAG,
    PRESET,
    SyntheticBrand,
    ar1,
    generate,
    geometric_adstock,
    preset_key,
)

#: the channel mix of a generated crisis brand (the ones the bundled brands use, minus owned)
DEFAULT_CHANNELS = ("tv", "search", "weibo", "douyin", "kol", "wechat_posts", "mentions")
#: column of negative mentions (English, Chinese)
NEGATIVE_COLUMN = ("negative_mentions", "负面提及")
#: columns of :attr:`CrisisBrand.crisis_truth`
CRISIS_COLUMNS = ("event", "kind", "start", "end", "geo", "kpi_lost", "kpi_lost_shift",
                  "kpi_lost_negative", "depth", "negative_effect")  # fmt: skip
#: columns of :attr:`CrisisBrand.response_truth`
RESPONSE_COLUMNS = ("channel", "spend_in_window", "spend_usual", "contribution", "roi")


@dataclass(frozen=True)
class Crisis:
    """One crisis episode of a generated brand (see the module docstring for the process).

    ``start`` is a week index or a date (None: a week drawn from the seed in the middle of the
    data); ``geo`` limits a panel's crisis to some regions (names as the panel writes them).
    """

    start: int | str | None = None
    weeks: int = 5
    depth: float = 0.06
    peak: float = 6.0
    decay: float = 0.55
    negative_effect: float = 0.015
    negative_share: float = 0.12
    response: tuple[str, ...] = ("douyin",)
    boost: float = 4.0
    response_weeks: int = 6
    response_lag: int = 1
    geo: tuple[str, ...] = ()

    def week(self, dates: pd.DatetimeIndex, seed: int) -> int:
        """The week index the crisis starts in."""
        n = len(dates)
        if self.start is None:
            first = int(np.random.default_rng([seed, 400]).integers(int(0.45 * n), int(0.7 * n)))
        elif isinstance(self.start, int | np.integer):
            first = int(self.start)
        else:
            first = int(dates.searchsorted(pd.Timestamp(self.start)))
        if not 8 <= first <= n - self.weeks - 4:
            raise ValueError(
                f"Crisis start week {first} leaves too little data around it; choose a week in "
                f"8..{n - self.weeks - 4} of the {n} weeks."
            )
        return first

    def check(self) -> None:
        if (
            self.weeks < 1
            or min(self.response_weeks, self.response_lag) < 0
            or self.boost < 0
            or self.peak < 1
        ):
            raise ValueError(
                f"{self}: need weeks >= 1, response_weeks >= 0, response_lag >= 0, boost >= 0 "
                "and peak >= 1."
            )
        if not (0 <= self.depth < 1 and self.negative_effect >= 0 and 0 < self.negative_share < 1):
            raise ValueError(
                f"{self}: need 0 <= depth < 1, negative_effect >= 0, 0 < negative_share < 1."
            )


@dataclass(frozen=True, eq=False)
class CrisisBrand:
    """A synthetic brand with a crisis: data, channel map and the known truth.

    Attributes
    ----------
    data : pandas.DataFrame
        The base brand's columns (one row per week, or per week and region) with the crisis:
        revenue with the dip, the earned channel's mentions counting all of them, and a column
        of negative mentions.
    channel_map : ChannelMap
        The base map with ``negative`` on the earned channel and the crisis declared as an
        event (see :meth:`channel_map_as` for the maps of a brand that ignores either).
    truth : pandas.DataFrame
        The base generator's truth per channel (ROI of what each channel generated; the
        crisis is additive and changes none of it).
    crisis_truth : pandas.DataFrame
        One row: ``event, kind, start, end, geo, kpi_lost`` (currency lost over the data,
        of which ``kpi_lost_shift`` by the baseline shift and ``kpi_lost_negative`` by the
        negative mentions above their usual level in the window), ``depth`` and
        ``negative_effect`` (the true coefficients, see :class:`Crisis`).
    response_truth : pandas.DataFrame
        Per response channel: ``spend_in_window`` (spend in the crisis window),
        ``spend_usual`` (what it would have spent there without the burst, at its average
        weekly rate), ``contribution`` (what the spend in the window returned, carry-over and
        earned media included) and ``roi``.
    base : SyntheticBrand or RegionalBrand
        The brand without the crisis (same inputs; ``base.expected_kpi`` gives the KPI
        without the dip).
    """

    data: pd.DataFrame = field(repr=False)
    channel_map: ChannelMap = field(repr=False)
    truth: pd.DataFrame = field(repr=False)
    crisis_truth: pd.DataFrame = field(repr=False)
    response_truth: pd.DataFrame = field(repr=False)
    base: SyntheticBrand | RegionalBrand = field(repr=False)
    params: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def event(self) -> EventConfig:
        """The crisis as the channel map declares it."""
        return self.channel_map.events[0]

    def channel_map_as(self, *, declared: bool = True, sentiment: bool = True) -> ChannelMap:
        """The channel map of an analyst who did (not) declare the crisis and did (not) split mentions.

        ``declared=False`` drops the event; ``sentiment=False`` also drops the negative column,
        so every mention counts as earned media (what a model without sentiment sees).
        """
        raw = self.channel_map.to_dict()
        if not declared:
            raw.pop("events", None)
        if not sentiment:
            for spec in raw["channels"].values():
                spec.pop("negative", None)
        return ChannelMap.from_dict(raw, where="(synthetic crisis)")

    def to_files(self, directory: str | Path, stem: str) -> dict[str, Path]:
        """Write ``{stem}.csv``, ``{stem}.toml``, ``{stem}_truth.csv`` and ``{stem}_crisis_truth.csv``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {k: out / f"{stem}{s}" for k, s in (("data", ".csv"), ("channel_map", ".toml"),
                 ("truth", "_truth.csv"), ("crisis_truth", "_crisis_truth.csv"))}  # fmt: skip
        self.data.to_csv(paths["data"], index=False, date_format="%Y-%m-%d", encoding="utf-8")
        paths["channel_map"].write_text(self.channel_map.to_toml(), encoding="utf-8")
        truth = self.truth.copy()
        num = truth.select_dtypes("number").columns
        truth[num] = truth[num].round(6)
        truth.to_csv(paths["truth"], index=False, encoding="utf-8")
        crisis = self.crisis_truth.merge(
            self.response_truth.rename(columns={"channel": "response"}), how="cross"
        )
        crisis.round(6).to_csv(paths["crisis_truth"], index=False, encoding="utf-8")
        return paths

    def __repr__(self) -> str:
        c = self.crisis_truth.iloc[0]
        return (
            f"CrisisBrand({self.base!r}, crisis {c['start']}..{c['end']}, "
            f"KPI lost {c['kpi_lost']:,.0f})"
        )


# ---------------------------------------------------------------------- generators
def generate_crisis(
    seed: int = 0,
    weeks: int = 104,
    *,
    crisis: Crisis | None = None,
    channels: Sequence[str] | None = DEFAULT_CHANNELS,
    chinese: bool = False,
    **kwargs: Any,
) -> CrisisBrand:
    """A national weekly brand (:func:`mmm.data.synthetic.generate`) with a crisis episode.

    Parameters
    ----------
    seed, weeks, channels, chinese
        As for :func:`~mmm.data.synthetic.generate` (``channels`` must include ``mentions``
        and the response channels).
    crisis : Crisis, optional
        The episode (default :class:`Crisis()`).
    **kwargs
        Passed on to :func:`~mmm.data.synthetic.generate` (``roi``, ``share``, ``noise``, …).
    """
    c = crisis or Crisis()
    c.check()
    if c.geo:
        raise ValueError("Crisis.geo is for regional panels (generate_crisis_panel).")
    dates = pd.date_range(
        pd.Timestamp(kwargs.get("start", "2022-01-03")), periods=weeks, freq="W-MON"
    )
    first = c.week(dates, seed)
    modulate = _burst(c, channels, weeks, first) | dict(kwargs.pop("modulate", {}) or {})
    base = generate(seed, weeks, channels=channels, chinese=chinese, modulate=modulate, **kwargs)
    cmap = base.channel_map
    earned = _earned(cmap)
    mentions = base.data[cmap.channel(earned).input_column].to_numpy(dtype=float)[:, None]
    mu = base.components["mu"].to_numpy()[:, None]
    eps = base.components["eps"].to_numpy()
    weight = np.ones(1)
    neg, dip, parts = _crisis(c, seed, mentions, mu, weight, first, np.ones(1, dtype=bool))
    data = base.data.copy()
    kpi = cmap.kpi
    data[kpi] = np.round((mu[:, 0] + dip[:, 0]) * np.exp(eps), 2)
    neg_col = NEGATIVE_COLUMN[1 if chinese else 0]
    data[cmap.channel(earned).input_column] = (mentions[:, 0] + neg[:, 0]).astype(np.int64)
    data[neg_col] = neg[:, 0].astype(np.int64)
    event = _event(c, dates, first, chinese, ())
    new_map = _with_crisis(cmap, earned, neg_col, event)
    truth = base.truth.copy()
    truth["share_of_kpi"] = truth["contribution_direct"] / float((mu[:, 0] + dip[:, 0]).sum())
    response = _response_truth(base, c, dates, first)
    return CrisisBrand(data, new_map, truth, _crisis_truth(c, event, parts), response, base,
                       {"crisis": c, "start_week": first, "negative": neg[:, 0]})  # fmt: skip


def generate_crisis_panel(
    seed: int = 0,
    regions: int = 6,
    weeks: int = 104,
    *,
    crisis: Crisis | None = None,
    channels: Sequence[str] | None = DEFAULT_CHANNELS,
    chinese: bool = False,
    **kwargs: Any,
) -> CrisisBrand:
    """A regional panel (:func:`mmm.data.regions.generate_panel`) with a crisis episode.

    The crisis hits the regions in ``Crisis.geo`` (default: every region; the event is then
    declared without ``geo``); the response burst is national (every region's flighting).
    ``kwargs`` go to :func:`~mmm.data.regions.generate_panel`.
    """
    c = crisis or Crisis()
    c.check()
    dates = pd.date_range(
        pd.Timestamp(kwargs.get("start", "2022-01-03")), periods=weeks, freq="W-MON"
    )
    first = c.week(dates, seed)
    modulate = _burst(c, channels, weeks, first) | dict(kwargs.pop("modulate", {}) or {})
    base = generate_panel(
        seed, regions, weeks, channels=channels, chinese=chinese, modulate=modulate, **kwargs
    )
    cmap = base.channel_map
    geo_col = str(cmap.geo)
    unknown = [g for g in c.geo if g not in base.regions]
    if unknown:
        raise ValueError(
            f"Crisis.geo names unknown region(s) {unknown}; the panel has {list(base.regions)}."
        )
    earned = _earned(cmap)
    frame = base.data
    t = dates.get_indexer(pd.to_datetime(frame[cmap.date]))
    g = pd.Index(base.regions).get_indexer(frame[geo_col].astype(str))

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.zeros((weeks, base.n_regions))
        out[t, g] = values
        return out

    mentions = grid(frame[cmap.channel(earned).input_column].to_numpy(dtype=float))
    mu_rows = base.expected_kpi(frame)
    mu = grid(mu_rows)
    eps = np.log(frame[cmap.kpi].to_numpy(dtype=float) / mu_rows)
    hit = np.array([not c.geo or r in c.geo for r in base.regions])
    neg, dip, parts = _crisis(c, seed, mentions, mu, np.asarray(base.params["weights"]), first, hit)
    data = frame.copy()
    data[cmap.kpi] = np.round((mu_rows + dip[t, g]) * np.exp(eps), 2)
    neg_col = NEGATIVE_COLUMN[1 if chinese else 0]
    data[cmap.channel(earned).input_column] = (mentions + neg)[t, g].astype(np.int64)
    data[neg_col] = neg[t, g].astype(np.int64)
    event = _event(c, dates, first, chinese, c.geo)
    new_map = _with_crisis(cmap, earned, neg_col, event)
    return CrisisBrand(data, new_map, base.truth.copy(), _crisis_truth(c, event, parts),
                       _response_truth(base, c, dates, first), base,
                       {"crisis": c, "start_week": first, "negative": neg})  # fmt: skip


# ---------------------------------------------------------------------- pieces
def _burst(
    c: Crisis, channels: Sequence[str] | None, weeks: int, first: int
) -> dict[str, np.ndarray]:
    """The response channels' weekly flighting factor: ``boost`` in the response weeks, else 1."""
    keys = [preset_key(k, "Crisis.response") for k in c.response]
    chosen = None if channels is None else {preset_key(k, "channels") for k in channels}
    bad = [k for k in keys if PRESET[k].media != "paid" or (chosen is not None and k not in chosen)]
    if bad:
        raise ValueError(
            f"Crisis.response {bad}: response channels must be generated paid channels."
        )
    factor = np.ones(weeks)
    factor[first + c.response_lag : first + c.response_lag + c.response_weeks] = c.boost
    return {k: factor for k in keys}


def _earned(cmap: ChannelMap) -> str:
    earned = [ch.name for ch in cmap.channels if ch.media == "earned"]
    if not earned:
        raise ValueError("A crisis brand needs earned mentions: include 'mentions' in channels.")
    return earned[0]


def spike_profile(c: Crisis, weeks: int, first: int) -> np.ndarray:
    """The crisis's extra negative mentions as a multiple of the usual level, (weeks,)."""
    out = np.zeros(weeks)
    steps = np.arange(weeks - first)
    shape = np.where(steps == 0, 0.6, c.decay ** np.maximum(steps - 1, 0))
    out[first:] = (c.peak - 1.0) * shape
    return out


def _crisis(
    c: Crisis, seed: int, mentions: np.ndarray, mu: np.ndarray, weight: np.ndarray,
    first: int, hit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:  # fmt: skip
    """Negative mentions (T, G), the KPI dip (T, G, currency) and the parts of what it cost."""
    n, n_geo = mentions.shape
    t = np.arange(n) / 52.0
    level = c.negative_share * mentions.mean(axis=0)  # (G,)
    noise = np.stack(
        [ar1(np.random.default_rng([seed, 401, g]), n, 0.8, 0.08) for g in range(n_geo)], axis=1
    )
    noise += np.random.default_rng([seed, 402]).normal(0, 0.08, (n, n_geo))
    usual = level[None, :] * (1 + 0.1 * t[:, None]) * np.exp(noise)
    spike = spike_profile(c, n, first)[:, None] * hit[None, :]
    neg = np.round(usual * (1 + spike))
    window = np.zeros(n)
    window[first : first + c.weeks] = 1.0
    scale_kpi = mu.mean(axis=0)  # (G,) mean expected KPI per region
    shift = -c.depth * scale_kpi[None, :] * window[:, None] * hit[None, :]
    # the model's reading: negative mentions above their usual (median) level, per region, in
    # units of the national mean negative mentions × the region's share, with the earned carry-over
    ref = np.median(neg, axis=0)
    unit = neg.sum(axis=1).mean() * weight
    alpha = PRESET["mentions"].alpha
    excess = (neg - ref[None, :]) / unit[None, :]
    effect = -c.negative_effect * scale_kpi[None, :] * geometric_adstock(excess, alpha, MAX_LAG)
    in_window = geometric_adstock(excess * window[:, None], alpha, MAX_LAG)
    lost_neg = float((c.negative_effect * scale_kpi[None, :] * in_window).sum())
    parts = {"kpi_lost_shift": float(-shift.sum()), "kpi_lost_negative": lost_neg}
    return neg, shift + effect, parts


def _event(
    c: Crisis, dates: pd.DatetimeIndex, first: int, chinese: bool, geo: tuple[str, ...]
) -> EventConfig:
    start = dates[first]
    end = dates[first + c.weeks - 1] + pd.Timedelta(days=6)
    name = f"{'舆情' if chinese else 'crisis'}_{start:%Y_%m}"
    return EventConfig(name, "crisis", start, end, tuple(geo))


def _with_crisis(cmap: ChannelMap, earned: str, neg_col: str, event: EventConfig) -> ChannelMap:
    raw = cmap.to_dict()
    raw["channels"][earned]["negative"] = neg_col
    raw["events"] = events_to_dict([event])
    return ChannelMap.from_dict(raw, where="(synthetic crisis)")


def _crisis_truth(c: Crisis, event: EventConfig, parts: Mapping[str, float]) -> pd.DataFrame:
    row = {
        "event": event.name, "kind": event.kind, "start": event.start.date().isoformat(),
        "end": event.end.date().isoformat(), "geo": ",".join(event.geo),
        "kpi_lost": parts["kpi_lost_shift"] + parts["kpi_lost_negative"], **parts,
        "depth": c.depth, "negative_effect": c.negative_effect,
    }  # fmt: skip
    return pd.DataFrame([row], columns=list(CRISIS_COLUMNS))


def _response_truth(
    base: SyntheticBrand | RegionalBrand, c: Crisis, dates: pd.DatetimeIndex, first: int
) -> pd.DataFrame:
    """What each response channel's spend in the crisis window returned (noise-free, with carry-over)."""
    cmap = base.channel_map
    frame = base.data
    when = pd.to_datetime(frame[cmap.date])
    in_window = ((when >= dates[first]) & (when <= dates[first + c.weeks - 1])).to_numpy()
    mu = base.expected_kpi(frame)
    rows = []
    for key in c.response:
        k = preset_key(key, "Crisis.response")
        name = next(ch.name for ch in cmap.channels if ch.name in (k, PRESET[k].zh))
        col = str(cmap.channel(name).spend)
        zeroed = frame.copy()
        zeroed.loc[in_window, col] = 0.0
        contribution = float((mu - base.expected_kpi(zeroed)).sum())
        spend = float(frame.loc[in_window, col].sum())
        usual = (
            float(frame.loc[~in_window, col].sum()) / max((~in_window).sum(), 1) * in_window.sum()
        )
        rows.append(
            (name, spend, usual, contribution, contribution / spend if spend > 0 else np.nan)
        )
    return pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS))
