"""Synthetic regional panels with known truth: one brand sold in many provinces or markets.

:func:`generate_panel` draws a seeded weekly panel (one row per week and region) from the
model family the regional model fits, and returns a :class:`RegionalBrand` with the data,
its channel map, and the TRUE ROI of every channel nationally and in every region.

What varies between regions, and why it matters: each region has its own size (population),
baseline level, trend and price; its own flighting of every regionally bought channel; and
social channels (Weibo, Douyin) that launch and ramp up at different times in different
regions. That variation is what lets a panel model separate a ramping social channel from
the trend, which one national series cannot do. National TV is bought nationally
(``level = "national"`` in the channel map): every region gets the national flight in
proportion to its population.

The generating process, per week ``t`` and region ``g`` with population share ``w_g``:

* carry-over (geometric, normalised weights) and Hill saturation are shared per channel; the
  Hill is applied to input relative to ``w_g`` × the channel's national mean weekly input —
  the same scale the model uses;
* a paid channel's effect in region ``g`` is ``beta_gc · s_c(adstock(x_gc))`` with ``beta_gc``
  set so that its regional ROI is the channel's ROI × a region factor
  ``exp(N(0, roi_spread) − roi_spread²/2)``; owned and earned channels from a share of revenue;
* earned mentions per region: organic level (growing, AR(1) noise) + what the region's social
  channels generate, times log-normal noise; they drive revenue through their own transforms;
* baseline per region: intercept ∝ population × a region factor, trend, shared seasonality with
  a regional phase shift, Spring Festival and promotion weeks, price (a control per region),
  and a shared national weekly shock (``exp(N(0, national_shock))``) that hits every region;
* ``revenue_gt = mu_gt · exp(eps_gt)``, ``eps ~ N(0, noise)``.

Examples
--------
>>> from mmm.data.regions import generate_panel
>>> brand = generate_panel(seed=1, regions=4, weeks=60)
>>> brand.data.shape[0], brand.n_regions
(240, 4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.config import ChannelMap
from mmm.data.synthetic import (
    DEFAULT_ROI,
    DEFAULT_SHARE,
    FLIGHTS,
    MAX_LAG,
    MENTION_NOISE,
    MENTIONS_LEVEL,
    ORGANIC_SHARE,
    PRESET,
    FlightContext,
    ar1,
    baseline_parts,
    geometric_adstock,
    hill,
    preset_key,
    promo_weeks,
    spring_festival_weeks,
    years_since,
)
from mmm.exceptions import ConfigError

#: provinces in order of population (Chinese name, pinyin, population in millions, about 2020)
PROVINCES = (
    ("广东", "Guangdong", 126.0), ("山东", "Shandong", 101.5), ("河南", "Henan", 99.4),
    ("江苏", "Jiangsu", 84.7), ("四川", "Sichuan", 83.7), ("河北", "Hebei", 74.6),
    ("湖南", "Hunan", 66.4), ("浙江", "Zhejiang", 64.6), ("安徽", "Anhui", 61.0),
    ("湖北", "Hubei", 57.8), ("广西", "Guangxi", 50.1), ("云南", "Yunnan", 47.2),
    ("江西", "Jiangxi", 45.2), ("辽宁", "Liaoning", 42.6), ("福建", "Fujian", 41.5),
    ("陕西", "Shaanxi", 39.5), ("贵州", "Guizhou", 38.6), ("山西", "Shanxi", 34.9),
    ("重庆", "Chongqing", 32.1), ("黑龙江", "Heilongjiang", 31.9), ("新疆", "Xinjiang", 25.9),
    ("上海", "Shanghai", 24.9), ("甘肃", "Gansu", 25.0), ("内蒙古", "Inner Mongolia", 24.0),
    ("吉林", "Jilin", 24.1), ("北京", "Beijing", 21.9), ("天津", "Tianjin", 13.9),
    ("海南", "Hainan", 10.1), ("宁夏", "Ningxia", 7.2), ("青海", "Qinghai", 5.9),
    ("西藏", "Tibet", 3.6),
)  # fmt: skip
#: the channel mix of the bundled demo brand
DEFAULT_CHANNELS = ("tv", "search", "outdoor", "weibo", "douyin", "wechat_ads", "kol",
                    "wechat_posts", "email", "app_push", "mentions")  # fmt: skip
#: channels bought nationally by default (split to regions by population)
DEFAULT_NATIONAL = ("tv",)
#: social channels that launch at a different week in each region and ramp up over RAMP_WEEKS
DEFAULT_STAGGERED = ("weibo", "douyin")
RAMP_WEEKS = 26
INTERCEPT = 8_400_000.0
TRUTH_COLUMNS = ("channel", "media", "social", "spend", "contribution", "roi", "share_of_kpi")
GEO_TRUTH_COLUMNS = ("geo", "channel", "media", "social", "spend", "contribution", "roi")


@dataclass(frozen=True, eq=False)
class RegionalBrand:
    """A synthetic regional panel: data, channel map and the known truth.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per week and region with the columns of ``channel_map``.
    channel_map : ChannelMap
        Validated channel map (``geo``, ``population``, national channels marked).
    truth : pandas.DataFrame
        National truth per channel: ``channel, media, social, spend, contribution, roi,
        share_of_kpi``; contribution is the noise-free revenue lost without the channel in
        every region (direct + via earned media), ROI = contribution / spend (NaN without cost).
    truth_by_geo : pandas.DataFrame
        The same per region: ``geo, channel, media, social, spend, contribution, roi``.
    params : dict
        True parameters: per channel ``alpha, half, slope``; ``beta`` (geo,), ``roi_factor``
        (geo,); ``weights`` (population shares), ``launch`` (week each staggered channel
        starts in each region).
    """

    data: pd.DataFrame = field(repr=False)
    channel_map: ChannelMap = field(repr=False)
    truth: pd.DataFrame = field(repr=False)
    truth_by_geo: pd.DataFrame = field(repr=False)
    params: dict[str, Any] = field(repr=False)
    _sim: _Simulator = field(repr=False)

    @property
    def regions(self) -> tuple[str, ...]:
        return self._sim.regions

    @property
    def n_regions(self) -> int:
        return len(self._sim.regions)

    def expected_kpi(self, inputs: pd.DataFrame) -> np.ndarray:
        """Noise-free revenue per row of a frame with the columns (and weeks, regions) of :attr:`data`.

        Use it for the true outcome of a spend change: scale a channel's column on some rows
        and compare with the frame as observed. National channels are read from the frame
        like any column (a region's row holds what that region got). Mentions are recomputed
        from the frame's social inputs; the observed KPI and mentions columns are ignored.
        """
        return self._sim.expected(inputs)

    def to_files(self, directory: str | Path, stem: str) -> dict[str, Path]:
        """Write ``{stem}.csv``, ``{stem}.toml``, ``{stem}_truth.csv`` and ``{stem}_truth_by_geo.csv``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {k: out / f"{stem}{s}" for k, s in (("data", ".csv"), ("channel_map", ".toml"),
                 ("truth", "_truth.csv"), ("truth_by_geo", "_truth_by_geo.csv"))}  # fmt: skip
        self.data.to_csv(paths["data"], index=False, date_format="%Y-%m-%d", encoding="utf-8")
        paths["channel_map"].write_text(self.channel_map.to_toml(), encoding="utf-8")
        self.truth.round(6).to_csv(paths["truth"], index=False, encoding="utf-8")
        self.truth_by_geo.round(6).to_csv(paths["truth_by_geo"], index=False, encoding="utf-8")
        return paths

    def __repr__(self) -> str:
        weeks = self.data[self.channel_map.date].nunique()
        return (
            f"RegionalBrand({self.n_regions} regions × {weeks} weeks, "
            f"channels={list(self.channel_map.channel_names)})"
        )


@dataclass(frozen=True, eq=False)
class _Simulator:
    """Everything needed to recompute the noise-free mean for any input frame."""

    keys: tuple[str, ...]
    names: dict[str, str]
    cols: dict[str, str]
    regions: tuple[str, ...]
    weights: np.ndarray  # (G,)
    scale: dict[str, np.ndarray]  # channel → (G,) saturation scale
    beta: dict[str, np.ndarray]  # channel → (G,)
    gamma: dict[str, float]  # source → mentions generated per unit of saturation, national
    organic: np.ndarray  # (T, G)
    mention_mult: np.ndarray  # (T, G) observed mentions noise
    base: dict[str, float]
    region_base: dict[str, np.ndarray]  # intercept factor, trend, phase (G,)
    shock: np.ndarray  # (T,)
    dates: pd.DatetimeIndex
    sources: tuple[str, ...]
    earned: str | None
    date_col: str
    geo_col: str
    price_col: str
    promo_col: str

    def sat(self, k: str, x: np.ndarray) -> np.ndarray:
        q = PRESET[k]
        return hill(geometric_adstock(x, q.alpha) / self.scale[k][None, :], q.half, q.slope)

    def baseline(self, dates: pd.DatetimeIndex, price: np.ndarray, promo: np.ndarray) -> np.ndarray:
        """Baseline revenue (T, G): level × (1 + trend + season + festivals + price) × national shock."""
        b, rb = self.base, self.region_base
        t = years_since(dates, self.dates[0])[:, None]
        ang = 2 * np.pi * np.asarray((dates - pd.Timestamp("2000-01-01")).days, dtype=float) / 365.25
        ang = ang[:, None] + 2 * np.pi * rb["phase"][None, :] / 365.25
        season = sum(b[f"season_sin{k}"] * np.sin(k * ang) + b[f"season_cos{k}"] * np.cos(k * ang)
                     for k in (1, 2))  # fmt: skip
        cny = spring_festival_weeks(dates)[:, None] if len(dates) else np.zeros((0, 1))
        rel = (1 + rb["trend"][None, :] * t + season + b["spring_festival"] * cny
               + b["promo"] * np.asarray(promo, dtype=float)[:, None] + b["price"] * (price - 1.0))  # fmt: skip
        level = INTERCEPT * self.weights * rb["level"]
        pos = self.dates.get_indexer(dates)
        shock = np.where(pos >= 0, self.shock[np.maximum(pos, 0)], 1.0)
        return level[None, :] * rel * shock[:, None]

    def evaluate(
        self, dates: pd.DatetimeIndex, x: Mapping[str, np.ndarray], price: np.ndarray,
        promo: np.ndarray, drop: tuple[str, int] | None = None, base: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:  # fmt: skip
        """mu (T, G) and its parts for inputs ``x`` (channel → (T, G)); ``drop`` = (source, region)
        removes what that source generated in that region (for the via-earned truth)."""
        parts = {"baseline": self.baseline(dates, price, promo) if base is None else base}
        mu = parts["baseline"].copy()
        sats = {}
        for k in self.keys:
            if k == self.earned:
                continue
            sats[k] = self.sat(k, x[k])
            parts[k] = self.beta[k][None, :] * sats[k]
            mu += parts[k]
        if self.earned is not None:
            pos = self.dates.get_indexer(dates)
            inside = (pos >= 0)[:, None]
            t = years_since(dates, self.dates[0])[:, None]
            last = self.organic[-1] / (1 + self.base["organic_growth"] * years_since(self.dates[-1:], self.dates[0])[0])
            organic = np.where(inside, self.organic[np.maximum(pos, 0)],
                               last[None, :] * (1 + self.base["organic_growth"] * t))  # fmt: skip
            mult = np.where(inside, self.mention_mult[np.maximum(pos, 0)], 1.0)
            gen = np.zeros_like(mu)
            for s in self.sources:
                part = self.gamma[s] * self.weights[None, :] * sats[s]
                if drop is not None and drop[0] == s:
                    part = part.copy()
                    part[:, drop[1]] = 0.0
                gen += part
            parts["mentions"] = (organic + gen) * mult
            parts[self.earned] = self.beta[self.earned][None, :] * self.sat(self.earned, parts["mentions"])
            mu += parts[self.earned]
        parts["mu"] = mu
        return parts

    def inputs_from(self, frame: pd.DataFrame) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """(dates, channel → (T, G), price (T, G), promo (T,)) from a long frame."""
        dates = pd.DatetimeIndex(pd.to_datetime(frame[self.date_col]).unique()).sort_values()
        regions = frame[self.geo_col].astype(str)
        unknown = sorted(set(regions) - set(self.regions))
        if unknown:
            raise ConfigError(f"Unknown region(s) {unknown}; the brand has {list(self.regions)}.")
        idx = pd.MultiIndex.from_arrays([pd.to_datetime(frame[self.date_col]), regions])
        full = pd.MultiIndex.from_product([dates, list(self.regions)])

        def grid(col: str) -> np.ndarray:
            s = pd.Series(frame[col].to_numpy(dtype=float), index=idx).reindex(full)
            if s.isna().any():
                raise ConfigError(f"Column {col!r} needs a value for every week and region.")
            return s.to_numpy().reshape(len(dates), len(self.regions))

        x = {k: grid(self.cols[k]) for k in self.keys if k != self.earned}
        promo = grid(self.promo_col)[:, 0]
        return dates, x, grid(self.price_col), promo

    def expected(self, frame: pd.DataFrame) -> np.ndarray:
        dates, x, price, promo = self.inputs_from(frame)
        if dates[0] > self.dates[0] and dates[0] <= self.dates[-1] + pd.Timedelta(days=7):
            raise ConfigError(
                "expected_kpi needs frames that start with the data's first week (in-sample "
                "counterfactuals) so that carry-over is kept."
            )
        mu = self.evaluate(dates, x, price, promo)["mu"]
        pos = {g: i for i, g in enumerate(self.regions)}
        t = dates.get_indexer(pd.to_datetime(frame[self.date_col]))
        g = np.array([pos[r] for r in frame[self.geo_col].astype(str)])
        return mu[t, g]


def generate_panel(
    seed: int = 0,
    regions: int = 20,
    weeks: int = 156,
    start: str = "2022-01-03",
    *,
    channels: Sequence[str] | None = None,
    national: Sequence[str] = DEFAULT_NATIONAL,
    staggered: Sequence[str] = DEFAULT_STAGGERED,
    chinese: bool = False,
    roi: Mapping[str, float] | None = None,
    share: Mapping[str, float] | None = None,
    roi_spread: float = 0.25,
    noise: float = 0.05,
    national_shock: float = 0.02,
    modulate: Mapping[str, Any] | None = None,
) -> RegionalBrand:
    """Generate a seeded regional weekly panel with known national and regional truth.

    Parameters
    ----------
    seed : int
        Seed; the same arguments give an identical panel.
    regions : int
        Number of regions: China's provinces in order of population (up to 31), then
        ``market_32`` … for more.
    weeks : int
        Number of weeks (W-MON).
    channels : sequence of str, optional
        Preset channels (see :data:`mmm.data.synthetic.PRESET`); default the demo mix.
    national : sequence of str
        Paid channels bought nationally (split to regions by population).
    staggered : sequence of str
        Channels that launch at a random week in each region (first third of the data for
        most) and ramp up over :data:`RAMP_WEEKS`.
    chinese : bool
        Chinese region, channel and column names.
    roi, share : mapping, optional
        National ROI per paid channel / share of revenue per owned or earned channel.
    roi_spread : float
        Standard deviation of the log regional ROI factor around the national ROI.
    noise : float
        Standard deviation of the multiplicative KPI noise per region and week.
    national_shock : float
        Standard deviation of the weekly multiplicative shock shared by every region.
    modulate : mapping, optional
        Per paid or owned channel, a weekly factor (one value per week, >= 0) multiplying its
        flighting in every region before it is scaled to the preset level (a national burst).
    """
    if not regions >= 2:
        raise ConfigError(f"regions == {regions}; a panel needs at least 2.")
    if weeks < 52:
        raise ConfigError(f"weeks == {weeks}; need at least 52.")
    wanted = DEFAULT_CHANNELS if channels is None else tuple(preset_key(c, "channels") for c in channels)
    keys = tuple(k for k in PRESET if k in wanted)
    nat = tuple(preset_key(c, "national") for c in national)
    stag = tuple(preset_key(c, "staggered") for c in staggered)
    for k in nat:
        if k not in keys or PRESET[k].media == "earned":
            raise ConfigError(f"national channel {k!r} must be a generated paid or owned channel.")
    rois = {**DEFAULT_ROI, **{preset_key(k, "roi"): float(v) for k, v in (roi or {}).items()}}
    shares = {**DEFAULT_SHARE, **{preset_key(k, "share"): float(v) for k, v in (share or {}).items()}}
    factors = {preset_key(k, "modulate"): np.asarray(v, dtype=float) for k, v in (modulate or {}).items()}
    for k, m in factors.items():
        if k not in keys or PRESET[k].media == "earned":
            raise ConfigError(f"modulate[{k!r}]: only generated paid or owned channels.")
        if m.shape != (weeks,) or not np.isfinite(m).all() or (m < 0).any() or m.sum() <= 0:
            raise ConfigError(f"modulate[{k!r}] must hold {weeks} finite values >= 0, not all 0.")

    names_reg = [p[0] if chinese else p[1] for p in PROVINCES]
    pops = [p[2] for p in PROVINCES]
    rng_geo = np.random.default_rng([seed, 200])
    while len(names_reg) < regions:
        names_reg.append(f"市场{len(names_reg) + 1}" if chinese else f"market_{len(names_reg) + 1}")
        pops.append(float(rng_geo.uniform(3.0, 30.0)))
    region_names = tuple(names_reg[:regions])
    pop = np.array(pops[:regions]) * 1e6
    w = pop / pop.sum()
    g_n = regions

    dates = pd.date_range(pd.Timestamp(start), periods=weeks, freq="W-MON")
    rb = np.random.default_rng([seed, 100])
    a1, a2 = rb.uniform(0.06, 0.09), rb.uniform(0.02, 0.04)
    ph1, ph2 = rb.uniform(0, 2 * np.pi, 2)
    base = {
        "intercept": INTERCEPT, "trend": 0.05,
        "season_sin1": float(a1 * np.sin(ph1)), "season_cos1": float(a1 * np.cos(ph1)),
        "season_sin2": float(a2 * np.sin(ph2)), "season_cos2": float(a2 * np.cos(ph2)),
        "spring_festival": 0.10, "promo": 0.20, "price": -1.5,
        "organic_level": MENTIONS_LEVEL * ORGANIC_SHARE, "organic_growth": 0.10,
    }  # fmt: skip
    region_base = {
        "level": np.exp(rb.normal(0, 0.15, g_n)),
        "trend": rb.uniform(0.0, 0.10, g_n),
        "phase": rb.uniform(-10, 10, g_n),
    }
    promo = promo_weeks(dates).astype(float)
    price = np.round(1 + np.stack([ar1(np.random.default_rng([seed, 104, g]), weeks, 0.8, 0.015)
                                   for g in range(g_n)], axis=1) - 0.06 * promo[:, None], 4)  # fmt: skip
    shock = np.exp(np.random.default_rng([seed, 105]).normal(0, national_shock, weeks))
    t_years = years_since(dates, dates[0])
    season = baseline_parts(dates, np.ones(weeks), promo, base, dates[0])["seasonality"] / INTERCEPT
    ctx = FlightContext(weeks, t_years, season, promo > 0, spring_festival_weeks(dates))

    x: dict[str, np.ndarray] = {}
    launch: dict[str, np.ndarray] = {}
    for i, k in enumerate(PRESET):
        spec = PRESET[k]
        if k not in keys or spec.media == "earned":
            continue
        if k in nat:
            xi = FLIGHTS[k](np.random.default_rng([seed, i]), ctx) * factors.get(k, 1.0)
            x[k] = np.round(xi / xi.mean() * spec.level)[:, None] * w[None, :]
            continue
        cols = []
        for g in range(g_n):
            xi = FLIGHTS[k](np.random.default_rng([seed, i, g]), ctx) * factors.get(k, 1.0)
            xi = xi / max(xi.mean(), 1e-12)
            if k in stag:
                first = int(np.random.default_rng([seed, i, g, 1]).integers(0, int(0.6 * weeks)))
                launch.setdefault(k, np.zeros(g_n, dtype=int))[g] = first
                ramp = np.clip((np.arange(weeks) - first + 1) / RAMP_WEEKS, 0.0, 1.0)
                xi = xi * ramp
            cols.append(xi)
        arr = np.stack(cols, axis=1) * w[None, :] * g_n
        arr = arr / arr.sum(axis=1).mean()  # national mean weekly input = 1
        x[k] = np.round(arr * spec.level, 0 if spec.media == "paid" or spec.level > 1000 else 3)

    names = {k: (PRESET[k].zh if chinese else k) for k in keys}
    cols_ = {k: (PRESET[k].col_zh if chinese else PRESET[k].col) for k in keys}
    earned = "mentions" if "mentions" in keys else None
    sources = tuple(k for k in keys if PRESET[k].mention_share > 0) if earned else ()
    scale = {k: x[k].sum(axis=1).mean() * w for k in x}
    sats = {k: hill(geometric_adstock(x[k], PRESET[k].alpha) / scale[k][None, :], PRESET[k].half,
                    PRESET[k].slope) for k in x}  # fmt: skip

    gamma: dict[str, float] = {}
    organic = mult = np.zeros((weeks, g_n))
    mentions = np.zeros((weeks, g_n))
    if earned:
        for k in sources:
            gamma[k] = PRESET[k].mention_share * MENTIONS_LEVEL / float((sats[k] * w).sum(axis=1).mean())
        w_org = np.stack([ar1(np.random.default_rng([seed, 103, g]), weeks, 0.9, 0.07)
                          for g in range(g_n)], axis=1)  # fmt: skip
        organic = base["organic_level"] * w[None, :] * (1 + base["organic_growth"] * t_years[:, None]) * np.exp(w_org)
        clean = organic + sum((gamma[k] * w[None, :] * sats[k] for k in sources), np.zeros_like(organic))
        eps_m = np.random.default_rng([seed, 102]).normal(0, MENTION_NOISE, (weeks, g_n))
        mentions = np.round(clean * np.exp(eps_m))
        mult = mentions / clean
        scale[earned] = mentions.sum(axis=1).mean() * w
        sats[earned] = hill(geometric_adstock(mentions, PRESET[earned].alpha) / scale[earned][None, :],
                            PRESET[earned].half, PRESET[earned].slope)  # fmt: skip

    roi_factor = {k: np.exp(np.random.default_rng([seed, 300, i]).normal(0, roi_spread, g_n) - roi_spread**2 / 2)
                  for i, k in enumerate(keys)}  # fmt: skip
    sim0 = _Simulator(keys, names, cols_, region_names, w, scale, {}, gamma, organic, mult, base,
                      region_base, shock, dates, sources, earned, *_labels(chinese)[:4])  # fmt: skip
    baseline = sim0.baseline(dates, price, promo)
    paid_total = sum(rois[k] * x[k].sum() for k in keys if PRESET[k].media == "paid")
    other = sum(shares[k] for k in keys if PRESET[k].media != "paid")
    total = (baseline.sum() + paid_total) / (1 - other)
    beta = {}
    for k in keys:
        if PRESET[k].media == "paid":
            target = rois[k] * roi_factor[k] * x[k].sum(axis=0)
        else:
            region_share = baseline.sum(axis=0) / baseline.sum()
            target = shares[k] * total * region_share * roi_factor[k]
        beta[k] = target / np.maximum(sats[k].sum(axis=0), 1e-12)
    sim = _Simulator(keys, names, cols_, region_names, w, scale, beta, gamma, organic, mult, base,
                     region_base, shock, dates, sources, earned, *_labels(chinese)[:4])  # fmt: skip
    parts = sim.evaluate(dates, x, price, promo)
    eps = np.random.default_rng([seed, 101]).normal(0, noise, (weeks, g_n))
    revenue = np.round(parts["mu"] * np.exp(eps), 2)

    lab = _labels(chinese)
    t_idx = np.repeat(np.arange(weeks), g_n)
    g_idx = np.tile(np.arange(g_n), weeks)
    data = pd.DataFrame({lab[0]: dates[t_idx], lab[1]: np.asarray(region_names)[g_idx],
                         lab[4]: np.round(pop[g_idx]).astype(np.int64),
                         lab[5]: revenue[t_idx, g_idx]})  # fmt: skip
    for k in keys:
        col = mentions if k == earned else x[k]
        if k in nat:
            col = np.repeat(col.sum(axis=1, keepdims=True), g_n, axis=1)  # the national figure
        vals = col[t_idx, g_idx]
        data[cols_[k]] = vals.astype(np.int64) if np.array_equal(vals, np.round(vals)) else vals
    data[lab[2]] = price[t_idx, g_idx]
    data[lab[3]] = promo[t_idx].astype(int)

    cmap = _channel_map(keys, names, cols_, sources, nat, chinese)
    truth, by_geo = _truth(sim, dates, x, price, promo, parts)
    params = {
        names[k]: {"alpha": PRESET[k].alpha, "half": PRESET[k].half, "slope": PRESET[k].slope,
                   "beta": beta[k], "roi_factor": roi_factor[k]} for k in keys
    } | {"weights": w, "launch": {names[k]: v for k, v in launch.items()},
         "noise": {"sigma": noise, "national_shock": national_shock}}  # fmt: skip
    return RegionalBrand(data, cmap, truth, by_geo, params, sim)


def _labels(chinese: bool) -> tuple[str, str, str, str, str, str]:
    """(date, region, price, promo, population, kpi) column names."""
    if chinese:
        return ("周", "省份", "价格指数", "大促", "人口", "销售额")
    return ("week", "province", "price_index", "promo_festival", "population", "revenue")


def _channel_map(
    keys: Sequence[str], names: Mapping[str, str], cols: Mapping[str, str], sources: Sequence[str],
    national: Sequence[str], chinese: bool,
) -> ChannelMap:  # fmt: skip
    date, geo, price, promo, population, kpi = _labels(chinese)
    chans: dict[str, Any] = {}
    for k in keys:
        s = PRESET[k]
        d: dict[str, Any] = {"media": s.media, ("spend" if s.media == "paid" else "activity"): cols[k]}
        d |= {"social": True} if s.social else {}
        d["platform"] = s.platform_zh if chinese else s.platform
        if s.media == "earned":
            d["driven_by"] = [names[src] for src in sources]
        if k in national:
            d["level"] = "national"
        d["max_lag"] = MAX_LAG
        chans[names[k]] = d
    raw = {
        "date": date, "kpi": kpi, "frequency": "W", "currency": "¥",
        "brand": "示例品牌（分省）" if chinese else "Demo Brand (regional)",
        "geo": geo, "population": population, "channels": chans,
        "controls": {"columns": [price, promo], "holidays": "CN"},
    }  # fmt: skip
    return ChannelMap.from_dict(raw, where="(synthetic panel)")


def _truth(
    sim: _Simulator, dates: pd.DatetimeIndex, x: Mapping[str, np.ndarray], price: np.ndarray,
    promo: np.ndarray, parts: Mapping[str, np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    mu = parts["mu"]
    rows, geo_rows = [], []
    for k in sim.keys:
        s = PRESET[k]
        contrib = np.zeros(len(sim.regions))
        if k == sim.earned:
            contrib = parts[k].sum(axis=0)
        else:
            for g in range(len(sim.regions)):
                zeroed = dict(x)
                zeroed[k] = x[k].copy()
                zeroed[k][:, g] = 0.0
                contrib[g] = (mu - sim.evaluate(dates, zeroed, price, promo, base=parts["baseline"])["mu"]).sum()
        spend = x[k].sum(axis=0) if s.media == "paid" else np.zeros(len(sim.regions))
        for g, region in enumerate(sim.regions):
            roi = contrib[g] / spend[g] if spend[g] > 0 else np.nan
            geo_rows.append((region, sim.names[k], s.media, s.social, spend[g], contrib[g], roi))
        total_spend = float(spend.sum())
        roi = float(contrib.sum() / total_spend) if total_spend > 0 else np.nan
        rows.append((sim.names[k], s.media, s.social, total_spend, float(contrib.sum()), roi,
                     float(parts[k].sum() / mu.sum())))  # fmt: skip
    return (pd.DataFrame(rows, columns=list(TRUTH_COLUMNS)),
            pd.DataFrame(geo_rows, columns=list(GEO_TRUTH_COLUMNS)))  # fmt: skip
